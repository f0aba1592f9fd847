"""Losses: labels, base margins as XGBoost 3 estimates them, derivatives, metrics."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
import xgboost as xgb
from sklearn.metrics import log_loss, roc_auc_score

from confide.errors import ConfigError
from confide.ml.boost.objective import (
    base_margin,
    encode_labels,
    gradients,
    greater_is_better,
    metric,
    roc_auc,
    transform,
)
from confide.ml.boost.params import Objective

RNG = np.random.default_rng(7)


def _loss(objective: Objective, margin: np.ndarray, labels: np.ndarray) -> Any:
    """Per-row loss, written independently of the module under test."""
    if objective is Objective.BINARY_LOGISTIC:
        return np.log1p(np.exp(-margin[:, 0])) + (1 - labels) * margin[:, 0]
    if objective is Objective.MULTI_SOFTPROB:
        shifted = margin - margin.max(axis=1, keepdims=True)
        log_z = np.log(np.exp(shifted).sum(axis=1))
        return log_z - shifted[np.arange(len(labels)), labels.astype(int)]
    return 0.5 * (margin[:, 0] - labels) ** 2


@pytest.mark.parametrize("objective", list(Objective))
def test_gradients_are_derivatives_of_the_loss(objective: Objective) -> None:
    k = 3 if objective is Objective.MULTI_SOFTPROB else 1
    margin = RNG.normal(size=(50, k))
    labels = (
        RNG.normal(size=50)
        if objective is Objective.REG_SQUAREDERROR
        else RNG.integers(0, max(k, 2), size=50).astype(float)
    )
    g, h = gradients(objective, margin, labels)
    eps = 1e-5
    for j in range(k):
        step = np.zeros_like(margin)
        step[:, j] = eps
        up, down = _loss(objective, margin + step, labels), _loss(objective, margin - step, labels)
        np.testing.assert_allclose(g[:, j], (up - down) / (2 * eps), atol=1e-6)
        curvature = (up - 2 * _loss(objective, margin, labels) + down) / eps**2
        # XGBoost doubles the softmax hessian (an upper bound used for stability).
        factor = 2.0 if objective is Objective.MULTI_SOFTPROB else 1.0
        np.testing.assert_allclose(h[:, j], factor * curvature, atol=1e-3)


def test_base_margins_match_xgboost() -> None:
    x = RNG.normal(size=(400, 2))
    y2 = (x[:, 0] > 0.3).astype(int)
    y3 = np.digitize(x[:, 0], [-0.5, 0.6])
    cases = [
        ("binary:logistic", y2, {}),
        ("multi:softprob", y3, {"num_class": 3}),
        ("reg:squarederror", 3 * x[:, 1] + 1, {}),
    ]
    for name, y, extra in cases:
        booster = xgb.train({"objective": name, **extra}, xgb.DMatrix(x, label=y), 1)
        config = json.loads(booster.save_config())["learner"]["learner_model_param"]
        theirs = np.array(json.loads(config["base_score"]), dtype=np.float64)
        objective = Objective(name)
        encoded = encode_labels(objective, y)
        mine = base_margin(objective, encoded.values, encoded.n_groups, None)
        if objective is Objective.BINARY_LOGISTIC:
            theirs = np.log(theirs / (1 - theirs))  # XGBoost stores a probability
        np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-6)


def test_label_encoding() -> None:
    encoded = encode_labels(Objective.BINARY_LOGISTIC, np.array(["no", "yes", "no"]))
    assert encoded.values.tolist() == [0, 1, 0] and encoded.n_groups == 1
    assert encoded.classes is not None and encoded.classes.tolist() == ["no", "yes"]
    assert encode_labels(Objective.MULTI_SOFTPROB, [2, 0, 1, 1]).n_groups == 3
    with pytest.raises(ConfigError, match="exactly 2 classes"):
        encode_labels(Objective.BINARY_LOGISTIC, [0, 1, 2])
    with pytest.raises(ConfigError, match="at least 2 classes"):
        encode_labels(Objective.MULTI_SOFTPROB, [1, 1])
    with pytest.raises(ConfigError, match="finite"):
        encode_labels(Objective.REG_SQUAREDERROR, [1.0, np.nan])
    with pytest.raises(ConfigError, match="1-d"):
        encode_labels(Objective.REG_SQUAREDERROR, np.ones((2, 2)))


def test_metrics_agree_with_scikit_learn() -> None:
    labels = RNG.integers(0, 2, size=300).astype(float)
    margin = RNG.normal(size=(300, 1)) + labels[:, None]
    p = transform(Objective.BINARY_LOGISTIC, margin)
    assert metric("logloss", Objective.BINARY_LOGISTIC, labels, margin) == pytest.approx(
        log_loss(labels, p[:, 1])
    )
    assert roc_auc(labels, p[:, 1]) == pytest.approx(roc_auc_score(labels, p[:, 1]))
    tied = np.round(p[:, 1], 1)  # ties count one half
    assert roc_auc(labels, tied) == pytest.approx(roc_auc_score(labels, tied))
    assert greater_is_better("auc") and not greater_is_better("logloss")
    codes = RNG.integers(0, 3, size=300).astype(float)
    m3 = RNG.normal(size=(300, 3))
    assert metric("mlogloss", Objective.MULTI_SOFTPROB, codes, m3) == pytest.approx(
        log_loss(codes, transform(Objective.MULTI_SOFTPROB, m3))
    )
    values = RNG.normal(size=300)
    assert metric("rmse", Objective.REG_SQUAREDERROR, values, np.zeros((300, 1))) == (
        pytest.approx(np.sqrt(np.mean(values**2)))
    )
