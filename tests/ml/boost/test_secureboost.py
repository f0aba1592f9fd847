"""Vertical SecureBoost against its plaintext twin and XGBoost, bad inputs, and gRPC processes.

The default scheme is OU; the twin tests run under both OU and Paillier, since the trees must
not depend on the scheme.

Tolerances:

- against the twin with the same fixed-point gradients: *equal* — every model part (shapes,
  owners, thresholds, leaf values) and every prediction, since encrypted sums of integers are
  exact;
- against the twin without quantization: probabilities within 1e-4 (24-bit gradients);
- against XGBoost's ``hist`` trainer on the same bins: test AUC within 0.005 (the issue's bar;
  the trees are in fact XGBoost's, see ``test_plain.py``), softmax log loss within 0.002.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import xgboost as xgb
from sklearn.metrics import log_loss, roc_auc_score

from confide.errors import PartyFailed
from confide.ml import BoostParams, PlainBoost, SecureBoost, secureboost_job
from confide.ml.boost.binning import fit_bins
from confide.ml.boost.model import ModelPart
from confide.runtime import Context, launch, simulate
from tests.credit_data import CREDIT_CSV, needs_credit_data

AUC_TOLERANCE = 0.005
MLOGLOSS_TOLERANCE = 0.002
FLOAT_TWIN_TOLERANCE = 1e-4
TEST_KEY: dict[str, Any] = {"key_bits": 1024, "allow_weak_key": True}  # fast keys, tests only

RNG = np.random.default_rng(3)
N = 500
X = RNG.normal(size=(N, 7))
X[RNG.random((N, 7)) < 0.05] = np.nan
Z = np.nan_to_num(X[:, 0]) + 0.8 * np.nan_to_num(X[:, 3]) - np.nan_to_num(X[:, 6])
BINARY = (Z + 0.5 * RNG.normal(size=N) > 0).astype(int)
THREE = {"bank": X[:, :2], "platform": X[:, 2:5], "partner": X[:, 5:]}


def fit_job(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    model = SecureBoost(spec["label_holder"], **TEST_KEY, he=spec["he"], **spec["settings"])
    model.fit(ctx, spec.get("X"), spec.get("y"))
    margin = model.predict_margin(ctx, spec.get("X_test", spec.get("X")))
    return {"model": model, "margin": margin}


def run_secure(
    tables: dict[str, Any], y: Any, label_holder: str = "bank", he: str = "ou", **settings: Any
) -> dict[str, dict[str, Any]]:
    inputs: dict[str, dict[str, Any]] = {
        party: {"X": table, "settings": settings, "label_holder": label_holder, "he": he}
        for party, table in tables.items()
    }
    inputs[label_holder]["y"] = y
    if tables[label_holder] is None:
        inputs[label_holder]["X_test"] = len(y)
    return simulate(fit_job, inputs, timeout=120)


def assert_equal_parts(a: ModelPart, b: ModelPart) -> None:
    wa, wb = a.to_wire(), b.to_wire()
    assert wa.keys() == wb.keys()
    for key in wa:
        if key in ("shapes", "splits"):
            for ta, tb in zip(wa[key], wb[key], strict=True):
                for xa, xb in zip(ta, tb, strict=True):
                    np.testing.assert_array_equal(xa, xb)
        elif key == "view" and wa[key] is not None:
            for name, va in wa[key].items():
                vb = wb[key][name]
                if isinstance(va, list) and va and isinstance(va[0], np.ndarray):
                    for xa, xb in zip(va, vb, strict=True):
                        np.testing.assert_array_equal(xa, xb)
                else:
                    np.testing.assert_array_equal(np.asarray(va), np.asarray(vb))
        else:
            assert wa[key] == wb[key]


def assert_equals_twin(
    tables: dict[str, Any], y: Any, label_holder: str = "bank", he: str = "ou", **settings: Any
) -> dict[str, dict[str, Any]]:
    secure = run_secure(tables, y, label_holder, he, **settings)
    twin = PlainBoost(label_holder, BoostParams(**settings)).fit(tables, y)
    for party in tables:
        assert_equal_parts(secure[party]["model"].model_, twin.parts_[party])
        if party != label_holder:
            assert secure[party]["margin"] is None
    np.testing.assert_array_equal(secure[label_holder]["margin"], twin.predict_margin(tables))
    return secure


CASES = [
    ("binary", {}),
    ("softmax", {"objective": "multi:softprob"}),
    ("regression", {"objective": "reg:squarederror"}),
    ("lossguide", {"grow_policy": "lossguide", "max_depth": 0, "max_leaves": 6}),
    (
        "sampling",
        {
            "subsample": 0.7,
            "colsample_bytree": 0.8,
            "colsample_bylevel": 0.7,
            "colsample_bynode": 0.7,
            "random_state": 5,
        },
    ),
    ("regularised", {"gamma": 0.3, "min_child_weight": 3.0, "reg_lambda": 2.0, "max_bin": 6}),
]
TARGETS = {
    "softmax": np.digitize(Z, [-0.7, 0.7]),
    "regression": 2 * Z + RNG.normal(size=N),
}


@pytest.mark.parametrize("he", ["ou", "paillier"])
@pytest.mark.parametrize(("name", "settings"), CASES, ids=[c[0] for c in CASES])
def test_secure_model_equals_the_twin(name: str, settings: dict[str, Any], he: str) -> None:
    defaults: dict[str, Any] = {"n_estimators": 3, "max_depth": 3, "max_bin": 8}
    y = TARGETS.get(name, BINARY)
    assert_equals_twin(THREE, y, he=he, **{**defaults, **settings})


def test_early_stopping_keeps_the_best_round() -> None:
    settings: dict[str, Any] = {
        "n_estimators": 40,
        "max_depth": 3,
        "learning_rate": 1.0,
        "max_bin": 8,
        "early_stopping_rounds": 2,
        "validation_fraction": 0.3,
    }
    tables = {"bank": X[:, :3], "platform": X[:, 3:]}
    secure = assert_equals_twin(tables, BINARY, **settings)
    model = secure["bank"]["model"]
    evals = model.evals_result_["logloss"]
    assert len(evals) < 40, "a learning rate of 1 must overfit and stop early"
    assert model.best_iteration_ == int(np.argmin(evals))
    assert model.model_.n_trees == model.best_iteration_ + 1
    assert secure["platform"]["model"].model_.n_trees == model.model_.n_trees


def test_label_holder_without_features() -> None:
    tables = {"bank": None, "platform": X}
    secure = assert_equals_twin(tables, BINARY, n_estimators=2, max_depth=3, max_bin=8)
    assert secure["bank"]["model"].model_.n_features == 0


def test_close_to_the_unquantized_twin() -> None:
    tables = {"bank": X[:, :3], "platform": X[:, 3:]}
    settings: dict[str, Any] = {"n_estimators": 4, "max_depth": 3, "max_bin": 16}
    secure = run_secure(tables, BINARY, **settings)
    exact = PlainBoost("bank", BoostParams(**settings), quantized=False).fit(tables, BINARY)
    proba = 1 / (1 + np.exp(-secure["bank"]["margin"][:, 0]))
    np.testing.assert_allclose(proba, exact.predict_proba(tables)[:, 1], atol=FLOAT_TWIN_TOLERANCE)


def test_importance_and_statistics() -> None:
    tables = {"bank": X[:, :3], "platform": X[:, 3:]}
    secure = run_secure(tables, BINARY, n_estimators=2, max_depth=2, max_bin=8)
    bank, platform = secure["bank"]["model"], secure["platform"]["model"]
    importance = bank.feature_importances_
    assert set(importance) == {"bank", "platform"}
    np.testing.assert_array_equal(
        importance["platform"]["split_count"],
        platform.feature_importances_["platform"]["split_count"],
    )
    assert importance["bank"]["total_gain"].sum() + importance["platform"]["total_gain"].sum() > 0
    assert "total_gain" not in platform.feature_importances_["platform"]
    for model in (bank, platform):
        assert model.stats_["bytes_sent"] > 0 and "wait" in model.stats_["seconds"]
    assert bank.stats_["rounds"] >= 2 and bank.classes_.tolist() == [0, 1]


# -- bad input: a clear error on every party --------------------------------------------------


def failures(inputs: dict[str, dict[str, Any]]) -> dict[str, str]:
    with pytest.raises(PartyFailed) as info:
        simulate(fit_job, inputs, timeout=30)
    return info.value.errors


def spec(
    x: Any, y: Any = None, label_holder: str = "bank", he: str = "ou", **settings: Any
) -> dict[str, Any]:
    out = {
        "X": x,
        "label_holder": label_holder,
        "he": he,
        "settings": {"n_estimators": 1, **settings},
    }
    if y is not None:
        out["y"] = y
    return out


def test_missing_labels() -> None:
    errors = failures({"bank": spec(X[:, :3]), "platform": spec(X[:, 3:])})
    assert errors["bank"].startswith("ConfigError: labels are missing at the label holder")
    assert errors["platform"].startswith("ProtocolError: 'bank' cannot take part: labels")


def test_party_without_features() -> None:
    errors = failures({"bank": spec(X[:, :3], BINARY), "platform": spec(None)})
    assert errors["platform"].startswith("ConfigError: 'platform' has no features")
    assert errors["bank"].startswith("ProtocolError: 'platform' cannot take part")
    errors = failures({"bank": spec(X[:, :3], BINARY), "platform": spec(np.zeros((N, 0)))})
    assert "no features" in errors["platform"] and "no features" in errors["bank"]


def test_mismatched_row_counts() -> None:
    errors = failures({"bank": spec(X[:, :3], BINARY), "platform": spec(X[:-1, 3:])})
    for text in errors.values():
        assert text.startswith("ProtocolError: row counts differ")


def test_non_numeric_features() -> None:
    words = {"city": np.array(["a", "b"] * (N // 2))}
    errors = failures({"bank": spec(X[:, :3], BINARY), "platform": spec(words)})
    assert errors["platform"].startswith("ConfigError: column 'city'")
    assert errors["bank"].startswith("ProtocolError: 'platform' cannot take part: column")


def test_other_configuration_errors() -> None:
    errors = failures({"bank": spec(X[:, :3], BINARY), "platform": spec(X[:, 3:], BINARY)})
    assert "only the label holder" in errors["platform"]
    errors = failures({"bank": spec(X[:, :3], BINARY), "platform": spec(X[:, 3:], max_depth=2)})
    assert all("different params" in e for e in errors.values())
    errors = failures({"bank": spec(X[:, :3], BINARY), "platform": spec(X[:, 3:], he="paillier")})
    assert all("different keys" in e and "'scheme'" in e for e in errors.values())
    errors = failures(
        {"bank": spec(X[:, :3], BINARY, he="rsa"), "platform": spec(X[:, 3:], he="rsa")}
    )
    assert all("unknown encryption scheme 'rsa'" in e for e in errors.values())
    errors = failures(
        {
            "bank": spec(X[:, :3], BINARY, label_holder="nobody"),
            "platform": spec(X[:, 3:], label_holder="nobody"),
        }
    )
    assert all(e.startswith("ConfigError: the label holder 'nobody'") for e in errors.values())
    errors = failures({"bank": spec(X[:, :3], BINARY[:-1]), "platform": spec(X[:, 3:])})
    assert errors["bank"].startswith("ConfigError: the features have 500 rows, the labels 499")


# -- gRPC processes ----------------------------------------------------------------------------


def test_two_processes_over_grpc_with_worker_pools() -> None:
    settings: dict[str, Any] = {
        "label_holder": "bank",
        "n_estimators": 2,
        "max_depth": 3,
        "max_bin": 8,
        "n_jobs": 2,
        **TEST_KEY,
    }
    tables = {"bank": X[:, :3], "platform": X[:, 3:]}
    inputs = {
        "bank": {"params": settings, "X": tables["bank"], "y": BINARY, "X_test": X[:50, :3]},
        "platform": {"params": settings, "X": tables["platform"], "X_test": X[:50, 3:]},
    }
    results = launch(secureboost_job, inputs, timeout=120)
    params = {k: v for k, v in settings.items() if k in BoostParams.names()}
    twin = PlainBoost("bank", BoostParams(**params)).fit(tables, BINARY)
    for party in tables:
        assert_equal_parts(ModelPart.from_wire(results[party]["model"]), twin.parts_[party])
    expected = twin.predict_proba({"bank": X[:50, :3], "platform": X[:50, 3:]})
    np.testing.assert_array_equal(results["bank"]["proba"], expected)
    assert results["platform"]["proba"] is None


# -- the Taiwan credit data --------------------------------------------------------------------


BANK_COLUMNS = [
    *(f"PAY_{i}" for i in (0, 2, 3, 4, 5, 6)),
    *(f"BILL_AMT{i}" for i in range(1, 7)),
    *(f"PAY_AMT{i}" for i in range(1, 7)),
]
PLATFORM_COLUMNS = ["LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE"]


def credit_split() -> tuple[Any, Any]:
    import pandas as pd

    data = pd.read_csv(CREDIT_CSV)
    test = np.random.default_rng(0).random(len(data)) < 0.2  # non-secret: the test rows
    return data[~test].reset_index(drop=True), data[test].reset_index(drop=True)


def xgboost_on_our_bins(
    train: dict[str, Any],
    test: dict[str, Any],
    y: np.ndarray,
    params: BoostParams,
    extra: dict[str, Any],
) -> np.ndarray:
    """XGBoost ``hist`` on the bin indices of each party's own bins (so: the same bins)."""
    columns_train, columns_test = [], []
    for party in train:
        values = np.asarray(train[party], dtype=np.float64)
        bins = fit_bins(values, params.max_bin)
        for j, edges in enumerate(bins.edges):
            columns_train.append(np.searchsorted(edges, values[:, j], side="right"))
            test_values = np.asarray(test[party], dtype=np.float64)[:, j]
            columns_test.append(np.searchsorted(edges, test_values, side="right"))
    settings = {
        "objective": params.objective.value,
        "tree_method": "hist",
        "max_bin": 256,
        "max_depth": params.max_depth,
        "eta": params.learning_rate,
        "lambda": params.reg_lambda,
        "min_child_weight": params.min_child_weight,
        **extra,
    }
    matrix = np.column_stack(columns_train).astype(np.float64)
    booster = xgb.train(settings, xgb.DMatrix(matrix, label=y), params.n_estimators)
    return np.asarray(booster.predict(xgb.DMatrix(np.column_stack(columns_test).astype(float))))


