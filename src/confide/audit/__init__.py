"""The tamper-evident audit log: hash-chained entries signed by each node, and their checks.

Every node appends what happens to its jobs (proposed, approved, refused, started, dataset read,
bytes exchanged, output released, failed, finished) to its own log (:class:`AuditLog`): each
entry holds the previous entry's hash and is signed with the node's key. :func:`verify` checks a
log and names the first bad entry. At the end of a job the parties exchange and record each
other's signed chain heads (:func:`exchange_heads`), so a party that later rewrites its own log
is caught by the heads the others kept (:func:`verify_against_heads`).

Storage sits behind :class:`AuditStore`: :class:`MemoryAuditStore`, :class:`FileAuditStore`
(JSON lines), and the node's SQL store.
"""

from confide.audit.canonical import canonical_json, loads_json
from confide.audit.entry import GENESIS_HASH, AuditEntry, format_timestamp, parse_timestamp
from confide.audit.errors import (
    AuditError,
    AuditFormatError,
    AuditLockError,
    AuditStoreError,
    AuditTampered,
    BadPeerHead,
)
from confide.audit.events import EventType
from confide.audit.exchange import exchange_heads
from confide.audit.filestore import FileAuditStore, iter_log, read_log
from confide.audit.heads import Head, SignedHead, dump_heads, load_heads
from confide.audit.log import AuditLog
from confide.audit.signing import Signer, public_key_from_certificate
from confide.audit.store import AuditStore, MemoryAuditStore, check_successor
from confide.audit.verify import (
    Finding,
    FindingKind,
    Verification,
    recorded_heads,
    verify,
    verify_against_heads,
)

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditError",
    "AuditFormatError",
    "AuditLockError",
    "AuditLog",
    "AuditStore",
    "AuditStoreError",
    "AuditTampered",
    "BadPeerHead",
    "EventType",
    "FileAuditStore",
    "Finding",
    "FindingKind",
    "Head",
    "MemoryAuditStore",
    "SignedHead",
    "Signer",
    "Verification",
    "canonical_json",
    "check_successor",
    "dump_heads",
    "exchange_heads",
    "format_timestamp",
    "iter_log",
    "load_heads",
    "loads_json",
    "parse_timestamp",
    "public_key_from_certificate",
    "read_log",
    "recorded_heads",
    "verify",
    "verify_against_heads",
]
