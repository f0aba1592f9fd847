"""Run an SPMD function as one process per party over gRPC with mutual TLS.

    results = confide.launch(fit, {"bank": bank_table, "platform": platform_table})

The same function that :func:`confide.simulate` runs in threads runs here in separate Python
processes (``python -m confide.runtime.worker``), each with its own key, talking over real
gRPC with mTLS. Without a federation the launcher makes a throw-away one on loopback (fresh
keys, free ports) in a temporary folder. Inputs and results travel as wire-format files.

Every process is cleaned up: when the launcher returns or raises, none is left running. A party
that fails makes the others fail within their receive deadline; ``launch`` then raises
``PartyFailed`` with every failed party's error.

A worker's standard error is kept (its last lines explain a failure); with ``on_output`` each of
its lines is also handed over as it is written, so a long job can show its progress live.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from confide.errors import ConfigError, PartyFailed
from confide.net.federation import Federation, identity_paths, init_federation
from confide.net.wire import decode, encode
from confide.runtime.context import DEFAULT_TIMEOUT_S, Role, new_job_id
from confide.runtime.worker import function_spec

__all__ = ["free_ports", "launch"]

#: Extra time a worker gets beyond its receive deadline to start, connect and shut down.
_GRACE_S = 30.0


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` TCP ports that were free on ``host`` a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def launch(
    fn: Callable[..., Any],
    inputs_by_party: Mapping[str, Any],
    *,
    federation: str | os.PathLike[str] | None = None,
    job_id: str | None = None,
    roles: Mapping[str, Iterable[Role | str]] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    job_timeout: float | None = None,
    on_output: Callable[[str, str], None] | None = None,
) -> dict[str, Any]:
    """Run ``fn(ctx, inputs_by_party[party])`` in one process per party; return each result.

    ``federation`` is a ``federation.yaml`` whose keys sit beside it (as ``confide certs init``
    writes them); ``timeout`` is each receive's deadline; ``job_timeout`` bounds the whole run
    (default: ten receive deadlines), after which every process still running is killed.
    ``on_output(party, line)`` is called from a reader thread for each line a worker writes to
    its standard error, as it is written.
    """
    parties = list(inputs_by_party)
    if len(parties) < 2:
        raise ConfigError(f"a launch needs at least two parties, got {parties}")
    spec = function_spec(fn)
    job = job_id if job_id is not None else new_job_id()
    with tempfile.TemporaryDirectory(prefix="confide-launch-") as tmp:
        folder = Path(tmp)
        if federation is None:
            fed_path = init_federation(
                parties, folder / "federation", ports=free_ports(len(parties))
            )
        else:
            fed_path = Path(federation)
            missing = set(parties) - set(Federation.load(fed_path).parties)
            if missing:
                raise ConfigError(f"parties {sorted(missing)} are not in {fed_path}")
        role_names = {p: [Role(r).value for r in rs] for p, rs in (roles or {}).items()}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        try:
            for party in parties:
                key, cert = identity_paths(fed_path, party)
                envelope = {
                    "input": inputs_by_party[party],
                    "parties": parties,
                    "roles": role_names,
                }
                (folder / f"{party}.in").write_bytes(encode(envelope))
                command = [
                    sys.executable, "-m", "confide.runtime.worker",
                    "--federation", str(fed_path), "--key", str(key), "--cert", str(cert),
                    "--function", spec, "--job-id", job, "--timeout", str(timeout),
                    "--input", str(folder / f"{party}.in"),
                    "--output", str(folder / f"{party}.out"),
                ]  # fmt: skip
                processes[party] = subprocess.Popen(
                    command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
                )
            readers = {p: _Reader(p, proc, on_output) for p, proc in processes.items()}
            limit = job_timeout if job_timeout is not None else 10 * timeout
            stderr = _wait(processes, readers, limit)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()
        return _collect(folder, parties, processes, stderr)


class _Reader:
    """Reads one worker's standard error on a thread: keeps it, and passes lines on."""

    def __init__(
        self,
        party: str,
        process: subprocess.Popen[bytes],
        on_output: Callable[[str, str], None] | None,
    ) -> None:
        self._party = party
        self._process = process
        self._on_output = on_output
        self._lines: list[str] = []
        self._thread = threading.Thread(target=self._run, name=f"stderr-{party}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        stream = self._process.stderr
        if stream is None:
            return
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self._lines.append(line)
            if self._on_output is not None:
                # A display callback that fails must not end the job.
                with contextlib.suppress(Exception):
                    self._on_output(self._party, line)

    def text(self) -> str:
        """Everything read so far, once the stream has closed (waits a little for it)."""
        self._thread.join(timeout=5.0)
        return "\n".join(self._lines)


def _wait(
    processes: Mapping[str, subprocess.Popen[bytes]],
    readers: Mapping[str, _Reader],
    limit: float,
) -> dict[str, str]:
    """Wait for every process up to ``limit`` seconds in all; return each one's stderr."""
    deadline = time.monotonic() + limit + _GRACE_S
    stderr: dict[str, str] = {}
    for party, process in processes.items():
        killed = False
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            killed = True
        text = readers[party].text()
        if killed:
            text += "\nkilled: the job ran past its time limit"
        stderr[party] = text
    return stderr


def _collect(
    folder: Path,
    parties: list[str],
    processes: Mapping[str, subprocess.Popen[bytes]],
    stderr: Mapping[str, str],
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for party in parties:
        out = folder / f"{party}.out"
        if not out.exists():
            tail = stderr.get(party, "").strip().splitlines()[-3:]
            code = processes[party].returncode
            errors[party] = f"process exited with code {code} and no result: {' | '.join(tail)}"
            continue
        outcome = decode(bytearray(out.read_bytes()))
        if outcome.get("ok"):
            results[party] = outcome["result"]
        else:
            errors[party] = str(outcome.get("error"))
    if errors:
        raise PartyFailed(errors)
    return results
