"""Two SecretFlow parties as two OS processes on loopback: the plumbing shared by the runners.

Imported by ``sf_sslr.py`` and ``sf_sgb.py`` (run under ``.venv-sf``, SecretFlow 1.14; never
imports ``confide``). A runner's ``main`` calls :func:`run_parties` when it is started without
``--party``: this driver picks four free loopback ports, starts the same script once per party
(``alice``, the label holder, and ``bob``) with ``--party NAME --ports P,P,P,P`` added, waits for
both and cleans them up. Each party process then calls :func:`init_party`, SecretFlow's
production mode without Ray (``sf.init(cluster_config=..., ray_mode=False)``: every party runs
the same program and executes its own devices' work in a thread pool, talking gRPC to the other
party), and builds its devices with :func:`make_spu` or :func:`make_heu`.

Ports: per party one for SecretFlow's cross-silo gRPC channel (PYU objects, HEU ciphertexts)
and one for SPU's own link (brpc). ``sf.init`` is given ``cluster_config`` and no ``parties``:
SecretFlow treats ``parties`` as the switch to its single-process simulation mode, so production
mode requires it to be ``None``.

Data: :func:`load_vertical` reads the npz of ``make_data.py``; each array is read inside the
process of the party that owns it (alice: ``x_train_a``, ``y_train``, ``x_test_a``, ``y_test``;
bob: ``x_train_b``, ``x_test_b``), so no party's process holds the other's columns.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import secretflow as sf
import spu
from secretflow.data import FedNdarray, PartitionWay

PARTIES = ("alice", "bob")  # alice holds the label and the first half of the columns
LABEL_HOLDER = PARTIES[0]
PARTY_TIMEOUT_S = 7200.0  # the driver kills both parties after this long
RPC_TIMEOUT_MS = 3_600_000  # SecretFlow's default (60 s) is shorter than one SGB level at 100k
SPU_RECV_TIMEOUT_MS = 3_600_000


@dataclass(frozen=True)
class Ports:
    """Loopback ports: one gRPC (SecretFlow) and one brpc (SPU) port per party."""

    fed: dict[str, int]
    spu: dict[str, int]

    @classmethod
    def parse(cls, text: str) -> Ports:
        values = [int(v) for v in text.split(",")]
        if len(values) != 2 * len(PARTIES):
            raise ValueError(f"--ports needs {2 * len(PARTIES)} comma-separated ports")
        n = len(PARTIES)
        return cls(
            dict(zip(PARTIES, values[:n], strict=True)), dict(zip(PARTIES, values[n:], strict=True))
        )

    def format(self) -> str:
        return ",".join(str(p) for p in [*self.fed.values(), *self.spu.values()])


def free_ports(count: int) -> list[int]:
    """Ports the kernel has just handed out on 127.0.0.1 (held open together, so distinct)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def run_parties(script: str, argv: Sequence[str], args: argparse.Namespace) -> dict[str, Any]:
    """Driver: run ``script argv --party P --ports ... --result F`` for both parties.

    Returns the result that alice wrote to F. ``args`` are the options of
    :func:`add_party_args`: party output goes to ``args.log_dir/<party>.log`` when given, else
    to this process's stderr. Both processes are killed if either fails or
    ``PARTY_TIMEOUT_S`` passes; then :class:`RuntimeError` says which.
    """
    ports = Ports.parse(",".join(str(p) for p in free_ports(2 * len(PARTIES))))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    with tempfile.TemporaryDirectory(prefix="sf-peer-") as tmp, ExitStack() as logs:
        result_path = Path(tmp) / "result.json"
        log_dir = Path(args.log_dir) if args.log_dir else None
        for party in PARTIES:
            out: Any = sys.stderr
            if log_dir is not None:
                log_dir.mkdir(parents=True, exist_ok=True)
                out = logs.enter_context(open(log_dir / f"{party}.log", "wb"))
            cmd = [sys.executable, script, *argv, "--party", party, "--ports", ports.format()]
            cmd += ["--result", str(result_path), "--log-level", args.log_level]
            cmd += ["--as-shipped"] if args.as_shipped else []
            procs[party] = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            codes = _wait_all(procs, time.monotonic() + PARTY_TIMEOUT_S)
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
        failed = {p: rc for p, rc in codes.items() if rc != 0}
        if failed or len(codes) < len(procs):
            running = [p for p in procs if p not in codes]
            raise RuntimeError(f"SecretFlow parties failed: exit codes {failed}, killed {running}")
        result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
        return result


