"""The lift / gain table and calibration by decile: hand-checked sums, ties, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.metrics import calibration_table, lift_table


def samples(seed: int, n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    p = rng.beta(1.5, 6.0, n)
    y = (rng.random(n) < p).astype(int)
    return y, p


def test_lift_table_by_hand() -> None:
    # Ten rows, five bins of two; events at the top two scores and one in the middle.
    scores = np.arange(10, 0, -1) / 10  # 1.0, 0.9, ..., 0.1
    y = np.array([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    table = lift_table(y, scores, n_bins=5)
    assert table["bin"].tolist() == [1, 2, 3, 4, 5]
    assert table["count"].tolist() == [2] * 5
    assert table["events"].tolist() == [2, 0, 1, 0, 0]
    np.testing.assert_allclose(table["max_score"], [1.0, 0.8, 0.6, 0.4, 0.2])
    np.testing.assert_allclose(table["min_score"], [0.9, 0.7, 0.5, 0.3, 0.1])
    np.testing.assert_allclose(table["event_rate"], [1.0, 0, 0.5, 0, 0])
    np.testing.assert_allclose(table["lift"], [1 / 0.3, 0, 0.5 / 0.3, 0, 0])
    np.testing.assert_allclose(table["cum_capture"], [2 / 3, 2 / 3, 1, 1, 1])
    np.testing.assert_allclose(table["cum_lift"], [1 / 0.3, 0.5 / 0.3, 0.5 / 0.3, 0.375 / 0.3, 1.0])
    np.testing.assert_allclose(table["cum_population"], [0.2, 0.4, 0.6, 0.8, 1.0])


def test_lift_table_totals_and_deciles() -> None:
    y, p = samples(1)
    table = lift_table(y, p)
    assert len(table) == 10 and table["count"].tolist() == [100] * 10
    assert table["events"].sum() == y.sum() and table["cum_events"].iloc[-1] == y.sum()
    assert (table["non_events"] + table["events"] == table["count"]).all()
    assert table["cum_capture"].iloc[-1] == pytest.approx(1.0)
    assert table["cum_lift"].iloc[-1] == pytest.approx(1.0)
    assert (np.diff(table["max_score"]) < 0).all()  # riskiest first
    assert table["lift"].iloc[0] > 1.5 > table["lift"].iloc[-1]  # a useful score


def test_ties_stay_in_one_bin_and_empty_bins_are_dropped() -> None:
    scores = np.array([0.9] * 6 + [0.1] * 4)
    y = np.array([1, 1, 1, 0, 0, 0, 1, 0, 0, 0])
    table = lift_table(y, scores, n_bins=10)
    assert table["count"].tolist() == [6, 4]
    assert table["events"].tolist() == [3, 1]
    uneven = lift_table(np.r_[y, 0, 1, 0], np.arange(13.0), n_bins=4)
    assert sorted(uneven["count"].tolist()) == [3, 3, 3, 4]


def test_more_bins_than_rows() -> None:
    table = lift_table([0, 1, 0], [0.1, 0.2, 0.3], n_bins=10)
    assert table["count"].tolist() == [1, 1, 1]


def test_calibration_table() -> None:
    y, p = samples(2, n=20_000)
    table = calibration_table(y, p)
    assert len(table) == 10 and table["count"].sum() == y.size
    assert (np.diff(table["mean_predicted"]) > 0).all()  # safest first
    # y is drawn from p, so it is calibrated up to sampling noise (2,000 rows a bin).
    assert np.abs(table["difference"]).max() < 0.05
    np.testing.assert_allclose(table["observed_rate"], table["events"] / table["count"])
    mean_of_bin_0 = np.sort(p)[:2000].mean()
    assert table["mean_predicted"].iloc[0] == pytest.approx(mean_of_bin_0)


def test_calibration_by_hand_and_single_class() -> None:
    table = calibration_table([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.8], n_bins=2)
    np.testing.assert_allclose(table["mean_predicted"], [0.2, 0.7])
    np.testing.assert_allclose(table["observed_rate"], [0.0, 1.0])
    np.testing.assert_allclose(table["difference"], [-0.2, 0.3])
    single = calibration_table([0, 0, 0], [0.1, 0.2, 0.3], n_bins=3)
    assert single["observed_rate"].tolist() == [0.0, 0.0, 0.0]


def test_bad_input() -> None:
    with pytest.raises(ConfigError, match=r"\[0, 1\]"):
        calibration_table([0, 1], [0.5, 1.5])
    with pytest.raises(ConfigError, match="single class"):
        lift_table([0, 0], [0.5, 0.6])
    for n_bins in (0, -1, 2.5, True):
        with pytest.raises(ConfigError, match="n_bins"):
            lift_table([0, 1], [0.5, 0.6], n_bins=n_bins)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="differ in length"):
        calibration_table([0, 1, 1], [0.5, 0.6])
