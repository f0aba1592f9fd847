"""The socket-pair link's own behaviour; the contract every link keeps is in ``test_links``."""

from __future__ import annotations

import socket
import struct
import threading
import time

import numpy as np
import pytest

from confide.errors import ConfigError, PeerUnavailable
from confide.net.socketpair import MAX_TAG_BYTES, SocketPairLink, socket_pairs, socketpair_links
from confide.net.wire import encode


def bob_with_raw_alice() -> tuple[SocketPairLink, socket.socket, socket.socket]:
    """Bob's link to alice, and the raw sockets standing in for alice's ends (writer, reader)."""
    pairs = socket_pairs(["alice", "bob"])
    bob = SocketPairLink(
        "bob",
        senders={"alice": pairs[("bob", "alice")][0]},
        receivers={"alice": pairs[("alice", "bob")][1]},
    )
    return bob, pairs[("alice", "bob")][0], pairs[("bob", "alice")][1]


def frame(tag: str, payload: bytes) -> bytes:
    name = tag.encode()
    return struct.pack("<IQ", len(name), len(payload)) + name + payload


def test_a_well_formed_raw_frame_is_delivered_from_the_socket_owner() -> None:
    bob, alice_writer, _ = bob_with_raw_alice()
    alice_writer.sendall(frame("job/x", bytes(encode({"n": 5}))))
    assert bob.recv("alice", "job/x", timeout=5) == {"n": 5}
    bob.close()


@pytest.mark.parametrize(
    "garbage",
    [
        frame("job/x", b"not a wire frame"),  # payload that does not decode
        frame("job/x", bytes(encode([1, 2]))[:-3]),  # truncated value inside a whole frame
        struct.pack("<IQ", 2, 0) + b"\xff\xfe",  # tag that is not UTF-8
        struct.pack("<IQ", MAX_TAG_BYTES + 1, 0),  # tag over the limit
        struct.pack("<IQ", 1, 1 << 62) + b"x",  # payload over the limit: refused unread
    ],
    ids=["payload", "truncated", "tag-utf8", "tag-size", "payload-size"],
)
def test_a_malformed_frame_ends_the_connection_from_that_peer(garbage: bytes) -> None:
    bob, alice_writer, _ = bob_with_raw_alice()
    alice_writer.sendall(garbage)
    started = time.monotonic()
    with pytest.raises(PeerUnavailable, match="alice"):
        bob.recv("alice", "job/x", timeout=10)
    assert time.monotonic() - started < 5  # reported, not waited out
    assert bob.peer_gone("alice")
    with pytest.raises(PeerUnavailable, match="malformed"):
        bob.send("alice", "job/y", 1)
    bob.close()


def test_a_frame_cut_short_is_not_delivered() -> None:
    bob, alice_writer, _ = bob_with_raw_alice()
    whole = frame("job/x", bytes(encode(np.arange(100))))
    alice_writer.sendall(whole[: len(whole) // 2])
    alice_writer.close()
    with pytest.raises(PeerUnavailable):
        bob.recv("alice", "job/x", timeout=10)
    bob.close()


def test_a_peer_that_closes_is_reported_at_once() -> None:
    links = socketpair_links(["alice", "bob", "carol"])
    links["alice"].send("bob", "job/before", 1)
    links["alice"].close()
    assert links["bob"].recv("alice", "job/before", timeout=5) == 1  # what came first still counts
    started = time.monotonic()
    with pytest.raises(PeerUnavailable, match="alice"):
        links["bob"].recv("alice", "job/after", timeout=30)
    assert time.monotonic() - started < 5
    links["carol"].send("bob", "job/z", 3)  # the others are unaffected
    assert links["bob"].recv("carol", "job/z", timeout=5) == 3
    for link in links.values():
        link.close()


def test_a_send_that_nobody_reads_has_a_deadline() -> None:
    pairs = socket_pairs(["alice", "bob"])
    alice = SocketPairLink(  # bob's reading end is never read
        "alice",
        senders={"bob": pairs[("alice", "bob")][0]},
        receivers={"bob": pairs[("bob", "alice")][1]},
    )
    big = np.zeros(8_000_000)  # 64 MB: what the socket does not take waits in the outbox
    started = time.monotonic()
    for _ in range(2):  # the outbox holds up to 64 MiB; past that, sends wait for the peer
        alice.send("bob", "job/big", big, timeout=0.5)
    with pytest.raises(PeerUnavailable, match="did not take"):
        alice.send("bob", "job/big", big, timeout=0.5)
    assert time.monotonic() - started < 5
    pairs[("alice", "bob")][1].close()  # bob goes: closing need not wait to deliver to him
    alice.close()
    assert time.monotonic() - started < 10


def test_two_parties_sending_each_other_large_arrays_at_once_do_not_block() -> None:
    links = socketpair_links(["alice", "bob"])
    arrays = {p: np.full(6_000_000, i, dtype=np.float64) for i, p in enumerate(links)}
    got: dict[str, np.ndarray] = {}

    def run(me: str, other: str) -> None:
        links[me].send(other, "job/big", arrays[me])
        arrays[me][:] = -1  # the caller may reuse its array once send returns
        got[me] = links[me].recv(other, "job/big", timeout=30)

    threads = [
        threading.Thread(target=run, args=("alice", "bob")),
        threading.Thread(target=run, args=("bob", "alice")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert got["alice"].min() == got["alice"].max() == 1
    assert got["bob"].min() == got["bob"].max() == 0
    for link in links.values():
        link.close()


def test_bytes_are_counted_on_both_sides() -> None:
    links = socketpair_links(["alice", "bob"])
    links["alice"].send("bob", "job/a", np.arange(1000))
    links["alice"].send("bob", "job/b", "text")
    links["bob"].recv("alice", "job/a", timeout=5)
    links["bob"].recv("alice", "job/b", timeout=5)
    expected = sum(
        12 + len(tag) + len(encode(v)) for tag, v in [("job/a", np.arange(1000)), ("job/b", "text")]
    )
    assert links["alice"].bytes_sent == links["bob"].bytes_received == expected
    for link in links.values():
        link.close()


def test_a_link_needs_one_socket_each_way_per_peer() -> None:
    pairs = socket_pairs(["alice", "bob", "carol"])
    with pytest.raises(ConfigError, match="one socket to and one from"):
        SocketPairLink(
            "alice",
            senders={"bob": pairs[("alice", "bob")][0], "carol": pairs[("alice", "carol")][0]},
            receivers={"bob": pairs[("bob", "alice")][1]},
        )
    with pytest.raises(ConfigError, match="unique"):
        socket_pairs(["alice", "alice"])
    for writer, reader in pairs.values():
        writer.close()
        reader.close()


def test_what_waits_in_the_outbox_is_delivered_after_the_sender_closes() -> None:
    links = socketpair_links(["alice", "bob"])
    big = np.arange(6_000_000, dtype=np.float64)  # more than the socket takes at once

    def send_and_close() -> None:
        links["alice"].send("bob", "job/big", big)
        links["alice"].close()

    closer = threading.Thread(target=send_and_close)
    closer.start()
    got = links["bob"].recv("alice", "job/big", timeout=30)
    closer.join(timeout=30)
    np.testing.assert_array_equal(got, big)
    links["bob"].close()
