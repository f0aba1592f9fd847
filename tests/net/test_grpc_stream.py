"""Pipelined small messages on the gRPC link: sends that do not wait, the window, lost messages.

Every test runs real links with mutual TLS on loopback. A peer "that never starts" is a pinned
party with a free port that nobody listens on: messages to it wait for it until their deadline.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from confide.errors import PeerUnavailable
from confide.net.federation import Federation, Identity, identity_paths, init_federation
from confide.net.grpc_link import GrpcLink
from confide.net.wire import encode
from confide.runtime.launcher import free_ports
from tests.conftest import grpc_links

Factory = Callable[..., GrpcLink]


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[dict[str, GrpcLink]]:
    made = grpc_links(tmp_path, ("alice", "bob"))
    yield made
    for link in made.values():
        link.close()


@pytest.fixture
def alone(tmp_path: Path) -> Iterator[Factory]:
    """Makes alice's link (with the given options) in a federation whose bob never starts."""
    fed_path = init_federation(["alice", "bob"], tmp_path, ports=free_ports(2))
    made: list[GrpcLink] = []

    def make(**options: Any) -> GrpcLink:
        identity = Identity.load(*identity_paths(fed_path, "alice"))
        made.append(GrpcLink(identity, Federation.load(fed_path), **options))
        return made[-1]

    yield make
    for link in made:
        # Messages to bob are lost; the tests check what close says where it matters.
        with contextlib.suppress(PeerUnavailable):
            link.close()


def test_send_returns_before_the_acknowledgement(alone: Factory) -> None:
    alice = alone()
    started = time.monotonic()
    alice.send("bob", "job/x", np.arange(10), timeout=1)
    assert time.monotonic() - started < 0.5  # bob never acknowledges: nothing was awaited
    assert alice.bytes_sent == len(encode(np.arange(10)))
    with pytest.raises(PeerUnavailable, match=r"'bob'.*within 1 s \(1 message of job 'job'"):
        alice.flush(timeout=10)
    assert 0.9 < time.monotonic() - started < 5


def test_a_lost_message_is_told_to_its_job_once(alone: Factory) -> None:
    alice = alone(close_timeout=0.2)
    alice.send("bob", "jobA/x", 1, timeout=0.5)
    alice.send("bob", "jobB/y", 2, timeout=30)  # behind jobA's on the stream: lost with it
    alice.send("bob", "jobD/w", 3, timeout=30)  # so is jobD's
    # At jobA's deadline the watchdog cancels the stream: all three are lost; each job is told.
    with pytest.raises(PeerUnavailable, match=r"within 0.5 s \(1 message of job 'jobB'"):
        alice.flush(timeout=10, job="jobB")
    with pytest.raises(PeerUnavailable, match=r"within 0.5 s \(1 message of job 'jobA'"):
        alice.recv("bob", "jobA/answer", timeout=5)
    with pytest.raises(PeerUnavailable, match=r"within 0.5 s \(1 message of job 'jobD'"):
        alice.send("bob", "jobD/next", 6)
    alice.send("bob", "jobA/again", 4, timeout=30)  # told once: later sends go out again
    alice.send("bob", "jobC/z", 5, timeout=30)  # jobC lost nothing
    # Closing gives up on what is in flight; jobA failed already, jobC is told here.
    with pytest.raises(PeerUnavailable, match=r"closed before .*job 'jobC'") as info:
        alice.close()
    assert "jobA" not in str(info.value)


