"""Tests of the entry format: hash, stored form, parsing and timestamps."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
from typing import Any

import pytest

from confide.audit import GENESIS_HASH, AuditEntry, EventType, format_timestamp, parse_timestamp
from confide.audit.canonical import canonical_json
from confide.audit.entry import ENTRY_VERSION
from confide.audit.errors import AuditFormatError
from confide.errors import ConfigError
from confide.net.federation import Identity
from tests.audit.helpers import job_log


def test_hash_is_sha256_of_the_canonical_body(bank: Identity) -> None:
    entry = next(job_log(bank).entries())
    body = {
        "event": "proposed",
        "job_id": "job-1",
        "party": "bank",
        "payload": {"initiator": "bank", "spec_hash": "5" * 64},
        "prev_hash": GENESIS_HASH,
        "seq": 0,
        "timestamp": "2025-03-01T12:00:01.000000Z",
        "v": ENTRY_VERSION,
    }
    assert entry.hash == hashlib.sha256(canonical_json(body)).hexdigest()
    assert entry.computed_hash() == entry.hash


def test_stored_form_round_trips(bank: Identity) -> None:
    for entry in job_log(bank).entries():
        line = entry.to_line()
        assert line.endswith(b"\n") and line.count(b"\n") == 1
        assert AuditEntry.from_json(json.loads(line)) == entry


def test_each_field_changes_the_hash(bank: Identity) -> None:
    entry = list(job_log(bank).entries())[3]
    changes: dict[str, Any] = {
        "seq": 4,
        "timestamp": "2025-03-01T12:00:05.000001Z",
        "event": EventType.FINISHED,
        "job_id": "job-2",
        "payload": {**entry.payload, "rows": 999},
        "prev_hash": "1" * 64,
    }
    for name, value in changes.items():
        assert dataclasses.replace(entry, **{name: value}).computed_hash() != entry.hash, name


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("signature"), r"missing keys \['signature'\]"),
        (lambda d: d.update(extra=1), r"unknown keys \['extra'\]"),
        (lambda d: d.update(v=2), "version 2 is not supported"),
        (lambda d: d.update(v=True), "version True is not supported"),
        (lambda d: d.update(event="deleted"), "unknown event 'deleted'"),
        (lambda d: d.update(seq=-1), "not a sequence number"),
        (lambda d: d.update(hash="ABC"), "not a SHA-256 hash"),
        (lambda d: d.update(party="Bank"), "party name 'Bank'"),
        (lambda d: d.update(job_id="a b"), "not a job id"),
        (lambda d: d.update(payload=[1]), "payload must be a JSON object"),
        (lambda d: d.update(timestamp="2025-03-01 12:00:00"), "not a UTC timestamp"),
        (lambda d: d.update(timestamp="2025-02-30T12:00:00.000000Z"), "not a valid date"),
        (lambda d: d.update(signature="!!"), "not valid base64"),
        (lambda d: d.update(signature="AAAA"), "3-byte signature"),
    ],
)
def test_from_json_names_the_problem(bank: Identity, change: object, message: str) -> None:
    data = next(job_log(bank).entries()).to_json()
    change(data)  # type: ignore[operator]
    with pytest.raises(AuditFormatError, match=message):
        AuditEntry.from_json(data, "line 1")


def test_from_json_refuses_a_non_object() -> None:
    with pytest.raises(AuditFormatError, match="line 9: an entry must be a JSON object"):
        AuditEntry.from_json([1], "line 9")


def test_timestamps_are_utc_with_microseconds() -> None:
    moment = datetime.datetime(
        2025, 3, 1, 14, 30, 15, 123, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    text = format_timestamp(moment)
    assert text == "2025-03-01T12:30:15.000123Z"
    assert parse_timestamp(text) == moment
    with pytest.raises(ConfigError, match="no time zone"):
        format_timestamp(datetime.datetime(2025, 3, 1))
