"""BoostParams: defaults, checks with clear errors, and the wire form the parties compare."""

from __future__ import annotations

from typing import Any

import pytest

from confide.errors import ConfigError
from confide.ml.boost.params import BoostParams, GrowPolicy, Objective


def test_defaults_and_wire_form() -> None:
    params = BoostParams()
    assert params.objective is Objective.BINARY_LOGISTIC
    assert params.grow_policy is GrowPolicy.DEPTHWISE
    assert params.metric == "logloss"
    wire = params.to_wire()
    assert wire["objective"] == "binary:logistic" and wire["base_score"] is None
    assert BoostParams(**wire) == params
    assert set(BoostParams.names()) == set(wire)


def test_strings_become_enums_and_default_metrics() -> None:
    params = BoostParams(objective="multi:softprob", grow_policy="lossguide", max_leaves=8)  # type: ignore[arg-type]
    assert params.objective is Objective.MULTI_SOFTPROB
    assert params.grow_policy is GrowPolicy.LOSSGUIDE
    assert params.metric == "mlogloss"
    assert BoostParams(objective=Objective.REG_SQUAREDERROR).metric == "rmse"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"objective": "binary:hinge"}, "binary:hinge"),
        ({"n_estimators": 0}, "n_estimators"),
        ({"max_depth": -1}, "max_depth"),
        ({"max_depth": 0}, "max_leaves > 0"),
        ({"max_leaves": 1}, "max_leaves"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"subsample": 1.5}, "subsample"),
        ({"colsample_bynode": 0.0}, "colsample_bynode"),
        ({"max_bin": 1}, "max_bin"),
        ({"reg_lambda": -1.0}, "reg_lambda"),
        ({"gamma": float("nan")}, "gamma"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"early_stopping_rounds": 0}, "early_stopping_rounds"),
        ({"base_score": 1.5}, "probability"),
        ({"base_score": float("inf"), "objective": "reg:squarederror"}, "finite"),
        ({"eval_metric": "rmse"}, "does not fit"),
        ({"gradient_bits": 60}, "gradient_bits"),
        ({"n_estimators": True}, "n_estimators"),
    ],
)
def test_invalid_settings_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        BoostParams(**settings)
