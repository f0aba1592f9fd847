"""Correlation descriptions: their components and what the dealer computes from them."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.mpc.correlations import (
    AndTriple,
    BeaverTriple,
    Component,
    MatrixTriple,
    RandomBits,
    TruncationPair,
    matmul_shape,
)
from confide.mpc.share import Kind

RNG = np.random.default_rng(0)


def words(*shape: int) -> np.ndarray:
    return RNG.integers(0, 2**64, shape, dtype=np.uint64, endpoint=False)


def test_beaver_triples_broadcast() -> None:
    triple = BeaverTriple((4, 1), (3,))
    assert [c.shape for c in triple.free] == [(4, 1), (3,)]
    assert [c.shape for c in triple.determined] == [(4, 3)]
    a, b = words(4, 1), words(3)
    np.testing.assert_array_equal(triple.compute([a, b])[0], a * b)
    with pytest.raises(ConfigError):
        _ = BeaverTriple((2,), (3,)).determined


def test_matrix_and_and_triples() -> None:
    a, b = words(2, 3), words(3, 4)
    (c,) = MatrixTriple((2, 3), (3, 4)).compute([a, b])
    np.testing.assert_array_equal(c, a @ b)
    with pytest.raises(ConfigError):
        MatrixTriple((2, 3), (4, 3))
    triple = AndTriple((5,), (5,))
    assert all(comp.kind is Kind.BOOLEAN for comp in triple.free + triple.determined)
    np.testing.assert_array_equal(triple.compute([a.ravel()[:5], b.ravel()[:5]])[0],
                                  a.ravel()[:5] & b.ravel()[:5])  # fmt: skip


def test_truncation_pair_values() -> None:
    r = np.array([0, 2**63, 2**63 + 2**20 + 5, 2**40 - 1], dtype=np.uint64)
    msb, shifted = TruncationPair((4,), 18).compute([r])
    np.testing.assert_array_equal(msb, [0, 1, 1, 0])
    np.testing.assert_array_equal(shifted, [0, 0, 4, (2**40 - 1) >> 18])
    for bits in (0, 63):
        with pytest.raises(ConfigError):
            TruncationPair((4,), bits)


def test_random_bits_are_single_boolean_bits() -> None:
    (free,) = RandomBits((3,)).free
    assert free.bits == 1 and free.kind is Kind.BOOLEAN
    np.testing.assert_array_equal(RandomBits((3,)).compute([np.array([1, 0, 1], np.uint64)])[0],
                                  [1, 0, 1])  # fmt: skip


def test_components_are_checked() -> None:
    assert Component((2, 3)).size == 6
    with pytest.raises(ConfigError):
        Component((2,), Kind.ARITHMETIC, bits=1)
    with pytest.raises(ConfigError):
        Component((2,), Kind.BOOLEAN, bits=8)
    assert matmul_shape((3,), (3,)) == ()
    with pytest.raises(ConfigError):
        matmul_shape((2, 2, 2), (2, 2))
