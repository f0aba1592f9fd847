"""Population stability index: zero on identical samples, growing with the shift, finite always."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.metrics import DEFAULT_EPSILON, population_stability_index, stability_table


def scores(seed: int, n: int = 5000) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=n)


def test_identical_samples_give_zero() -> None:
    x = scores(1)
    assert population_stability_index(x, x) == 0.0
    assert population_stability_index(x, np.random.default_rng(0).permutation(x)) == 0.0


def test_grows_with_the_shift() -> None:
    x = scores(1)
    fresh = scores(2)
    values = [population_stability_index(x, fresh + shift) for shift in (0.0, 0.1, 0.3, 0.6, 1.0)]
    assert values[0] < 0.01  # same distribution, sampling noise only
    assert all(a < b for a, b in itertools.pairwise(values))
    assert values[-1] > 0.25  # a major shift by the usual rule of thumb


def test_hand_computed_value() -> None:
    # Expected 0..9, two bins cut at the median 4: (-inf, 4] and (4, inf), 50% each.
    expected = np.arange(10.0)
    actual = np.array([0.0, 1, 2, 7, 8, 9, 9, 9])  # 3/8 and 5/8
    table = stability_table(expected, actual, n_bins=2)
    assert table["upper"].tolist() == [4.0, np.inf]
    assert table["actual_count"].tolist() == [3, 5]
    want = (0.375 - 0.5) * np.log(0.375 / 0.5) + (0.625 - 0.5) * np.log(0.625 / 0.5)
    assert population_stability_index(expected, actual, n_bins=2) == pytest.approx(want)


def test_bins_are_expected_deciles() -> None:
    x = scores(3, n=10_000)
    table = stability_table(x, scores(4))
    assert len(table) == 10
    np.testing.assert_allclose(table["expected_share"], 0.1)
    assert table["expected_count"].sum() == x.size
    assert table["psi"].sum() == pytest.approx(population_stability_index(x, scores(4)))


def test_empty_actual_bin_uses_epsilon() -> None:
    expected = np.arange(100.0)
    actual = np.full(50, 10.0)  # all in one bin
    table = stability_table(expected, actual)
    empty = table["actual_count"] == 0
    assert empty.sum() == 9
    e = table["expected_share"][empty].to_numpy()
    np.testing.assert_allclose(
        table["psi"][empty], (DEFAULT_EPSILON - e) * np.log(DEFAULT_EPSILON / e)
    )
    assert np.isfinite(population_stability_index(expected, actual))
    larger = population_stability_index(expected, actual, epsilon=1e-6)
    assert larger > population_stability_index(expected, actual)


def test_ties_and_values_beyond_the_range() -> None:
    expected = np.array([0.0] * 70 + [1.0] * 20 + [2.0] * 10)
    table = stability_table(expected, [-5.0, 0.0, 1.0, 2.0, 50.0])
    assert (table["expected_count"] > 0).all()  # repeated cuts collapse, none at the max
    assert table["actual_count"].sum() == 5
    assert table["upper"].tolist() == [0.0, 1.0, np.inf]


def test_bad_input() -> None:
    with pytest.raises(ConfigError, match="expected scores"):
        population_stability_index([], [1.0])
    with pytest.raises(ConfigError, match="actual scores"):
        population_stability_index([1.0], [np.nan])
    with pytest.raises(ConfigError, match="epsilon"):
        population_stability_index([1.0], [1.0], epsilon=0.0)
    with pytest.raises(ConfigError, match="n_bins"):
        population_stability_index([1.0], [1.0], n_bins=0)
