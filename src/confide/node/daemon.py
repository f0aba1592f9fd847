"""The node daemon: ``confide node start --config node.yaml`` runs one of these until stopped.

    daemon = NodeDaemon(load_config("node.yaml"))
    daemon.start()          # peer service, control channel, admin API
    daemon.wait()           # until stop() (the command calls it on SIGTERM or Ctrl-C)

Starting opens, in order: the state folder and the store (SQLite in the state folder, or the
configured PostgreSQL), the audit log in the same database (refused if its chain is broken:
verify it first), the federation and this party's key and certificate, its means for enclave
jobs (the ``tee`` section: :func:`~confide.node.tee_setup.open_tee`, which also removes the
job folders a crashed run left under ``<state_dir>/tee``), the peer link (the gRPC
service on ``peer.listen`` with mutual TLS against the federation's pinned certificates), the
coordinator (which first settles the jobs a previous run left behind:
:meth:`~confide.node.coordinator.Coordinator.start`) and the admin API on the loopback address
of the config. Stopping fails the jobs still running (telling their other parties), then closes
the admin API, the control channel, the link and the store, in that order. All state is in the
database: a node stopped (or killed) and started again shows every job as it left it.
"""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from confide.audit.log import AuditLog
from confide.audit.signing import Signer
from confide.errors import ConfideError
from confide.jobs.registry import ComponentRegistry
from confide.net.grpc_link import GrpcLink
from confide.node.admin import AdminServer
from confide.node.audit_store import SqlAuditStore
from confide.node.components import default_registry
from confide.node.config import NodeConfig
from confide.node.coordinator import Coordinator
from confide.node.datasets import DatasetRegistry
from confide.node.services import DEFAULT_CONTROL_TIMEOUT_S, NodeServices
from confide.node.store import NodeStore
from confide.node.tee_setup import open_tee
from confide.runtime.context import DEFAULT_TIMEOUT_S

__all__ = ["NodeDaemon"]

logger = logging.getLogger(__name__)


class NodeDaemon:
    """One running node (see the module docstring)."""

    def __init__(
        self,
        config: NodeConfig,
        *,
        components: ComponentRegistry | None = None,
        receive_timeout: float = DEFAULT_TIMEOUT_S,
        control_timeout: float = DEFAULT_CONTROL_TIMEOUT_S,
    ) -> None:
        self.config = config
        self.components = components if components is not None else default_registry()
        self.receive_timeout = receive_timeout
        self.control_timeout = control_timeout
        self.coordinator: Coordinator | None = None
        self.admin: AdminServer | None = None
        self._store: NodeStore | None = None
        self._link: GrpcLink | None = None
        self._stopped = threading.Event()

    def start(self) -> None:
        """Open everything and start serving; on any error, close what was opened and raise."""
        try:
            self._open()
        except BaseException:
            self.stop()
            raise
        logger.info(
            "node %r: peer service on %s, admin API on http://%s:%d",
            self.config.party, self.config.peer_listen, *self.admin_address,
        )  # fmt: skip

    def _open(self) -> None:
        config = self.config
        config.ensure_state_dir()
        federation = config.load_federation()
        identity = config.load_identity()
        token = config.admin_token()
        self._store = store = NodeStore.open(config.database_url)
        audit = AuditLog(SqlAuditStore(store.database), identity)
        tee = open_tee(
            config.tee, party=config.party, audit=audit, work_dir=config.state_dir / "tee"
        )
        self._link = link = GrpcLink(identity, federation, listen=config.peer_listen)
        services = NodeServices(
            party=config.party,
            store=store,
            datasets=DatasetRegistry(store),
            audit=audit,
            signer=Signer(identity),
            federation=federation,
            link=link,
            components=self.components,
            receive_timeout=self.receive_timeout,
            control_timeout=self.control_timeout,
            tee=tee,
        )
        self.coordinator = Coordinator(services)
        self.coordinator.start()
        self.admin = AdminServer(
            self.coordinator, host=config.admin_host, port=config.admin_port, token=token
        )
        self.admin.start()

    @property
    def admin_address(self) -> tuple[str, int]:
        """Where the admin API listens."""
        if self.admin is None:
            return self.config.admin_host, self.config.admin_port
        return self.admin.address

    def wait(self, timeout: float | None = None) -> bool:
        """Block until :meth:`stop` is called (or ``timeout`` passes); whether it was."""
        return self._stopped.wait(timeout)

    def stop(self) -> None:
        """Fail running jobs, then close the admin API, control channel, link and store."""
        if self.admin is not None:
            self.admin.close()
            self.admin = None
        if self.coordinator is not None:
            self.coordinator.close()
            self.coordinator = None
        if self._link is not None:
            try:
                self._link.close()
            except ConfideError as exc:  # messages of failed jobs that never arrived
                logger.warning("closing the peer link: %s", exc)
            self._link = None
        if self._store is not None:
            self._store.close()
            self._store = None
        self._stopped.set()

    def __enter__(self) -> NodeDaemon:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
