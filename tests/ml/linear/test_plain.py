"""The plaintext twin: it reaches scikit-learn's optimum with the mapped C, and stops early."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from confide.ml.linear import PlainLogisticRegression, l2_to_C
from confide.ml.linear.plain import approximate_sigmoid, sigmoid
from tests.ml.linear.helpers import dataset


def test_converges_to_sklearn_with_the_mapped_regularisation() -> None:
    x, y = dataset(2000, 6)
    l2 = 1e-2
    twin = PlainLogisticRegression(
        epochs=400, batch_size=2000, learning_rate=1.0, l2=l2, sigmoid="accurate", average=False,
        early_stopping=False, random_state=0,
    ).fit(x, y)  # fmt: skip
    reference = LogisticRegression(C=l2_to_C(l2, len(x)), tol=1e-10, max_iter=1000).fit(x, y)
    np.testing.assert_allclose(twin.coef_, reference.coef_[0], atol=1e-3)
    assert abs(twin.intercept_ - reference.intercept_[0]) < 1e-3


def test_early_stopping_keeps_the_best_epoch() -> None:
    x, y = dataset(1000, 6)
    twin = PlainLogisticRegression(epochs=20, tol=10.0, patience=2, random_state=1).fit(x, y)
    assert twin.n_iter_ == 3 and len(twin.history_) == 3 and twin.best_epoch_ == 0


def test_approximate_sigmoids() -> None:
    z = np.array([-10.0, -2.0, 0.0, 1.0, 3.0])
    np.testing.assert_allclose(approximate_sigmoid(z, "linear"), 0.5 + z / 4)
    np.testing.assert_allclose(approximate_sigmoid(z, "clamped"), [0.0, 0.0, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(approximate_sigmoid(z, "accurate"), 1 / (1 + np.exp(-z)))
    assert np.all(np.isfinite(sigmoid(np.array([-1e4, 1e4]))))


def test_clamp_refreshed_every_step_is_the_exact_clamp() -> None:
    """``clamp_refresh=1`` decides each row's clamp with the current weights: plain SGD with
    ``clip(0.5 + z / 4, 0, 1)``, written out here."""
    x, y = dataset(700, 4, seed=5)
    settings: dict[str, Any] = {"epochs": 2, "batch_size": 100, "momentum": 0.0, "average": False}
    twin = PlainLogisticRegression(
        clamp_refresh=1, early_stopping=False, shuffle=False, random_state=0, **settings
    ).fit(x, y)
    augmented = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(5)
    for _ in range(2):
        for start in range(0, 700, 100):
            xb, yb = augmented[start : start + 100], y[start : start + 100]
            step = round(0.5 / 100 * 2**21) / 2**21  # the rounded step constant
            w = w - step * xb.T @ (np.clip(0.5 + xb @ w / 4, 0, 1) - yb)
    np.testing.assert_allclose(np.append(twin.coef_, twin.intercept_), w, atol=1e-12)