def credit_binary(n_estimators: int, max_depth: int, n_jobs: int) -> None:
    train, test = credit_split()
    label = "default.payment.next.month"
    tables = {"bank": train[BANK_COLUMNS], "platform": train[PLATFORM_COLUMNS]}
    tests = {"bank": test[BANK_COLUMNS], "platform": test[PLATFORM_COLUMNS]}
    y, y_test = train[label].to_numpy(), test[label].to_numpy()
    settings: dict[str, Any] = {"n_estimators": n_estimators, "max_depth": max_depth, "max_bin": 32}
    inputs = {
        party: {
            "X": tables[party],
            "X_test": tests[party],
            "label_holder": "bank",
            "he": "ou",
            "settings": {**settings, "n_jobs": n_jobs},
        }
        for party in tables
    }
    inputs["bank"]["y"] = y
    secure = simulate(fit_job, inputs, timeout=300)
    params = BoostParams(**settings)
    twin = PlainBoost("bank", params).fit(tables, y)
    exact = PlainBoost("bank", params, quantized=False).fit(tables, y)
    for party in tables:  # the whole model equals the twin with the same fixed point
        assert_equal_parts(secure[party]["model"].model_, twin.parts_[party])
    # The first tree's split structure equals the plaintext algorithm's, without quantization.
    mine, theirs = secure["bank"]["model"].model_, exact.parts_["bank"]
    np.testing.assert_array_equal(mine.shapes[0].left, theirs.shapes[0].left)
    assert mine.view is not None and theirs.view is not None
    for field in ("owner", "feature", "bin_index"):
        np.testing.assert_array_equal(getattr(mine.view, field)[0], getattr(theirs.view, field)[0])
    proba = 1 / (1 + np.exp(-secure["bank"]["margin"][:, 0]))
    auc = roc_auc_score(y_test, proba)
    xgb_auc = roc_auc_score(y_test, xgboost_on_our_bins(tables, tests, y, params, {}))
    assert abs(auc - xgb_auc) <= AUC_TOLERANCE, (auc, xgb_auc)
    assert auc > 0.75


