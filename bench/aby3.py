"""aby3 benchmark: fixed-point multiply and matmul on shared inputs, three parties, no dealer.

    python bench/aby3.py [--quick] [--peers] [--json PATH]

Runs the three parties as threads over memory links (``confide.simulate``), both truncation
methods, with semi2k (two parties and a dealer) in the same run for comparison. As in
``bench/mpc.py``: every party meets at a barrier, then each data party times the operation
(product and truncation) until it holds its share of the result; a row reports the slowest party,
best of a few repetitions. ``bytes_sent`` is what all parties' links sent during one operation,
``rounds`` the rounds of the first data party; the metric is the largest absolute error against
numpy in float64. Inputs are uniform in [-1, 1) (matmul) and [-10, 10) (multiply), as
``bench/mpc.py`` and ``bench/peers/spu_mpc.py`` use.

The SPU column holds the aby3 figures quoted in issue 3 (SPU 0.9.5, another 2-core machine):
orientation only. ``--peers`` is accepted for the common command line and runs nothing more.
"""

from __future__ import annotations

import os

# Three parties share two cores: one BLAS thread each (see bench/mpc.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from confide.mpc import MPC, Aby3, Semi2k, TrustedDealer
from confide.runtime import Context, Role, simulate

DEALER = "dealer"

#: name: (label, data parties, engine factory, helper parties)
PROTOCOLS: dict[str, tuple[str, int, Callable[[Context], MPC], tuple[str, ...]]] = {
    "aby3": ("aby3, pair truncation", 3, lambda ctx: MPC(ctx, Aby3("pair")), ()),
    "aby3-local": ("aby3, local truncation", 3, lambda ctx: MPC(ctx, Aby3("local")), ()),
    "semi2k": (
        "semi2k, 2 parties + dealer",
        2,
        lambda ctx: MPC(ctx, Semi2k(), TrustedDealer()),
        (DEALER,),
    ),
}

#: SPU 0.9.5 aby3 runtime figures quoted in issue 3 (2 cores, FM64, 18 fractional bits).
SPU_ABY3 = {"matmul": 0.71, "multiply": 0.093}


def shapes(workload: str, quick: bool) -> tuple[tuple[int, ...], tuple[int, ...], float]:
    if workload == "matmul":
        n = 200 if quick else 1000
        return (n, n), (n, n), 1.0
    n = 100_000 if quick else 1_000_000
    return (n,), (n,), 10.0


def barrier(ctx: Context) -> None:
    with ctx.scope("bench-barrier"):
        ctx.broadcast("here", True)
        ctx.gather("here")


def job(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    _, _, make, helpers = PROTOCOLS[spec["protocol"]]
    x_shape, y_shape, bound = shapes(spec["workload"], spec["quick"])
    rng = np.random.default_rng(2024)  # benchmark data, not secrets
    x_plain, y_plain = rng.uniform(-bound, bound, x_shape), rng.uniform(-bound, bound, y_shape)
    owners = [p for p in ctx.parties if p not in helpers]
    mpc = make(ctx)
    x = mpc.input(owners[0], x_plain if ctx.party == owners[0] else None)
    y = mpc.input(owners[1], y_plain if ctx.party == owners[1] else None)
    op: Callable[[], Any] = (lambda: x @ y) if spec["workload"] == "matmul" else (lambda: x * y)
    times = []
    rounds = sent = 0
    z = op()  # once untimed, for the error below
    for _ in range(spec["repeats"]):
        barrier(ctx)
        rounds_before, bytes_before = mpc.rounds, mpc.bytes_sent
        start = time.perf_counter()
        op()
        times.append(time.perf_counter() - start)
        rounds, sent = mpc.rounds - rounds_before, mpc.bytes_sent - bytes_before
    revealed = mpc.reveal(z, to=owners[0])
    error = None
    if revealed is not None:
        plain = x_plain @ y_plain if spec["workload"] == "matmul" else x_plain * y_plain
        error = float(np.max(np.abs(revealed - plain)))
    return {
        "times": times if mpc.holds_shares else [],
        "rounds": rounds,
        "bytes": sent,
        "error": error,
    }


def measure(protocol: str, workload: str, quick: bool) -> dict[str, Any]:
    label, data_parties, _, helpers = PROTOCOLS[protocol]
    parties = [f"p{i}" for i in range(data_parties)] + list(helpers)
    repeats = 3 if quick else 5
    spec = {"protocol": protocol, "workload": workload, "quick": quick, "repeats": repeats}
    roles = {h: [Role.COMPUTE_HELPER] for h in helpers}
    results = simulate(job, {p: spec for p in parties}, roles=roles, timeout=600)
    timed = [r["times"] for r in results.values() if r["times"]]
    slowest = [max(t[k] for t in timed) for k in range(repeats)]
    x_shape, y_shape, _ = shapes(workload, quick)
    size = "x".join(map(str, x_shape)) + (" @ " + "x".join(map(str, y_shape)) if workload ==
                                           "matmul" else " elements")  # fmt: skip
    return {
        "workload": f"{workload} {size} ({label}), shared inputs",
        "system": "confide",
        "parties": data_parties,
        "seconds": min(slowest),
        "bytes_sent": sum(r["bytes"] for r in results.values()),
        "rounds": results["p0"]["rounds"],
        "metric": "max abs error",
        "value": results["p0"]["error"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under a minute")
    parser.add_argument("--peers", action="store_true", help="accepted; runs no peer system")
    parser.add_argument("--json", help="write the rows as JSON to this path")
    args = parser.parse_args()
    rows = [
        measure(protocol, workload, args.quick)
        for workload in ("multiply", "matmul")
        for protocol in PROTOCOLS
    ]
    print(f"{'workload':<78} {'seconds':>8} {'rounds':>6} {'MB sent':>8} {'max error':>10} "
          f"{'SPU aby3*':>9} {'ratio*':>6}")  # fmt: skip
    for r in rows:
        name = r["workload"].split()[0]
        reference = None if args.quick or "aby3" not in r["workload"] else SPU_ABY3[name]
        ref, ratio = (
            (f"{reference:.3f}", f"{r['seconds'] / reference:.2f}") if reference else ("", "")
        )
        print(f"{r['workload']:<78} {r['seconds']:>8.3f} {r['rounds']:>6} "
              f"{r['bytes_sent'] / 1e6:>8.1f} {r['value']:>10.2g} {ref:>9} {ratio:>6}")  # fmt: skip
    if not args.quick:
        print("* SPU figures quoted in issue 3, measured elsewhere: orientation only.")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
