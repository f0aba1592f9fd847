"""Two-party PSI in SecretFlow SPU and OpenMined PSI (the peer half of ``bench/psi.py --peers``).

    .venv-peers/bin/python bench/peers/spu_psi.py [--quick] [--json PATH] [--keys N]
        [--overlap 0.5] [--seed S] [--systems spu-ecdh,spu-kkrt,spu-rr22,openmined-psi]
        [--link brpc|mem] [--slow-peers]

Runs under ``.venv-peers`` and never imports ``confide``.

Keys (so that Confide's benchmark can draw the same sets): with ``m = round(overlap * N)`` and
``rng = numpy.random.default_rng(seed)``, ``ids = rng.permutation(2 * N - m)``; the receiver
holds ``ids[:N]``, the sender ``rng.permutation(ids[N - m : 2 * N - m])``, in that order; key
``i`` is the string ``f"id-{i:012d}"``. The two sets share exactly ``m`` keys.

Systems:

- ``spu-ecdh`` (curve 25519), ``spu-kkrt``, ``spu-rr22``: ``spu.psi.psi_execute``, SPU 0.9.5's
  only PSI entry point, which reads each party's keys from a CSV file and writes the receiver's
  intersection to a CSV file. Party 0 is the receiver and alone learns the intersection. With
  ``--link brpc`` (default) each party is its own process and they talk over loopback TCP
  (``libspu.link.create_brpc``); with ``--link mem`` both parties are threads of one process
  over ``libspu.link.create_mem``. The time runs from a link barrier to the last party's
  return: it includes SPU's reading and bucketing of the input CSV and writing of the output,
  not the writing of the input files. SPU exposes no byte counts for PSI: ``bytes_sent`` null.
- ``openmined-psi``: ``private_set_intersection.python`` (ECDH with a Golomb-compressed set),
  one thread; the client (receiver) learns the intersection, false-positive rate 1e-9. Timed:
  server setup, client request, server response, client intersection; ``bytes_sent`` is the size
  of the three serialized messages. At 1,000,000 keys it takes minutes, so it runs only for
  ``--keys`` up to 100,000 unless ``--slow-peers`` is given.

Every row has metric ``seconds`` and value the seconds, or value null (with a warning on stderr)
when the intersection found differs from the true one. Sizes: 1,000,000 keys by default,
100,000 with ``--quick``; ``--keys`` overrides either.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SPU_PROTOCOLS = {
    "spu-ecdh": "PROTOCOL_ECDH",
    "spu-kkrt": "PROTOCOL_KKRT",
    "spu-rr22": "PROTOCOL_RR22",
}
OPENMINED = "openmined-psi"
SYSTEMS = [*SPU_PROTOCOLS, OPENMINED]
OPENMINED_FPR = 1e-9
OPENMINED_MAX_KEYS = 100_000  # above this only with --slow-peers
RECEIVER = 0
RECV_TIMEOUT_MS = 300_000
PARTY_TIMEOUT_S = 3600.0

Row = dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What one PSI run returned: seconds, the intersection size found, bytes if known."""

    seconds: float
    found: int
    bytes_sent: int | None


