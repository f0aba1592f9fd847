"""The scorecard against its plaintext twin: a logistic regression fitted on WOE values.

Fidelity is the point: without rounding the score must be an exact decreasing affine function
of the model's logit (tolerance 1e-9 points, from float64 sums), so the AUC is the model's to
1e-12; with whole-number points the AUC may move by less than 0.002.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest
from sklearn.linear_model import LogisticRegression

from confide.errors import ConfigError
from confide.metrics import auc
from confide.ml.scorecard import (
    BASE_FEATURE,
    DISCLOSURE,
    Scaling,
    Scorecard,
    ScorecardPart,
    base_points,
    owner_points,
    total_points,
)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

BANK_FEATURES = ("utilisation", "delinquencies", "months_on_book")
PLATFORM_FEATURES = ("income", "age", "inquiries")


@dataclass(frozen=True)
class Fitted:
    """Generated rows, their bins and WOE, and a logistic regression fitted on the WOE values."""

    y: IntArray
    bins: dict[str, IntArray]
    woe: dict[str, FloatArray]
    labels: dict[str, list[str]]
    coefficients: dict[str, float]
    intercept: float
    logit: FloatArray


def fit(n: int = 20_000, n_bins: int = 6, seed: int = 3) -> Fitted:
    """Binned, WOE-encoded rows with labels from a known logistic model, and the fitted twin."""
    rng = np.random.default_rng(seed)
    names = BANK_FEATURES + PLATFORM_FEATURES
    raw = rng.normal(size=(n, len(names)))
    truth = -1.8 + raw @ np.array([0.9, 0.7, -0.4, -0.6, 0.3, 0.5]) + 0.3 * raw[:, 0] ** 2
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-truth))).astype(np.int64)
    bins: dict[str, IntArray] = {}
    woe: dict[str, FloatArray] = {}
    labels: dict[str, list[str]] = {}
    for j, name in enumerate(names):
        cuts = np.quantile(raw[:, j], np.arange(1, n_bins) / n_bins)
        index = np.searchsorted(cuts, raw[:, j]).astype(np.int64)
        events = np.bincount(index, weights=y, minlength=n_bins)
        non_events = np.bincount(index, weights=1 - y, minlength=n_bins)
        bins[name] = index
        woe[name] = np.log((non_events / non_events.sum()) / (events / events.sum()))
        labels[name] = [f"bin {k + 1}" for k in range(n_bins)]
    matrix = np.column_stack([woe[name][bins[name]] for name in names])
    model = LogisticRegression(C=1e6, max_iter=1000).fit(matrix, y)
    return Fitted(
        y=y,
        bins=bins,
        woe=woe,
        labels=labels,
        coefficients={name: float(c) for name, c in zip(names, model.coef_[0], strict=True)},
        intercept=float(model.intercept_[0]),
        logit=model.decision_function(matrix),
    )


@pytest.fixture(scope="module")
def fitted() -> Fitted:
    return fit()


def build(fitted: Fitted, scaling: Scaling, *, round_points: bool = False) -> Scorecard:
    """Each owner's part from its own features only, as each would build it locally."""
    parts = []
    for owner, names in (("bank", BANK_FEATURES), ("platform", PLATFORM_FEATURES)):
        parts.append(
            owner_points(
                {name: fitted.woe[name] for name in names},
                {name: fitted.labels[name] for name in names},
                {name: fitted.coefficients[name] for name in names},
                scaling,
                owner=owner,
                round_points=round_points,
            )
        )
    base = base_points(fitted.intercept, scaling, round_points=round_points)
    return Scorecard(scaling, base, tuple(parts), base_owner="bank")


def test_scaling_meets_its_definition() -> None:
    scaling = Scaling(pdo=20, base_score=600, base_odds=50)
    assert scaling.factor == pytest.approx(20 / math.log(2))
    assert scaling.offset == pytest.approx(600 - 20 / math.log(2) * math.log(50))
    # Odds of 50:1 good:bad score the base score; doubling the odds adds the PDO.
    np.testing.assert_allclose(scaling.score([-math.log(50), -math.log(100)]), [600.0, 620.0])
    np.testing.assert_allclose(scaling.logit(scaling.score([-2.0, 0.0, 1.5])), [-2.0, 0.0, 1.5])


