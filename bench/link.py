"""Link benchmark: small-message round trips and large-array throughput, memory vs gRPC+mTLS.

    python bench/link.py [--quick] [--peers] [--json PATH]

Round trip: party a sends a small message to b, b answers, a times each pair (p50, p99). The
floor row times one empty authenticated gRPC call (``GrpcLink.ping``): a round trip is two
one-way deliveries, each one such call plus encoding, decoding and the mailbox.
Throughput: a streams a float64 array of a given size to b several times; b answers once at the
end; the rate counts payload bytes over the time from the first send to the answer. The gRPC
rows run two real processes talking gRPC with mutual TLS on loopback, started by
``confide.launch``; the memory rows run two threads over the memory link (``confide.simulate``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from confide.net.grpc_link import GrpcLink
from confide.runtime import Context, launch, simulate


def ping_pong(ctx: Context, rounds: int) -> dict[str, Any]:
    """Time ``rounds`` small-message round trips from a to b (after a short warm-up)."""
    message = {"step": 0, "value": 1.5, "tag": "ping"}
    times = []
    for i in range(rounds + 20):
        if ctx.party == "a":
            start = time.perf_counter()
            ctx.send("b", "ping", message)
            ctx.recv("b", "pong")
            if i >= 20:
                times.append(time.perf_counter() - start)
        else:
            ctx.send("a", "pong", ctx.recv("a", "ping"))
    floor = []
    if ctx.party == "a" and isinstance(ctx.link, GrpcLink):
        floor = [ctx.link.ping("b") for _ in range(rounds)]
    ctx.send(ctx.others[0], "end", True)  # keeps b serving until a's last ping
    ctx.recv(ctx.others[0], "end")
    return {"times": np.array(times), "floor": np.array(floor)}


def stream(ctx: Context, spec: list[int]) -> dict[str, Any]:
    """Send ``repeats`` arrays of ``mib`` MiB from a to b; a returns the elapsed seconds."""
    mib, repeats = spec
    if ctx.party == "a":
        array = np.ones(mib * 2**20 // 8)
        ctx.send("b", "warm", array[:1024])
        ctx.recv("b", "ready")
        start = time.perf_counter()
        for _ in range(repeats):
            ctx.send("b", "block", array)
        ctx.recv("b", "done")
        return {"seconds": time.perf_counter() - start}
    ctx.recv("a", "warm")
    ctx.send("a", "ready", True)
    for _ in range(repeats):
        ctx.recv("a", "block", timeout=600)
    ctx.send("a", "done", True)
    return {"seconds": 0.0}


Runner = Callable[..., dict[str, Any]]


def row(
    workload: str, system: str, seconds: float, metric: str, value: float, nbytes: int | None
) -> dict[str, Any]:
    return {
        "workload": workload,
        "system": system,
        "parties": 2,
        "seconds": seconds,
        "bytes_sent": nbytes,
        "rounds": None,
        "metric": metric,
        "value": value,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    parser.add_argument("--peers", action="store_true", help="also run peer systems (none here)")
    parser.add_argument("--json", help="write the rows as JSON to this path")
    args = parser.parse_args()
    rounds = 300 if args.quick else 2000
    sizes = [(16, 4)] if args.quick else [(16, 8), (256, 4)]
    transports: dict[str, Runner] = {
        "memory": lambda fn, inputs: simulate(fn, inputs, timeout=600),
        "grpc+mtls": lambda fn, inputs: launch(fn, inputs, timeout=600),
    }
    rows = []
    for name, run in transports.items():
        result = run(ping_pong, {"a": rounds, "b": rounds})["a"]
        for workload, times in (("round trip, small", result["times"]),
                                ("one empty gRPC call (floor)", result["floor"])):  # fmt: skip
            for q in (50, 99) if len(times) else ():
                ms = float(np.percentile(times, q)) * 1e3
                rows.append(row(f"{workload} ({name})", "confide", float(times.sum()),
                                f"p{q} ms", ms, None))  # fmt: skip
        for mib, repeats in sizes:
            seconds = run(stream, {"a": [mib, repeats], "b": [mib, repeats]})["a"]["seconds"]
            nbytes = mib * 2**20 * repeats
            rows.append(row(f"throughput, {mib} MiB arrays ({name})", "confide", seconds,
                            "MB/s", nbytes / seconds / 1e6, nbytes))  # fmt: skip
    if args.peers:
        print("no peer system is named for the link benchmark; none run", file=sys.stderr)
    print(f"{'workload':<44} {'metric':>8} {'value':>10} {'seconds':>9}")
    for r in rows:
        print(f"{r['workload']:<44} {r['metric']:>8} {r['value']:>10.3f} {r['seconds']:>9.3f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