def make_keys(n: int, overlap: float, seed: int) -> tuple[list[str], list[str], int]:
    """Receiver's and sender's keys and the true intersection size (see the module docstring)."""
    common = round(overlap * n)
    rng = np.random.default_rng(seed)
    ids = rng.permutation(2 * n - common)
    receiver = ids[:n]
    sender = rng.permutation(ids[n - common : 2 * n - common])
    return [f"id-{i:012d}" for i in receiver], [f"id-{i:012d}" for i in sender], common


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def spu_parties(
    ranks: list[int], hosts: list[str], link: str, protocol: str, workdir: str, results: Any
) -> None:
    """Run the given SPU PSI parties (threads) in this process; put one result each on the queue.

    SPU logs to stdout and stderr from C++, so this process's descriptors go to a log file.
    A result is ``(rank, start, end, intersection_count)`` or ``(rank, "error", message)``.
    """
    log = os.open(Path(workdir) / f"party{'-'.join(map(str, ranks))}.log", os.O_WRONLY | os.O_CREAT)
    os.dup2(log, 1)
    os.dup2(log, 2)
    import spu.libspu as libspu
    import spu.psi as spu_psi

    desc = libspu.link.Desc()
    desc.recv_timeout_ms = RECV_TIMEOUT_MS
    for rank, host in enumerate(hosts):
        desc.add_party(f"party{rank}", host)

    def party(rank: int) -> None:
        try:
            create = libspu.link.create_brpc if link == "brpc" else libspu.link.create_mem
            lctx = create(desc, rank)
            protocol_conf = spu_psi.PsiProtocolConfig(
                protocol=getattr(spu_psi.PsiProtocol, protocol),
                receiver_rank=RECEIVER,
                broadcast_result=False,
                ecdh_params=spu_psi.EcdhParams(curve=spu_psi.EllipticCurveType.CURVE_25519),
            )
            config = spu_psi.PsiExecuteConfig(
                protocol_conf=protocol_conf,
                input_params=spu_psi.InputParams(
                    path=str(Path(workdir) / f"keys{rank}.csv"),
                    selected_keys=["id"],
                    keys_unique=True,
                ),
                output_params=spu_psi.OutputParams(
                    path=str(Path(workdir) / f"out{rank}.csv"), disable_alignment=True
                ),
            )
            lctx.barrier()
            start = time.time()
            report = spu_psi.psi_execute(config, lctx)
            end = time.time()
            lctx.stop_link()
            results.put((rank, start, end, report.intersection_count))
        except Exception as exc:
            results.put((rank, "error", repr(exc)))

    threads = [threading.Thread(target=party, args=(rank,)) for rank in ranks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run_spu(system: str, keys: tuple[list[str], list[str]], link: str, workdir: str) -> Outcome:
    """Write each party's CSV, run the two parties, time from barrier to last return."""
    for rank, party_keys in enumerate(keys):
        text = "id\n" + "\n".join(party_keys) + "\n"
        (Path(workdir) / f"keys{rank}.csv").write_text(text)
    if link == "brpc":
        hosts = [f"127.0.0.1:{free_port()}" for _ in keys]
        groups = [[rank] for rank in range(len(keys))]
    else:
        hosts = [f"thread_{rank}" for rank in range(len(keys))]
        groups = [list(range(len(keys)))]
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    processes = [
        spawn.Process(
            target=spu_parties,
            args=(ranks, hosts, link, SPU_PROTOCOLS[system], workdir, results),
        )
        for ranks in groups
    ]
    for process in processes:
        process.start()
    answers: list[tuple[Any, ...]] = []
    deadline = time.monotonic() + PARTY_TIMEOUT_S
    try:
        while len(answers) < len(keys) and time.monotonic() < deadline:
            try:
                answers.append(results.get(timeout=1.0))
            except queue.Empty:
                if any(process.exitcode for process in processes) and results.empty():
                    break  # a party process crashed: do not wait for its peer's timeout
            if answers and answers[-1][1] == "error":
                break
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
    errors = [a[2] for a in answers if a[1] == "error"]
    if len(answers) < len(keys):
        errors.append("a party process exited or timed out without a result")
    if errors:
        logs = sorted(Path(workdir).glob("party*.log"))
        tail = "".join(log.read_text(errors="replace")[-2000:] for log in logs)
        raise RuntimeError(f"{errors[0]}\n--- SPU log tail ---\n{tail}")
    receiver = next(a for a in answers if a[0] == RECEIVER)
    seconds = max(a[2] for a in answers) - min(a[1] for a in answers)
    return Outcome(seconds, int(receiver[3]), None)


def run_openmined(keys: tuple[list[str], list[str]]) -> Outcome:
    """OpenMined PSI in one thread: the receiver is the client, the sender the server."""
    import private_set_intersection.python as openmined

    client_keys, server_keys = keys
    start = time.perf_counter()
    server = openmined.server.CreateWithNewKey(True)
    client = openmined.client.CreateWithNewKey(True)
    setup = server.CreateSetupMessage(OPENMINED_FPR, len(client_keys), server_keys)
    request = client.CreateRequest(client_keys)
    response = server.ProcessRequest(request)
    found = len(client.GetIntersection(setup, response))
    seconds = time.perf_counter() - start
    sent = sum(len(m.SerializeToString()) for m in (setup, request, response))
    return Outcome(seconds, found, sent)


def measure(
    system: str, keys: tuple[list[str], list[str]], truth: int, link: str, workdir: str
) -> Row:
    outcome = run_openmined(keys) if system == OPENMINED else run_spu(system, keys, link, workdir)
    value: float | None = outcome.seconds
    if outcome.found != truth:
        print(
            f"warning: {system} found {outcome.found} common keys, the truth is {truth}",
            file=sys.stderr,
        )
        value = None
    return {
        "workload": f"psi {len(keys[0])} keys",
        "system": system,
        "parties": 2,
        "seconds": outcome.seconds,
        "bytes_sent": outcome.bytes_sent,
        "rounds": None,
        "metric": "seconds",
        "value": value,
    }


def print_table(rows: Sequence[Row]) -> None:
    print(f"{'workload':<18} {'system':<14} {'seconds':>9} {'MB sent':>9} {'correct':>8}")
    for r in rows:
        mb = "-" if r["bytes_sent"] is None else f"{r['bytes_sent'] / 1e6:.1f}"
        correct = "no" if r["value"] is None else "yes"
        print(f"{r['workload']:<18} {r['system']:<14} {r['seconds']:>9.3f} {mb:>9} {correct:>8}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 keys unless --keys")
    parser.add_argument("--json", type=Path, help="write the rows to this file")
    parser.add_argument("--keys", type=int, help="keys per party (default 1,000,000)")
    parser.add_argument("--overlap", type=float, default=0.5, help="common fraction of keys")
    parser.add_argument("--seed", type=int, default=0, help="seed of the key sets")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset")
    parser.add_argument("--link", choices=["brpc", "mem"], default="brpc", help="SPU's link")
    parser.add_argument("--slow-peers", action="store_true", help="openmined-psi above 100,000")
    args = parser.parse_args(argv)
    n = args.keys or (100_000 if args.quick else 1_000_000)
    if n < 1 or not 0.0 <= args.overlap <= 1.0:
        parser.error("--keys must be positive and --overlap between 0 and 1")
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        parser.error(f"unknown systems {unknown}; known: {SYSTEMS}")
    if OPENMINED in systems and n > OPENMINED_MAX_KEYS and not args.slow_peers:
        print(f"skipping {OPENMINED} at {n} keys (minutes; pass --slow-peers)", file=sys.stderr)
        systems.remove(OPENMINED)

    receiver, sender, truth = make_keys(n, args.overlap, args.seed)
    rows: list[Row] = []
    for system in systems:
        with tempfile.TemporaryDirectory(prefix="spu-psi-") as workdir:
            try:
                rows.append(measure(system, (receiver, sender), truth, args.link, workdir))
            except Exception as exc:
                print(f"{system} psi {n} keys failed: {exc}", file=sys.stderr)
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