def test_points_by_hand() -> None:
    scaling = Scaling(pdo=20, base_score=600, base_odds=50)
    part = owner_points({"x": [0.5, -0.3]}, {"x": ["low", "high"]}, {"x": -0.8}, scaling)
    factor = 20 / math.log(2)
    np.testing.assert_allclose(part.features[0].points, [factor * 0.8 * 0.5, -factor * 0.8 * 0.3])
    assert base_points(-1.5, scaling) == pytest.approx(scaling.offset + factor * 1.5)
    assert base_points(-1.5, scaling, round_points=True) == round(scaling.offset + factor * 1.5)


def test_score_is_an_exact_decreasing_affine_function_of_the_logit(fitted: Fitted) -> None:
    scaling = Scaling(pdo=20, base_score=600, base_odds=50)
    card = build(fitted, scaling)
    score = card.score(fitted.bins)
    np.testing.assert_allclose(score, scaling.offset - scaling.factor * fitted.logit, atol=1e-9)
    # Same ranking: wherever the logit strictly rises, the score strictly falls.
    order = np.argsort(fitted.logit, kind="stable")
    rises = np.diff(fitted.logit[order]) > 1e-9
    assert (np.diff(score[order])[rises] < 0).all()
    assert auc(fitted.y, -score) == pytest.approx(auc(fitted.y, fitted.logit), abs=1e-12)
    assert auc(fitted.y, fitted.logit) > 0.7  # the twin is a real model, not noise


def test_rounding_barely_moves_the_auc(fitted: Fitted) -> None:
    scaling = Scaling(pdo=20, base_score=600, base_odds=50)
    exact = build(fitted, scaling).score(fitted.bins)
    card = build(fitted, scaling, round_points=True)
    rounded = card.score(fitted.bins)
    assert all(part.rounded for part in card.parts)
    assert np.array_equal(rounded, np.rint(rounded))
    n_features = len(card.features)
    assert np.abs(rounded - exact).max() <= 0.5 * (n_features + 1)
    assert abs(auc(fitted.y, -rounded) - auc(fitted.y, fitted.logit)) < 0.002


def test_each_owner_scores_its_own_part(fitted: Fitted) -> None:
    card = build(fitted, Scaling())
    bank, platform = card.parts
    by_parts = card.base + bank.row_points(fitted.bins) + platform.row_points(fitted.bins)
    np.testing.assert_allclose(card.score(fitted.bins), by_parts, atol=1e-9)
    np.testing.assert_allclose(
        total_points(card.base, [bank, platform], fitted.bins), by_parts, atol=1e-9
    )
    # An owner needs only its own features' bins.
    own = {name: fitted.bins[name] for name in PLATFORM_FEATURES}
    np.testing.assert_array_equal(platform.row_points(own), platform.row_points(fitted.bins))


def test_table_has_a_base_line_and_every_bin(fitted: Fitted) -> None:
    card = build(fitted, Scaling())
    table = card.to_frame()
    assert list(table.columns) == ["owner", "feature", "bin", "woe", "points"]
    assert len(table) == 1 + sum(f.n_bins for f in card.features)
    assert table["feature"].iloc[0] == BASE_FEATURE
    assert table["points"].iloc[0] == pytest.approx(card.base)
    assert table["owner"].iloc[0] == "bank"
    assert set(table["owner"].iloc[1:]) == {"bank", "platform"}
    # Points follow WOE: a negative coefficient (the usual sign) gives safer bins more points.
    income = table[table["feature"] == "income"]
    assert fitted.coefficients["income"] < 0
    assert (np.diff(income["points"].to_numpy()) * np.diff(income["woe"].to_numpy()) > 0).all()


@pytest.mark.parametrize("round_points", [False, True])
def test_spreading_the_base_keeps_every_total(fitted: Fitted, round_points: bool) -> None:
    card = build(fitted, Scaling(), round_points=round_points)
    spread = Scorecard(card.scaling, card.base, card.parts, spread_base=True)
    table = spread.to_frame()
    assert BASE_FEATURE not in set(table["feature"])
    # Row totals from the spread table equal the scores.
    lookup = {name: group["points"].to_numpy() for name, group in table.groupby("feature")}
    totals = sum(lookup[name][fitted.bins[name]] for name in fitted.bins)
    np.testing.assert_allclose(totals, card.score(fitted.bins), atol=1e-9)
    if round_points:
        assert np.array_equal(table["points"], np.rint(table["points"]))


