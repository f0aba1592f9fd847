"""ROC, AUC, Gini and KS against scikit-learn, the KS definition and cases worked by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sklearn_roc_curve

from confide.errors import ConfigError
from confide.metrics import auc, gini, ks_curve, ks_statistic, roc_curve


def brute_force_ks(y: np.ndarray, scores: np.ndarray) -> float:
    """The two-sample KS statistic by its definition: max |F_events(t) - F_non_events(t)|."""
    t = np.unique(scores)[None, :]
    events, non_events = scores[y == 1][:, None], scores[y == 0][:, None]
    return float(np.abs((events <= t).mean(axis=0) - (non_events <= t).mean(axis=0)).max())


def samples(seed: int, n: int = 2000, decimals: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    scores = rng.normal(size=n) + 0.8 * y
    return y, scores if decimals is None else scores.round(decimals)


@pytest.mark.parametrize("decimals", [None, 1, 0])
def test_auc_and_roc_equal_scikit_learn(decimals: int | None) -> None:
    y, scores = samples(1, decimals=decimals)  # rounding makes many ties
    assert auc(y, scores) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
    curve = roc_curve(y, scores)
    fpr, tpr, thresholds = sklearn_roc_curve(y, scores, drop_intermediate=False)
    np.testing.assert_allclose(curve.fpr, fpr)
    np.testing.assert_allclose(curve.tpr, tpr)
    np.testing.assert_array_equal(curve.thresholds, thresholds)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1), st.integers(-3, 3)), min_size=2, max_size=40).filter(
        lambda rows: len({label for label, _ in rows}) == 2
    )
)
def test_auc_on_heavily_tied_scores(rows: list[tuple[int, int]]) -> None:
    y = np.array([label for label, _ in rows])
    scores = np.array([score for _, score in rows], dtype=float)
    assert auc(y, scores) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
    assert ks_statistic(y, scores) == pytest.approx(brute_force_ks(y, scores), abs=1e-12)


def test_hand_computed_case() -> None:
    # Events score 0.9 and 0.5; non-events 0.5, 0.2, 0.1. Of the 6 event/non-event pairs, 5
    # are ordered and one (0.5 vs 0.5) is tied: AUC = 5.5 / 6.
    y = [1, 1, 0, 0, 0]
    scores = [0.9, 0.5, 0.5, 0.2, 0.1]
    assert auc(y, scores) == pytest.approx(5.5 / 6)
    assert gini(y, scores) == pytest.approx(2 * 5.5 / 6 - 1)
    curve = roc_curve(y, scores)
    np.testing.assert_allclose(curve.thresholds, [np.inf, 0.9, 0.5, 0.2, 0.1])
    np.testing.assert_allclose(curve.tpr, [0, 0.5, 1, 1, 1])
    np.testing.assert_allclose(curve.fpr, [0, 0, 1 / 3, 2 / 3, 1])
    ks = ks_curve(y, scores)
    assert ks.ks == pytest.approx(2 / 3) and ks.threshold == 0.5
    np.testing.assert_allclose(ks.population, [0, 0.2, 0.6, 0.8, 1.0])


def test_perfect_inverted_and_constant_scores() -> None:
    y = np.array([0, 0, 1, 1])
    assert auc(y, [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert auc(y, [0.4, 0.3, 0.2, 0.1]) == 0.0
    assert gini(y, [0.4, 0.3, 0.2, 0.1]) == -1.0
    assert ks_statistic(y, [0.4, 0.3, 0.2, 0.1]) == 1.0  # KS measures separation either way
    assert auc(y, [0.5] * 4) == 0.5 and ks_statistic(y, [0.5] * 4) == 0.0


def test_accepts_bool_labels_lists_and_integer_scores() -> None:
    assert auc([False, True, True], [1, 3, 2]) == 1.0


def test_ks_equals_scipy_and_curve_shape() -> None:
    y, scores = samples(2)
    curve = ks_curve(y, scores)
    assert curve.ks == pytest.approx(brute_force_ks(y, scores), abs=1e-12)
    best = int(np.argmax(np.abs(curve.tpr - curve.fpr)))
    assert curve.threshold == curve.thresholds[best]
    for series in (curve.population, curve.tpr, curve.fpr):
        assert series[0] == 0.0 and series[-1] == 1.0 and (np.diff(series) >= 0).all()


def test_large_sample_is_fast_and_exact() -> None:
    y, scores = samples(3, n=1_000_000, decimals=3)
    assert auc(y, scores) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)


@pytest.mark.parametrize(
    ("y", "scores", "message"),
    [
        ([0, 1, 1], [0.1, 0.2], "differ in length"),
        ([0, 1, 2], [0.1, 0.2, 0.3], "0 or 1"),
        ([0, 1, -1], [0.1, 0.2, 0.3], "0 or 1"),
        ([0, 1, np.nan], [0.1, 0.2, 0.3], "missing"),
        ([0, 1, 1], [0.1, np.nan, 0.3], "NaN or infinite"),
        ([0, 1, 1], [0.1, np.inf, 0.3], "NaN or infinite"),
        ([0, 0, 0], [0.1, 0.2, 0.3], "single class"),
        ([1, 1], [0.1, 0.2], "single class"),
        ([], [], "empty"),
        (["0", "1"], [0.1, 0.2], "must be numbers"),
        ([0, 1], ["a", "b"], "must be numbers"),
        ([[0, 1]], [[0.1, 0.2]], "1-d"),
    ],
)
def test_bad_input_is_refused(y: list[object], scores: list[object], message: str) -> None:
    for metric in (auc, gini, ks_statistic, roc_curve, ks_curve):
        with pytest.raises(ConfigError, match=message):
            metric(y, scores)  # type: ignore[arg-type]
