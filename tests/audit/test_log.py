"""Tests of the writer: entries chain, are signed, and carry the payload their event needs."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from confide.audit import AuditLog, EventType, MemoryAuditStore, SignedHead, verify
from confide.audit.signing import ENTRY_CONTEXT, verify_signature
from confide.errors import ConfigError
from confide.net.federation import Identity
from tests.audit.helpers import SPEC_HASH, Clock, job_log, make_identity


def test_entries_chain_and_verify(bank: Identity) -> None:
    log = job_log(bank)
    entries = list(log.entries())
    assert [e.seq for e in entries] == list(range(7))
    assert [e.event for e in entries] == [
        EventType.PROPOSED,
        EventType.APPROVED,
        EventType.STARTED,
        EventType.DATASET_READ,
        EventType.BYTES_EXCHANGED,
        EventType.OUTPUT_RELEASED,
        EventType.FINISHED,
    ]
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    for entry in entries:
        message = ENTRY_CONTEXT + bytes.fromhex(entry.hash)
        assert verify_signature(log.public_key, entry.signature, message)
    assert entries[3].payload == {"dataset": "loans", "columns": ["id", "income"], "rows": 1000}
    assert entries[0].timestamp == "2025-03-01T12:00:01.000000Z"
    assert log.head() == entries[-1].head
    assert verify(entries, log.public_key).ok


@pytest.mark.parametrize(
    ("event", "payload", "message"),
    [
        (EventType.REFUSED, {"by": "bank"}, "refused payload field 'reason' is missing"),
        (EventType.REFUSED, {"by": "bank", "reason": "  "}, "'reason' must be a non-empty"),
        (EventType.PROPOSED, {"spec_hash": "x", "initiator": "bank"}, "not a SHA-256 hash"),
        (
            EventType.DATASET_READ,
            {"dataset": "loans", "columns": ["id"], "rows": -1},
            "'rows' must be an integer >= 0",
        ),
        (
            EventType.DATASET_READ,
            {"dataset": "loans", "columns": "id", "rows": 1},
            "'columns' must be a list",
        ),
        (
            EventType.BYTES_EXCHANGED,
            {"sent": {"platform": 1}, "received": {"platform": 1.5}},
            r"'received'\[\'platform'\] must be an integer",
        ),
        (
            EventType.OUTPUT_RELEASED,
            {"output": "m", "kind": "scores", "receivers": []},
            "non-empty list of parties",
        ),
        (EventType.PEER_HEAD_RECORDED, {"head": {"party": "x"}}, "missing keys"),
        (EventType.FAILED, {"reason": float("nan")}, "not finite"),
    ],
)
def test_payloads_are_checked(
    bank: Identity, event: EventType, payload: dict[str, Any], message: str
) -> None:
    log = AuditLog(MemoryAuditStore(), bank)
    with pytest.raises(ConfigError, match=message):
        log.append(event, "job-1", payload)
    assert log.head() is None


def test_extra_payload_fields_are_kept(bank: Identity) -> None:
    log = AuditLog(MemoryAuditStore(), bank)
    entry = log.failed("job-1", reason="peer 'platform' went away", component="lr")
    assert entry.payload == {"reason": "peer 'platform' went away", "component": "lr"}


def test_bad_job_ids_are_refused(bank: Identity) -> None:
    log = AuditLog(MemoryAuditStore(), bank)
    with pytest.raises(ConfigError, match="not a job id"):
        log.started("job 1")


def test_a_store_of_another_party_is_refused(bank: Identity, platform: Identity) -> None:
    store = MemoryAuditStore()
    job_log(bank, store)
    with pytest.raises(ConfigError, match="holds the log of 'bank', not of 'platform'"):
        AuditLog(store, platform)


def test_an_identity_whose_key_is_not_its_certificates_is_refused(bank: Identity) -> None:
    other = make_identity("bank")
    with pytest.raises(ConfigError, match="does not match its certificate"):
        AuditLog(MemoryAuditStore(), Identity("bank", other.key_pem, bank.cert_pem))
    with pytest.raises(ConfigError, match="certificate is 'bank'"):
        AuditLog(MemoryAuditStore(), Identity("platform", bank.key_pem, bank.cert_pem))


def test_sign_head(bank: Identity) -> None:
    log = AuditLog(MemoryAuditStore(), bank, clock=Clock())
    with pytest.raises(ConfigError, match="empty"):
        log.sign_head("job-1")
    log.proposed("job-1", spec_hash=SPEC_HASH, initiator="bank")
    head = log.sign_head("job-1")
    assert (head.party, head.seq, head.hash) == ("bank", 0, next(log.entries()).hash)
    assert head.verify(log.public_key)
    assert isinstance(head, SignedHead)
