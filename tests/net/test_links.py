"""Behaviour every link must have, run over memory and over gRPC with mutual TLS."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from confide.errors import PeerAborted, PeerTimeout, PeerUnavailable
from confide.net.link import ABORT_TAG, Link


def test_values_arrive_intact_and_from_the_sender(links: dict[str, Link]) -> None:
    value = {"w": np.arange(12, dtype=np.float32).reshape(3, 4), "n": 2**100, "s": "héllo"}
    links["alice"].send("bob", "job/x#0", value)
    got = links["bob"].recv("alice", "job/x#0", timeout=5)
    assert got["n"] == 2**100 and got["s"] == "héllo"
    np.testing.assert_array_equal(got["w"], value["w"])
    assert got["w"].dtype == np.float32
    with pytest.raises(PeerTimeout):
        links["bob"].recv("carol", "job/x#0", timeout=0.2)


def test_same_tag_keeps_order(links: dict[str, Link]) -> None:
    for i in range(20):
        links["alice"].send("carol", "job/seq", i)
    assert [links["carol"].recv("alice", "job/seq", timeout=5) for _ in range(20)] == list(
        range(20)
    )


def test_receive_deadline_names_peer_and_tag(links: dict[str, Link]) -> None:
    started = time.monotonic()
    with pytest.raises(PeerTimeout, match=r"'carol'.*job/never") as info:
        links["alice"].recv("carol", "job/never#0", timeout=0.3)
    assert info.value.peer == "carol"
    assert 0.3 <= time.monotonic() - started < 3


def test_unknown_peer_is_refused(links: dict[str, Link]) -> None:
    with pytest.raises(PeerUnavailable, match="mallory"):
        links["alice"].send("mallory", "job/x", 1)
    with pytest.raises(PeerUnavailable, match="mallory"):
        links["alice"].recv("mallory", "job/x", timeout=0.1)


def test_abort_wakes_waiting_receive_of_that_job_only(links: dict[str, Link]) -> None:
    errors: list[BaseException] = []
    links["alice"].expect_parties("job1", ["alice", "bob", "carol"])

    def wait() -> None:
        try:
            links["alice"].recv("bob", "job1/result#0", timeout=20)
        except BaseException as exc:  # recorded for the assertion below
            errors.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    time.sleep(0.2)
    links["carol"].send("alice", f"job1/{ABORT_TAG}", "carol ran out of memory")
    waiter.join(timeout=5)
    assert not waiter.is_alive()
    assert isinstance(errors[0], PeerAborted)
    assert errors[0].peer == "carol" and "out of memory" in str(errors[0])
    links["bob"].send("alice", "job2/result#0", 7)
    assert links["alice"].recv("bob", "job2/result#0", timeout=5) == 7


def test_large_array_round_trip(links: dict[str, Link]) -> None:
    array = np.random.default_rng(1).standard_normal((3_000, 2_000))  # 48 MB: many chunks
    links["bob"].send("alice", "job/big", array)
    got = links["alice"].recv("bob", "job/big", timeout=30)
    assert got.flags.writeable
    np.testing.assert_array_equal(got, array)


def test_concurrent_senders_do_not_mix(links: dict[str, Link]) -> None:
    def send_many(sender: str) -> None:
        for i in range(30):
            links[sender].send("alice", f"job/{sender}", (sender, i))

    threads = [threading.Thread(target=send_many, args=(s,)) for s in ("bob", "carol")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for sender in ("bob", "carol"):
        got = [links["alice"].recv(sender, f"job/{sender}", timeout=5) for _ in range(30)]
        assert got == [[sender, i] for i in range(30)]


def test_peer_that_went_away_is_reported(links: dict[str, Link]) -> None:
    links["bob"].send("alice", "job/hello", 1)
    assert links["alice"].recv("bob", "job/hello", timeout=5) == 1
    links["alice"].send("bob", "job/hello", 2)
    links["bob"].close()
    started = time.monotonic()
    with pytest.raises(PeerUnavailable, match="'bob'"):
        links["alice"].recv("bob", "job/reply", timeout=30)
    assert time.monotonic() - started < 10

    def send_then_receive() -> None:
        # A link may queue a send and report its failure at the job's next send or receive.
        links["alice"].send("bob", "job/more", 3, timeout=1)
        links["alice"].recv("bob", "job/answer", timeout=30)

    with pytest.raises(PeerUnavailable, match="'bob'"):
        send_then_receive()