def test_a_waiting_receive_is_told_of_a_lost_message(alone: Factory) -> None:
    alice = alone()
    alice.send("bob", "job/x", 1, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(PeerUnavailable, match=r"within 0.5 s \(1 message of job 'job'"):
        alice.recv("bob", "job/reply", timeout=30)
    assert time.monotonic() - started < 5


def test_a_full_window_makes_send_wait_until_its_deadline(alone: Factory) -> None:
    alice = alone(window_messages=2, close_timeout=0.2)
    alice.send("bob", "jobA/0", 0, timeout=30)
    alice.send("bob", "jobA/1", 1, timeout=30)
    started = time.monotonic()
    with pytest.raises(PeerUnavailable, match="2 earlier messages are not acknowledged"):
        alice.send("bob", "jobB/2", 2, timeout=0.5)
    assert 0.4 < time.monotonic() - started < 5
    with pytest.raises(PeerUnavailable, match=r"2 messages of job 'jobA' not delivered"):
        alice.close()


def test_a_window_of_one_still_delivers_everything_in_order(tmp_path: Path) -> None:
    fed_path = init_federation(["alice", "bob"], tmp_path, ports=free_ports(2))
    federation = Federation.load(fed_path)
    alice, bob = (
        GrpcLink(Identity.load(*identity_paths(fed_path, p)), federation, window_messages=1)
        for p in ("alice", "bob")
    )
    try:
        for i in range(30):
            alice.send("bob", "job/seq", i)
        assert [bob.recv("alice", "job/seq", timeout=5) for _ in range(30)] == list(range(30))
    finally:
        alice.close()
        bob.close()


def test_close_delivers_what_is_in_flight(pair: dict[str, GrpcLink]) -> None:
    for i in range(200):
        pair["alice"].send("bob", "job/seq", i)
    pair["alice"].close()
    assert [pair["bob"].recv("alice", "job/seq", timeout=5) for _ in range(200)] == list(range(200))


def test_small_and_large_messages_keep_their_order(pair: dict[str, GrpcLink]) -> None:
    large = np.arange(400_000, dtype=np.float64)  # 3.2 MB: streamed in a call of its own
    for i in range(100):
        pair["alice"].send("bob", "job/mixed", i)
    pair["alice"].send("bob", "job/mixed", large)
    pair["alice"].send("bob", "job/mixed", 100)
    got = [pair["bob"].recv("alice", "job/mixed", timeout=5) for _ in range(102)]
    np.testing.assert_array_equal(got.pop(100), large)
    assert got == list(range(101))


def test_byte_counters_agree_once_flushed(pair: dict[str, GrpcLink]) -> None:
    values = [np.ones(100), "x" * 50, {"k": 3}]
    for value in values:
        pair["alice"].send("bob", "job/v", value)
    pair["alice"].flush(timeout=5)
    expected = sum(len(encode(value)) for value in values)
    assert pair["alice"].bytes_sent == pair["bob"].bytes_received == expected


@pytest.mark.parametrize("wait_for_ack", [True, False], ids=["acked", "pipelined"])
def test_node_channel_sends_wait_for_the_acknowledgement(
    alone: Factory, wait_for_ack: bool
) -> None:
    """A tag of a node channel ('!' before the first '/') is acknowledged before send returns."""
    alice = alone(wait_for_ack=wait_for_ack)
    started = time.monotonic()
    with pytest.raises(PeerUnavailable, match=r"within 0.5 s"):
        alice.send("bob", "!control/message", {"type": "query"}, timeout=0.5)
    assert 0.4 < time.monotonic() - started < 5


def test_a_job_that_aborted_is_not_reported_again_at_close(alone: Factory) -> None:
    alice = alone(close_timeout=0.2)
    alice.send("bob", "job1/x", 1, timeout=30)
    alice.abort("job1", "gave up", timeout=30)
    alice.close()  # job1's message and notice are lost, but job1 failed already: no error


def test_messages_reach_a_peer_that_restarted(tmp_path: Path) -> None:
    fed_path = init_federation(["alice", "bob"], tmp_path, ports=free_ports(2))
    federation = Federation.load(fed_path)

    def open_link(party: str) -> GrpcLink:
        return GrpcLink(Identity.load(*identity_paths(fed_path, party)), federation)

    alice, bob = open_link("alice"), open_link("bob")
    try:
        alice.send("bob", "job1/x", 1)
        assert bob.recv("alice", "job1/x", timeout=5) == 1
        bob.close()
        bob = open_link("bob")
        alice.send("bob", "job2/x", 2, timeout=10)
        assert bob.recv("alice", "job2/x", timeout=10) == 2
    finally:
        alice.close()
        bob.close()


def test_an_acked_send_returns_once_the_message_is_in_the_mailbox(
    pair: dict[str, GrpcLink],
) -> None:
    pair["alice"].wait_for_ack = True
    for i in range(20):
        pair["alice"].send("bob", f"job/x{i}", i)
        assert pair["bob"].recv("alice", f"job/x{i}", timeout=0.001) == i  # no waiting


def test_a_closed_link_refuses_to_send(pair: dict[str, GrpcLink]) -> None:
    pair["alice"].close()
    with pytest.raises(PeerUnavailable, match="closed"):
        pair["alice"].send("bob", "job/late", 1)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_memory_of_failed_jobs_is_bounded(alone: Factory) -> None:
    clock = Clock()
    alice = alone(close_timeout=0.2, abort_memory_s=60.0, max_jobs=3, clock=clock)
    for index in range(5):
        alice.abort(f"job{index}", "gave up", timeout=30)
    assert [alice.failed(f"job{index}") for index in range(5)] == [False, False, True, True, True]
    clock.now += 61.0
    alice.abort("late", "gave up", timeout=30)  # the others failed too long ago
    assert [alice.failed(job) for job in ("job3", "job4", "late")] == [False, False, True]
    alice.close()


def test_a_forgotten_failed_job_takes_its_untold_losses_along(alone: Factory) -> None:
    alice = alone(close_timeout=0.2, max_jobs=1)
    alice.send("bob", "job1/x", 1, timeout=0.3)
    alice.abort("job1", "gave up", timeout=30)
    time.sleep(1.5)  # the watchdog gave up on the stream: job1's message is lost, not told
    alice.abort("job2", "gave up", timeout=30)  # job1 is forgotten, and its loss with it
    assert not alice.failed("job1") and alice.failed("job2")
    alice.close()  # nothing to report: job2's notice is best effort


def test_an_untold_loss_is_forgotten_after_the_memory(alone: Factory) -> None:
    clock = Clock()
    alice = alone(close_timeout=0.2, abort_memory_s=60.0, clock=clock)
    alice.send("bob", "jobA/x", 1, timeout=0.3)
    time.sleep(1.0)  # the watchdog gave up on the stream: jobA's message is lost, not told
    clock.now += 61.0
    alice.send("bob", "jobB/y", 2, timeout=0.3)
    time.sleep(1.0)  # jobB's is lost too, and jobA's loss is older than the memory
    with pytest.raises(PeerUnavailable, match=r"job 'jobB'") as info:
        alice.close()
    assert "jobA" not in str(info.value)


def test_at_most_max_jobs_untold_losses_are_kept(alone: Factory) -> None:
    alice = alone(close_timeout=0.2, max_jobs=1)
    alice.send("bob", "jobA/x", 1, timeout=0.3)
    alice.send("bob", "jobB/y", 2, timeout=30)  # lost with jobA's, recorded after it
    time.sleep(1.0)
    with pytest.raises(PeerUnavailable, match=r"job 'jobB'") as info:
        alice.close()
    assert "jobA" not in str(info.value)
