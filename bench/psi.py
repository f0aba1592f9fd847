"""PSI benchmark: two parties as processes over gRPC with mutual TLS on loopback, per protocol.

    python bench/psi.py [--quick] [--peers] [--json PATH] [--keys N ...] [--protocols ecdh,kkrt]
                        [--seed S] [--slow-peers]

Workload ``psi N keys``: each party holds N keys (100,000 and 1,000,000; ``--quick``: 100,000),
half of them common, drawn exactly as ``bench/peers/spu_psi.py`` draws them (same seed, same
formula, see :func:`make_keys`), so that Confide and the peers intersect the same sets. Party
``receiver`` alone learns the intersection, as SPU's party 0 does.

Each run is one :func:`confide.launch`: a process per party, gRPC with mutual TLS. Each party
makes its keys, meets the other at a barrier, then runs :func:`confide.psi.intersect` (hashing
the key strings included, as SPU's time includes reading its CSV). ``seconds`` runs from the
barrier to the last party's return (wall clocks of one machine); ``bytes_sent`` is what both
links sent during the run; ``rounds`` the protocol's sequential flows (ECDH: handshake, points,
tags; KKRT: handshake and its 5 flows). Rows have metric ``seconds (<protocol>)``.

The curve floor: ECDH-PSI needs 2 X25519 scalar multiplications per key per party (its own keys
once, the peer's once). The single-core rate of ``cryptography``'s X25519 (one
``from_public_bytes`` and one ``exchange`` per point, the least Python can do per point) is
measured in this run, right before and right after each ECDH run (the better of the two, so
that a busy moment of a shared machine does not lower the floor); the floor is ``2 N / rate``
with each party on its own core, and the row ``ratio to curve floor`` holds ECDH's seconds
over it.

``--peers`` runs ``.venv-peers/bin/python bench/peers/spu_psi.py`` (SPU's ECDH, KKRT and RR22,
and openmined-psi up to 100,000 keys unless ``--slow-peers``) on the same sizes and seed in the
same run, merges its rows and prints Confide / peer ratios. ``make bench-peers`` prepares the
peers' virtualenv.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from confide import psi
from confide.runtime import Context, launch

ROOT = Path(__file__).resolve().parents[1]
PEERS_PYTHON = ROOT / ".venv-peers" / "bin" / "python"
PEERS_SCRIPT = ROOT / "bench" / "peers" / "spu_psi.py"
RECEIVER, SENDER = "receiver", "sender"
OVERLAP = 0.5
PROTOCOLS = ("ecdh", "kkrt")
ROUNDS = {"ecdh": 3, "kkrt": 6}
FLOOR_METRIC = "ratio to curve floor"

Row = dict[str, Any]


def make_keys(n: int, overlap: float, seed: int, party: str) -> tuple[list[str], int]:
    """``party``'s keys and the true intersection size, as ``bench/peers/spu_psi.py`` makes
    them: ``ids = default_rng(seed).permutation(2n - m)``; the receiver holds ``ids[:n]``, the
    sender ``rng.permutation(ids[n - m : 2n - m])``; key ``i`` is ``f"id-{i:012d}"``."""
    common = round(overlap * n)
    rng = np.random.default_rng(seed)  # benchmark data, not secrets
    ids = rng.permutation(2 * n - common)
    chosen = ids[:n] if party == RECEIVER else rng.permutation(ids[n - common : 2 * n - common])
    return [f"id-{i:012d}" for i in chosen.tolist()], common


def barrier(ctx: Context) -> None:
    with ctx.scope("bench-barrier"):
        ctx.broadcast("here", True)
        ctx.gather("here")


def psi_job(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    """One party: make its keys, wait for the other, run the PSI; wall times and bytes."""
    keys, common = make_keys(spec["keys"], OVERLAP, spec["seed"], ctx.party)
    barrier(ctx)
    sent_before = int(getattr(ctx.link, "bytes_sent", 0))
    start = time.time()
    result = psi.intersect(ctx, keys, protocol=spec["protocol"], receivers=[RECEIVER])
    end = time.time()
    return {
        "start": start,
        "end": end,
        "bytes": int(getattr(ctx.link, "bytes_sent", 0)) - sent_before,
        "size": result.size,
        "common": common,
    }


def row(
    workload: str,
    system: str,
    seconds: float,
    nbytes: int | None = None,
    rounds: int | None = None,
    metric: str | None = None,
    value: float | None = None,
) -> Row:
    return {"workload": workload, "system": system, "parties": 2, "seconds": seconds,
            "bytes_sent": nbytes, "rounds": rounds, "metric": metric, "value": value}  # fmt: skip


def confide_row(protocol: str, n: int, seed: int) -> Row:
    spec = {"keys": n, "seed": seed, "protocol": protocol}
    out = launch(psi_job, {RECEIVER: spec, SENDER: spec}, timeout=600, job_timeout=3600)
    seconds = max(r["end"] for r in out.values()) - min(r["start"] for r in out.values())
    found, truth = out[RECEIVER]["size"], out[RECEIVER]["common"]
    if found != truth:
        print(f"warning: confide {protocol} found {found} common keys, the truth is {truth}",
              file=sys.stderr)  # fmt: skip
    total = sum(r["bytes"] for r in out.values())
    return row(f"psi {n} keys", "confide", seconds, total, ROUNDS[protocol],
               f"seconds ({protocol})", seconds if found == truth else None)  # fmt: skip


def x25519_rate(points: int = 20_000, repeats: int = 3) -> tuple[float, float]:
    """Single-core X25519 scalar multiplications per second, and the seconds of the best pass."""
    scalar = X25519PrivateKey.from_private_bytes(secrets.token_bytes(32))
    us = [X25519PrivateKey.generate().public_key().public_bytes_raw() for _ in range(points)]
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for u in us:
            scalar.exchange(X25519PublicKey.from_public_bytes(u))
        best = min(best, time.perf_counter() - start)
    return points / best, best


def peer_rows(sizes: Sequence[int], seed: int, slow: bool) -> list[Row]:
    """Run the peer script once per size in its own virtualenv; its rows (none if it fails)."""
    rows: list[Row] = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="confide-psi-peers-") as tmp:
            out = Path(tmp) / "rows.json"
            command = [str(PEERS_PYTHON), str(PEERS_SCRIPT), "--keys", str(n), "--seed",
                       str(seed), "--overlap", str(OVERLAP), "--json", str(out)]  # fmt: skip
            if slow:
                command.append("--slow-peers")
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            sys.stderr.write(done.stderr)
            if done.returncode != 0 or not out.exists():
                print(f"peer script failed at {n} keys (exit {done.returncode})", file=sys.stderr)
                continue
            rows.extend(json.loads(out.read_text()))
    return rows


def print_table(rows: Sequence[Row]) -> None:
    print(f"{'workload':<40} {'system':<14} {'seconds':>9} {'MB sent':>9} {'rounds':>6} "
          f"{'metric':>22} {'value':>10}")  # fmt: skip
    for r in rows:
        mb = "" if r["bytes_sent"] is None else f"{r['bytes_sent'] / 1e6:.1f}"
        value = "" if r["value"] is None else f"{r['value']:.4g}"
        rounds = "" if r["rounds"] is None else str(r["rounds"])
        print(f"{r['workload']:<40} {r['system']:<14} {r['seconds']:>9.3f} {mb:>9} {rounds:>6} "
              f"{r['metric'] or '':>22} {value:>10}")  # fmt: skip


def print_ratios(rows: Sequence[Row]) -> None:
    """Confide over each peer on the same workload, from this run's rows."""
    confide = {(r["workload"], r["metric"]): r["value"] for r in rows if r["system"] == "confide"}
    peers = {(r["workload"], r["system"]): r["value"] for r in rows if r["system"] != "confide"}
    pairs = [("kkrt", "spu-kkrt"), ("ecdh", "spu-ecdh"), ("kkrt", "openmined-psi"),
             ("ecdh", "openmined-psi"), ("kkrt", "spu-rr22")]  # fmt: skip
    print("\nConfide / peer, same keys, same run (below 1: Confide is faster)")
    print(f"{'workload':<18} {'comparison':<32} {'confide s':>10} {'peer s':>10} {'ratio':>7}")
    for workload in dict.fromkeys(w for w, _ in confide):
        for protocol, peer in pairs:
            ours, theirs = (
                confide.get((workload, f"seconds ({protocol})")),
                peers.get((workload, peer)),
            )
            if ours is None or theirs is None:
                continue
            label = f"confide {protocol} / {peer}"
            print(f"{workload:<18} {label:<32} {ours:>10.3f} {theirs:>10.3f} "
                  f"{ours / theirs:>7.2f}")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 keys only, about a minute")
    parser.add_argument("--peers", action="store_true", help="also run SPU and openmined-psi")
    parser.add_argument("--json", help="write the rows as JSON to this path")
    parser.add_argument("--keys", type=int, nargs="+", help="keys per party (overrides sizes)")
    parser.add_argument("--protocols", default=",".join(PROTOCOLS), help="comma-separated")
    parser.add_argument("--seed", type=int, default=0, help="seed of the key sets (as the peers)")
    parser.add_argument("--slow-peers", action="store_true", help="openmined-psi above 100,000")
    args = parser.parse_args(argv)
    sizes = args.keys or ([100_000] if args.quick else [100_000, 1_000_000])
    protocols = [p.strip() for p in args.protocols.split(",") if p.strip()]
    if any(n < 1 for n in sizes) or not set(protocols) <= set(PROTOCOLS) or not protocols:
        parser.error(f"--keys must be positive and --protocols some of {PROTOCOLS}")
    if args.peers and not PEERS_PYTHON.exists():
        print(f"{PEERS_PYTHON} is missing: run `make bench-peers` first", file=sys.stderr)
        return 2
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    rows: list[Row] = []
    for n in sizes:
        for protocol in protocols:
            if protocol != "ecdh":
                rows.append(confide_row(protocol, n, args.seed))
                continue
            before = x25519_rate()
            result = confide_row(protocol, n, args.seed)
            rate, sample_seconds = max(before, x25519_rate())
            floor = 2 * n / rate
            rows += [
                row("x25519 scalar multiplication, one core", "plaintext", sample_seconds,
                    metric="multiplications per second", value=rate),
                result,
                row(result["workload"], "confide", result["seconds"], metric=FLOOR_METRIC,
                    value=result["seconds"] / floor),
            ]  # fmt: skip
        if args.peers:
            rows.extend(peer_rows([n], args.seed, args.slow_peers))
    print_table(rows)
    if args.peers:
        print_ratios(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
