"""Control messages: their wire form, strict decoding, and the channel's delivery and failures."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from confide.audit.signing import Signer
from confide.errors import ProtocolError
from confide.net.federation import Identity, identity_paths, init_federation
from confide.net.memory import MemoryHub
from confide.node.approvals import sign_decision
from confide.node.control import (
    CONTROL_TAG,
    ControlChannel,
    DecisionMessage,
    Message,
    Propose,
    Query,
    Ready,
    Stop,
    decode_message,
    encode_message,
)
from confide.node.records import Decision, JobState
from tests.node.jobkit import wait_for

HASH = "ab" * 32


def test_every_message_round_trips(tmp_path: Path) -> None:
    fed = init_federation(["bank", "platform"], tmp_path, ports=[1, 2])
    signer = Signer(Identity.load(*identity_paths(fed, "bank")))
    messages: list[Message] = [
        Propose("job-1", "name: x\n"),
        DecisionMessage(sign_decision(signer, "job-1", HASH, Decision.APPROVED)),
        Stop("job-1", JobState.FAILED, "failed at 'bank': it broke"),
        Ready("job-1", HASH),
        Query("job-1"),
    ]
    for message in messages:
        assert decode_message(encode_message(message)) == message


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1], "version 1"),
        ({"v": 2, "type": "query", "job_id": "j"}, "version 1"),
        ({"v": 1, "type": "shout"}, "unknown control message type"),
        ({"v": 1, "type": "query", "job_id": "j", "extra": 1}, "exactly the keys"),
        ({"v": 1, "type": "query", "job_id": "a/b"}, "is not a job id"),
        ({"v": 1, "type": "propose", "job_id": "j", "spec": b"x"}, "must be text"),
        ({"v": 1, "type": "stop", "job_id": "j", "outcome": "running", "reason": ""}, "outcome"),
        ({"v": 1, "type": "ready", "job_id": "j", "spec_hash": "xyz"}, "SHA-256"),
    ],
)
def test_malformed_messages_are_refused(value: Any, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        decode_message(value)


def test_the_channel_delivers_in_order_and_reports_what_it_cannot_deliver() -> None:
    hub = MemoryHub(["bank", "platform", "dealer"])
    got: list[tuple[str, Message]] = []
    lost: list[tuple[str, Message]] = []
    arrived = threading.Event()

    def handler(sender: str, message: Message) -> None:
        got.append((sender, message))
        if len(got) == 3:
            arrived.set()

    bank = ControlChannel(
        hub.link("bank"),
        lambda s, m: None,
        on_undelivered=lambda p, m, e: lost.append((p, m)),
        send_timeout=1,
    )
    platform = ControlChannel(hub.link("platform"), handler, on_undelivered=lambda p, m, e: None)
    bank.start()
    platform.start()
    try:
        hub.link("platform").mailbox.deliver("bank", CONTROL_TAG, {"v": 1, "type": "junk"})
        for number in range(3):
            bank.post("platform", Query(f"job-{number}"))
        assert arrived.wait(10)
        assert got == [("bank", Query(f"job-{n}")) for n in range(3)]  # the junk was dropped
        hub.link("dealer").close()
        bank.post("dealer", Query("job-9"))
        wait_for(lambda: lost, 10, "the undelivered message")
        assert lost == [("dealer", Query("job-9"))]
        with pytest.raises(ProtocolError, match="not a peer"):
            bank.post("bank", Query("job-1"))
    finally:
        bank.close()
        platform.close()
