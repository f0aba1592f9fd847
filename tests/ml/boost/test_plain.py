"""The plaintext twin against XGBoost's ``hist`` trainer: same bins, same settings, same trees.

XGBoost gets the bin indices of our bins as its features (NaN for missing), so both see the same
candidate splits; the twin quantizes gradients to 24 bits as the secure protocol does. Margins
must agree to 1e-5: the float32 arithmetic of XGBoost against our float64 is all that differs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xgboost as xgb

from confide.errors import ConfigError
from confide.ml.boost.binning import FeatureBins, fit_bins
from confide.ml.boost.params import BoostParams
from confide.ml.boost.plain import PlainBoost

#: Margins of the twin and of XGBoost on the same bins (float32 against float64).
MARGIN_TOLERANCE = 1e-5

RNG = np.random.default_rng(1)
N = 2000
X = RNG.normal(size=(N, 8))
X[RNG.random((N, 8)) < 0.05] = np.nan  # missing values: XGBoost's default directions
Z = np.nan_to_num(X[:, 0]) + 0.8 * np.nan_to_num(X[:, 4]) - 0.3 * np.nan_to_num(X[:, 6]) ** 2
TABLES = {"a": X[:, :4], "b": X[:, 4:]}


def binned(values: np.ndarray, bins: FeatureBins) -> np.ndarray:
    """Bin indices as floats (NaN stays NaN): XGBoost's input with our bins."""
    out = np.full(values.shape, np.nan)
    for j, edges in enumerate(bins.edges):
        present = ~np.isnan(values[:, j])
        out[present, j] = np.searchsorted(edges, values[present, j], side="right")
    return out


def xgboost_margin(params: BoostParams, y: np.ndarray, extra: dict[str, Any]) -> np.ndarray:
    inputs = binned(X, fit_bins(X, params.max_bin))
    settings = {
        "objective": params.objective.value,
        "tree_method": "hist",
        "max_bin": 4 * params.max_bin,  # room for every one of our bins
        "eta": params.learning_rate,
        "max_depth": params.max_depth,
        "max_leaves": params.max_leaves,
        "grow_policy": params.grow_policy.value,
        "lambda": params.reg_lambda,
        "gamma": params.gamma,
        "min_child_weight": params.min_child_weight,
        **extra,
    }
    booster = xgb.train(settings, xgb.DMatrix(inputs, label=y), params.n_estimators)
    margin = booster.predict(xgb.DMatrix(inputs), output_margin=True)
    return np.asarray(margin, dtype=np.float64).reshape(N, -1)


BINARY = (Z + RNG.normal(size=N) > 0).astype(int)
CASES = [
    ("binary", {}, BINARY, {}),
    (
        "regularised",
        {"max_depth": 3, "min_child_weight": 5.0, "gamma": 0.5, "reg_lambda": 3.0},
        BINARY,
        {},
    ),
    ("lossguide", {"max_depth": 0, "max_leaves": 7, "grow_policy": "lossguide"}, BINARY, {}),
    ("max_leaves", {"max_depth": 4, "max_leaves": 5}, BINARY, {}),
    (
        "softmax",
        {"objective": "multi:softprob", "max_depth": 3},
        np.digitize(Z, [-0.5, 0.7]),
        {"num_class": 3},
    ),
    (
        "regression",
        {"objective": "reg:squarederror", "max_depth": 4},
        3 * Z + 1 + RNG.normal(size=N),
        {},
    ),
]


@pytest.mark.parametrize(("name", "settings", "y", "extra"), CASES, ids=[c[0] for c in CASES])
def test_twin_grows_xgboost_trees(
    name: str, settings: dict[str, Any], y: np.ndarray, extra: dict[str, Any]
) -> None:
    params = BoostParams(max_bin=16, n_estimators=6, **settings)
    twin = PlainBoost("a", params).fit(TABLES, y)
    ours = twin.predict_margin(TABLES)
    np.testing.assert_allclose(ours, xgboost_margin(params, y, extra), atol=MARGIN_TOLERANCE)


def test_unquantized_twin_stays_close() -> None:
    params = BoostParams(max_bin=16, n_estimators=6, max_depth=3)
    exact = PlainBoost("a", params, quantized=False).fit(TABLES, BINARY)
    fixed = PlainBoost("a", params).fit(TABLES, BINARY)
    np.testing.assert_allclose(exact.predict_proba(TABLES), fixed.predict_proba(TABLES), atol=1e-5)


def test_label_holder_without_features_and_errors() -> None:
    twin = PlainBoost("a", BoostParams(n_estimators=2, max_depth=2)).fit(
        {"a": None, "b": X}, BINARY
    )
    assert twin.parts_["a"].n_features == 0
    assert twin.predict_proba({"a": None, "b": X}).shape == (N, 2)
    with pytest.raises(ConfigError, match="rows"):
        PlainBoost("a").fit({"a": X[:10], "b": X}, BINARY)
