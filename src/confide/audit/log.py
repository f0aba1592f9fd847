"""The writer of a party's audit log: builds, hashes, signs and stores each entry.

    log = AuditLog(FileAuditStore("audit.jsonl"), identity)
    log.proposed(job_id, spec_hash=..., initiator="bank")
    log.dataset_read(job_id, dataset="loans", columns=["id", "income"], rows=10_000)
    log.finished(job_id)

Every append reads the head, builds the next entry (sequence number, UTC timestamp, previous
hash), hashes and signs it (:mod:`confide.audit.entry`) and hands it to the store, under one
lock, so entries from several threads (jobs) of one node interleave but never fork the chain.
The payload of each event type is checked (:mod:`confide.audit.events`).
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from confide.audit.canonical import normalize
from confide.audit.entry import GENESIS_HASH, AuditEntry, entry_hash, format_timestamp
from confide.audit.events import EventType, check_payload
from confide.audit.fields import check_job_id
from confide.audit.heads import Head, SignedHead
from confide.audit.signing import ENTRY_CONTEXT, Signer
from confide.audit.store import AuditStore
from confide.errors import ConfigError
from confide.net.federation import Identity

__all__ = ["AuditLog", "utc_now"]


def utc_now() -> datetime.datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.datetime.now(datetime.timezone.utc)


class AuditLog:
    """Appends signed, hash-chained entries for one party to an :class:`AuditStore`."""

    def __init__(
        self,
        store: AuditStore,
        identity: Identity,
        *,
        clock: Callable[[], datetime.datetime] = utc_now,
    ) -> None:
        self._signer = Signer(identity)
        head = store.head()
        if head is not None and head.party != identity.party:
            raise ConfigError(
                f"this audit store holds the log of {head.party!r}, not of {identity.party!r}"
            )
        self.store = store
        self.party = identity.party
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The key that verifies this log's signatures."""
        return self._signer.public_key

    def append(
        self, event: EventType | str, job_id: str, payload: Mapping[str, Any] | None = None
    ) -> AuditEntry:
        """Append one entry; :class:`ConfigError` if the payload lacks what ``event`` needs."""
        event = EventType(event)
        check_job_id(job_id, "job id")
        body_payload = normalize({} if payload is None else payload, f"{event.value} payload")
        if not isinstance(body_payload, dict):
            raise ConfigError(f"{event.value} payload must be a mapping")
        check_payload(event, body_payload)
        with self._lock:
            head = self.store.head()
            body: dict[str, Any] = {
                "seq": 0 if head is None else head.seq + 1,
                "timestamp": format_timestamp(self._clock()),
                "party": self.party,
                "event": event.value,
                "job_id": job_id,
                "payload": body_payload,
                "prev_hash": GENESIS_HASH if head is None else head.hash,
            }
            digest = entry_hash(body)
            entry = AuditEntry(
                seq=body["seq"],
                timestamp=body["timestamp"],
                party=self.party,
                event=event,
                job_id=job_id,
                payload=body_payload,
                prev_hash=body["prev_hash"],
                hash=digest,
                signature=self._signer.sign(ENTRY_CONTEXT + bytes.fromhex(digest)),
            )
            self.store.append(entry)
        return entry

    def head(self) -> Head | None:
        """The head of the log, or ``None`` while it is empty."""
        return self.store.head()

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry, oldest first."""
        return self.store.entries()

    def sign_head(self, job_id: str) -> SignedHead:
        """The current head, signed for job ``job_id``; :class:`ConfigError` if the log is empty."""
        head = self.store.head()
        if head is None:
            raise ConfigError(f"the audit log of {self.party!r} is empty: it has no head to sign")
        return SignedHead.sign(self._signer, head, job_id)

    # -- one method per event type, so callers cannot forget a field. ``details`` are extra
    # payload fields (for example ``component="lr"``), kept beside the required ones.

    def proposed(
        self, job_id: str, *, spec_hash: str, initiator: str, **details: Any
    ) -> AuditEntry:
        """Job ``job_id`` with spec hash ``spec_hash`` was proposed by ``initiator``."""
        payload = {**details, "spec_hash": spec_hash, "initiator": initiator}
        return self.append(EventType.PROPOSED, job_id, payload)

    def approved(
        self, job_id: str, *, spec_hash: str, by: str, automatic: bool = False, **details: Any
    ) -> AuditEntry:
        """Party ``by`` approved the job's spec (automatically, by its policies, or by hand)."""
        payload = {**details, "spec_hash": spec_hash, "by": by, "automatic": automatic}
        return self.append(EventType.APPROVED, job_id, payload)

    def refused(self, job_id: str, *, reason: str, by: str, **details: Any) -> AuditEntry:
        """Party ``by`` refused the job, for ``reason``."""
        return self.append(EventType.REFUSED, job_id, {**details, "reason": reason, "by": by})

    def started(self, job_id: str, **details: Any) -> AuditEntry:
        """The job started here."""
        return self.append(EventType.STARTED, job_id, details)

    def dataset_read(
        self, job_id: str, *, dataset: str, columns: Iterable[str], rows: int, **details: Any
    ) -> AuditEntry:
        """``rows`` rows of ``columns`` of ``dataset`` were read for the job."""
        payload = {**details, "dataset": dataset, "columns": list(columns), "rows": rows}
        return self.append(EventType.DATASET_READ, job_id, payload)

    def bytes_exchanged(
        self,
        job_id: str,
        *,
        sent: Mapping[str, int],
        received: Mapping[str, int],
        **details: Any,
    ) -> AuditEntry:
        """Bytes this party sent to and received from each peer during the job."""
        payload = {**details, "sent": dict(sent), "received": dict(received)}
        return self.append(EventType.BYTES_EXCHANGED, job_id, payload)

    def output_released(
        self, job_id: str, *, output: str, kind: str, receivers: Iterable[str], **details: Any
    ) -> AuditEntry:
        """Output ``output`` of kind ``kind`` was released to ``receivers``."""
        payload = {**details, "output": output, "kind": kind, "receivers": list(receivers)}
        return self.append(EventType.OUTPUT_RELEASED, job_id, payload)

    def key_released(
        self,
        job_id: str,
        *,
        dataset: str,
        columns: Iterable[str],
        rows: int,
        measurement: str,
        platform: str,
        enclave_key: str,
        trust: str,
        **details: Any,
    ) -> AuditEntry:
        """The key of a sealed copy of ``dataset`` (``rows`` rows of ``columns``) was released
        to the enclave of ``measurement`` on ``platform``, wrapped to ``enclave_key``."""
        payload = {
            **details,
            "dataset": dataset,
            "columns": list(columns),
            "rows": rows,
            "measurement": measurement,
            "platform": platform,
            "enclave_key": enclave_key,
            "trust": trust,
        }
        return self.append(EventType.KEY_RELEASED, job_id, payload)

    def failed(self, job_id: str, *, reason: str, **details: Any) -> AuditEntry:
        """The job failed, for ``reason``."""
        return self.append(EventType.FAILED, job_id, {**details, "reason": reason})

    def finished(self, job_id: str, **details: Any) -> AuditEntry:
        """The job finished here."""
        return self.append(EventType.FINISHED, job_id, details)

    def peer_head_recorded(self, head: SignedHead) -> AuditEntry:
        """A peer's signed head, received at the end of job ``head.job_id``."""
        return self.append(EventType.PEER_HEAD_RECORDED, head.job_id, {"head": head.to_json()})

    def __repr__(self) -> str:
        return f"AuditLog(party={self.party!r}, store={self.store!r})"
