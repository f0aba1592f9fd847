"""Node daemons as real processes for the end-to-end tests: ``confide node start`` per party.

A :class:`Cluster` makes a federation on loopback (fresh keys, free ports), gives each party a
state folder, a node config, its dataset of :func:`~tests.node.jobkit.frames` with a policy,
and a database (a SQLite file, or a schema of its own on the test PostgreSQL server), then
starts one ``python -m confide.cli.app node start`` per party, with ``test.hold`` added. It
waits until every admin API answers. :meth:`Cluster.close` stops every process it started
(SIGTERM, then SIGKILL) and drops its PostgreSQL schemas: nothing is left running.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from confide.errors import ConfideError
from confide.net.federation import Federation, identity_paths, init_federation
from confide.node import TERMINAL_STATES, AdminClient, JobState, NodeStore, load_config
from confide.runtime.launcher import free_ports
from tests.node.jobkit import PARTIES, frames, register, wait_for

#: Seconds a job waits for a peer's message in these tests.
RECEIVE_TIMEOUT_S = 20.0

_STARTUP_S = 120.0


def node_config(
    fed_path: Path, federation: Federation, party: str, home: Path, url: str, admin_port: int
) -> dict[str, Any]:
    """The ``node.yaml`` settings of ``party``'s daemon, at home in ``home``."""
    key, cert = identity_paths(fed_path, party)
    return {
        "party": party,
        "federation": str(fed_path),
        "identity": {"key": str(key), "certificate": str(cert)},
        "state_dir": str(home / "state"),
        "database_url": url,
        "admin": {"host": "127.0.0.1", "port": admin_port},
        "peer": {"listen": federation.address(party)},
    }


@dataclass
class Cluster:
    """The daemons of :data:`PARTIES` (see the module docstring)."""

    folder: Path
    backend: str
    base_url: str | None = None
    configs: dict[str, Path] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    schemas: list[str] = field(default_factory=list)

    def setup(self) -> None:
        """Write the federation, configs, datasets and policies; start every daemon."""
        fed_path = init_federation(
            PARTIES, self.folder / "federation", ports=free_ports(len(PARTIES))
        )
        federation = Federation.load(fed_path)
        admin_ports = free_ports(len(PARTIES))
        tables = frames()
        for party, admin_port in zip(PARTIES, admin_ports, strict=True):
            home = self.folder / party
            home.mkdir(mode=0o700)
            url = self._database_url(home)
            config = node_config(fed_path, federation, party, home, url, admin_port)
            path = home / "node.yaml"
            path.write_text(yaml.safe_dump(config))
            self.configs[party] = path
            self.urls[party] = url
            with NodeStore.open(url) as store:
                register(store, home, party, tables[party])
        for party in PARTIES:
            self.start(party)
        for party in PARTIES:
            self.wait_up(party)

    def _database_url(self, home: Path) -> str:
        if self.backend == "sqlite":
            return f"sqlite:///{home / 'state' / 'node.db'}"
        assert self.base_url is not None
        schema = f"test_{secrets.token_hex(6)}"
        engine = create_engine(self.base_url)
        try:
            with engine.begin() as connection:
                connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        finally:
            engine.dispose()
        self.schemas.append(schema)
        url = make_url(self.base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    # -- processes ------------------------------------------------------------------------------

    def start(self, party: str) -> None:
        """Start ``party``'s daemon (its stderr goes to ``<party>/daemon.log``)."""
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        command = [
            sys.executable, "-m", "confide.cli.app", "node", "start",
            "--config", str(self.configs[party]),
            "--receive-timeout", str(RECEIVE_TIMEOUT_S),
            "--components", "tests.node.hold_component",
        ]  # fmt: skip
        log = (self.folder / party / "daemon.log").open("ab")
        try:
            self.processes[party] = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=log
            )
        finally:
            log.close()

    def wait_up(self, party: str) -> None:
        """Wait until ``party``'s admin API answers (failing early if the process died)."""

        def up() -> bool:
            process = self.processes[party]
            if process.poll() is not None:
                raise AssertionError(f"{party}'s daemon exited: {self.log(party)[-2000:]}")
            try:
                self.client(party).node()
            except ConfideError:
                return False
            return True

        wait_for(up, _STARTUP_S, f"{party}'s daemon to answer")

    def kill(self, party: str) -> None:
        """Kill ``party``'s daemon at once (SIGKILL: no goodbye to anyone)."""
        process = self.processes[party]
        process.kill()
        process.wait()

    def log(self, party: str) -> str:
        """What ``party``'s daemon wrote to stderr."""
        return (self.folder / party / "daemon.log").read_text(errors="replace")

    def close(self) -> None:
        """Stop every daemon (SIGTERM, SIGKILL after 15 s) and drop the PostgreSQL schemas."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15.0
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.schemas and self.base_url is not None:
            engine = create_engine(self.base_url)
            try:
                with engine.begin() as connection:
                    connection.execute(text("SET lock_timeout = '10s'"))
                    for schema in self.schemas:
                        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            finally:
                engine.dispose()

    # -- asking the nodes -----------------------------------------------------------------------

    def client(self, party: str) -> AdminClient:
        return AdminClient.from_config(load_config(self.configs[party]), timeout=10.0)

    def job(self, party: str, job_id: str) -> dict[str, Any]:
        return self.client(party).job(job_id)

    def wait_job(
        self, party: str, job_id: str, *states: JobState, timeout: float = 60.0
    ) -> dict[str, Any]:
        """``party``'s view of the job once it is in one of ``states`` (default: ended)."""
        wanted = {s.value for s in (states or TERMINAL_STATES)}

        def reached() -> dict[str, Any] | None:
            try:
                job = self.job(party, job_id)
            except ConfideError:
                return None
            return job if job["state"] in wanted else None

        found: dict[str, Any] = wait_for(reached, timeout, f"{party}: {job_id} in {wanted}")
        return found
