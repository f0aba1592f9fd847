"""Tests of the JSON-lines store: durability, one writer at a time, refusing a damaged file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from confide.audit import (
    AuditFormatError,
    AuditLockError,
    AuditLog,
    AuditStoreError,
    FileAuditStore,
    read_log,
    verify,
)
from confide.net.federation import Identity
from tests.audit.helpers import Clock, job_log, record_job


def test_entries_survive_reopening(tmp_path: Path, bank: Identity) -> None:
    path = tmp_path / "audit.jsonl"
    with FileAuditStore(path) as store:
        first = job_log(bank, store)
        head = first.head()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with FileAuditStore(path) as store:
        assert store.head() == head
        log = AuditLog(store, bank, clock=Clock())
        record_job(log, "job-2")
    entries = read_log(path)
    assert len(entries) == 14
    assert len(path.read_bytes().splitlines()) == 14
    assert verify(entries, log.public_key).ok


def test_every_append_is_fsynced(
    tmp_path: Path, bank: Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    with FileAuditStore(tmp_path / "audit.jsonl") as store:
        synced.clear()
        job_log(bank, store)
    assert len(synced) == 7


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with FileAuditStore(path), pytest.raises(AuditLockError, match="already open for writing"):
        FileAuditStore(path)
    FileAuditStore(path).close()


def test_a_closed_store_refuses_appends(tmp_path: Path, bank: Identity) -> None:
    store = FileAuditStore(tmp_path / "audit.jsonl")
    store.close()
    store.close()
    with pytest.raises(AuditStoreError, match="closed"):
        job_log(bank, store)


def test_a_cut_short_file_is_refused(tmp_path: Path, bank: Identity) -> None:
    path = tmp_path / "audit.jsonl"
    with FileAuditStore(path) as store:
        job_log(bank, store)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(AuditFormatError, match="line 7 is incomplete") as caught:
        FileAuditStore(path)
    assert caught.value.line == 7
    with pytest.raises(AuditFormatError, match="line 7 is incomplete"):
        read_log(path)


def test_a_malformed_line_is_named(tmp_path: Path, bank: Identity) -> None:
    path = tmp_path / "audit.jsonl"
    with FileAuditStore(path) as store:
        job_log(bank, store)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[2] = b"{not json}\n"
    path.write_bytes(b"".join(lines))
    with pytest.raises(AuditFormatError, match="line 3 is not valid JSON") as caught:
        read_log(path)
    assert caught.value.line == 3
    lines[2] = b'{"seq": 2}\n'
    path.write_bytes(b"".join(lines))
    with pytest.raises(AuditFormatError, match="line 3: missing keys"):
        read_log(path)


def test_a_broken_chain_is_not_extended(tmp_path: Path, bank: Identity) -> None:
    path = tmp_path / "audit.jsonl"
    with FileAuditStore(path) as store:
        job_log(bank, store)
    lines = path.read_bytes().splitlines(keepends=True)
    del lines[3]
    path.write_bytes(b"".join(lines))
    with pytest.raises(AuditStoreError, match="line 4 does not continue the chain"):
        FileAuditStore(path)


def test_reading_a_missing_log(tmp_path: Path) -> None:
    with pytest.raises(AuditStoreError, match="does not exist"):
        read_log(tmp_path / "nothing.jsonl")
