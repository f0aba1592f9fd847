"""Tests of the end-of-job head exchange, with three parties in threads (``simulate``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from confide.audit import (
    AuditLog,
    EventType,
    FindingKind,
    MemoryAuditStore,
    SignedHead,
    exchange_heads,
    recorded_heads,
    verify,
    verify_against_heads,
)
from confide.errors import PartyFailed
from confide.net.certs import fingerprint
from confide.net.federation import Federation, Identity, PartyInfo
from confide.runtime import Context, simulate
from tests.audit.helpers import Clock, make_identity, record_job

PARTIES = ("bank", "platform", "dealer")
JOB = "job-7"


def federation_of(identities: dict[str, Identity]) -> Federation:
    """A federation pinning each identity's certificate."""
    parties = {
        name: PartyInfo(name, f"127.0.0.1:{50051 + i}", ident.cert_pem, fingerprint(ident.cert_pem))
        for i, (name, ident) in enumerate(identities.items())
    }
    return Federation("test", parties)


@pytest.fixture(scope="module")
def identities() -> dict[str, Identity]:
    return {party: make_identity(party) for party in PARTIES}


def fresh_logs(identities: dict[str, Identity]) -> dict[str, AuditLog]:
    return {
        party: AuditLog(MemoryAuditStore(), ident, clock=Clock())
        for party, ident in identities.items()
    }


Job = Callable[[Context, AuditLog], "dict[str, SignedHead] | None"]


def run_job_and_exchange(federation: Federation) -> Job:
    """A job that records one complete job in the party's log, then exchanges heads."""

    def job(ctx: Context, log: AuditLog) -> dict[str, SignedHead]:
        record_job(log, ctx.job_id)
        return exchange_heads(ctx, log, federation)

    return job


def test_every_party_records_the_others_heads(identities: dict[str, Identity]) -> None:
    logs = fresh_logs(identities)
    federation = federation_of(identities)
    results = simulate(run_job_and_exchange(federation), logs, job_id=JOB)
    for party, log in logs.items():
        heads = results[party]
        assert heads is not None
        assert sorted(heads) == sorted(p for p in PARTIES if p != party)
        entries = list(log.entries())
        assert len(entries) == 9
        assert [e.event for e in entries[7:]] == [EventType.PEER_HEAD_RECORDED] * 2
        assert recorded_heads(entries) == [heads[p] for p in PARTIES if p != party]
        assert verify(entries, log.public_key).ok
        for peer, head in heads.items():
            assert (head.party, head.job_id, head.seq) == (peer, JOB, 6)
            assert head.hash == list(logs[peer].entries())[6].hash
    # every party's log checks out against the heads the others recorded for it
    for party, log in logs.items():
        kept = [h for p in PARTIES if p != party for h in recorded_heads(logs[p].entries(), party)]
        assert len(kept) == 2
        assert verify_against_heads(log.entries(), kept, log.public_key).ok


def test_a_party_that_rewrites_its_log_is_exposed_by_the_others(
    identities: dict[str, Identity],
) -> None:
    logs = fresh_logs(identities)
    federation = federation_of(identities)
    simulate(run_job_and_exchange(federation), logs, job_id=JOB)

    # afterwards, bank quietly rebuilds its log without the dataset read, re-signing every entry
    original = list(logs["bank"].entries())
    rewritten = AuditLog(MemoryAuditStore(), identities["bank"], clock=Clock())
    for entry in original:
        if entry.event is not EventType.DATASET_READ:
            rewritten.append(entry.event, entry.job_id, entry.payload)
    forged = list(rewritten.entries())
    assert verify(forged, rewritten.public_key).ok  # its own chain and signatures are fine

    kept = recorded_heads(logs["platform"].entries(), "bank") + recorded_heads(
        logs["dealer"].entries(), "bank"
    )
    result = verify_against_heads(forged, kept, rewritten.public_key)
    assert not result.ok and result.finding is not None
    assert (result.finding.kind, result.finding.position) == (FindingKind.HEAD_MISMATCH, 6)
    assert f"'bank' signed at the end of job '{JOB}'" in result.finding.message
    # each peer's record alone is enough
    for peer in ("platform", "dealer"):
        alone = recorded_heads(logs[peer].entries(), "bank")
        assert not verify_against_heads(forged, alone, rewritten.public_key).ok


def test_a_head_signed_with_an_unpinned_key_aborts_the_job(
    identities: dict[str, Identity],
) -> None:
    logs = fresh_logs(identities)
    logs["platform"] = AuditLog(MemoryAuditStore(), make_identity("platform"), clock=Clock())
    federation = federation_of(identities)
    with pytest.raises(PartyFailed) as caught:
        simulate(run_job_and_exchange(federation), logs, job_id=JOB)
    for party in ("bank", "dealer"):
        assert "BadPeerHead" in caught.value.errors[party]
        assert "not signed by the key of its pinned certificate" in caught.value.errors[party]
        assert not recorded_heads(logs[party].entries())


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ("malformed", "its chain head: missing keys"),
        ("bank's", "sent the chain head of 'bank' as its own"),
        ("other job's", f"sent a chain head for job 'job-other', not for '{JOB}'"),
    ],
)
def test_bad_heads_from_a_peer_abort_the_job(
    identities: dict[str, Identity], sent: str, message: str
) -> None:
    logs = fresh_logs(identities)
    honest = run_job_and_exchange(federation_of(identities))

    def job(ctx: Context, log: AuditLog) -> dict[str, SignedHead] | None:
        if ctx.party != "platform":
            return honest(ctx, log)
        record_job(log, ctx.job_id)
        payload: object
        if sent == "malformed":
            payload = {"party": "platform"}
        elif sent == "bank's":  # relays another party's signed head as its own
            bank_log = AuditLog(MemoryAuditStore(), identities["bank"], clock=Clock())
            record_job(bank_log, ctx.job_id)
            payload = bank_log.sign_head(ctx.job_id).to_json()
        else:
            payload = log.sign_head("job-other").to_json()
        with ctx.scope("audit"):
            ctx.broadcast("head", payload)
            ctx.gather("head")
        return None

    with pytest.raises(PartyFailed) as caught:
        simulate(job, logs, job_id=JOB)
    for party in ("bank", "dealer"):
        assert "BadPeerHead" in caught.value.errors[party]
        assert f"peer 'platform': {message}" in caught.value.errors[party]
        assert not recorded_heads(logs[party].entries())
