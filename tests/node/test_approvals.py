"""Signed decisions: bound to the job id and the spec hash, checked against pinned certificates."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from confide.audit.signing import Signer
from confide.errors import ProtocolError
from confide.net.federation import Federation, Identity, identity_paths, init_federation
from confide.node.approvals import DECISION_CONTEXT, SignedDecision, SpecMismatch, sign_decision
from confide.node.records import ApprovalRecord, Decision

HASH = "ab" * 32
OTHER_HASH = "cd" * 32


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_federation(["bank", "platform"], tmp_path_factory.mktemp("fed"), ports=[1, 2])


def signer(federation: Path, party: str) -> Signer:
    return Signer(Identity.load(*identity_paths(federation, party)))


def test_a_decision_verifies_for_its_job_and_spec_only(federation: Path) -> None:
    fed = Federation.load(federation)
    signed = sign_decision(signer(federation, "bank"), "job-1", HASH, Decision.APPROVED)
    received = SignedDecision.from_wire(signed.to_wire())
    assert received == signed and received.approved
    assert received.check(fed, sender="bank", job_id="job-1", spec_hash=HASH) is received
    with pytest.raises(ProtocolError, match="is for job 'job-1', not for 'job-2'"):
        received.check(fed, sender="bank", job_id="job-2", spec_hash=HASH)  # no replay
    with pytest.raises(SpecMismatch, match="over another spec"):
        received.check(fed, sender="bank", job_id="job-1", spec_hash=OTHER_HASH)
    with pytest.raises(ProtocolError, match="in the name of 'bank'"):
        received.check(fed, sender="platform", job_id="job-1", spec_hash=HASH)


def test_a_decision_signed_by_another_key_is_refused(federation: Path) -> None:
    fed = Federation.load(federation)
    forged = sign_decision(signer(federation, "platform"), "job-1", HASH, Decision.APPROVED)
    # the platform's signature over a payload that names the bank
    payload = forged.payload.replace(b'"party":"platform"', b'"party":"bank"')
    tampered = SignedDecision.from_payload(payload, forged.signature)
    with pytest.raises(ProtocolError, match="not signed by the key of its pinned certificate"):
        tampered.check(fed, sender="bank", job_id="job-1", spec_hash=HASH)


def test_the_refusal_reason_is_signed(federation: Path) -> None:
    fed = Federation.load(federation)
    refused = sign_decision(signer(federation, "bank"), "job-1", HASH, Decision.REFUSED, "no")
    assert refused.reason == "no" and not refused.approved
    edited = refused.payload.replace(b'"reason":"no"', b'"reason":"ok"')
    with pytest.raises(ProtocolError, match="not signed"):
        SignedDecision.from_payload(edited, refused.signature).check(
            fed, sender="bank", job_id="job-1", spec_hash=HASH
        )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nonsense", "must be a map"),
        ({"payload": b"x", "signature": "s"}, "must be bytes"),
        ({"payload": b"x", "signature": b"s"}, "not a signed job decision"),
        ({"payload": DECISION_CONTEXT + b"{]", "signature": b"s"}, "not canonical JSON"),
        ({"payload": DECISION_CONTEXT + b'{"a":1}', "signature": b"s"}, "exactly the keys"),
        (
            {
                "payload": DECISION_CONTEXT + b'{"decision":"maybe","job_id":"j","party":"bank",'
                b'"reason":"","spec_hash":"' + HASH.encode() + b'"}',
                "signature": b"s",
            },
            "payload is invalid",
        ),
        (
            {
                "payload": DECISION_CONTEXT + b'{"job_id":"j","decision":"approved","party":'
                b'"bank","reason":"","spec_hash":"' + HASH.encode() + b'"}',
                "signature": b"s",
            },
            "not in canonical form",
        ),
    ],
)
def test_malformed_decisions_are_refused(value: object, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        SignedDecision.from_wire(value)


def test_a_stored_decision_reads_back(federation: Path) -> None:
    signed = sign_decision(signer(federation, "bank"), "job-1", HASH, Decision.APPROVED)
    record = ApprovalRecord(
        "job-1", "bank", Decision.APPROVED, signed.signature, signed.payload,
        datetime.datetime.now(datetime.timezone.utc),
    )  # fmt: skip
    assert SignedDecision.from_record(record) == signed