@needs_credit_data
def test_credit_binary_against_twin_and_xgboost() -> None:
    credit_binary(n_estimators=3, max_depth=4, n_jobs=1)


@needs_credit_data
@pytest.mark.slow
def test_credit_binary_ten_trees_of_depth_five() -> None:
    credit_binary(n_estimators=10, max_depth=5, n_jobs=2)


@needs_credit_data
def test_credit_three_classes_against_xgboost_logloss() -> None:
    train, test = credit_split()
    # Target: repayment status PAY_0 in three classes (paid duly, 1 month late, 2+ months);
    # PAY_0 itself leaves the bank's features.
    y, y_test = (np.digitize(d["PAY_0"].to_numpy(), [0.5, 1.5]) for d in (train, test))
    bank_columns = [c for c in BANK_COLUMNS if c != "PAY_0"]
    tables = {"bank": train[bank_columns], "platform": train[PLATFORM_COLUMNS]}
    tests = {"bank": test[bank_columns], "platform": test[PLATFORM_COLUMNS]}
    settings: dict[str, Any] = {
        "objective": "multi:softprob",
        "n_estimators": 3,
        "max_depth": 3,
        "max_bin": 16,
    }
    inputs = {
        party: {
            "X": tables[party],
            "X_test": tests[party],
            "label_holder": "bank",
            "he": "ou",
            "settings": settings,
        }
        for party in tables
    }
    inputs["bank"]["y"] = y
    secure = simulate(fit_job, inputs, timeout=300)
    params = BoostParams(**settings)
    twin = PlainBoost("bank", params).fit(tables, y)
    for party in tables:
        assert_equal_parts(secure[party]["model"].model_, twin.parts_[party])
    margin = secure["bank"]["margin"]
    proba = np.exp(margin - margin.max(axis=1, keepdims=True))
    proba /= proba.sum(axis=1, keepdims=True)
    theirs = xgboost_on_our_bins(tables, tests, y, params, {"num_class": 3}).reshape(-1, 3)
    ours_loss, xgb_loss = log_loss(y_test, proba), log_loss(y_test, theirs)
    assert abs(ours_loss - xgb_loss) <= MLOGLOSS_TOLERANCE, (ours_loss, xgb_loss)
    assert ours_loss < log_loss(y_test, np.tile(np.bincount(y) / len(y), (len(y_test), 1)))