def _wait_all(procs: dict[str, subprocess.Popen[bytes]], deadline: float) -> dict[str, int]:
    """Exit codes of the processes, stopping early at the first failure or at the deadline."""
    codes: dict[str, int] = {}
    while len(codes) < len(procs) and time.monotonic() < deadline:
        for party, proc in procs.items():
            rc = proc.poll()
            if rc is not None:
                codes[party] = rc
        if any(rc != 0 for rc in codes.values()):
            break
        time.sleep(0.2)
    return codes


def init_party(party: str, ports: Ports, job_name: str, args: argparse.Namespace) -> None:
    """``sf.init`` in production mode without Ray, for this process's party.

    Unless ``args.as_shipped``, first mark Ray as absent in ``sys.modules``: SecretFlow's
    ``distributed.ray_op.get_obj_ref`` runs ``import ray`` on every call (on every element of
    HEU index arguments, thousands per tree) and Python does not cache a failed import, so
    without Ray installed (SecretFlow 1.14 does not require it) each call searches ``sys.path``
    again. A ``None`` entry makes the same import fail at once, with the same ImportError path.
    """
    if not args.as_shipped:
        for name in ("ray", "fed"):
            if name not in sys.modules:
                try:
                    __import__(name)
                except ImportError:
                    sys.modules[name] = None  # type: ignore[assignment]
    cluster_config = {
        "parties": {
            p: {"address": f"127.0.0.1:{ports.fed[p]}", "listen_addr": f"127.0.0.1:{ports.fed[p]}"}
            for p in PARTIES
        },
        "self_party": party,
    }
    sf.init(
        cluster_config=cluster_config,
        ray_mode=False,
        job_name=job_name,
        logging_level=args.log_level,
        cross_silo_comm_backend="grpc",
        cross_silo_comm_options={"timeout_in_ms": RPC_TIMEOUT_MS},
        enable_waiting_for_other_parties_ready=True,
    )
    # On a failure in a worker thread SecretFlow sends itself SIGINT and its handler then waits
    # for the peer forever; exit at once instead (the error is in the log), so that the driver
    # sees the failure and stops the other party.
    signal.signal(signal.SIGINT, _exit_on_signal)


def _exit_on_signal(signum: int, _frame: object) -> None:
    print(f"party stopping on signal {signum} (SecretFlow error above)", file=sys.stderr)
    os._exit(1)


def run_party(
    party_main: Callable[[argparse.Namespace], int], args: argparse.Namespace
) -> NoReturn:
    """Run one party's program and exit with its status; on an error print it and leave at once.

    ``os._exit`` skips the exit hooks, which would wait for a peer that has already failed.
    """
    try:
        status = party_main(args)
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        os._exit(1)
    sys.exit(status)


def make_spu(args: argparse.Namespace, field: str) -> sf.SPU:
    """A two-party semi2k SPU over brpc on loopback (SPU defaults otherwise).

    SPU's own log goes to ``--log-dir/spu-<party>.log``, else to the driver's temporary folder
    (SPU's default is ``spu.log`` in the working directory).
    """
    ports = Ports.parse(args.ports)
    cluster_def = {
        "nodes": [{"party": p, "address": f"127.0.0.1:{ports.spu[p]}"} for p in PARTIES],
        "runtime_config": {"protocol": "SEMI2K", "field": field},
    }
    link_desc = {"connect_retry_times": 120, "recv_timeout_ms": SPU_RECV_TIMEOUT_MS}
    log_options = spu.logging.LogOptions()
    log_dir = Path(args.log_dir) if args.log_dir else Path(args.result).parent
    log_options.system_log_path = str(log_dir / f"spu-{args.party}.log")
    return sf.SPU(cluster_def, link_desc, log_options)


