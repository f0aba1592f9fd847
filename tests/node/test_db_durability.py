"""SQLite durability: synchronous=NORMAL for the node's bookkeeping, FULL for the audit chain."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from confide.audit import AuditLog
from confide.net.federation import Identity
from confide.node import NodeStore, SqlAuditStore, StoreError
from confide.node.db import AuditRow, MetaRow
from tests.audit.helpers import Clock, make_identity, record_job
from tests.policy.helpers import job_data, job_of

NORMAL, FULL = 1, 2


@pytest.fixture
def store(tmp_path: Path) -> Iterator[NodeStore]:
    with NodeStore.open(f"sqlite:///{tmp_path / 'state' / 'node.db'}") as opened:
        yield opened


def _level(session: Any) -> int:
    level: int = session.connection().exec_driver_sql("PRAGMA synchronous").scalar()
    return level


def _statements(store: NodeStore) -> list[str]:
    """Every SQL statement the store's engine runs from now on, as it is sent."""
    seen: list[str] = []

    @event.listens_for(store.database.engine, "before_cursor_execute")
    def _seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    return seen


def test_bookkeeping_writes_are_normal_and_audit_writes_full(store: NodeStore) -> None:
    database = store.database
    with database.write("a bookkeeping row") as session:
        session.add(MetaRow(key="probe", value="1"))
        assert _level(session) == NORMAL
    with database.write("reading the audit head first") as session:
        session.scalars(select(AuditRow).limit(1)).all()
        assert _level(session) == FULL
    with database.write("asked to be durable", durable=True) as session:
        assert _level(session) == FULL
    with database.write("back to normal") as session:
        session.add(MetaRow(key="probe-2", value="2"))
        assert _level(session) == NORMAL
    with database.read("a read") as session:
        assert _level(session) == NORMAL


def test_an_audit_row_in_a_non_durable_transaction_is_refused(store: NodeStore) -> None:
    row = AuditRow(
        position=0, seq=0, timestamp="2026-01-01T00:00:00Z", party="bank", event="x",
        job_id="j", payload="{}", prev_hash="0" * 64, hash="1" * 64, signature=b"s",
    )  # fmt: skip

    def bookkeeping_then_audit() -> None:
        with store.database.write("a bookkeeping row, then an audit row") as session:
            session.add(MetaRow(key="probe", value="1"))
            session.flush()
            session.add(row)

    with pytest.raises(StoreError, match="only in a durable transaction"):
        bookkeeping_then_audit()
    with store.database.read("counting") as session:
        assert session.scalars(select(AuditRow)).all() == []
        assert session.get(MetaRow, "probe") is None  # rolled back as a whole


def test_the_audit_store_commits_with_full_and_the_job_log_with_normal(store: NodeStore) -> None:
    identity: Identity = make_identity("bank")
    log = AuditLog(SqlAuditStore(store.database), identity, clock=Clock())
    store.create_job("job-1", job_of(job_data()), proposer="bank")
    seen = _statements(store)
    record_job(log, "job-1")
    store.append_log("job-1", "a line", progress=0.5)
    inserts = [i for i, sql in enumerate(seen) if sql.startswith("INSERT INTO")]
    assert inserts, "nothing was written"
    for index in inserts:
        begin = max(i for i in range(index) if seen[i].startswith("BEGIN"))
        pragmas = [sql for sql in seen[:begin] if sql.startswith("PRAGMA synchronous")]
        level = pragmas[-1].split("=")[1]
        table = seen[index].split()[2]
        assert level == ("FULL" if table == "confide_audit" else "NORMAL"), (table, level)
