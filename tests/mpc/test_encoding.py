"""Ring encoding: fixed-point, integer and boolean round trips, bounds, public operands."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.mpc.encoding import (
    FRAC_BITS,
    MAX_FRAC_BITS,
    RING_DTYPE,
    decode_ring,
    encode_public,
    encode_ring,
)
from confide.params import MPC_FRAC_BITS


def test_default_precision_comes_from_params() -> None:
    assert FRAC_BITS == MPC_FRAC_BITS == 18


@pytest.mark.parametrize("frac_bits", [0, 1, 18, 30])
def test_floats_round_trip_within_half_a_unit(frac_bits: int) -> None:
    values = np.random.default_rng(0).uniform(-1000, 1000, 500)
    words = encode_ring(values, frac_bits)
    assert words.dtype == RING_DTYPE
    back = decode_ring(words, frac_bits) if frac_bits else decode_ring(words).astype(float)
    np.testing.assert_allclose(back, values, rtol=0, atol=2.0 ** (-frac_bits - 1))


def test_negative_values_are_twos_complement() -> None:
    assert encode_ring(np.array([-1]), 0)[0] == np.uint64(2**64 - 1)
    assert encode_ring(np.array([-0.5]), 1)[0] == np.uint64(2**64 - 1)
    assert decode_ring(np.array([2**64 - 1], dtype=np.uint64))[0] == -1


def test_integers_and_booleans_are_exact() -> None:
    ints = np.array([0, 1, -1, 2**62, -(2**63)], dtype=np.int64)
    np.testing.assert_array_equal(decode_ring(encode_ring(ints)), ints)
    np.testing.assert_array_equal(encode_ring(np.array([True, False])), [1, 0])
    np.testing.assert_array_equal(decode_ring(encode_ring(np.array([3, -3]), 18), 18), [3.0, -3.0])


def test_uint64_input_is_taken_as_ring_elements() -> None:
    words = np.array([2**64 - 1, 2**63], dtype=np.uint64)
    np.testing.assert_array_equal(encode_ring(words), words)


@pytest.mark.parametrize(
    ("values", "frac_bits"),
    [([np.nan], 18), ([np.inf], 0), ([2.0**45], 18), ([2**45], 18), (["x"], 0), ([1j], 0)],
)
def test_bad_values_are_refused(values: list[object], frac_bits: int) -> None:
    with pytest.raises(ConfigError):
        encode_ring(np.array(values), frac_bits)


@pytest.mark.parametrize("frac_bits", [-1, MAX_FRAC_BITS + 1, 2.5, True])
def test_bad_fractional_bits_are_refused(frac_bits: object) -> None:
    with pytest.raises(ConfigError):
        encode_ring(np.array([1.0]), frac_bits)  # type: ignore[arg-type]


def test_decode_needs_ring_words() -> None:
    with pytest.raises(ConfigError):
        decode_ring(np.array([1, 2], dtype=np.int64), 0)


def test_whole_public_numbers_need_no_fractional_bits() -> None:
    words, frac_bits = encode_public(np.array([2.0, -3.0]), 18)
    assert frac_bits == 0
    np.testing.assert_array_equal(decode_ring(words), [2, -3])
    words, frac_bits = encode_public(0.25, 18)
    assert frac_bits == 18
    assert decode_ring(words, 18) == 0.25
    assert encode_public(7, 18)[1] == 0
    with pytest.raises(ConfigError):
        encode_public("seven", 18)
