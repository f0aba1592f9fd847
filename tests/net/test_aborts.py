"""Abort notices over real gRPC links (loopback, mutual TLS): who may abort a job, and purging.

The federation has three members, alice, bob and carol; the jobs here are alice's and bob's.
Carol is a member, so her notices reach alice, but she is not a party of these jobs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from confide.errors import PeerAborted
from confide.net.grpc_link import GrpcLink
from confide.net.link import ABORT_TAG
from confide.net.wire import Value
from tests.conftest import grpc_links


@pytest.fixture
def trio(tmp_path: Path) -> Iterator[dict[str, GrpcLink]]:
    made = grpc_links(tmp_path, ("alice", "bob", "carol"))
    yield made
    for link in made.values():
        link.close()


class _Receive:
    """A receive started on a thread: :meth:`result` is its value or error."""

    def __init__(self, link: GrpcLink, peer: str, tag: str, timeout: float) -> None:
        self._out: list[object] = []

        def run() -> None:
            try:
                self._out.append(link.recv(peer, tag, timeout=timeout))
            except Exception as exc:  # recorded for the test to check
                self._out.append(exc)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        time.sleep(0.3)  # the receive is waiting

    def result(self, within: float) -> object:
        self._thread.join(within)
        assert not self._thread.is_alive(), f"the receive was still waiting after {within} s"
        return self._out[0]


def _abort(link: GrpcLink, peer: str, job: str, reason: str) -> None:
    link.send(peer, f"{job}/{ABORT_TAG}", reason, timeout=10)
    link.flush(timeout=10)


def _send(link: GrpcLink, peer: str, tag: str, value: Value) -> None:
    link.send(peer, tag, value, timeout=10)
    link.flush(timeout=10)


def test_a_member_that_is_not_a_party_cannot_abort_a_job(trio: dict[str, GrpcLink]) -> None:
    alice, bob, carol = trio["alice"], trio["bob"], trio["carol"]
    waiting = _Receive(alice, "bob", "job1/result#0", timeout=30)
    _abort(carol, "alice", "job1", "carol says stop")  # carol never took part in job1
    time.sleep(0.5)
    _send(bob, "alice", "job1/result#0", 42)
    assert waiting.result(within=10) == 42
    # carol's notice still counts nothing: bob's next message arrives as usual
    _send(bob, "alice", "job1/result#1", 43)
    assert alice.recv("bob", "job1/result#1", timeout=10) == 43


def test_a_party_aborts_at_once_and_later_messages_are_dropped(
    trio: dict[str, GrpcLink],
) -> None:
    alice, bob = trio["alice"], trio["bob"]
    for index in range(3):
        _send(bob, "alice", f"job2/share#{index}", index)
    _send(bob, "alice", "job3/other#0", "kept")
    assert alice.recv("bob", "job2/share#0", timeout=10) == 0  # bob is a party of job2
    assert alice.mailbox.queued("job2") == 2
    waiting = _Receive(alice, "bob", "job2/never", timeout=60)
    started = time.monotonic()
    _abort(bob, "alice", "job2", "bob's data is corrupt")
    error = waiting.result(within=10)
    assert time.monotonic() - started < 10  # not the 60 s deadline
    assert isinstance(error, PeerAborted) and error.peer == "bob"
    assert "corrupt" in str(error)
    # What arrived before the notice is still received; what comes after is dropped.
    assert alice.recv("bob", "job2/share#1", timeout=5) == 1
    _send(bob, "alice", "job2/share#9", 9)
    assert alice.mailbox.queued("job2") == 1
    with pytest.raises(PeerAborted):
        alice.recv("bob", "job2/share#9", timeout=5)
    assert alice.recv("bob", "job3/other#0", timeout=10) == "kept"  # other jobs untouched
    alice.mailbox.forget("job2")  # at the job's end, or when the abort is forgotten
    assert alice.mailbox.queued("job2") == 0


def test_the_expected_parties_of_a_job_abort_it_and_a_late_known_party_too(
    trio: dict[str, GrpcLink],
) -> None:
    alice, bob, carol = trio["alice"], trio["bob"], trio["carol"]
    # job4: alice was told its parties; carol's notice stops a receive waiting on bob
    alice.expect_parties("job4", ["alice", "bob", "carol"])
    waiting = _Receive(alice, "bob", "job4/x", timeout=60)
    _abort(carol, "alice", "job4", "carol ran out of memory")
    error = waiting.result(within=10)
    assert isinstance(error, PeerAborted) and error.peer == "carol"
    # job5: carol's notice arrives before alice knows she is a party; it counts from the moment
    # a receive waits on her
    _abort(carol, "alice", "job5", "carol gave up early")
    _send(bob, "alice", "job5/y", 1)
    assert alice.recv("bob", "job5/y", timeout=10) == 1
    with pytest.raises(PeerAborted, match="gave up early"):
        alice.recv("carol", "job5/z", timeout=10)
    with pytest.raises(PeerAborted):
        alice.recv("bob", "job5/y", timeout=10)  # from then on, for every receive of the job
