"""The estimator's conventions: parameters, fitted state, and who gets which result."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.ml import SecureBoost
from confide.runtime import Context, simulate

RNG = np.random.default_rng(9)
X = RNG.normal(size=(300, 4))
Y3 = np.array(["low", "mid", "high"])[np.digitize(X[:, 0] + X[:, 2], [-0.5, 0.5])]
SETTINGS: dict[str, Any] = {
    "n_estimators": 2,
    "max_depth": 2,
    "max_bin": 8,
    "key_bits": 1024,
    "allow_weak_key": True,
}


def test_init_stores_parameters_only() -> None:
    model = SecureBoost("bank", max_depth=3)
    params = model.get_params()
    assert params["label_holder"] == "bank" and params["max_depth"] == 3
    assert params["n_estimators"] == 10 and params["objective"] == "binary:logistic"
    assert params["he"] == "ou" and params["key_bits"] == 2048
    assert not any(name.endswith("_") for name in vars(model))
    assert model.set_params(max_depth=4) is model and model.max_depth == 4
    with pytest.raises(ConfigError, match="no setting"):
        model.set_params(depth=4)
    with pytest.raises(ConfigError, match="max_depth"):
        SecureBoost("bank", max_depth=-1).boost_params()
    assert "bank" in repr(model)


def classify(ctx: Context, spec: dict[str, Any]) -> Any:
    model = SecureBoost("bank", objective=spec["objective"], **SETTINGS)
    assert model.fit(ctx, spec["X"], spec.get("y")) is model
    return {
        "proba": model.predict_proba(ctx, spec["X"]),
        "predict": model.predict(ctx, spec["X"]),
        "margin": model.predict_margin(ctx, spec["X"]),
        "fitted": sorted(k for k in vars(model) if k.endswith("_")),
    }


def test_results_only_at_the_label_holder() -> None:
    out = simulate(
        classify,
        {
            "bank": {"X": X[:, :2], "y": Y3, "objective": "multi:softprob"},
            "platform": {"X": X[:, 2:], "objective": "multi:softprob"},
        },
    )
    bank, platform = out["bank"], out["platform"]
    assert bank["proba"].shape == (300, 3)
    np.testing.assert_allclose(bank["proba"].sum(axis=1), 1.0)
    assert set(bank["predict"]) <= {"low", "mid", "high"}
    assert np.mean(bank["predict"] == Y3) > 0.6
    assert platform["proba"] is None and platform["predict"] is None and platform["margin"] is None
    assert {"classes_", "n_classes_", "best_iteration_", "evals_result_"} <= set(bank["fitted"])
    assert "classes_" not in platform["fitted"]
    assert {"model_", "n_features_in_", "stats_", "feature_importances_"} <= set(platform["fitted"])


def regress(ctx: Context, spec: dict[str, Any]) -> Any:
    model = SecureBoost("bank", objective="reg:squarederror", **SETTINGS)
    model.fit(ctx, spec["X"], spec.get("y"))
    if ctx.party == "bank":
        with pytest.raises(ConfigError, match="classification"):
            model.predict_proba(ctx, spec["X"])
    return model.predict(ctx, spec["X"])


def test_regression_predicts_values() -> None:
    y = 2 * X[:, 0] - X[:, 3]
    out = simulate(regress, {"bank": {"X": X[:, :2], "y": y}, "platform": {"X": X[:, 2:]}})
    assert out["platform"] is None
    assert np.corrcoef(out["bank"], y)[0, 1] > 0.8


def test_unfitted_model_refuses_to_predict() -> None:
    with pytest.raises(ConfigError, match="not fitted"):
        SecureBoost("bank").predict_margin(None, X)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="n_jobs"):
        SecureBoost("bank", n_jobs=0).fit(None, X)  # type: ignore[arg-type]
