"""Fixed-base window tables and the digits of exponents, against gmpy2's powmod."""

from __future__ import annotations

import gmpy2  # type: ignore[import-untyped]
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from confide.crypto.ou.tables import WINDOW_BITS, _WindowTable, magnitude_digits, random_digits

MODULUS = gmpy2.next_prime(2**521) * gmpy2.next_prime(2**300)
BASE = gmpy2.mpz(3) ** 401 % MODULUS
TABLE = _WindowTable(BASE, MODULUS)


def value(row: list[int]) -> int:
    return sum(int(d) << (WINDOW_BITS * j) for j, d in enumerate(row))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-(2**700), 2**700), min_size=1, max_size=12))
def test_digits_of_magnitudes_rebuild_them(values: list[int]) -> None:
    digits = magnitude_digits(values)
    assert digits.dtype == np.uint16 and int(digits.max()) < 2**WINDOW_BITS
    assert [value(row) for row in digits.tolist()] == [abs(v) for v in values]
    expected = [gmpy2.powmod(BASE, abs(v), MODULUS) for v in values]
    assert TABLE.multiply(None, digits) == expected


def test_small_magnitudes_take_the_int64_path() -> None:
    values = [0, 1, -4095, 4096, 2**62, -(2**63 - 1)]
    digits = magnitude_digits(values)
    assert digits.shape == (6, 6)
    assert [value(row) for row in digits.tolist()] == [abs(v) for v in values]
    assert magnitude_digits([]).shape == (0, 0)
    assert magnitude_digits([0, 0]).shape == (2, 1)


def test_random_digits_are_uniform_windows() -> None:
    digits = random_digits(4000, 256)
    assert digits.shape == (4000, 22) and int(digits.max()) < 2**WINDOW_BITS
    counts = np.bincount((digits >> 8).ravel(), minlength=16)  # top 4 bits of each digit
    assert counts.min() > 0.8 * counts.mean()  # 88,000 draws: far from chance failure
    assert len({value(row) for row in digits.tolist()}) == 4000


def test_multiply_onto_an_accumulator_and_skip_zero_columns() -> None:
    digits = np.array([[5, 0, 0], [0, 0, 1]], dtype=np.uint16)
    acc = [gmpy2.mpz(7), gmpy2.mpz(11)]
    got = TABLE.multiply(acc, digits)
    assert got == [7 * gmpy2.powmod(BASE, 5, MODULUS) % MODULUS,
                   11 * gmpy2.powmod(BASE, 2 ** (2 * WINDOW_BITS), MODULUS) % MODULUS]  # fmt: skip
    assert TABLE.multiply(None, np.zeros((3, 2), dtype=np.uint16)) == [1, 1, 1]
