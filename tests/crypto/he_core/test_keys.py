"""What both schemes' keys share: size floors, random units, encoding and decoding."""

from __future__ import annotations

import gmpy2  # type: ignore[import-untyped]
import numpy as np
import pytest

from confide.crypto.he_core import keys
from confide.crypto.he_core.gmp import mpz
from confide.errors import ConfigError


def test_key_size_floors() -> None:
    keys.check_key_bits(2048, False, 512, 2048, "Paillier")
    keys.check_key_bits(512, True, 512, 2048, "Paillier")
    with pytest.raises(ConfigError, match="1024-bit OU modulus is below the minimum 2048 "):
        keys.check_key_bits(1024, False, 768, 2048, "OU")
    with pytest.raises(ConfigError, match=r"below the minimum 768$"):
        keys.check_key_bits(700, True, 768, 2048, "OU")
    with pytest.raises(TypeError):
        keys.check_key_bits(True, False, 512, 2048, "Paillier")


def test_random_units_are_units_at_least_low() -> None:
    n = mpz(3 * 5 * 7)
    drawn = {int(keys.random_unit(n, low=2)) for _ in range(400)}
    assert all(2 <= r < 105 and gmpy2.gcd(r, n) == 1 for r in drawn)
    assert len(drawn) > 40  # of the 47 units in [2, 105)


def test_encoding_for_encryption() -> None:
    assert keys.encode_values([1, -2], None, 53) == ([1, -2], 0)
    assert keys.encode_values(np.array([0.5]), None, 4) == ([8], 4)
    assert keys.encode_values([3], 2, 53) == ([12], 2)
    for bad in (np.zeros((2, 2)), 5, "ab"):
        with pytest.raises(ConfigError, match="one-dimensional"):
            keys.encode_values(bad, None, 53)
    with pytest.raises(ConfigError, match="frac_bits"):
        keys.encode_values([1], -1, 53)


def test_decoding_decrypted_integers() -> None:
    as_int = keys.decode_ints([1, -2], 0)
    assert as_int.dtype == np.int64 and as_int.tolist() == [1, -2]
    big = keys.decode_ints([2**70, 1], 0)
    assert big.dtype == object and big.tolist() == [2**70, 1]
    np.testing.assert_array_equal(keys.decode_ints([8, -4], 4), [0.5, -0.25])
