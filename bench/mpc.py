"""MPC benchmark: ring matmul and fixed-point multiply on secret-shared inputs, per protocol.

    python bench/mpc.py [--quick] [--peers] [--json PATH]

Every MPC row runs the data parties and the dealer as threads over memory links
(``confide.simulate``). "shared inputs" rows time the operation alone, on inputs already shared,
as SPU's published figures do: all parties (dealer included) meet at a barrier, then each data
party times the operation until it holds its share of the result; the row reports the slowest
party, best of a few repetitions. The dealer deals during that time, so its work is counted.
"end to end" rows time engine setup, input, the operation and the reveal, once. ``bytes_sent``
is the bytes all parties' links sent during one operation; ``rounds`` the rounds of the first
data party; the metric is the largest absolute error against numpy in float64.

The ``ring matmul`` rows compare the exact Z_2^64 matmul on float64 limbs with numpy's uint64
matmul (one party, no MPC). BLAS runs one thread per party (see ``OPENBLAS_NUM_THREADS`` below).

Where later work plugs in: comparisons, sigmoid and logistic regression go into ``WORKLOADS``
(with the comparison and function layer), the aby3 protocol into ``PROTOCOLS``, and SPU runs
behind ``--peers`` (with the ``make bench-peers`` virtualenv). The SPU column printed now holds
the reference figures quoted in issue 3 (SPU 0.9.5, another machine like this one): orientation
only, not a measurement of this run.
"""

from __future__ import annotations

import os

# The parties are threads of one process: one BLAS thread each keeps three parties from
# oversubscribing two cores (OpenBLAS's spinning threads made the matmul rows up to twice as
# slow, and erratic, on a shared machine). Set OPENBLAS_NUM_THREADS to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from confide.mpc import MPC, Semi2k, TrustedDealer
from confide.mpc.ring import ring_matmul
from confide.runtime import Context, Role, simulate

DEALER = "dealer"


@dataclass(frozen=True)
class ProtocolSetup:
    """How to build an engine for one protocol variant, and its parties."""

    label: str
    data_parties: int
    make: Callable[[Context], MPC]
    helpers: tuple[str, ...]


PROTOCOLS: dict[str, ProtocolSetup] = {
    "semi2k": ProtocolSetup(
        "semi2k, 2 parties + dealer, pair truncation",
        2,
        lambda ctx: MPC(ctx, Semi2k("pair"), TrustedDealer()),
        (DEALER,),
    ),
    "semi2k-local": ProtocolSetup(
        "semi2k, 2 parties + dealer, local truncation",
        2,
        lambda ctx: MPC(ctx, Semi2k("local"), TrustedDealer()),
        (DEALER,),
    ),
    # "aby3": three data parties, no dealer (added with the aby3 protocol, issue 3).
}

#: SPU 0.9.5 runtime figures quoted in issue 3 (2 cores, FM64, 18 fractional bits), seconds.
SPU_REFERENCE = {
    ("semi2k", "matmul"): 0.76,
    ("semi2k", "multiply"): 0.146,
    ("semi2k", "comparison"): 0.76,
    ("semi2k", "sigmoid"): 6.1,
    ("semi2k", "logistic regression"): 2.8,
    ("aby3", "matmul"): 0.71,
    ("aby3", "multiply"): 0.093,
    ("aby3", "comparison"): 1.08,
    ("aby3", "sigmoid"): 5.5,
    ("aby3", "logistic regression"): 3.0,
}


@dataclass(frozen=True)
class Workload:
    """One operation on two secret inputs ``x`` (first data party) and ``y`` (second).

    Inputs are uniform in ``[-bound, bound)``, as in ``bench/peers/spu_mpc.py``.
    """

    name: str
    shapes: Callable[[int], tuple[tuple[int, ...], tuple[int, ...]]]
    secure: Callable[[Any, Any], Any]
    plain: Callable[[np.ndarray, np.ndarray], np.ndarray]
    size: Callable[[bool], int]
    bound: float


