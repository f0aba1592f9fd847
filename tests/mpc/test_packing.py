"""Protocol messages: small arrays joined into one, large ones apart, malformed ones refused."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ProtocolError
from confide.mpc.packing import JOIN_WORDS, joined, pack, unpack, unpack_joined

U64 = np.uint64


def arrays(*shapes: tuple[int, ...]) -> list[np.ndarray]:
    rng = np.random.default_rng(4)
    return [rng.integers(0, 2**64, shape, dtype=U64, endpoint=False) for shape in shapes]


@pytest.mark.parametrize(
    ("shapes", "count"),
    [
        ([(3,), (2, 2), ()], 1),  # small: one array
        ([(5,)], 1),
        ([(JOIN_WORDS,), (1,)], 2),  # together too large: apart
        ([(0,), (4,)], 1),
        ([], 0),
    ],
)
def test_round_trip(shapes: list[tuple[int, ...]], count: int) -> None:
    sent = arrays(*shapes)
    message = pack(sent)
    assert len(message) == count
    assert all(m.ndim == 1 and m.dtype == U64 for m in message)
    got = unpack("p1", message, shapes)
    for want, value in zip(sent, got, strict=True):
        assert value.shape == want.shape
        np.testing.assert_array_equal(value, want)


@pytest.mark.parametrize(
    "message",
    [
        "x",
        [],
        [np.zeros(6, U64)],  # one word short
        [np.zeros(7, np.int64)],  # not ring words
        [np.zeros((7, 1), U64)],  # not flat
        [np.zeros(3, U64), np.zeros(4, U64)],  # apart, though small
    ],
)
def test_malformed_messages_name_the_peer(message: object) -> None:
    with pytest.raises(ProtocolError, match="'p1'"):
        unpack("p1", message, [(3,), (4,)])


def test_joined_messages_unpack_whole() -> None:
    xs = arrays((3,), (2, 2), ())
    assert joined([3, 4, 1]) and not joined([5]) and not joined([JOIN_WORDS, 1])
    flat = unpack_joined("p1", pack(xs), 8)
    np.testing.assert_array_equal(flat, np.concatenate([x.ravel() for x in xs]))


@pytest.mark.parametrize(
    "message",
    [None, [], arrays((8,)) * 2, arrays((7,)), [np.zeros(8, dtype=np.int64)], [b"x" * 64]],
)
def test_malformed_joined_messages_name_the_peer(message: object) -> None:
    with pytest.raises(ProtocolError, match="'p1'"):
        unpack_joined("p1", message, 8)
