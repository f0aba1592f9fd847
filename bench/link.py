"""Link benchmark: small-message patterns and large-array throughput: memory, socket pairs, gRPC.

    python bench/link.py [--quick] [--peers] [--json PATH]

Small messages (a map of an int, a float and a short string, about 60 bytes encoded), three
patterns, each timed by party a (p50, p99 of the repetitions):

- ``round trip``: a sends to b, b answers, a receives the answer.
- ``exchange 1``: both parties send one message to the other, then receive the other's: one
  round of an MPC protocol.
- ``send k, receive k``: both send k messages, then receive the other's k (pipelined rounds).

Over gRPC each pattern runs in both send modes of :class:`~confide.net.grpc_link.GrpcLink`,
alternating block by block in the same processes so that both see the same machine load:
``acked`` (``wait_for_ack=True``: every send waits for the peer's acknowledgement, as sends did
before they were pipelined) and ``pipelined`` (the default: a send returns once the message is
queued). The floor row times one empty authenticated gRPC call (``GrpcLink.ping``).

Loopback has next to no latency, so there the patterns measure mostly CPU. The ``delay`` rows
show what the send modes do on a real network: the same patterns over gRPC between two links
of this process (threads), each connection passing through a TCP relay that holds every byte
for ``--delay-ms`` (2) milliseconds each way. An exchange costs about one delay pipelined and
two acked; ``send k, receive k`` about one delay pipelined and ``2k`` acked.
Throughput: a streams a float64 array of a given size to b several times; b answers once at the
end; the rate counts payload bytes over the time from the first send to the answer. The gRPC
rows run two real processes talking gRPC with mutual TLS on loopback, started by
``confide.launch``; the socketpair rows the same two processes over Unix socket pairs
(``launch(..., transport="socketpair")``); the memory rows run two threads over the memory link
(``confide.simulate``).
"""

from __future__ import annotations

import argparse
import json
import queue
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from confide.net.federation import Federation, Identity, identity_paths, init_federation
from confide.net.grpc_link import GrpcLink
from confide.runtime import Context, launch, simulate
from confide.runtime.launcher import free_ports

MESSAGE = {"step": 0, "value": 1.5, "tag": "ping"}
BLOCKS = 10  # the repetitions of each pattern and mode are spread over this many blocks


def round_trip(ctx: Context, k: int) -> float:
    """a sends, b answers; the seconds a waited (0 at b)."""
    if ctx.party == "a":
        start = time.perf_counter()
        ctx.send("b", "ping", MESSAGE)
        ctx.recv("b", "pong")
        return time.perf_counter() - start
    ctx.send("a", "pong", ctx.recv("a", "ping"))
    return 0.0


def exchange(ctx: Context, k: int) -> float:
    """Both send ``k`` messages to the other, then receive the other's ``k``; the seconds."""
    other = ctx.others[0]
    start = time.perf_counter()
    for _ in range(k):
        ctx.send(other, "x", MESSAGE)
    for _ in range(k):
        ctx.recv(other, "x")
    return time.perf_counter() - start


