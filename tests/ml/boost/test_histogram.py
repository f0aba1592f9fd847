"""Fixed-point gradients and plaintext histograms against brute-force sums."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.ml.boost.histogram import CellLayout, plain_histograms, quantize

RNG = np.random.default_rng(11)


def test_quantize_bounds_and_precision() -> None:
    g = RNG.uniform(-1, 1, size=(1000, 3)) * np.array([1.0, 1e-3, 40.0])
    h = RNG.uniform(0, 0.25, size=(1000, 3))
    pairs = quantize(g, h, bits=24)
    assert pairs.quantized and pairs.bits == 24
    for values, scales, real in ((pairs.g, pairs.scale_g, g), (pairs.h, pairs.scale_h, h)):
        assert np.all(values == np.rint(values))  # integers
        assert np.abs(values).max() <= 2**23
        assert np.all(np.log2(scales) == np.rint(np.log2(scales)))  # powers of two
        # Each value within half a unit of its scale: 24 significant bits of the largest.
        assert np.all(np.abs(values * scales - real) <= scales / 2)
        assert np.all(np.abs(values).max(axis=0) > 2**22)  # the range is used
    plain = quantize(g, h, bits=None)
    assert not plain.quantized and np.array_equal(plain.g, g)
    zeros = quantize(np.zeros((3, 1)), np.zeros((3, 1)), bits=24)
    assert np.all(zeros.g == 0)
    with pytest.raises(ConfigError):
        quantize(g, h[:, :2], bits=24)


def test_plain_histograms_equal_brute_force() -> None:
    n, cells = 500, np.array([3, 5, 2])
    bins = np.stack([RNG.integers(0, c, size=n) for c in cells], axis=1).astype(np.int32)
    ranks = RNG.integers(-1, 4, size=n)
    g = RNG.integers(-1000, 1000, size=n).astype(float)
    h = RNG.integers(0, 1000, size=n).astype(float)
    hist = plain_histograms(bins, cells, ranks, 4, g, h)
    assert hist.shape == (4, 10, 2)
    offsets = np.concatenate([[0], np.cumsum(cells)[:-1]])
    expected = np.zeros((4, 10, 2))
    for i in range(n):
        if ranks[i] < 0:
            continue
        for j in range(3):
            expected[ranks[i], offsets[j] + bins[i, j]] += (g[i], h[i])
    np.testing.assert_array_equal(hist, expected)
    none = plain_histograms(bins, cells, np.full(n, -1), 2, g, h)
    assert none.shape == (2, 10, 2) and not none.any()


def test_cell_layout() -> None:
    layout = CellLayout(
        ("a", "a", "b"), np.array([0, 1, 0]), np.array([3, 2, 4]), np.array([False, True, True])
    )
    assert layout.n_cells.tolist() == [3, 3, 5]
    assert layout.offsets.tolist() == [0, 3, 6, 11] and layout.total == 11
    assert layout.features_of("b").tolist() == [2]
    assert layout.cells_of([2, 0]).tolist() == [6, 7, 8, 9, 10, 0, 1, 2]
