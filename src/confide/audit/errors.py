"""The errors of the audit log, all under :class:`~confide.errors.ConfideError`::

ConfideError
├── AuditError                 anything the audit log refuses or cannot do
│   ├── AuditFormatError       a stored entry, log line or heads file is malformed (ValueError)
│   ├── AuditStoreError        the store refused an append, or its storage failed
│   │   └── AuditLockError     another process already writes this log
│   └── AuditTampered          :meth:`Verification.check` found a bad entry
└── ProtocolError
    └── BadPeerHead            a peer sent a chain head that is malformed or not its own
"""

from __future__ import annotations

from confide.errors import ConfideError, ProtocolError

__all__ = [
    "AuditError",
    "AuditFormatError",
    "AuditLockError",
    "AuditStoreError",
    "AuditTampered",
    "BadPeerHead",
]


class AuditError(ConfideError):
    """Root of the audit log's errors."""


class AuditFormatError(AuditError, ValueError):
    """A stored entry, a log line or a heads file is not in the audit format.

    ``line`` is the 1-based line of a JSON-lines log that is bad, when the error is about one.
    """

    def __init__(self, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class AuditStoreError(AuditError):
    """The store refused an append (not the next entry of the chain) or its storage failed."""


class AuditLockError(AuditStoreError):
    """Another process holds the writer's lock on this log."""


class AuditTampered(AuditError):
    """Verification found a bad entry; ``finding`` says which and why."""

    def __init__(self, finding: object) -> None:
        super().__init__(str(finding))
        self.finding = finding


class BadPeerHead(ProtocolError):
    """A peer's chain head is malformed, for another party or job, or not signed by its key."""

    def __init__(self, peer: str, message: str) -> None:
        super().__init__(f"peer {peer!r}: {message}")
        self.peer = peer