def make_heu(schema: str, key_bits: int) -> sf.HEU:
    """An HEU whose secret key alice (the label holder) keeps and bob evaluates under."""
    config = {
        "sk_keeper": {"party": LABEL_HOLDER},
        "evaluators": [{"party": p} for p in PARTIES if p != LABEL_HOLDER],
        "mode": "PHEU",
        "he_parameters": {"schema": schema, "key_pair": {"generate": {"bit_size": key_bits}}},
    }
    # The field only matters for moving values between SPU and HEU, which SGB never does.
    return sf.HEU(config, spu.FieldType.FM64)


@dataclass(frozen=True)
class VerticalData:
    """The split data set as SecretFlow objects: features over both parties, labels at alice."""

    x_train: FedNdarray
    y_train: FedNdarray
    x_test: FedNdarray
    y_test: sf.PYUObject  # alice's, for scoring
    shape: tuple[int, int]  # training rows, total columns


def _read(path: str, *keys: str) -> tuple[np.ndarray, ...]:
    with np.load(path) as data:
        return tuple(np.asarray(data[k], dtype=np.float32) for k in keys)


def load_vertical(path: str) -> VerticalData:
    """Each party reads its own arrays of ``path`` inside its own process."""
    alice, bob = (sf.PYU(p) for p in PARTIES)
    keys_a = ("x_train_a", "y_train", "x_test_a", "y_test")
    xa, ya, xa_test, ya_test = alice(_read, num_returns=4)(path, *keys_a)
    xb, xb_test = bob(_read, num_returns=2)(path, "x_train_b", "x_test_b")
    # Shapes are public in a vertical job: each party reveals its own.
    (rows, cols_a), (_, cols_b) = sf.reveal([alice(np.shape)(xa), bob(np.shape)(xb)])
    vertical = PartitionWay.VERTICAL
    return VerticalData(
        x_train=FedNdarray({alice: xa, bob: xb}, vertical),
        y_train=FedNdarray({alice: ya}, vertical),
        x_test=FedNdarray({alice: xa_test, bob: xb_test}, vertical),
        y_test=ya_test,
        shape=(int(rows), int(cols_a + cols_b)),
    )


def _auc(y_true: np.ndarray, score: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(np.ravel(y_true), np.ravel(score)))


def score_auc(y_test: sf.PYUObject, score: sf.PYUObject) -> float:
    """AUC computed at alice from her labels and scores; only the number is revealed (to both)."""
    alice = sf.PYU(LABEL_HOLDER)
    return float(sf.reveal(alice(_auc)(y_test, score)))


def gather_from_parties(local: float) -> dict[str, float]:
    """Every party's own value of ``local`` (e.g. its CPU seconds), revealed to both.

    SPMD: each process passes its own number; the PYU call for party P runs only in P's
    process, so the value that travels for P is P's.
    """
    objects = {p: sf.PYU(p)(lambda: local)() for p in PARTIES}
    values: dict[str, float] = sf.reveal(objects)
    return {p: float(v) for p, v in values.items()}


def write_result(path: str, result: dict[str, Any]) -> None:
    """Alice hands her result to the driver (a JSON file in the driver's temporary folder)."""
    Path(path).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


def add_party_args(parser: argparse.ArgumentParser) -> None:
    """Options for the driver (logs, fix) and those it adds for a party (hidden from --help)."""
    parser.add_argument("--log-dir", help="write the parties' logs here instead of to stderr")
    parser.add_argument("--log-level", default="warning", help="SecretFlow's (info: per epoch)")
    parser.add_argument(
        "--as-shipped", action="store_true", help="skip the failed-import fix (see init_party)"
    )
    parser.add_argument("--party", choices=PARTIES, help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)


def finish(result: dict[str, Any], json_path: str | None, summary: str) -> None:
    """Driver: write the result to ``--json`` if asked and print its one-line summary."""
    if json_path:
        Path(json_path).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(summary, flush=True)
