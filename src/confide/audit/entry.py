"""One audit entry: what happened, in which job, chained to the entry before it and signed.

The hash
--------
An entry's ``hash`` is the SHA-256, in lowercase hex, of the canonical JSON
(:mod:`confide.audit.canonical`) of its *body*, the object::

    {"event": ..., "job_id": ..., "party": ..., "payload": {...},
     "prev_hash": ..., "seq": ..., "timestamp": ..., "v": 1}

``prev_hash`` is the previous entry's ``hash`` (:data:`GENESIS_HASH`, 64 zeros, for entry 0),
so each hash covers the whole chain before it. ``v`` is :data:`ENTRY_VERSION`, the format.

The signature
-------------
``signature`` is the party's ECDSA P-256 / SHA-256 signature (DER) of
:data:`~confide.audit.signing.ENTRY_CONTEXT` followed by the 32 bytes of ``hash``.

Stored form
-----------
:meth:`AuditEntry.to_json` is the body plus ``"hash"`` and ``"signature"`` (base64);
:meth:`AuditEntry.to_line` is its canonical JSON and a newline, one line of a JSON-lines log.
Timestamps are UTC, ISO 8601 with microseconds and a ``Z``: ``2025-03-01T12:00:00.000000Z``.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from confide.audit.canonical import canonical_json, normalize
from confide.audit.errors import AuditFormatError
from confide.audit.events import EventType
from confide.audit.fields import (
    check_hash,
    check_job_id,
    check_party,
    check_seq,
    decode_signature,
    encode_signature,
)
from confide.audit.heads import Head
from confide.errors import ConfigError

__all__ = [
    "ENTRY_VERSION",
    "GENESIS_HASH",
    "AuditEntry",
    "entry_hash",
    "format_timestamp",
    "parse_timestamp",
]

#: Version of the entry format, inside every hashed body.
ENTRY_VERSION = 1

#: The ``prev_hash`` of entry 0.
GENESIS_HASH = "0" * 64

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_BODY_KEYS = frozenset({"event", "job_id", "party", "payload", "prev_hash", "seq", "timestamp"})
_STORED_KEYS = _BODY_KEYS | {"v", "hash", "signature"}


def format_timestamp(moment: datetime.datetime) -> str:
    """``moment`` (timezone-aware) in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ConfigError(f"timestamp {moment} has no time zone; give an aware datetime")
    return moment.astimezone(datetime.timezone.utc).strftime(_TIMESTAMP_FORMAT)


def parse_timestamp(text: object, where: str = "timestamp") -> datetime.datetime:
    """The aware UTC datetime of a timestamp written by :func:`format_timestamp`."""
    if not isinstance(text, str) or _TIMESTAMP.fullmatch(text) is None:
        raise ConfigError(f"{where}: {text!r} is not a UTC timestamp YYYY-MM-DDTHH:MM:SS.ffffffZ")
    try:
        moment = datetime.datetime.strptime(text, _TIMESTAMP_FORMAT)
    except ValueError as exc:
        raise ConfigError(f"{where}: {text!r} is not a valid date and time: {exc}") from None
    return moment.replace(tzinfo=datetime.timezone.utc)


def entry_hash(body: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of an entry body, ``v`` included."""
    return hashlib.sha256(canonical_json({**body, "v": ENTRY_VERSION}, "entry")).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    """One signed link of a party's audit chain; :class:`~confide.audit.log.AuditLog` makes them."""

    seq: int
    timestamp: str
    party: str
    event: EventType
    job_id: str
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str
    signature: bytes = field(repr=False)

    def __post_init__(self) -> None:
        check_seq(self.seq, "entry seq")
        parse_timestamp(self.timestamp, "entry timestamp")
        check_party(self.party, "entry party")
        if not isinstance(self.event, EventType):
            raise ConfigError(f"entry event {self.event!r} is not an EventType")
        check_job_id(self.job_id, "entry job id")
        if not isinstance(self.payload, Mapping):
            raise ConfigError("entry payload must be a JSON object")
        object.__setattr__(self, "payload", normalize(self.payload, "entry payload"))
        check_hash(self.prev_hash, "entry prev_hash")
        check_hash(self.hash, "entry hash")
        if not isinstance(self.signature, bytes):
            raise ConfigError("entry signature must be bytes")

    @property
    def head(self) -> Head:
        """The chain head that ends with this entry."""
        return Head(self.party, self.seq, self.hash)

    @property
    def time(self) -> datetime.datetime:
        """The timestamp as an aware UTC datetime."""
        return parse_timestamp(self.timestamp)

    def body(self) -> dict[str, Any]:
        """The hashed fields (without ``v``, which :func:`entry_hash` adds)."""
        return {
            "seq": self.seq,
            "timestamp": self.timestamp,
            "party": self.party,
            "event": self.event.value,
            "job_id": self.job_id,
            "payload": dict(self.payload),
            "prev_hash": self.prev_hash,
        }

    def computed_hash(self) -> str:
        """The hash this entry's content should have; differs from ``hash`` if it was edited."""
        return entry_hash(self.body())

    def to_json(self) -> dict[str, Any]:
        """The stored form: body, ``v``, ``hash`` and base64 ``signature``."""
        return {
            **self.body(),
            "v": ENTRY_VERSION,
            "hash": self.hash,
            "signature": encode_signature(self.signature),
        }

    def to_line(self) -> bytes:
        """One line of a JSON-lines log: the canonical JSON of :meth:`to_json` and ``\\n``."""
        return canonical_json(self.to_json(), "entry") + b"\n"

    @classmethod
    def from_json(cls, data: object, where: str = "entry") -> AuditEntry:
        """Parse :meth:`to_json`'s form; :class:`AuditFormatError` naming ``where`` if bad.

        Only the format is checked here; whether the hash and signature are right is
        :func:`~confide.audit.verify.verify`'s job.
        """
        if not isinstance(data, Mapping):
            raise AuditFormatError(f"{where}: an entry must be a JSON object")
        keys = set(data)
        if keys != _STORED_KEYS:
            missing, extra = sorted(_STORED_KEYS - keys), sorted(keys - _STORED_KEYS, key=str)
            raise AuditFormatError(f"{where}: missing keys {missing}, unknown keys {extra}")
        if data["v"] != ENTRY_VERSION or isinstance(data["v"], bool):
            raise AuditFormatError(f"{where}: entry format version {data['v']!r} is not supported")
        try:
            event = EventType(data["event"])
        except ValueError:
            raise AuditFormatError(f"{where}: unknown event {data['event']!r}") from None
        try:
            return cls(
                seq=data["seq"],
                timestamp=data["timestamp"],
                party=data["party"],
                event=event,
                job_id=data["job_id"],
                payload=data["payload"],
                prev_hash=data["prev_hash"],
                hash=data["hash"],
                signature=decode_signature(data["signature"], f"{where} signature"),
            )
        except ConfigError as exc:
            raise AuditFormatError(f"{where}: {exc}") from None
