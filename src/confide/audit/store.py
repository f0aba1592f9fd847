"""Where audit entries are kept: the :class:`AuditStore` interface and an in-memory store.

A store keeps one party's chain in order and only ever appends. It does not sign or hash (that
is :class:`~confide.audit.log.AuditLog`'s job) but it refuses an entry that does not continue
its chain (:func:`check_successor`), so two writers can never fork a log. Implementations:
:class:`MemoryAuditStore` here (tests, simulations), :class:`~.filestore.FileAuditStore` (JSON
lines on disk); the node adds one on its SQL database.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Protocol, runtime_checkable

from confide.audit.entry import GENESIS_HASH, AuditEntry
from confide.audit.errors import AuditStoreError
from confide.audit.heads import Head

__all__ = ["AuditStore", "MemoryAuditStore", "check_successor"]


@runtime_checkable
class AuditStore(Protocol):
    """Append-only storage of one party's audit chain."""

    def append(self, entry: AuditEntry) -> None:
        """Store ``entry`` durably after the current head; :class:`AuditStoreError` if it is
        not the head's successor (:func:`check_successor`) or the storage fails."""

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry, oldest first."""

    def head(self) -> Head | None:
        """The last entry's head, or ``None`` while the store is empty."""


def check_successor(head: Head | None, entry: AuditEntry) -> None:
    """Raise :class:`AuditStoreError` unless ``entry`` is the next entry after ``head``."""
    if head is None:
        if entry.seq != 0 or entry.prev_hash != GENESIS_HASH:
            raise AuditStoreError(
                f"the log is empty, so the next entry must be #0 after the genesis hash, "
                f"not #{entry.seq}"
            )
        return
    if entry.party != head.party:
        raise AuditStoreError(
            f"this log belongs to {head.party!r}; it cannot take an entry of {entry.party!r}"
        )
    if entry.seq != head.seq + 1 or entry.prev_hash != head.hash:
        raise AuditStoreError(
            f"entry #{entry.seq} does not follow the head #{head.seq} of the log "
            "(another writer appended, or the entry was built on an old head)"
        )


class MemoryAuditStore:
    """An :class:`AuditStore` in a list: for tests, notebooks and simulations."""

    def __init__(self) -> None:
        self._entries: list[AuditEntry] = []
        self._lock = threading.Lock()

    def append(self, entry: AuditEntry) -> None:
        """Append ``entry`` if it continues the chain."""
        with self._lock:
            check_successor(self._head(), entry)
            self._entries.append(entry)

    def entries(self) -> Iterator[AuditEntry]:
        """A snapshot of the entries, oldest first."""
        with self._lock:
            snapshot = list(self._entries)
        return iter(snapshot)

    def head(self) -> Head | None:
        """The last entry's head, or ``None``."""
        with self._lock:
            return self._head()

    def _head(self) -> Head | None:
        return self._entries[-1].head if self._entries else None

    def __len__(self) -> int:
        return len(self._entries)
