"""The in-memory link's shortcut for lists of ring arrays: same values, same byte counts."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import EncodeError
from confide.net.memory import MemoryHub, ring_frame_size
from confide.net.wire import encode

SHAPES = [
    [],
    [()],
    [(0,)],
    [(5,)],
    [(3, 4)],
    [(1024,), (7,), (2, 3, 4)],
    [(0, 5), (1,), ()],
    [(1,) * 9, (4097,)],
]


@pytest.mark.parametrize("shapes", SHAPES)
def test_the_frame_size_is_the_encoded_size(shapes: list[tuple[int, ...]]) -> None:
    arrays = [np.zeros(shape, dtype=np.uint64) for shape in shapes]
    assert ring_frame_size(arrays) == len(encode(arrays))


def test_ring_arrays_arrive_as_fresh_copies_and_count_their_frame() -> None:
    links = MemoryHub(["alice", "bob"]).links()
    words = np.arange(12, dtype=np.uint64).reshape(3, 4)
    strided = np.arange(20, dtype=np.uint64)[::2]
    sent = [words, strided]
    links["alice"].send("bob", "job/x#0", sent)
    assert links["alice"].bytes_sent == len(encode(sent))
    words[0, 0] = 99  # the receiver holds no reference to the sender's arrays
    got = links["bob"].recv("alice", "job/x#0", timeout=5)
    assert isinstance(got, list) and len(got) == 2
    np.testing.assert_array_equal(got[0], np.arange(12, dtype=np.uint64).reshape(3, 4))
    np.testing.assert_array_equal(got[1], strided)
    assert all(a.dtype == np.uint64 and a.flags.c_contiguous and a.flags.writeable for a in got)


def test_other_values_still_go_through_the_wire_format() -> None:
    links = MemoryHub(["alice", "bob"]).links()
    value = [np.arange(3, dtype=np.int64), np.arange(2, dtype=np.uint64)]
    links["alice"].send("bob", "job/y#0", value)
    assert links["alice"].bytes_sent == len(encode(value))
    got = links["bob"].recv("alice", "job/y#0", timeout=5)
    np.testing.assert_array_equal(got[0], value[0])
    with pytest.raises(EncodeError):
        links["alice"].send("bob", "job/z#0", [np.zeros(2, dtype=np.uint64), object()])