WORKLOADS = [
    Workload(
        "matmul",
        lambda n: ((n, n), (n, n)),
        lambda x, y: x @ y,
        lambda x, y: x @ y,
        lambda quick: 200 if quick else 1000,
        1.0,
    ),
    Workload(
        "multiply",
        lambda n: ((n,), (n,)),
        lambda x, y: x * y,
        lambda x, y: x * y,
        lambda quick: 100_000 if quick else 1_000_000,
        10.0,
    ),
    # "comparison", "sigmoid", "logistic regression": added with the comparison and function
    # layer (issue 3), each as one more Workload.
]


def inputs_for(workload: Workload, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Benchmark data (numpy.random is for test data only)."""
    rng = np.random.default_rng(2024)
    x_shape, y_shape = workload.shapes(size)
    bound = workload.bound
    return rng.uniform(-bound, bound, x_shape), rng.uniform(-bound, bound, y_shape)


def barrier(ctx: Context) -> None:
    with ctx.scope("bench-barrier"):
        ctx.broadcast("here", True)
        ctx.gather("here")


def bench_job(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one workload on one protocol: end to end once, then timed repetitions."""
    setup = PROTOCOLS[spec["protocol"]]
    workload = next(w for w in WORKLOADS if w.name == spec["workload"])
    x_plain, y_plain = inputs_for(workload, spec["size"])
    owners = [p for p in ctx.parties if p not in setup.helpers]
    barrier(ctx)
    start = time.perf_counter()
    mpc = setup.make(ctx)
    x = mpc.input(owners[0], x_plain if ctx.party == owners[0] else None)
    y = mpc.input(owners[1], y_plain if ctx.party == owners[1] else None)
    z = workload.secure(x, y)
    revealed = mpc.reveal(z, to=owners[0])
    end_to_end = time.perf_counter() - start
    times = []
    rounds = bytes_sent = 0
    for _ in range(spec["repeats"]):
        barrier(ctx)
        rounds_before, bytes_before = mpc.rounds, mpc.bytes_sent
        start = time.perf_counter()
        workload.secure(x, y)
        times.append(time.perf_counter() - start)
        rounds, bytes_sent = mpc.rounds - rounds_before, mpc.bytes_sent - bytes_before
    error = None
    if revealed is not None:
        error = float(np.max(np.abs(revealed - workload.plain(x_plain, y_plain))))
    return {
        "times": times if mpc.holds_shares else [],
        "end_to_end": end_to_end,
        "rounds": rounds,
        "bytes": bytes_sent,
        "error": error,
    }


def row(
    workload: str,
    system: str,
    parties: int,
    seconds: float,
    nbytes: int | None = None,
    rounds: int | None = None,
    metric: str | None = None,
    value: float | None = None,
) -> dict[str, Any]:
    return {
        "workload": workload,
        "system": system,
        "parties": parties,
        "seconds": seconds,
        "bytes_sent": nbytes,
        "rounds": rounds,
        "metric": metric,
        "value": value,
    }


def mpc_rows(protocol: str, workload: Workload, quick: bool) -> list[dict[str, Any]]:
    setup = PROTOCOLS[protocol]
    size = workload.size(quick)
    parties = [f"p{i}" for i in range(setup.data_parties)] + list(setup.helpers)
    repeats = 2 if quick else 3
    spec = {"protocol": protocol, "workload": workload.name, "size": size, "repeats": repeats}
    roles = {h: [Role.COMPUTE_HELPER] for h in setup.helpers}
    results = simulate(bench_job, {p: spec for p in parties}, roles=roles, timeout=600)
    first = results[parties[0]]
    timed = [r["times"] for r in results.values() if r["times"]]
    per_run = [max(times[k] for times in timed) for k in range(repeats)]
    total_bytes = sum(r["bytes"] for r in results.values())
    label = f"{workload.name} {describe(workload, size)} ({setup.label})"
    end_to_end = max(r["end_to_end"] for r in results.values())
    return [
        row(f"{label}, shared inputs", "confide", setup.data_parties, min(per_run),
            total_bytes, first["rounds"], "max abs error", first["error"]),
        row(f"{label}, end to end", "confide", setup.data_parties, end_to_end,
            None, None, "max abs error", first["error"]),
    ]  # fmt: skip


def describe(workload: Workload, size: int) -> str:
    x_shape, y_shape = workload.shapes(size)
    if workload.name == "matmul":
        return f"{x_shape[0]}x{x_shape[1]} @ {y_shape[0]}x{y_shape[1]}"
    return f"of {size:.0e} elements"


def best_of(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def local_rows(quick: bool) -> list[dict[str, Any]]:
    """Ring matmul on limbs against numpy's uint64 matmul; plaintext float64 references."""
    n = 200 if quick else 1000
    size = 100_000 if quick else 1_000_000
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2**64, (n, n), dtype=np.uint64, endpoint=False)
    b = rng.integers(0, 2**64, (n, n), dtype=np.uint64, endpoint=False)
    exact = float(np.array_equal(ring_matmul(a, b), a @ b))
    fa, fb = rng.uniform(-1, 1, (n, n)), rng.uniform(-1, 1, (n, n))
    fx, fy = rng.uniform(-1, 1, size), rng.uniform(-1, 1, size)
    label = f"{n}x{n} @ {n}x{n}"
    limbs = best_of(lambda: ring_matmul(a, b), 3)
    return [
        row(f"ring matmul {label}, float64 limbs", "confide", 1, limbs, None, None, "exact", exact),
        row(f"ring matmul {label}, numpy uint64", "plaintext", 1, best_of(lambda: a @ b, 1)),
        row(f"matmul {label}, numpy float64", "plaintext", 1, best_of(lambda: fa @ fb, 3)),
        row(f"multiply of {size:.0e} elements, numpy float64", "plaintext", 1,
            best_of(lambda: fx * fy, 5)),
    ]  # fmt: skip


def spu_reference(r: dict[str, Any]) -> float | None:
    """The SPU figure quoted in issue 3 for a full-size "shared inputs" row, if any."""
    if r["system"] != "confide" or "shared inputs" not in r["workload"]:
        return None
    for (protocol, name), seconds in SPU_REFERENCE.items():
        if r["workload"].startswith(name + " ") and f"({protocol}," in r["workload"]:
            return seconds
    return None


def print_table(rows: list[dict[str, Any]], quick: bool) -> None:
    print(f"{'workload':<84} {'system':>9} {'seconds':>8} {'rounds':>6} {'MB sent':>8} "
          f"{'metric':>13} {'value':>9} {'SPU ref*':>8} {'ratio*':>6}")  # fmt: skip
    for r in rows:
        reference = None if quick else spu_reference(r)
        mb = f"{r['bytes_sent'] / 1e6:.1f}" if r["bytes_sent"] is not None else ""
        value = f"{r['value']:.3g}" if r["value"] is not None else ""
        ref = f"{reference:.3f}" if reference else ""
        ratio = f"{r['seconds'] / reference:.2f}" if reference else ""
        rounds = r["rounds"] if r["rounds"] is not None else ""
        print(f"{r['workload']:<84} {r['system']:>9} {r['seconds']:>8.3f} {rounds:>6} {mb:>8} "
              f"{r['metric'] or '':>13} {value:>9} {ref:>8} {ratio:>6}")  # fmt: skip
    if not quick:
        print("* SPU figures quoted in issue 3, measured elsewhere: orientation only.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    parser.add_argument("--peers", action="store_true", help="also run peer systems (SPU)")
    parser.add_argument("--json", help="write the rows as JSON to this path")
    args = parser.parse_args()
    if args.peers:
        print("peer systems (SPU) are not wired into bench/mpc.py yet; running Confide only",
              file=sys.stderr)  # fmt: skip
    rows = local_rows(args.quick)
    for workload in WORKLOADS:
        for protocol in PROTOCOLS:
            rows.extend(mpc_rows(protocol, workload, args.quick))
    print_table(rows, args.quick)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
