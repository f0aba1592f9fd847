"""Curve thinning: at most the asked points, the ends and the named points kept, shape intact."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.metrics import roc_curve
from confide.report.downsample import MAX_CURVE_POINTS, downsample_indices


def test_short_curve_comes_back_whole() -> None:
    x = np.linspace(0, 1, 40)
    np.testing.assert_array_equal(downsample_indices(x, x**2), np.arange(40))


def test_long_roc_curve_keeps_its_shape() -> None:
    rng = np.random.default_rng(5)
    y = (rng.random(100_000) < 0.2).astype(int)
    curve = roc_curve(y, rng.normal(size=y.size) + y)
    assert curve.fpr.size > 50_000
    keep = downsample_indices(curve.fpr, curve.tpr, keep=[12_345])
    assert keep.size <= MAX_CURVE_POINTS
    assert keep.size > MAX_CURVE_POINTS - 20  # few points are lost to duplicates
    assert {0, curve.fpr.size - 1, 12_345} <= set(keep.tolist())
    assert (np.diff(keep) > 0).all()
    # Linear interpolation between the kept points stays within 1% of the full curve.
    thinned = np.interp(curve.fpr, curve.fpr[keep], curve.tpr[keep])
    assert np.abs(thinned - curve.tpr).max() < 0.01


def test_a_flat_curve_is_thinned_by_index() -> None:
    keep = downsample_indices(np.zeros(10_000), np.zeros(10_000), 100)
    assert keep.size <= 100
    assert keep[0] == 0
    assert keep[-1] == 9_999


@pytest.mark.parametrize(
    ("x", "y", "max_points", "keep", "message"),
    [
        (np.zeros(5), np.zeros(4), 10, (), "one length"),
        (np.zeros((2, 2)), np.zeros((2, 2)), 10, (), "1-d"),
        (np.zeros(5), np.zeros(5), 10, (7,), "must lie in 0..4"),
        (np.zeros(5), np.zeros(5), 3, (1,), "at least 4"),
    ],
)
def test_checks_inputs(
    x: np.ndarray, y: np.ndarray, max_points: int, keep: tuple[int, ...], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        downsample_indices(x, y, max_points, keep=keep)
