"""Paillier plaintext encodings: signed residues, fixed point, packed slots with headroom."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confide.crypto.encoding import (
    Packing,
    decode_fixed,
    encode_fixed,
    from_residues,
    integers,
    is_float_input,
    signed_bound,
    to_residues,
)
from confide.errors import ConfigError, ProtocolError

# A 1024-bit odd number stands in for a modulus: the encodings only need its size.
N = (1 << 1023) + 12345


def test_signed_residues_round_trip_at_the_edges() -> None:
    bound = signed_bound(N)
    assert bound == N // 3 - 1
    values = [0, 1, -1, bound, -bound, 2**200, -(2**200)]
    residues = to_residues(values, N)
    assert residues[2] == N - 1
    assert residues[4] == N - bound
    assert all(0 <= r < N for r in residues)
    assert from_residues(residues, N) == values


@pytest.mark.parametrize("value", [N // 3, -(N // 3), N])
def test_values_beyond_a_third_of_n_are_refused(value: int) -> None:
    with pytest.raises(ConfigError, match="signed range"):
        to_residues([value], N)


@pytest.mark.parametrize("residue", [N // 3, N // 2, N - N // 3])
def test_the_middle_third_is_an_overflow(residue: int) -> None:
    with pytest.raises(ProtocolError, match="signed range"):
        from_residues([residue], N)


def test_fixed_point_encodes_integers_exactly_and_rounds_floats() -> None:
    assert encode_fixed(np.array([3, -4]), 8) == [3 * 256, -4 * 256]
    assert encode_fixed([2**100, -(2**100)], 4) == [2**104, -(2**104)]
    assert encode_fixed(np.array([True, False]), 2) == [4, 0]
    assert encode_fixed(np.array([0.5, -0.25, 1 / 3]), 4) == [8, -4, 5]  # 16/3 rounds to 5
    assert encode_fixed(np.array([2.5, 3.5]), 0) == [2, 4]  # ties to even
    assert encode_fixed(np.array([1e30]), 53) == [int(1e30) << 53]  # beyond int64: still exact
    assert encode_fixed(np.array([1, 2.5], dtype=object), 1) == [2, 5]
    assert encode_fixed(np.array([[1, 2], [3, 4]]), 0) == [1, 2, 3, 4]  # flattened in C order


@pytest.mark.parametrize("bad", [np.array([np.nan]), np.array([np.inf]), [1.0, -np.inf]])
def test_non_finite_floats_are_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match="NaN or infinite"):
        encode_fixed(bad, 10)  # type: ignore[arg-type]


def test_encoding_refuses_bad_scales_and_non_numbers() -> None:
    with pytest.raises(ConfigError, match="frac_bits"):
        encode_fixed([1], -1)
    with pytest.raises(ConfigError, match="too large"):
        encode_fixed(np.array([1e300]), 100)
    with pytest.raises(TypeError):
        encode_fixed(np.array(["a"]), 0)
    with pytest.raises(TypeError):
        encode_fixed(np.array([b"x"], dtype=object), 0)
    with pytest.raises(TypeError):
        integers(np.array([1.5]))
    with pytest.raises(TypeError):
        integers(np.array([1, 2.5], dtype=object))


def test_decode_is_within_half_a_step_and_exact_for_dyadic_values() -> None:
    values = np.array([0.1, -123.456, 1e-12, 7.0])
    back = decode_fixed(encode_fixed(values, 53), 53)
    assert np.max(np.abs(back - values)) <= 2.0**-54
    dyadic = np.array([0.5, -0.375, 3.0, 2.0**-53])
    np.testing.assert_array_equal(decode_fixed(encode_fixed(dyadic, 53), 53), dyadic)
    big = encode_fixed(np.array([1e25, -3e40]), 60)  # beyond int64 once scaled
    np.testing.assert_array_equal(decode_fixed(big, 60), [1e25, -3e40])
    assert decode_fixed([], 5).shape == (0,)
    with pytest.raises(ProtocolError, match="too large"):
        decode_fixed([1 << 2000], 0)


def test_float_inputs_are_recognised() -> None:
    assert is_float_input(np.array([1.0]))
    assert is_float_input([1, 2.5])
    assert is_float_input(np.array([1, 0.5], dtype=object))
    assert not is_float_input([1, 2**100])
    assert not is_float_input(np.arange(3))


def test_slot_width_arithmetic() -> None:
    assert Packing(8, 1, 1).slot_bits == 9  # value bits + sign
    assert Packing(8, 2, 1).slot_bits == 10
    assert Packing(8, 1000, 1).slot_bits == 8 + 10 + 1  # ceil(log2(1000)) = 10
    assert Packing(8, 1024, 1).slot_bits == 8 + 10 + 1
    assert Packing(8, 1025, 1).slot_bits == 8 + 11 + 1
    fitted = Packing.fit(54, 100_000, 2048)
    assert fitted.slot_bits == 54 + 17 + 1
    assert fitted.slots == 2046 // 72 == 28
    assert fitted.total_bits <= 2046
    assert Packing.fit(54, 100_000, 2048, slots=2).slots == 2
    with pytest.raises(ConfigError, match="do not fit"):
        Packing.fit(54, 100_000, 2048, slots=29)
    with pytest.raises(ConfigError, match="do not fit"):
        Packing.fit(2000, 100, 1024)
    with pytest.raises(ConfigError, match="need"):
        Packing(54, 100_000, 29).check(2048)
    Packing(54, 100_000, 28).check(2048)
    assert Packing(8, 4, 3).stacked(5) == Packing(8, 4, 15)
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ConfigError):
            Packing(bad, 1, 1)  # type: ignore[arg-type]


def test_pack_round_trip_with_padding_and_negatives() -> None:
    layout = Packing(value_bits=10, max_terms=1, slots=4)
    values = [1023, -1023, 0, 5, -1, 7, 1000]
    packed = layout.pack(values)
    assert len(packed) == 2
    assert layout.unpack(packed) == [*values, 0]
    assert layout.unpack(packed, count=len(values)) == values
    with pytest.raises(ConfigError, match="does not fit"):
        layout.pack([1024])
    with pytest.raises(ConfigError, match="count"):
        layout.unpack(packed, count=9)
    with pytest.raises(TypeError):
        layout.pack([0.5])


def test_sums_of_max_terms_at_the_edge_of_headroom_unpack_exactly() -> None:
    layout = Packing(value_bits=12, max_terms=37, slots=5)
    top = 2**12 - 1
    rows = [[top, -top, top, -top, top]] * 37  # every slot at its extreme for all 37 terms
    total = sum(layout.pack(row)[0] for row in rows)
    assert layout.unpack([total]) == [37 * top, -37 * top, 37 * top, -37 * top, 37 * top]
    # One term more overflows the top slot, and unpack notices.
    with pytest.raises(ProtocolError, match="overflows"):
        layout.unpack([total + layout.pack([0, 0, 0, 0, top])[0] * 100])


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 300),
    st.integers(1, 6),
    st.data(),
)
def test_packed_sums_equal_slotwise_sums(
    value_bits: int, terms: int, slots: int, data: st.DataObject
) -> None:
    layout = Packing(value_bits, terms, slots)
    bound = 2**value_bits - 1
    rows = data.draw(
        st.lists(
            st.lists(st.integers(-bound, bound), min_size=slots, max_size=slots),
            min_size=1,
            max_size=terms,
        )
    )
    total = sum(layout.pack(row)[0] for row in rows)
    assert abs(total) < 2 ** (layout.total_bits - 1)
    assert layout.unpack([total]) == [sum(col) for col in zip(*rows, strict=True)]
