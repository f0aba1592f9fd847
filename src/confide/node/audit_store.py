"""The node's audit chain in its own database: an :class:`~confide.audit.store.AuditStore`.

    store = NodeStore.open(config.database_url)
    log = AuditLog(SqlAuditStore(store.database), identity)

One row per entry (:class:`~confide.node.db.AuditRow`), at the next ``position``. An append
reads the last row, checks that the entry continues it
(:func:`~confide.audit.store.check_successor`) and inserts it in one transaction; the position
is the primary key, so when two writers (processes) append after the same head, the second
insert fails and is refused: the chain never forks. Entries are read back in position order,
exactly as stored, so a row edited, deleted or moved in SQL is what :func:`confide.audit.verify`
reports (``hash_mismatch``, ``out_of_sequence``, ...).

Like :class:`~confide.audit.filestore.FileAuditStore`, the store refuses to open on a chain
whose rows do not link up (a row deleted or moved): a log that may have been tampered with is
evidence, to be checked with :func:`~confide.audit.verify` before anything is added.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select

from confide.audit.canonical import canonical_json, loads_json
from confide.audit.entry import AuditEntry
from confide.audit.errors import AuditFormatError, AuditStoreError
from confide.audit.events import EventType
from confide.audit.heads import Head
from confide.audit.store import check_successor
from confide.errors import ConfigError
from confide.node.db import AuditRow, Database
from confide.node.errors import AlreadyExists, StoreError
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "SqlAuditStore"]

DISCLOSURE = (
    Disclosure(
        "this node's operators and auditors",
        "every audit entry of this node: job ids, spec hashes, dataset and column names, row "
        "counts, bytes exchanged, outputs released and the peers' signed heads",
        "the chain is local; only its signed head is sent to the job's peers",
    ),
)


def _entry(row: AuditRow) -> AuditEntry:
    where = f"audit row at position {row.position}"
    try:
        event = EventType(row.event)
    except ValueError:
        raise AuditFormatError(f"{where}: unknown event") from None
    try:
        return AuditEntry(
            seq=row.seq,
            timestamp=row.timestamp,
            party=row.party,
            event=event,
            job_id=row.job_id,
            payload=loads_json(row.payload, f"{where} payload"),
            prev_hash=row.prev_hash,
            hash=row.hash,
            signature=row.signature,
        )
    except ConfigError as exc:
        raise AuditFormatError(f"{where}: {exc}") from None


def _row(position: int, entry: AuditEntry) -> AuditRow:
    return AuditRow(
        position=position,
        seq=entry.seq,
        timestamp=entry.timestamp,
        party=entry.party,
        event=entry.event.value,
        job_id=entry.job_id,
        payload=canonical_json(entry.payload, "audit payload").decode("utf-8"),
        prev_hash=entry.prev_hash,
        hash=entry.hash,
        signature=entry.signature,
    )


class SqlAuditStore:
    """The audit chain of one party in the node database (see the module docstring)."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._scan()

    def _scan(self) -> None:
        head: Head | None = None
        for position, entry in enumerate(self.entries()):
            try:
                check_successor(head, entry)
            except AuditStoreError as exc:
                raise AuditStoreError(
                    f"the audit chain in {self.database.url} breaks at position {position} "
                    f"({exc}); verify it before writing to it"
                ) from None
            head = entry.head

    def append(self, entry: AuditEntry) -> None:
        """Insert ``entry`` after the last row; :class:`AuditStoreError` if it does not
        continue the chain, another writer appended first, or the database fails."""
        conflict = "another writer appended to the audit chain first"
        try:
            with self.database.write("appending to the audit chain", conflict=conflict) as s:
                last = s.scalars(
                    select(AuditRow).order_by(AuditRow.position.desc()).limit(1)
                ).one_or_none()
                check_successor(None if last is None else _entry(last).head, entry)
                s.add(_row(0 if last is None else last.position + 1, entry))
        except (AlreadyExists, StoreError) as exc:
            raise AuditStoreError(str(exc)) from exc

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry, in the order they were appended (a snapshot)."""
        try:
            with self.database.read("reading the audit chain") as session:
                rows = list(session.scalars(select(AuditRow).order_by(AuditRow.position)))
        except StoreError as exc:
            raise AuditStoreError(str(exc)) from exc
        return iter([_entry(row) for row in rows])

    def head(self) -> Head | None:
        """The head of the last row, or ``None`` while the chain is empty."""
        try:
            with self.database.read("reading the audit head") as session:
                last = session.scalars(
                    select(AuditRow).order_by(AuditRow.position.desc()).limit(1)
                ).one_or_none()
                return None if last is None else _entry(last).head
        except StoreError as exc:
            raise AuditStoreError(str(exc)) from exc

    def __len__(self) -> int:
        with self.database.read("counting audit entries") as session:
            return session.scalar(select(func.count()).select_from(AuditRow)) or 0

    def __repr__(self) -> str:
        return f"SqlAuditStore({self.database.url!r})"