def small_messages(ctx: Context, spec: list[int]) -> dict[str, Any]:
    """Time each pattern ``repeats`` times per send mode, the modes alternating by block."""
    repeats, k = spec
    link = ctx.link
    modes = ("acked", "pipelined") if isinstance(link, GrpcLink) else ("",)
    patterns: dict[str, tuple[Callable[[Context, int], float], int]] = {
        "round trip": (round_trip, 1),
        "exchange 1": (exchange, 1),
        f"send {k}, receive {k}": (exchange, k),
    }
    times: dict[str, list[float]] = {f"{p}|{m}": [] for p in patterns for m in modes}
    for block in range(BLOCKS + 1):  # block 0 warms up
        for mode in modes:
            if isinstance(link, GrpcLink):
                link.wait_for_ack = mode == "acked"
            for name, (pattern, count) in patterns.items():
                for _ in range(max(repeats // BLOCKS, 1)):
                    seconds = pattern(ctx, count)
                    if block:
                        times[f"{name}|{mode}"].append(seconds)
    floor = []
    if ctx.party == "a" and isinstance(link, GrpcLink):
        floor = [link.ping("b") for _ in range(repeats)]
    ctx.send(ctx.others[0], "end", True)  # keeps b serving until a's last ping
    ctx.recv(ctx.others[0], "end")
    return {"times": {key: np.array(value) for key, value in times.items()}, "floor": floor}


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


class DelayRelay:
    """Accepts TCP connections on ``port`` and relays them to ``target``, every byte held for
    ``delay`` seconds in each direction (order kept; bandwidth not limited)."""

    def __init__(self, port: int, target: int, delay: float) -> None:
        self._target = target
        self._delay = delay
        self._sockets: list[socket.socket] = []
        self._server = socket.create_server(("127.0.0.1", port))
        self._spawn(self._accept)

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        threading.Thread(target=target, args=args, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed
            upstream = socket.create_connection(("127.0.0.1", self._target))
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._sockets.append(sock)
            for source, sink in ((client, upstream), (upstream, client)):
                held: queue.SimpleQueue[tuple[float, bytes]] = queue.SimpleQueue()
                self._spawn(self._read, source, held)
                self._spawn(self._write, sink, held)

    def _read(self, source: socket.socket, held: queue.SimpleQueue[tuple[float, bytes]]) -> None:
        try:
            while data := source.recv(1 << 16):
                held.put((time.monotonic() + self._delay, data))
        except OSError:
            pass
        held.put((0.0, b""))

    def _write(self, sink: socket.socket, held: queue.SimpleQueue[tuple[float, bytes]]) -> None:
        while (item := held.get())[1]:
            time.sleep(max(item[0] - time.monotonic(), 0.0))
            try:
                sink.sendall(item[1])
            except OSError:
                return
        sink.close()

    def close(self) -> None:
        self._server.close()
        for sock in self._sockets:
            sock.close()


def delayed_small_messages(spec: list[int], delay: float) -> dict[str, Any]:
    """:func:`small_messages` between two links of this process, through delay relays."""
    with tempfile.TemporaryDirectory() as folder:
        relayed, listening = free_ports(2), free_ports(2)
        fed_path = init_federation(["a", "b"], Path(folder), ports=relayed)
        federation = Federation.load(fed_path)
        relays = [DelayRelay(p, t, delay) for p, t in zip(relayed, listening, strict=True)]
        links = {
            party: GrpcLink(
                Identity.load(*identity_paths(fed_path, party)),
                federation,
                listen=f"127.0.0.1:{port}",
            )
            for party, port in zip(("a", "b"), listening, strict=True)
        }
        results: dict[str, dict[str, Any]] = {}

        def run(party: str) -> None:
            ctx = Context(party, links[party], parties=["a", "b"], job_id="delayed", timeout=600)
            results[party] = small_messages(ctx, spec)

        threads = [threading.Thread(target=run, args=(party,)) for party in links]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for link in links.values():
            link.close()
        for relay in relays:
            relay.close()
    return results["a"]


Runner = Callable[..., dict[str, Any]]


def row(
    workload: str,
    system: str,
    seconds: float,
    metric: str,
    value: float,
    nbytes: int | None,
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


def percentile_rows(workload: str, times: np.ndarray) -> list[dict[str, Any]]:
    """p50 and p99 rows (milliseconds) of ``times``; ``seconds`` is their sum."""
    return [
        row(workload, "confide", float(times.sum()), f"p{q} ms",
            float(np.percentile(times, q)) * 1e3, None)
        for q in (50, 99)
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    parser.add_argument("--peers", action="store_true", help="also run peer systems (none here)")
    parser.add_argument("--json", help="write the rows as JSON to this path")
    parser.add_argument(
        "--delay-ms", type=float, default=2.0, help="one-way delay of the delay rows (2 ms)"
    )
    args = parser.parse_args()
    repeats = 300 if args.quick else 2000
    k = 16
    sizes = [(16, 4)] if args.quick else [(16, 8), (256, 4)]
    transports: dict[str, Runner] = {
        "memory": lambda fn, inputs: simulate(fn, inputs, timeout=600),
        "socketpair": lambda fn, inputs: launch(fn, inputs, timeout=600, transport="socketpair"),
        "grpc+mtls": lambda fn, inputs: launch(fn, inputs, timeout=600),
    }
    rows = []
    for name, run in transports.items():
        result = run(small_messages, {"a": [repeats, k], "b": [repeats, k]})["a"]
        for key, times in result["times"].items():
            pattern, mode = key.split("|")
            where = f"{name}, {mode}" if mode else name
            rows += percentile_rows(f"{pattern}, small ({where})", times)
        if len(result["floor"]):
            rows += percentile_rows(
                f"one empty gRPC call (floor) ({name})", np.array(result["floor"])
            )
        for mib, repeat in sizes:
            seconds = run(stream, {"a": [mib, repeat], "b": [mib, repeat]})["a"]["seconds"]
            nbytes = mib * 2**20 * repeat
            rows.append(row(f"throughput, {mib} MiB arrays ({name})", "confide", seconds,
                            "MB/s", nbytes / seconds / 1e6, nbytes))  # fmt: skip
    delay = args.delay_ms / 1e3
    result = delayed_small_messages([repeats // 5, k], delay)
    for key, times in result["times"].items():
        pattern, mode = key.split("|")
        where = f"grpc+mtls, {args.delay_ms:g} ms delay, {mode}"
        rows += percentile_rows(f"{pattern}, small ({where})", times)
    if args.peers:
        print("no peer system is named for the link benchmark; none run", file=sys.stderr)
    print(f"{'workload':<64} {'metric':>8} {'value':>10} {'seconds':>9}")
    for r in rows:
        print(f"{r['workload']:<64} {r['metric']:>8} {r['value']:>10.3f} {r['seconds']:>9.3f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows, out, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
