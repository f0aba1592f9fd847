"""Tests of verification: each kind of tampering is caught, at the right entry."""

from __future__ import annotations

import dataclasses

import pytest

from confide.audit import (
    AuditEntry,
    AuditLog,
    AuditTampered,
    FindingKind,
    MemoryAuditStore,
    SignedHead,
    verify,
    verify_against_heads,
)
from confide.audit.signing import ENTRY_CONTEXT, Signer
from confide.errors import ConfigError
from confide.net.federation import Identity
from tests.audit.helpers import Clock, make_identity, record_job


def two_jobs(identity: Identity) -> AuditLog:
    """A log of ``identity`` with two complete jobs: fourteen entries."""
    log = AuditLog(MemoryAuditStore(), identity, clock=Clock())
    record_job(log, "job-1")
    record_job(log, "job-2")
    return log


def resign(entry: AuditEntry, signer: Signer, **changes: object) -> AuditEntry:
    """``entry`` with ``changes``, its hash recomputed and signed by ``signer``."""
    changed = dataclasses.replace(entry, **changes)  # type: ignore[arg-type]
    digest = changed.computed_hash()
    signature = signer.sign(ENTRY_CONTEXT + bytes.fromhex(digest))
    return dataclasses.replace(changed, hash=digest, signature=signature)


def test_a_good_log_passes(bank: Identity) -> None:
    log = two_jobs(bank)
    result = verify(log.entries(), log.public_key)
    assert result.ok
    assert result.check() is result
    assert (result.party, result.count, result.head) == ("bank", 14, log.head())
    assert result.to_json()["head"] == {"seq": 13, "hash": log.head().hash}  # type: ignore[union-attr]


def test_an_empty_log_passes(bank: Identity) -> None:
    result = verify([], Signer(bank).public_key)
    assert result.ok and result.count == 0 and result.head is None and result.party is None


def test_edit_is_caught(bank: Identity) -> None:
    log = two_jobs(bank)
    entries = list(log.entries())
    entries[3] = dataclasses.replace(entries[3], payload={**entries[3].payload, "rows": 10})
    finding = verify(entries, log.public_key).finding
    assert finding is not None
    assert (finding.kind, finding.position, finding.seq) == (FindingKind.HASH_MISMATCH, 3, 3)
    assert "edited" in finding.message
    assert str(finding).startswith("entry #3 (position 3): ")


def test_edit_with_a_recomputed_hash_is_caught_by_the_signature(bank: Identity) -> None:
    log = two_jobs(bank)
    entries = list(log.entries())
    edited = dataclasses.replace(entries[3], payload={**entries[3].payload, "rows": 10})
    entries[3] = dataclasses.replace(edited, hash=edited.computed_hash())
    finding = verify(entries, log.public_key).finding
    assert finding is not None
    assert (finding.kind, finding.position) == (FindingKind.BAD_SIGNATURE, 3)


def test_forged_signature_is_caught(bank: Identity) -> None:
    log = two_jobs(bank)
    entries = list(log.entries())
    mallory = Signer(make_identity("bank"))  # same name, another key
    entries[5] = resign(entries[5], mallory, payload={**entries[5].payload, "receivers": ["x"]})
    finding = verify(entries, log.public_key).finding
    assert finding is not None
    assert (finding.kind, finding.position) == (FindingKind.BAD_SIGNATURE, 5)
    assert "not 'bank''s" in finding.message


def test_a_log_signed_by_another_key_fails_at_the_first_entry(bank: Identity) -> None:
    log = two_jobs(bank)
    finding = verify(log.entries(), Signer(make_identity("bank")).public_key).finding
    assert finding is not None
    assert (finding.kind, finding.position) == (FindingKind.BAD_SIGNATURE, 0)


def test_delete_is_caught(bank: Identity) -> None:
    log = two_jobs(bank)
    entries = list(log.entries())
    del entries[4]
    finding = verify(entries, log.public_key).finding
    assert finding is not None
    assert (finding.kind, finding.position, finding.seq) == (FindingKind.OUT_OF_SEQUENCE, 4, 4)
    assert "entry #4 is missing (found #5 in its place): it was deleted" in finding.message


def test_insert_of_a_copy_is_caught(bank: Identity) -> None:
    log = two_jobs(bank)
    entries = list(log.entries())
    entries.insert(9, entries[3])
    finding = verify(entries, log.public_key).finding
    assert finding is not None
    assert (finding.kind, finding.position, finding.seq) == (FindingKind.OUT_OF_SEQUENCE, 9, 9)
    assert "found entry #3 again after entry #8" in finding.message


def test_insert_of_a_forged_entry_is_caught(bank: Identity) -> None:
    log = two_jobs(bank)
    entries = list(log.entries())
    mallory = Signer(make_identity("bank"))
    forged = resign(entries[6], mallory, payload={"note": "nothing happened"})
    entries.insert(6, forged)
    finding = verify(entries, log.public_key).finding
    assert finding is not None
    assert (finding.kind, finding.position) == (FindingKind.BAD_SIGNATURE, 6)


