"""Tests of signed chain heads: signing, the JSON form, heads files."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from confide.audit import (
    AuditFormatError,
    Head,
    SignedHead,
    dump_heads,
    load_heads,
    recorded_heads,
)
from confide.audit.canonical import canonical_json
from confide.audit.signing import HEAD_CONTEXT, Signer
from confide.errors import ConfigError
from confide.net.federation import Identity
from tests.audit.helpers import job_log


def test_sign_and_verify(bank: Identity, platform: Identity) -> None:
    signer = Signer(bank)
    head = SignedHead.sign(signer, Head("bank", 6, "a" * 64), "job-1")
    assert head.message() == HEAD_CONTEXT + canonical_json(
        {"hash": "a" * 64, "job_id": "job-1", "party": "bank", "seq": 6}
    )
    assert head.verify(signer.public_key)
    assert not head.verify(Signer(platform).public_key)
    changes: list[dict[str, Any]] = [
        {"seq": 7},
        {"hash": "b" * 64},
        {"job_id": "job-2"},
        {"party": "platform"},
    ]
    for change in changes:
        assert not dataclasses.replace(head, **change).verify(signer.public_key), change
    with pytest.raises(ConfigError, match="'platform' cannot sign the head of 'bank'"):
        SignedHead.sign(Signer(platform), head.head, "job-1")


def test_json_round_trip_and_errors(bank: Identity) -> None:
    head = job_log(bank).sign_head("job-1")
    assert SignedHead.from_json(head.to_json()) == head
    with pytest.raises(AuditFormatError, match=r"h: missing keys \['signature'\]"):
        SignedHead.from_json({k: v for k, v in head.to_json().items() if k != "signature"}, "h")
    with pytest.raises(AuditFormatError, match="h seq: -1 is not a sequence number"):
        SignedHead.from_json({**head.to_json(), "seq": -1}, "h")
    with pytest.raises(AuditFormatError, match="must be a JSON object"):
        SignedHead.from_json("head", "h")


def test_heads_file(tmp_path: Path, bank: Identity) -> None:
    heads = [job_log(bank).sign_head("job-1"), job_log(bank).sign_head("job-2")]
    path = tmp_path / "heads.json"
    path.write_text(dump_heads(heads), encoding="utf-8")
    assert load_heads(path) == heads
    path.write_text('{"heads": []}', encoding="utf-8")
    with pytest.raises(AuditFormatError, match=f"heads file {path} must hold a JSON array"):
        load_heads(path)
    path.write_text("[{]", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"heads file {path} is not valid JSON"):
        load_heads(path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_heads(tmp_path / "none.json")


def test_recorded_heads_are_read_back_from_a_log(bank: Identity, platform: Identity) -> None:
    theirs = job_log(platform)
    bank_head = job_log(bank).sign_head("job-1")
    own_head = theirs.sign_head("job-1")
    theirs.peer_head_recorded(bank_head)
    theirs.peer_head_recorded(own_head)
    assert recorded_heads(theirs.entries()) == [bank_head, own_head]
    assert recorded_heads(theirs.entries(), "bank") == [bank_head]
