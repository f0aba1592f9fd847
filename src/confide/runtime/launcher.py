"""Run an SPMD function as one process per party over gRPC with mutual TLS.

    results = confide.launch(fit, {"bank": bank_table, "platform": platform_table})

The same function that :func:`confide.simulate` runs in threads runs here in separate Python
processes (``python -m confide.runtime.worker``), each with its own key, talking over real
gRPC with mTLS. Without a federation the launcher makes a throw-away one on loopback (fresh
keys, free ports) in a temporary folder. Inputs and results travel as wire-format files.

With ``transport="socketpair"`` the processes talk over Unix socket pairs that the launcher
makes and hands to them (:mod:`confide.net.socketpair`): no TLS and no gRPC, for parties that
all run on this machine as this user, such as benchmarks that should use every core without
paying for the network stack.

Every process is cleaned up: when the launcher returns or raises, none is left running. A party
that fails makes the others fail within their receive deadline; ``launch`` then raises
``PartyFailed`` with every failed party's error.

The launcher does not wait for those deadlines when a worker exits with an error (a non-zero
exit code: its function raised, it could not even import it, or it was killed). The others get
:data:`STOP_GRACE_S` seconds to end on their own (a failing function's abort notice, or the link
noticing the dead peer, ends them in less, with the more precise error); then those still
running are killed, and their error names the party that exited, its exit code and the last
lines of its standard error. A worker that dies before it ever joins the job, and so can tell
no one, thus fails the launch in seconds, not in a receive deadline.

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
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from confide.errors import ConfigError, PartyFailed
from confide.net.federation import Federation, identity_paths, init_federation
from confide.net.socketpair import socket_pairs
from confide.net.wire import decode, encode
from confide.runtime.context import DEFAULT_TIMEOUT_S, Role, new_job_id
from confide.runtime.functions import function_spec

__all__ = ["STOP_GRACE_S", "TRANSPORTS", "free_ports", "launch"]

#: How the launched processes talk: gRPC with mutual TLS, or Unix socket pairs (one machine).
TRANSPORTS = ("grpc", "socketpair")

#: Extra time a worker gets beyond its receive deadline to start, connect and shut down.
_GRACE_S = 30.0

#: Seconds the other workers get to end on their own once one exited with an error.
STOP_GRACE_S = 5.0

#: How often the launcher looks at its workers.
_POLL_S = 0.05

#: Lines of a dead worker's standard error quoted in the others' errors.
_TAIL_LINES = 3


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
    transport: str = "grpc",
) -> dict[str, Any]:
    """Run ``fn(ctx, inputs_by_party[party])`` in one process per party; return each result.

    ``federation`` is a ``federation.yaml`` whose keys sit beside it (as ``confide certs init``
    writes them); ``transport`` is ``"grpc"`` (the default) or ``"socketpair"`` (see the module
    docstring; it takes no federation); ``timeout`` is each receive's deadline; ``job_timeout``
    bounds the whole run (default: ten receive deadlines), after which every process still
    running is killed.
    ``on_output(party, line)`` is called from a reader thread for each line a worker writes to
    its standard error, as it is written. Once a worker exits with an error, the others are
    stopped within :data:`STOP_GRACE_S` seconds (see the module docstring).
    """
    parties = list(inputs_by_party)
    if len(parties) < 2:
        raise ConfigError(f"a launch needs at least two parties, got {parties}")
    if transport not in TRANSPORTS:
        raise ConfigError(f"transport must be one of {list(TRANSPORTS)}, got {transport!r}")
    if transport == "socketpair" and federation is not None:
        raise ConfigError("the socketpair transport takes no federation (it uses no certificates)")
    spec = function_spec(fn)
    job = job_id if job_id is not None else new_job_id()
    with tempfile.TemporaryDirectory(prefix="confide-launch-") as tmp:
        folder = Path(tmp)
        connect: _Connect = (
            _SocketPairConnect(parties)
            if transport == "socketpair"
            else _FederationConnect(parties, federation, folder)
        )
        role_names = {p: [Role(r).value for r in rs] for p, rs in (roles or {}).items()}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        try:
            for party in parties:
                envelope = {
                    "input": inputs_by_party[party],
                    "parties": parties,
                    "roles": role_names,
                }
                (folder / f"{party}.in").write_bytes(encode(envelope))
                arguments, fds = connect.arguments(party)
                command = [
                    sys.executable, "-m", "confide.runtime.worker", *arguments,
                    "--function", spec, "--job-id", job, "--timeout", str(timeout),
                    "--input", str(folder / f"{party}.in"),
                    "--output", str(folder / f"{party}.out"),
                ]  # fmt: skip
                processes[party] = subprocess.Popen(
                    command,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    pass_fds=fds,
                )
            # The workers hold their own ends now; a dead worker's peers see it close.
            connect.close()
            readers = {p: _Reader(p, proc, on_output) for p, proc in processes.items()}
            limit = job_timeout if job_timeout is not None else 10 * timeout
            stderr = _wait(processes, readers, limit)
        finally:
            connect.close()
            for process in processes.values():
                if process.poll() is None:
                    process.kill()
                    process.wait()
        return _collect(folder, parties, processes, stderr)


class _Connect(ABC):
    """How each worker joins the others: its command-line arguments and inherited descriptors."""

    @abstractmethod
    def arguments(self, party: str) -> tuple[list[str], tuple[int, ...]]:
        """The worker's arguments for ``party`` and the descriptors it inherits."""

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release what the launcher holds once the workers have their own copies."""


class _FederationConnect(_Connect):
    """gRPC: each worker opens its party of a federation with its own key."""

    def __init__(
        self, parties: list[str], federation: str | os.PathLike[str] | None, folder: Path
    ) -> None:
        if federation is None:
            self._path = init_federation(
                parties, folder / "federation", ports=free_ports(len(parties))
            )
        else:
            self._path = Path(federation)
            missing = set(parties) - set(Federation.load(self._path).parties)
            if missing:
                raise ConfigError(f"parties {sorted(missing)} are not in {self._path}")

    def arguments(self, party: str) -> tuple[list[str], tuple[int, ...]]:
        key, cert = identity_paths(self._path, party)
        return ["--federation", str(self._path), "--key", str(key), "--cert", str(cert)], ()


class _SocketPairConnect(_Connect):
    """Socket pairs: each worker inherits its ends of the pairs that join it to the others."""

    def __init__(self, parties: list[str]) -> None:
        self._pairs = socket_pairs(parties)

    def arguments(self, party: str) -> tuple[list[str], tuple[int, ...]]:
        arguments = ["--party", party]
        fds: list[int] = []
        for (sender, receiver), (writer, reader) in self._pairs.items():
            if sender == party:
                arguments += ["--send", f"{receiver}={writer.fileno()}"]
                fds.append(writer.fileno())
            elif receiver == party:
                arguments += ["--receive", f"{sender}={reader.fileno()}"]
                fds.append(reader.fileno())
        return arguments, tuple(fds)

    def close(self) -> None:
        for writer, reader in self._pairs.values():
            writer.close()
            reader.close()


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

    def text(self, wait: float = 5.0) -> str:
        """Everything read so far, once the stream has closed (waits up to ``wait`` for it)."""
        self._thread.join(timeout=wait)
        return "\n".join(self._lines)


def _wait(
    processes: Mapping[str, subprocess.Popen[bytes]],
    readers: Mapping[str, _Reader],
    limit: float,
) -> dict[str, str]:
    """Wait for every process (see the module docstring); return each one's stderr.

    Processes still running ``limit`` seconds (plus a grace to start and stop) from now, or
    :data:`STOP_GRACE_S` after another one exited with an error, are killed, with a note why.
    """
    deadline = time.monotonic() + limit + _GRACE_S
    stop_at: float | None = None
    cause = ""
    notes: dict[str, str] = {}
    while True:
        running = [party for party, process in processes.items() if process.poll() is None]
        if not running:
            break
        now = time.monotonic()
        if stop_at is None:
            dead = [party for party, process in processes.items() if process.returncode]
            if dead:
                cause = _exited(dead[0], processes[dead[0]], readers[dead[0]])
                stop_at = now + STOP_GRACE_S
        if stop_at is not None and now >= stop_at:
            _kill(processes, running, notes, f"stopped: {cause}")
        elif now >= deadline:
            _kill(processes, running, notes, "killed: the job ran past its time limit")
        else:
            time.sleep(_POLL_S)
    return {party: readers[party].text() + notes.get(party, "") for party in processes}


def _exited(party: str, process: subprocess.Popen[bytes], reader: _Reader) -> str:
    """A sentence naming the worker that exited, its exit code and its last stderr lines."""
    tail = [line for line in reader.text(wait=1.0).strip().splitlines() if line.strip()]
    said = " | ".join(tail[-_TAIL_LINES:])
    return f"party {party!r} exited with code {process.returncode}" + (f" ({said})" if said else "")


def _kill(
    processes: Mapping[str, subprocess.Popen[bytes]],
    parties: Iterable[str],
    notes: dict[str, str],
    note: str,
) -> None:
    for party in parties:
        process = processes[party]
        if process.poll() is None:
            process.kill()
            process.wait()
            notes[party] = f"\n{note}"


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