def test_reorder_is_caught(bank: Identity) -> None:
    log = two_jobs(bank)
    entries = list(log.entries())
    entries[7], entries[8] = entries[8], entries[7]
    finding = verify(entries, log.public_key).finding
    assert finding is not None
    assert (finding.kind, finding.position, finding.seq) == (FindingKind.OUT_OF_SEQUENCE, 7, 7)
    assert "#7 later at position 8: entries were reordered" in finding.message


def test_splicing_two_genuine_logs_breaks_the_link(bank: Identity) -> None:
    log = two_jobs(bank)
    other = AuditLog(MemoryAuditStore(), bank, clock=Clock())
    record_job(other, "job-x")  # another genuine log of bank's, which differs from entry #0
    entries = list(log.entries())
    entries[2] = list(other.entries())[2]
    finding = verify(entries, log.public_key).finding
    assert finding is not None
    assert (finding.kind, finding.position) == (FindingKind.BROKEN_LINK, 2)
    assert "not the hash of the entry before it" in finding.message


def test_an_entry_of_another_party_is_caught(bank: Identity, platform: Identity) -> None:
    log, theirs = two_jobs(bank), two_jobs(platform)
    entries = list(log.entries())
    entries[1] = list(theirs.entries())[1]
    finding = verify(entries, log.public_key).finding
    assert finding is not None
    assert (finding.kind, finding.position) == (FindingKind.WRONG_PARTY, 1)
    finding = verify(theirs.entries(), log.public_key, party="bank").finding
    assert finding is not None
    assert (finding.kind, finding.position) == (FindingKind.WRONG_PARTY, 0)


def test_truncation_is_caught_only_against_a_recorded_head(bank: Identity) -> None:
    log = two_jobs(bank)
    recorded = log.sign_head("job-2")
    entries = list(log.entries())[:-2]
    assert verify(entries, log.public_key).ok  # the chain alone cannot tell
    result = verify_against_heads(entries, [recorded], log.public_key)
    finding = result.finding
    assert finding is not None
    assert (finding.kind, finding.position, finding.seq) == (FindingKind.TRUNCATED, 12, 13)
    assert "not in the log, which ends at entry #11" in finding.message
    assert "job 'job-2'" in finding.message
    assert result.heads_checked == 1
    with pytest.raises(AuditTampered, match=r"entry #13 .*: entries were cut from the end"):
        result.check()
    empty = verify_against_heads([], [recorded], log.public_key, party="bank").finding
    assert empty is not None and empty.kind is FindingKind.TRUNCATED and "is empty" in empty.message


def test_a_rewrite_by_the_owner_is_caught_against_a_recorded_head(bank: Identity) -> None:
    log = two_jobs(bank)
    first = SignedHead.sign(Signer(bank), list(log.entries())[6].head, "job-1")
    second = log.sign_head("job-2")
    # bank rebuilds its log from entry #9 on, leaving out job-2's dataset read, re-signing all
    entries = list(log.entries())
    rewritten = AuditLog(MemoryAuditStore(), bank, clock=Clock())
    for entry in entries:
        if entry.seq != 10:
            rewritten.append(entry.event, entry.job_id, entry.payload)
    new_entries = list(rewritten.entries())
    assert verify(new_entries, log.public_key).ok
    result = verify_against_heads(new_entries, [second, first], log.public_key)
    finding = result.finding
    assert finding is not None
    assert (finding.kind, finding.position) == (FindingKind.TRUNCATED, 13)
    # with one more entry the rewritten log reaches #13 again, but with another hash
    rewritten.finished("job-3")
    finding = verify_against_heads(rewritten.entries(), [first, second], log.public_key).finding
    assert finding is not None
    assert (finding.kind, finding.position, finding.seq) == (FindingKind.HEAD_MISMATCH, 13, 13)
    assert "rewritten after entry #6, at or before entry #13" in finding.message


def test_the_earliest_problem_is_named(bank: Identity) -> None:
    log = two_jobs(bank)
    early = SignedHead.sign(Signer(bank), list(log.entries())[2].head, "job-1")
    entries = list(log.entries())
    entries[2] = resign(entries[2], Signer(bank), payload={"note": "rewritten"})
    del entries[9]
    finding = verify_against_heads(entries, [early], log.public_key).finding
    assert finding is not None
    # entry #3 no longer links to the rewritten #2, but the recorded head shows #2 itself is bad
    assert (finding.kind, finding.position) == (FindingKind.HEAD_MISMATCH, 2)


def test_heads_that_are_no_evidence_are_refused(bank: Identity, platform: Identity) -> None:
    log = two_jobs(bank)
    head = log.sign_head("job-2")
    forged = dataclasses.replace(head, seq=20)
    with pytest.raises(ConfigError, match="not signed by 'bank''s key"):
        verify_against_heads(log.entries(), [forged], log.public_key)
    theirs = two_jobs(platform).sign_head("job-2")
    with pytest.raises(ConfigError, match="a head of 'platform'"):
        verify_against_heads(log.entries(), [theirs], log.public_key)
    with pytest.raises(ConfigError, match="give the party"):
        verify_against_heads([], [head], log.public_key)
