"""Chain heads: where a party's audit log ends, and the signed form the parties exchange.

At the end of a job every party signs its current head (party, job id, sequence number and hash
of its last entry) and sends it to the others, who record it in their own logs
(:mod:`confide.audit.exchange`). A head signed by ``bank`` and kept by ``platform`` is evidence
``bank`` cannot withdraw: if ``bank`` later rewrites or shortens its log, the log no longer holds
an entry with that sequence number and hash (:func:`confide.audit.verify.verify_against_heads`).

The signed message is :data:`~confide.audit.signing.HEAD_CONTEXT` followed by the canonical JSON
(:mod:`confide.audit.canonical`) of ``{"hash", "job_id", "party", "seq"}``. In JSON (a peer-head
entry's payload, a heads file, the wire) a signed head is that object plus ``"signature"``, the
DER signature in base64.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from confide.audit.canonical import canonical_json, loads_json
from confide.audit.errors import AuditFormatError
from confide.audit.fields import (
    check_hash,
    check_job_id,
    check_party,
    check_seq,
    decode_signature,
    encode_signature,
)
from confide.audit.signing import HEAD_CONTEXT, Signer, verify_signature
from confide.errors import ConfigError

__all__ = ["Head", "SignedHead", "dump_heads", "load_heads"]

_HEAD_KEYS = frozenset({"party", "job_id", "seq", "hash", "signature"})


@dataclass(frozen=True)
class Head:
    """Where a party's chain ends: the sequence number and hash of its last entry."""

    party: str
    seq: int
    hash: str

    def __post_init__(self) -> None:
        check_party(self.party, "head party")
        check_seq(self.seq, "head seq")
        check_hash(self.hash, "head hash")

    def __str__(self) -> str:
        return f"{self.party} #{self.seq} {self.hash[:16]}…"


@dataclass(frozen=True)
class SignedHead:
    """A head that ``party`` signed at the end of job ``job_id``."""

    party: str
    job_id: str
    seq: int
    hash: str
    signature: bytes = field(repr=False)

    def __post_init__(self) -> None:
        check_party(self.party, "head party")
        check_job_id(self.job_id, "head job id")
        check_seq(self.seq, "head seq")
        check_hash(self.hash, "head hash")
        if not isinstance(self.signature, bytes):
            raise ConfigError("a head's signature must be bytes")

    @classmethod
    def sign(cls, signer: Signer, head: Head, job_id: str) -> SignedHead:
        """``head`` signed by ``signer``, whose party must be the head's."""
        if head.party != signer.party:
            raise ConfigError(f"{signer.party!r} cannot sign the head of {head.party!r}'s log")
        unsigned = cls(head.party, job_id, head.seq, head.hash, b"")
        return cls(head.party, job_id, head.seq, head.hash, signer.sign(unsigned.message()))

    @property
    def head(self) -> Head:
        """The head without job id and signature."""
        return Head(self.party, self.seq, self.hash)

    def message(self) -> bytes:
        """The bytes that are signed."""
        body = {"party": self.party, "job_id": self.job_id, "seq": self.seq, "hash": self.hash}
        return HEAD_CONTEXT + canonical_json(body)

    def verify(self, public_key: ec.EllipticCurvePublicKey) -> bool:
        """Whether the signature is ``public_key``'s over this head."""
        return verify_signature(public_key, self.signature, self.message())

    def to_json(self) -> dict[str, Any]:
        """The head as a JSON object (also what crosses the wire)."""
        return {
            "party": self.party,
            "job_id": self.job_id,
            "seq": self.seq,
            "hash": self.hash,
            "signature": encode_signature(self.signature),
        }

    @classmethod
    def from_json(cls, data: object, where: str = "head") -> SignedHead:
        """Parse :meth:`to_json`'s form; :class:`AuditFormatError` naming ``where`` if bad."""
        if not isinstance(data, Mapping):
            raise AuditFormatError(f"{where}: a signed head must be a JSON object")
        keys = set(data)
        if keys != _HEAD_KEYS:
            missing, extra = sorted(_HEAD_KEYS - keys), sorted(keys - _HEAD_KEYS, key=str)
            raise AuditFormatError(f"{where}: missing keys {missing}, unknown keys {extra}")
        try:
            return cls(
                party=check_party(data["party"], f"{where} party"),
                job_id=check_job_id(data["job_id"], f"{where} job_id"),
                seq=check_seq(data["seq"], f"{where} seq"),
                hash=check_hash(data["hash"], f"{where} hash"),
                signature=decode_signature(data["signature"], f"{where} signature"),
            )
        except ConfigError as exc:
            raise AuditFormatError(str(exc)) from None


def dump_heads(heads: Iterable[SignedHead]) -> str:
    """A heads file: a JSON array of signed heads, one per line of the array."""
    return json.dumps([head.to_json() for head in heads], indent=2) + "\n"


def load_heads(path: str | os.PathLike[str]) -> list[SignedHead]:
    """Read a heads file written by :func:`dump_heads`; errors name the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"heads file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"heads file {path} cannot be read: {exc}") from exc
    data = loads_json(text, f"heads file {path}")
    if not isinstance(data, list):
        raise AuditFormatError(f"heads file {path} must hold a JSON array of signed heads")
    return [SignedHead.from_json(item, f"heads file {path} [{i}]") for i, item in enumerate(data)]
