"""Checking an audit log: the chain, every signature, and the heads the other parties recorded.

:func:`verify` walks the entries in order and stops at the first bad one. For the entry at
position ``i`` (0-based) it checks, in this order:

1. the party is the log's party                                  (``wrong_party``);
2. its ``seq`` is ``i``: an entry was deleted, inserted or moved  (``out_of_sequence``);
3. its ``hash`` is the hash of its content: it was edited          (``hash_mismatch``);
4. its ``prev_hash`` is entry ``i - 1``'s hash                     (``broken_link``);
5. its signature is the party's key's                             (``bad_signature``).

A log cut short at the end, or rewritten by its own party (who holds the key and can re-sign a
whole new chain), passes these checks. What exposes it is a head the *other* parties signed for
and recorded at the end of a job (:mod:`confide.audit.exchange`): the log must still hold an
entry with that head's sequence number and hash (``truncated``, ``head_mismatch``).
:func:`verify_against_heads` adds those checks; :func:`recorded_heads` collects the heads a
peer recorded from the peer's own log.

The result is data, not an exception (:class:`Verification`); :meth:`Verification.check`
raises :class:`~confide.audit.errors.AuditTampered` for callers that want one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from confide.audit.entry import GENESIS_HASH, AuditEntry
from confide.audit.errors import AuditTampered
from confide.audit.events import EventType
from confide.audit.heads import Head, SignedHead
from confide.audit.signing import ENTRY_CONTEXT, verify_signature
from confide.errors import ConfigError

__all__ = [
    "Finding",
    "FindingKind",
    "Verification",
    "recorded_heads",
    "verify",
    "verify_against_heads",
]


class FindingKind(str, Enum):
    """Why an entry is bad."""

    WRONG_PARTY = "wrong_party"
    OUT_OF_SEQUENCE = "out_of_sequence"
    HASH_MISMATCH = "hash_mismatch"
    BROKEN_LINK = "broken_link"
    BAD_SIGNATURE = "bad_signature"
    TRUNCATED = "truncated"
    HEAD_MISMATCH = "head_mismatch"


@dataclass(frozen=True)
class Finding:
    """The first bad entry: where it sits, the sequence number it should have, and why.

    ``position`` is the 0-based index in the entries given (the line number minus one in a
    JSON-lines log); for ``truncated`` it is the number of entries, one past the end.
    ``seq`` is the sequence number expected at that position (for ``truncated``, the recorded
    head's, which the log no longer reaches).
    """

    kind: FindingKind
    position: int
    seq: int
    message: str

    def __str__(self) -> str:
        return f"entry #{self.seq} (position {self.position}): {self.message}"

    def to_json(self) -> dict[str, Any]:
        """The finding as a JSON object."""
        return {
            "kind": self.kind.value,
            "position": self.position,
            "seq": self.seq,
            "message": self.message,
        }


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found: ``finding`` is ``None`` when the whole log is good.

    ``count`` is the number of entries given; ``head`` the head of the last entry that passed
    the chain checks (the log's head when it is good); ``heads_checked`` how many recorded heads
    were compared with the log.
    """

    party: str | None
    count: int
    head: Head | None
    heads_checked: int
    finding: Finding | None

    @property
    def ok(self) -> bool:
        """Whether no bad entry was found."""
        return self.finding is None

    def check(self) -> Verification:
        """Return ``self`` if the log is good, else raise :class:`AuditTampered`."""
        if self.finding is not None:
            raise AuditTampered(self.finding)
        return self

    def to_json(self) -> dict[str, Any]:
        """The result as a JSON object (what ``confide audit verify --format json`` prints)."""
        return {
            "ok": self.ok,
            "party": self.party,
            "entries": self.count,
            "head": None if self.head is None else {"seq": self.head.seq, "hash": self.head.hash},
            "heads_checked": self.heads_checked,
            "finding": None if self.finding is None else self.finding.to_json(),
        }


def _chain_finding(
    entries: Sequence[AuditEntry], party: str, key: ec.EllipticCurvePublicKey
) -> Finding | None:
    previous_hash = GENESIS_HASH
    for position, entry in enumerate(entries):
        if entry.party != party:
            return Finding(
                FindingKind.WRONG_PARTY,
                position,
                position,
                f"written for party {entry.party!r} in the log of {party!r}",
            )
        if entry.seq != position:
            return Finding(
                FindingKind.OUT_OF_SEQUENCE,
                position,
                position,
                _sequence_problem(entries, position),
            )
        if entry.computed_hash() != entry.hash:
            return Finding(
                FindingKind.HASH_MISMATCH,
                position,
                position,
                "its content does not match its hash: the entry was edited",
            )
        if entry.prev_hash != previous_hash:
            return Finding(
                FindingKind.BROKEN_LINK,
                position,
                position,
                "its previous hash is not the hash of the entry before it: an entry before "
                "it was replaced, or this one was taken from another chain",
            )
        if not verify_signature(key, entry.signature, ENTRY_CONTEXT + bytes.fromhex(entry.hash)):
            return Finding(
                FindingKind.BAD_SIGNATURE,
                position,
                position,
                f"its signature is not {party!r}'s: the entry was forged or re-signed",
            )
        previous_hash = entry.hash
    return None


def _sequence_problem(entries: Sequence[AuditEntry], position: int) -> str:
    found = entries[position].seq
    if found < position:
        return (
            f"found entry #{found} again after entry #{position - 1}: "
            "an entry was inserted, or entries were reordered"
        )
    later = next((p for p in range(position + 1, len(entries)) if entries[p].seq == position), None)
    if later is not None:
        return (
            f"found entry #{found} where #{position} belongs, and #{position} later at "
            f"position {later}: entries were reordered"
        )
    return f"entry #{position} is missing (found #{found} in its place): it was deleted"


def _head_finding(
    entries: Sequence[AuditEntry], good: int, party: str, heads: Sequence[SignedHead]
) -> Finding | None:
    """The earliest recorded head that the first ``good`` (chain-checked) entries contradict."""
    matched = [h.seq for h in heads if h.seq < good and entries[h.seq].hash == h.hash]
    for head in sorted(heads, key=lambda h: h.seq):
        if head.seq < good:
            if entries[head.seq].hash == head.hash:
                continue
            before = max((s for s in matched if s < head.seq), default=-1)
            since = f"after entry #{before}" if before >= 0 else "from the start"
            return Finding(
                FindingKind.HEAD_MISMATCH,
                head.seq,
                head.seq,
                f"differs from the head #{head.seq} that {party!r} signed at the end of job "
                f"{head.job_id!r} and its peers recorded: the log was rewritten {since}, "
                f"at or before entry #{head.seq}",
            )
        if good == len(entries):  # past the end of a log whose chain is good
            last = f"ends at entry #{len(entries) - 1}" if entries else "is empty"
            return Finding(
                FindingKind.TRUNCATED,
                len(entries),
                head.seq,
                f"not in the log, which {last}, but {party!r} signed head #{head.seq} at the end "
                f"of job {head.job_id!r} and its peers recorded it: entries were cut from the "
                "end, or the log was rewritten shorter",
            )
        return None  # at or past a chain problem, which comes first
    return None


def verify(
    entries: Iterable[AuditEntry],
    public_key: ec.EllipticCurvePublicKey,
    *,
    party: str | None = None,
    heads: Iterable[SignedHead] = (),
) -> Verification:
    """Check the chain and every signature of one party's log, and any ``heads`` recorded for it.

    ``party`` is whose log this is (by default, the first entry's party). ``heads`` are heads of
    this party that others recorded; each must carry this party's signature (else
    :class:`ConfigError`: it is no evidence) and the log must still hold it. The result's
    ``head`` is the last entry that passed the chain checks.
    """
    items = list(entries)
    owner = party if party is not None else (items[0].party if items else None)
    recorded = list(heads)
    if owner is None and recorded:
        raise ConfigError("give the party whose (empty) log this is, to check recorded heads")
    for head in recorded:
        if head.party != owner:
            raise ConfigError(
                f"a head of {head.party!r} (job {head.job_id!r}) cannot check the log of {owner!r}"
            )
        if not head.verify(public_key):
            raise ConfigError(
                f"the head #{head.seq} of job {head.job_id!r} is not signed by {owner!r}'s key, "
                "so it is no evidence about this log"
            )
    finding = None if owner is None else _chain_finding(items, owner, public_key)
    good = len(items) if finding is None else finding.position
    if owner is not None and recorded:
        late = _head_finding(items, good, owner, recorded)
        if late is not None and (finding is None or late.position < finding.position):
            finding = late
    last = items[good - 1].head if good else None
    return Verification(owner, len(items), last, len(recorded), finding)


def verify_against_heads(
    entries: Iterable[AuditEntry],
    recorded_heads: Iterable[SignedHead],
    public_key: ec.EllipticCurvePublicKey,
    *,
    party: str | None = None,
) -> Verification:
    """:func:`verify`, with the heads other parties recorded for this log: catches a party that
    rewrote or shortened its own log after those heads were exchanged."""
    return verify(entries, public_key, party=party, heads=recorded_heads)


def recorded_heads(entries: Iterable[AuditEntry], party: str | None = None) -> list[SignedHead]:
    """The peers' heads recorded in a log (``peer_head_recorded`` entries), of ``party`` only
    if given, in log order."""
    found = []
    for entry in entries:
        if entry.event is EventType.PEER_HEAD_RECORDED:
            head = SignedHead.from_json(entry.payload["head"], f"entry #{entry.seq} head")
            if party is None or head.party == party:
                found.append(head)
    return found
