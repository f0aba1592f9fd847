"""What a running node is made of, handed as one object to its coordinator and job runners.

The daemon (:mod:`confide.node.daemon`) opens these from the node's config: the store and its
dataset registry, the audit log (in the same database), the federation and this party's
signing key, the peer link (gRPC with mTLS), the installed components and the node's means
for enclave jobs (:class:`~confide.node.tee_setup.TeeNode`). Tests build them on
an in-memory link, so the job flow runs the same way in threads of one process.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from confide.audit.log import AuditLog, utc_now
from confide.audit.signing import Signer
from confide.errors import ConfigError
from confide.jobs.registry import ComponentRegistry
from confide.net.federation import Federation
from confide.net.link import Link
from confide.node.datasets import DatasetRegistry
from confide.node.store import NodeStore
from confide.node.tee_setup import TeeNode
from confide.runtime.context import DEFAULT_TIMEOUT_S

__all__ = ["DEFAULT_CONTROL_TIMEOUT_S", "NodeServices"]

#: How long a control message waits for its peer before it counts as undelivered.
DEFAULT_CONTROL_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class NodeServices:
    """One node's parts (see the module docstring).

    ``receive_timeout``: each receive's deadline inside a job (a dead peer is noticed sooner,
    by the link's pings); ``control_timeout``: how long a control message waits for a peer.
    """

    party: str
    store: NodeStore
    datasets: DatasetRegistry
    audit: AuditLog
    signer: Signer
    federation: Federation
    link: Link
    components: ComponentRegistry
    receive_timeout: float = DEFAULT_TIMEOUT_S
    control_timeout: float = DEFAULT_CONTROL_TIMEOUT_S
    clock: Callable[[], datetime.datetime] = field(default=utc_now, repr=False)
    tee: TeeNode = field(default_factory=TeeNode, repr=False)

    def __post_init__(self) -> None:
        for name, who in (
            ("audit log", self.audit.party),
            ("signing key", self.signer.party),
            ("link", self.link.party),
        ):
            if who != self.party:
                raise ConfigError(f"the node of {self.party!r} was given the {name} of {who!r}")
        if self.party not in self.federation.parties:
            raise ConfigError(f"{self.party!r} is not in federation {self.federation.name!r}")
        if self.receive_timeout <= 0 or self.control_timeout <= 0:
            raise ConfigError("the node's timeouts must be positive")
