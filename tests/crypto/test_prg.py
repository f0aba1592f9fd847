"""The AES-CTR PRG: deterministic per seed, distinct across seeds, uniform enough."""

from __future__ import annotations

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from confide.crypto.prg import PRG, READAHEAD_BYTES, new_seed
from confide.errors import ConfigError


def test_same_seed_same_stream_and_streams_continue() -> None:
    seed = new_seed()
    one, two = PRG(seed), PRG(seed)
    assert one.bytes(40) == two.bytes(40)
    assert one.bytes(8) == two.bytes(8)
    np.testing.assert_array_equal(one.uint64((3, 4)), two.uint64((3, 4)))
    assert PRG(new_seed()).bytes(32) != PRG(new_seed()).bytes(32)


def test_integers_are_in_range_and_roughly_uniform() -> None:
    values = PRG(new_seed()).integers(20_000, 128)
    assert all(0 <= v < 2**128 for v in values)
    top_bits = np.array([v >> 127 for v in values])
    assert abs(top_bits.mean() - 0.5) < 0.02  # 5.6 standard deviations
    words = PRG(new_seed()).uint64(100_000)
    assert abs((words >> np.uint64(63)).mean() - 0.5) < 0.01


@pytest.mark.parametrize("seed", [b"short", b"x" * 17, "s" * 16])
def test_bad_seeds_are_refused(seed: object) -> None:
    with pytest.raises(ConfigError):
        PRG(seed)  # type: ignore[arg-type]


def test_draws_of_any_sizes_are_the_aes_ctr_keystream() -> None:
    """Small draws served from the read-ahead, large ones straight from AES, and fills: all
    consecutive bytes of AES-128-CTR's keystream (counter block 0)."""
    seed = new_seed()
    sizes = [0, 1, 7, 4096, READAHEAD_BYTES - 3, 5, READAHEAD_BYTES, 2 * READAHEAD_BYTES + 9, 3]
    prg = PRG(seed)
    drawn = b""
    for k, size in enumerate(sizes):
        if k % 2:
            drawn += prg.bytes(size)
        else:
            out = np.empty(size, dtype=np.uint8)
            prg.fill(out)
            drawn += out.tobytes()
    encryptor = Cipher(algorithms.AES(seed), modes.CTR(bytes(16))).encryptor()
    assert drawn == encryptor.update(bytes(sum(sizes)))


def test_fill_takes_flat_byte_arrays_only() -> None:
    with pytest.raises(ConfigError):
        PRG(new_seed()).fill(np.empty(4, dtype=np.uint64))