def test_disclosure_is_declared() -> None:
    assert DISCLOSURE
    assert all(item.who and item.learns for item in DISCLOSURE)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pdo": 0}, "pdo must be positive"),
        ({"pdo": -20}, "pdo must be positive"),
        ({"base_odds": 0}, "base_odds must be positive"),
        ({"base_odds": -1.0}, "base_odds must be positive"),
        ({"base_score": math.inf}, "base_score must be finite"),
        ({"pdo": math.nan}, "pdo must be finite"),
        ({"pdo": True}, "pdo must be a number"),
    ],
)
def test_scaling_refuses_bad_values(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Scaling(**kwargs)


GOOD_WOE = {"x": [0.2, -0.1]}
GOOD_LABELS = {"x": ["a", "b"]}


@pytest.mark.parametrize(
    ("woe", "labels", "coefficients", "message"),
    [
        (GOOD_WOE, GOOD_LABELS, {"x": 1.0, "y": 2.0}, "unknown features"),
        (GOOD_WOE, {"x": ["a", "b"], "y": ["c"]}, {"x": 1.0}, "unknown features"),
        (GOOD_WOE, GOOD_LABELS, {}, "lacks features"),
        ({"x": [0.2, -0.1, 0.3]}, GOOD_LABELS, {"x": 1.0}, "3 WOE values but 2 bin labels"),
        ({"x": [0.2, math.nan]}, GOOD_LABELS, {"x": 1.0}, "NaN or infinite"),
        ({"x": [0.2, math.inf]}, GOOD_LABELS, {"x": 1.0}, "NaN or infinite"),
        (GOOD_WOE, GOOD_LABELS, {"x": math.nan}, "must be finite"),
        ({"x": ["0.2", "x"]}, GOOD_LABELS, {"x": 1.0}, "must be numbers"),
        ({"x": []}, {"x": []}, {"x": 1.0}, "has no bins"),
        (GOOD_WOE, {"x": ["a", "a"]}, {"x": 1.0}, "duplicate bin labels"),
        ({}, {}, {}, "at least one feature"),
    ],
)
def test_owner_points_checks_its_inputs(
    woe: dict[str, list[float]],
    labels: dict[str, list[str]],
    coefficients: dict[str, float],
    message: str,
) -> None:
    with pytest.raises(ConfigError, match=message):
        owner_points(woe, labels, coefficients, Scaling())


def test_intercept_must_be_finite() -> None:
    with pytest.raises(ConfigError, match="intercept must be finite"):
        base_points(math.inf, Scaling())


@pytest.fixture
def small_part() -> ScorecardPart:
    return owner_points(GOOD_WOE, GOOD_LABELS, {"x": -1.0}, Scaling(), owner="bank")


@pytest.mark.parametrize(
    ("bins", "message"),
    [
        ({"x": np.array([0, 1]), "z": np.array([0, 0])}, "unknown features"),
        ({}, "missing for features"),
        ({"x": np.array([0, 2, 1])}, "1 bin indices of 'x' lie outside 0..1"),
        ({"x": np.array([-1, 0])}, "lie outside"),
        ({"x": np.array([0.0, 1.0])}, "must be integers"),
        ({"x": np.array([[0, 1]])}, "must be 1-d"),
    ],
)
def test_total_points_checks_bins(
    small_part: ScorecardPart, bins: dict[str, npt.NDArray[np.generic]], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        total_points(600.0, [small_part], bins)


def test_scorecard_checks_its_parts(small_part: ScorecardPart) -> None:
    with pytest.raises(ConfigError, match="more than one part"):
        Scorecard(Scaling(), 500.0, (small_part, small_part))
    with pytest.raises(ConfigError, match="scaling"):
        Scorecard(Scaling(pdo=40), 500.0, (small_part,))
    with pytest.raises(ConfigError, match="at least one part"):
        Scorecard(Scaling(), 500.0, ())
    with pytest.raises(ConfigError, match="base points must be finite"):
        Scorecard(Scaling(), math.nan, (small_part,))
