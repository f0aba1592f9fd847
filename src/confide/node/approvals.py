"""Signed decisions on a job: a party's approval or refusal, bound to the job id and the spec.

    decision = sign_decision(signer, job_id, spec.hash, Decision.APPROVED)
    peer_sends(decision.to_wire())
    received = SignedDecision.from_wire(value)
    received.check(federation, sender="platform", job_id=job_id, spec_hash=spec.hash)

A decision is signed with the node's key (:class:`~confide.audit.signing.Signer`, ECDSA P-256 /
SHA-256) over :data:`DECISION_CONTEXT` followed by the canonical JSON
(:mod:`confide.audit.canonical`) of ``{"decision", "job_id", "party", "reason", "spec_hash"}``;
those bytes are the *payload*, and what travels and is stored is the payload with its signature,
so a verifier checks exactly the bytes that were signed. The job id is inside: an approval of one
job can never be replayed for another job with the same spec (which would dodge a policy's
``max_uses``, counted per job). The spec hash is inside: an approval never covers a spec changed
after it was given. The reason is inside, so a refusal's reason is the refusing party's own.

Checks (:meth:`SignedDecision.check`), each a :class:`~confide.errors.ProtocolError`: the
payload is well formed; the party named in it is the authenticated sender; the signature is
that party's (its pinned certificate in the federation); the job id is this job's; the spec
hash is this job's (:class:`SpecMismatch`, its own type, since it means the job was changed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from confide.audit.canonical import canonical_json, loads_json
from confide.audit.fields import check_hash, check_job_id, check_party
from confide.audit.signing import Signer, public_key_from_certificate, verify_signature
from confide.errors import ConfigError, ProtocolError
from confide.net.federation import Federation
from confide.node.records import ApprovalRecord, Decision

__all__ = [
    "DECISION_CONTEXT",
    "MAX_REASON_LENGTH",
    "SignedDecision",
    "SpecMismatch",
    "sign_decision",
]

#: Prefix of every signed decision payload (so no other signature of the key verifies as one).
DECISION_CONTEXT = b"confide-job-decision-v1\x00"

#: Longest reason a decision carries, in characters.
MAX_REASON_LENGTH = 4000

_KEYS = frozenset({"decision", "job_id", "party", "reason", "spec_hash"})
_MAX_PAYLOAD_BYTES = 16 * MAX_REASON_LENGTH
_MAX_SIGNATURE_BYTES = 128


class SpecMismatch(ProtocolError):
    """A decision is over another spec than the one this node holds for the job."""


def _body(job_id: str, spec_hash: str, party: str, decision: Decision, reason: str) -> bytes:
    body = {
        "decision": decision.value,
        "job_id": job_id,
        "party": party,
        "reason": reason,
        "spec_hash": spec_hash,
    }
    return DECISION_CONTEXT + canonical_json(body, "decision")


@dataclass(frozen=True)
class SignedDecision:
    """One party's decision on one job, with the signed payload it was read from."""

    job_id: str
    spec_hash: str
    party: str
    decision: Decision
    reason: str
    payload: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    @property
    def approved(self) -> bool:
        """Whether this is an approval."""
        return self.decision is Decision.APPROVED

    def to_wire(self) -> dict[str, bytes]:
        """What crosses the wire: the signed payload and the signature."""
        return {"payload": self.payload, "signature": self.signature}

    @classmethod
    def from_wire(cls, value: object) -> SignedDecision:
        """Parse :meth:`to_wire`'s form; :class:`ProtocolError` if malformed (not yet checked)."""
        if not isinstance(value, dict) or set(value) != {"payload", "signature"}:
            raise ProtocolError("a decision must be a map of 'payload' and 'signature'")
        payload, signature = value["payload"], value["signature"]
        if not isinstance(payload, bytes) or not isinstance(signature, bytes):
            raise ProtocolError("a decision's payload and signature must be bytes")
        if len(signature) > _MAX_SIGNATURE_BYTES:
            raise ProtocolError("a decision's signature is too long")
        return cls.from_payload(payload, signature)

    @classmethod
    def from_payload(cls, payload: bytes, signature: bytes) -> SignedDecision:
        """Read the fields of a signed payload; :class:`ProtocolError` if malformed."""
        if len(payload) > _MAX_PAYLOAD_BYTES or not payload.startswith(DECISION_CONTEXT):
            raise ProtocolError("a decision's payload is not a signed job decision")
        try:
            text = payload[len(DECISION_CONTEXT) :].decode("utf-8")
            body: Any = loads_json(text, "decision payload")
        except (UnicodeDecodeError, ConfigError) as exc:
            raise ProtocolError(f"a decision's payload is not canonical JSON: {exc}") from None
        if not isinstance(body, dict) or set(body) != _KEYS:
            raise ProtocolError(f"a decision's payload must have exactly the keys {sorted(_KEYS)}")
        try:
            decision = Decision(body["decision"])
            reason = body["reason"]
            if not isinstance(reason, str) or len(reason) > MAX_REASON_LENGTH:
                raise ConfigError(
                    f"a decision's reason must be text of at most {MAX_REASON_LENGTH}"
                )
            made = cls(
                job_id=check_job_id(body["job_id"], "decision job id"),
                spec_hash=check_hash(body["spec_hash"], "decision spec hash"),
                party=check_party(body["party"], "decision party"),
                decision=decision,
                reason=reason,
                payload=payload,
                signature=signature,
            )
        except (ConfigError, ValueError) as exc:
            raise ProtocolError(f"a decision's payload is invalid: {exc}") from None
        if _body(made.job_id, made.spec_hash, made.party, decision, reason) != payload:
            raise ProtocolError("a decision's payload is not in canonical form")
        return made

    @classmethod
    def from_record(cls, record: ApprovalRecord) -> SignedDecision:
        """The decision a store record keeps (its signed payload and signature)."""
        return cls.from_payload(record.signed_payload, record.signature)

    def check(
        self, federation: Federation, *, sender: str, job_id: str, spec_hash: str
    ) -> SignedDecision:
        """Return ``self`` if ``sender`` signed it for ``job_id`` and ``spec_hash`` (see the
        module docstring); :class:`ProtocolError` or :class:`SpecMismatch` if not."""
        if self.party != sender:
            raise ProtocolError(f"{sender!r} sent a decision made in the name of {self.party!r}")
        info = federation.parties.get(sender)
        if info is None:
            raise ProtocolError(f"{sender!r} is not a party of federation {federation.name!r}")
        key = public_key_from_certificate(info.cert_pem)
        if not verify_signature(key, self.signature, self.payload):
            raise ProtocolError(
                f"the decision of {sender!r} is not signed by the key of its pinned certificate"
            )
        if self.job_id != job_id:
            raise ProtocolError(
                f"the decision of {sender!r} is for job {self.job_id!r}, not for {job_id!r}"
            )
        if self.spec_hash != spec_hash:
            raise SpecMismatch(
                f"the decision of {sender!r} is over another spec (hash {self.spec_hash[:16]}…) "
                f"than the one this node holds for job {job_id!r} ({spec_hash[:16]}…): the job "
                "was changed after it was proposed"
            )
        return self


def sign_decision(
    signer: Signer, job_id: str, spec_hash: str, decision: Decision, reason: str = ""
) -> SignedDecision:
    """``signer``'s party's signed ``decision`` on job ``job_id`` with spec hash ``spec_hash``."""
    check_job_id(job_id, "job id")
    check_hash(spec_hash, "spec hash")
    decision = Decision(decision)
    if len(reason) > MAX_REASON_LENGTH:
        reason = reason[: MAX_REASON_LENGTH - 1] + "…"
    payload = _body(job_id, spec_hash, signer.party, decision, reason)
    return SignedDecision(
        job_id=job_id,
        spec_hash=spec_hash,
        party=signer.party,
        decision=decision,
        reason=reason,
        payload=payload,
        signature=signer.sign(payload),
    )
