"""The audit chain in the node database: AuditLog on it, and tampering in SQL caught by verify."""

from __future__ import annotations

import pytest

from confide.audit import (
    AuditLog,
    AuditStore,
    AuditStoreError,
    FindingKind,
    public_key_from_certificate,
    verify,
)
from confide.errors import ConfigError
from confide.net.federation import Identity
from confide.node import NodeStore, SqlAuditStore
from tests.audit.helpers import Clock, make_identity, record_job


@pytest.fixture(scope="module")
def bank() -> Identity:
    return make_identity("bank")


def write_jobs(database_url: str, identity: Identity, jobs: int = 2) -> None:
    """A closed store holding ``jobs`` complete jobs of ``identity`` (seven entries each)."""
    with NodeStore.open(database_url) as store:
        log = AuditLog(SqlAuditStore(store.database), identity, clock=Clock())
        for job in range(jobs):
            record_job(log, f"job-{job}")


def run_sql(store: NodeStore, *statements: str) -> None:
    with store.database.engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def test_an_audit_log_on_the_database_verifies_and_survives_a_restart(
    database_url: str, bank: Identity
) -> None:
    write_jobs(database_url, bank)
    key = public_key_from_certificate(bank.cert_pem)
    with NodeStore.open(database_url) as store:
        audit = SqlAuditStore(store.database)
        assert isinstance(audit, AuditStore) and len(audit) == 14
        result = verify(audit.entries(), key, party="bank")
        assert result.ok and result.count == 14
        assert result.head == audit.head() and audit.head() is not None
        # the restarted node goes on with the same chain
        record_job(AuditLog(audit, bank, clock=Clock()), "job-2")
        entries = list(audit.entries())
        assert [e.seq for e in entries] == list(range(21))
        assert verify(entries, key).ok


def test_an_entry_that_does_not_continue_the_chain_is_refused(
    database_url: str, bank: Identity
) -> None:
    write_jobs(database_url, bank, jobs=1)
    with NodeStore.open(database_url) as store:
        audit = SqlAuditStore(store.database)
        entries = list(audit.entries())
        with pytest.raises(AuditStoreError, match="does not follow the head #6"):
            audit.append(entries[3])
        other = make_identity("platform")
        with pytest.raises(ConfigError, match="log of 'bank', not of 'platform'"):
            AuditLog(audit, other)
        assert len(audit) == 7


def test_two_writers_cannot_fork_the_chain(database_url: str, bank: Identity) -> None:
    write_jobs(database_url, bank, jobs=1)
    with NodeStore.open(database_url) as one, NodeStore.open(database_url) as two:
        first = AuditLog(SqlAuditStore(one.database), bank, clock=Clock())
        second = SqlAuditStore(two.database)
        entry = first.started("job-9")  # built on head #6, appended as #7
        with pytest.raises(AuditStoreError, match="does not follow the head #7"):
            second.append(entry)  # the same entry, as if built by a writer on the old head
        assert len(second) == 8


@pytest.mark.parametrize(
    ("tamper", "kind", "position"),
    [
        (
            'UPDATE confide_audit SET payload = \'{"columns":["id","income","ssn"],'
            '"dataset":"loans","rows":1000}\' WHERE position = 3',
            FindingKind.HASH_MISMATCH,
            3,
        ),
        (
            "UPDATE confide_audit SET job_id = 'job-x' WHERE position = 9",
            FindingKind.HASH_MISMATCH,
            9,
        ),
        ("DELETE FROM confide_audit WHERE position = 4", FindingKind.OUT_OF_SEQUENCE, 4),
    ],
    ids=["edited-payload", "edited-job", "deleted"],
)
def test_rows_changed_in_sql_are_caught_by_verify(
    database_url: str, bank: Identity, tamper: str, kind: FindingKind, position: int
) -> None:
    write_jobs(database_url, bank)
    with NodeStore.open(database_url) as store:
        audit = SqlAuditStore(store.database)
        run_sql(store, tamper)
        result = verify(audit.entries(), public_key_from_certificate(bank.cert_pem))
    assert result.finding is not None
    assert (result.finding.kind, result.finding.position) == (kind, position)


def test_reordered_rows_are_caught_by_verify(database_url: str, bank: Identity) -> None:
    write_jobs(database_url, bank)
    with NodeStore.open(database_url) as store:
        audit = SqlAuditStore(store.database)
        run_sql(  # swap the rows at positions 5 and 6
            store,
            "UPDATE confide_audit SET position = 1000 WHERE position = 5",
            "UPDATE confide_audit SET position = 5 WHERE position = 6",
            "UPDATE confide_audit SET position = 6 WHERE position = 1000",
        )
        result = verify(audit.entries(), public_key_from_certificate(bank.cert_pem))
    assert result.finding is not None
    assert result.finding.kind is FindingKind.OUT_OF_SEQUENCE and result.finding.position == 5
    assert "reordered" in result.finding.message


def test_a_store_refuses_to_open_on_a_broken_chain(database_url: str, bank: Identity) -> None:
    write_jobs(database_url, bank)
    with NodeStore.open(database_url) as store:
        run_sql(store, "DELETE FROM confide_audit WHERE position = 2")
        with pytest.raises(AuditStoreError, match="breaks at position 2"):
            SqlAuditStore(store.database)
