"""Tests of the store interface, on the in-memory and the file store alike."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from confide.audit import AuditStore, AuditStoreError, FileAuditStore, MemoryAuditStore
from confide.net.federation import Identity
from tests.audit.helpers import job_log


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditStore]:
    if request.param == "memory":
        yield MemoryAuditStore()
    else:
        with FileAuditStore(tmp_path / "audit.jsonl") as made:
            yield made


def test_append_iterate_head(store: AuditStore, bank: Identity) -> None:
    assert isinstance(store, AuditStore)
    assert store.head() is None
    assert list(store.entries()) == []
    log = job_log(bank, store)
    entries = list(store.entries())
    assert len(entries) == 7
    assert store.head() == entries[-1].head
    assert entries == list(log.entries())


def test_only_the_next_entry_is_accepted(
    store: AuditStore, bank: Identity, platform: Identity
) -> None:
    source = list(job_log(bank).entries())
    with pytest.raises(AuditStoreError, match="empty"):
        store.append(source[1])
    store.append(source[0])
    with pytest.raises(AuditStoreError, match="does not follow the head #0"):
        store.append(source[2])
    with pytest.raises(AuditStoreError, match="does not follow"):
        store.append(dataclasses.replace(source[1], prev_hash="1" * 64))
    with pytest.raises(AuditStoreError, match="cannot take an entry of 'platform'"):
        store.append(list(job_log(platform).entries())[1])
    store.append(source[1])
    assert [e.seq for e in store.entries()] == [0, 1]
