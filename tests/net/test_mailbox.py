"""The mailbox's memory of aborts is bounded: notices and aborted jobs expire, and are capped."""

from __future__ import annotations

import pytest

from confide.errors import ConfigError, PeerAborted, PeerTimeout
from confide.net.link import ABORT_TAG, Mailbox


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _abort(mailbox: Mailbox, sender: str, job: str) -> None:
    mailbox.deliver(sender, f"{job}/{ABORT_TAG}", f"{sender} stops {job}")


def test_an_aborted_job_is_forgotten_after_the_abort_memory() -> None:
    clock = Clock()
    mailbox = Mailbox("alice", abort_memory_s=60.0, clock=clock)
    mailbox.expect_parties("j1", ["alice", "bob"])
    _abort(mailbox, "bob", "j1")
    mailbox.deliver("bob", "j1/late", 1)
    assert mailbox.queued() == 0  # dropped: the job is aborted
    with pytest.raises(PeerAborted, match="bob stops j1"):
        mailbox.take("bob", "j1/late", timeout=0.05)
    clock.now += 61.0
    mailbox.deliver("bob", "j1/late", 2)  # the abort is forgotten: the job id is usable again
    assert mailbox.take("bob", "j1/late", timeout=0.05) == 2


def test_a_notice_from_an_unknown_sender_expires_before_it_counts() -> None:
    clock = Clock()
    mailbox = Mailbox("alice", abort_memory_s=60.0, clock=clock)
    _abort(mailbox, "carol", "j2")
    clock.now += 61.0
    with pytest.raises(PeerTimeout):  # carol's notice is gone: the receive just times out
        mailbox.take("carol", "j2/x", timeout=0.05)


def test_at_most_max_jobs_aborts_and_notices_are_kept() -> None:
    mailbox = Mailbox("alice", max_jobs=3)
    for index in range(10):
        _abort(mailbox, "alice", f"own{index}")  # the owner's notices count at once
        _abort(mailbox, "mallory", f"other{index}")  # these wait for mallory to be known
    for index in range(7):  # the oldest are forgotten
        mailbox.deliver("bob", f"own{index}/x", index)
        assert mailbox.take("bob", f"own{index}/x", timeout=0.05) == index
        with pytest.raises(PeerTimeout):
            mailbox.take("mallory", f"other{index}/x", timeout=0.05)
    for index in range(7, 10):
        with pytest.raises(PeerAborted):
            mailbox.take("bob", f"own{index}/x", timeout=0.05)
        with pytest.raises(PeerAborted):
            mailbox.take("mallory", f"other{index}/x", timeout=0.05)


def test_forget_drops_a_job_and_channels_are_never_aborted() -> None:
    mailbox = Mailbox("alice")
    mailbox.deliver("bob", "j3/x", 1)
    _abort(mailbox, "bob", "j3")
    mailbox.forget("j3")
    assert mailbox.queued() == 0
    mailbox.deliver("bob", "j3/x", 2)
    assert mailbox.take("bob", "j3/x", timeout=0.05) == 2  # bob's notice went with the job
    _abort(mailbox, "bob", "!control")
    mailbox.deliver("bob", "!control/m", "hello")
    assert mailbox.take("bob", "!control/m", timeout=0.05) == "hello"
    with pytest.raises(ConfigError):
        Mailbox(abort_memory_s=0)


def test_messages_queued_before_an_abort_are_received_then_purged_with_it() -> None:
    clock = Clock()
    mailbox = Mailbox("alice", abort_memory_s=60.0, clock=clock)
    mailbox.expect_parties("j4", ["alice", "bob"])
    mailbox.deliver("bob", "j4/hello", "first")
    mailbox.deliver("bob", "j4/more", "second")
    _abort(mailbox, "bob", "j4")
    assert mailbox.take("bob", "j4/hello", timeout=0.05) == "first"  # sent before the notice
    with pytest.raises(PeerAborted):
        mailbox.take("bob", "j4/other", timeout=0.05)
    assert mailbox.queued("j4") == 1
    clock.now += 61.0
    mailbox.deliver("carol", "j5/x", 0)  # any call lets the mailbox expire what is old
    assert mailbox.queued("j4") == 0
