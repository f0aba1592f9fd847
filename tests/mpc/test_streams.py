"""PRG draws in chunks give exactly the stream ``PRG.uint64`` gives."""

from __future__ import annotations

import numpy as np

from confide.crypto.prg import PRG, new_seed
from confide.mpc.streams import CHUNK_BYTES, draw_bits, draw_many, draw_words


def test_words_are_the_prg_stream_across_chunk_boundaries() -> None:
    seed = new_seed()
    count = 3 * CHUNK_BYTES // 8 + 5
    np.testing.assert_array_equal(draw_words(PRG(seed), (count,)), PRG(seed).uint64(count))
    ours, theirs = PRG(seed), PRG(seed)
    np.testing.assert_array_equal(draw_words(ours, (2, 3)), theirs.uint64((2, 3)))
    np.testing.assert_array_equal(draw_words(ours, (4,)), theirs.uint64(4))


def test_bits_are_the_low_bit_of_each_stream_byte() -> None:
    seed = new_seed()
    bits = draw_bits(PRG(seed), (10, 100))
    raw = np.frombuffer(PRG(seed).bytes(1000), dtype=np.uint8)
    assert bits.dtype == np.uint64 and bits.shape == (10, 100)
    np.testing.assert_array_equal(bits.ravel(), raw & 1)
    assert 400 < int(bits.sum()) < 600


def test_empty_draws() -> None:
    assert draw_words(PRG(new_seed()), (0, 3)).shape == (0, 3)
    assert draw_bits(PRG(new_seed()), (0,)).shape == (0,)


def test_many_draws_are_the_same_stream_as_one_by_one() -> None:
    seed = new_seed()
    layout = [((3,), 64), ((5,), 1), ((2, 2), 64), ((), 64), ((0,), 64), ((7,), 1), ((4,), 64)]
    batched = PRG(seed)
    together = draw_many(batched, layout)
    alone = PRG(seed)
    for (shape, bits), got in zip(layout, together, strict=True):
        want = draw_words(alone, shape) if bits == 64 else draw_bits(alone, shape)
        assert got.dtype == np.uint64 and got.shape == shape
        np.testing.assert_array_equal(got, want)
    # Both streams stand at the same point afterwards (108 bytes in: not a word boundary).
    np.testing.assert_array_equal(draw_words(batched, (3,)), draw_words(alone, (3,)))


def test_many_draws_are_writable_and_independent() -> None:
    first, second = draw_many(PRG(new_seed()), [((4,), 64), ((4,), 64)])
    before = second.copy()
    first += np.uint64(1)  # arrays of one buffer must not overlap
    np.testing.assert_array_equal(second, before)
