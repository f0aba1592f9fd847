"""Nodes in one process for the job-flow tests: real stores, keys and audit logs, memory links.

Each party gets its own SQLite database in the test's folder, its own key and certificate (made
by :func:`~confide.net.federation.init_federation`), its own audit log and a coordinator; they
talk over a :class:`~confide.net.memory.MemoryHub` instead of gRPC (the daemon tests run the
same flow as processes over gRPC with mTLS).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confide.audit import AuditLog
from confide.audit.signing import Signer
from confide.jobs.registry import Component, ComponentRegistry
from confide.net.federation import Federation, Identity, identity_paths, init_federation
from confide.net.memory import MemoryHub
from confide.node import (
    TERMINAL_STATES,
    ApprovalRecord,
    Coordinator,
    DatasetRegistry,
    JobRecord,
    JobState,
    NodeServices,
    NodeStore,
    SqlAuditStore,
)
from confide.node.components import default_registry
from confide.runtime.launcher import free_ports
from tests.node.hold_component import COMPONENTS as TEST_COMPONENTS
from tests.node.jobkit import PARTIES, frames, register, wait_for


@dataclass
class MemoryNode:
    """One party's node: its parts and its coordinator."""

    services: NodeServices
    coordinator: Coordinator
    folder: Path

    @property
    def store(self) -> NodeStore:
        return self.services.store

    def job(self, job_id: str) -> JobRecord:
        return self.store.get_job(job_id)

    def approvals(self, job_id: str) -> list[ApprovalRecord]:
        """The decisions this node holds on the job (none while it does not know the job)."""
        try:
            return self.store.approvals(job_id)
        except LookupError:
            return []

    def wait(self, job_id: str, *states: JobState, timeout: float = 30.0) -> JobRecord:
        """The job once it is in one of ``states`` (default: any terminal state)."""
        wanted = set(states) or TERMINAL_STATES

        def reached() -> JobRecord | None:
            try:
                job = self.job(job_id)
            except LookupError:
                return None
            return job if job.state in wanted else None

        found: JobRecord = wait_for(reached, timeout, f"{self.services.party}: {job_id} {wanted}")
        return found


def registry(extra: Iterable[Component] = ()) -> ComponentRegistry:
    """The built-in components, ``test.hold`` and ``extra``."""
    made = default_registry()
    for component in (*TEST_COMPONENTS, *extra):
        made.add(component)
    return made


@contextmanager
def memory_nodes(
    folder: Path,
    parties: tuple[str, ...] = PARTIES,
    *,
    receive_timeout: float = 15.0,
    policies: dict[str, dict[str, Any]] | None = None,
    components: Iterable[Component] = (),
) -> Iterator[dict[str, MemoryNode]]:
    """Started nodes for ``parties``, each with its dataset of :func:`jobkit.frames` and a
    policy (keyword arguments of :func:`jobkit.policy_yaml` per party in ``policies``)."""
    fed_path = init_federation(parties, folder / "federation", ports=free_ports(len(parties)))
    federation = Federation.load(fed_path)
    hub = MemoryHub(parties)
    tables = frames()
    nodes: dict[str, MemoryNode] = {}
    try:
        for party in parties:
            home = folder / party
            home.mkdir()
            store = NodeStore.open(f"sqlite:///{home / 'node.db'}")
            register(store, home, party, tables[party], **(policies or {}).get(party, {}))
            identity = Identity.load(*identity_paths(fed_path, party))
            services = NodeServices(
                party=party,
                store=store,
                datasets=DatasetRegistry(store),
                audit=AuditLog(SqlAuditStore(store.database), identity),
                signer=Signer(identity),
                federation=federation,
                link=hub.link(party),
                components=registry(components),
                receive_timeout=receive_timeout,
                control_timeout=5.0,
            )
            nodes[party] = MemoryNode(services, Coordinator(services), home)
        for node in nodes.values():
            node.coordinator.start()
        yield nodes
    finally:
        for node in nodes.values():
            node.coordinator.close()
        for node in nodes.values():
            node.services.link.close()
            node.store.close()
