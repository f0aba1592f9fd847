"""Quantile bins: at most max_bin per feature, missing values apart, bins agree with thresholds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confide.errors import ConfigError
from confide.ml.boost.binning import fit_bins


def test_few_distinct_values_get_a_bin_each() -> None:
    values = np.array([[3.0], [1.0], [2.0], [1.0], [np.nan]])
    bins = fit_bins(values, max_bin=8)
    assert bins.edges[0].tolist() == [2.0, 3.0]
    assert bins.n_bins.tolist() == [3] and bins.n_cells.tolist() == [4]
    assert bins.transform(values)[:, 0].tolist() == [2, 0, 1, 0, 3]  # NaN: the missing cell


def test_quantile_bins_are_balanced() -> None:
    values = np.random.default_rng(0).normal(size=(10_000, 1))
    bins = fit_bins(values, max_bin=16)
    assert bins.n_bins.tolist() == [16] and not bins.has_missing[0]
    counts = np.bincount(bins.transform(values)[:, 0])
    assert counts.min() >= 600 and counts.max() <= 650


def test_constant_and_empty_columns() -> None:
    values = np.array([[1.0, np.nan], [1.0, np.nan]])
    bins = fit_bins(values, max_bin=4)
    assert bins.n_bins.tolist() == [1, 1]
    assert bins.n_cells.tolist() == [1, 2]
    assert bins.threshold(0, 0) == math.inf and bins.threshold(0, -1) == -math.inf


def test_errors() -> None:
    bins = fit_bins(np.array([[1.0], [2.0]]), max_bin=4)
    with pytest.raises(ConfigError, match="missing values"):
        bins.transform(np.array([[np.nan]]))
    with pytest.raises(ConfigError, match="out of range"):
        bins.threshold(0, 5)
    with pytest.raises(ConfigError, match="max_bin"):
        fit_bins(np.ones((2, 1)), max_bin=1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=2, max_size=200),
    st.integers(2, 40),
)
def test_bin_order_is_the_threshold_order(values: list[float], max_bin: int) -> None:
    """ "bin <= b" is "value < threshold(b)" for every b: what lets splits travel as bins."""
    column = np.array(values)[:, None]
    bins = fit_bins(column, max_bin=max_bin)
    assert bins.n_bins[0] <= max_bin
    cells = bins.transform(column)[:, 0]
    assert (np.bincount(cells, minlength=bins.n_bins[0]) > 0).all()  # no empty training bin
    for b in range(-1, int(bins.n_bins[0])):
        np.testing.assert_array_equal(cells <= b, column[:, 0] < bins.threshold(0, b))
