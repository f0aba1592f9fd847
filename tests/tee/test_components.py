"""The enclave's components in plaintext: the bins, WOE, LR and boosting computed directly."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from confide.errors import ConfigError
from confide.metrics import summary
from confide.ml.boost import BoostParams, PlainBoost
from confide.ml.linear import PlainLogisticRegression
from confide.preprocessing import (
    BinSpec,
    assign_bins,
    fit_bins,
    select_by_iv,
    woe_table,
    woe_transform,
)
from confide.tee import check_tee_spec, is_tee_job, run_components
from confide.tee.components import join_datasets
from tests.tee.helpers import ID_COLUMNS, MARKER, assert_same, credit_frames, job_data, job_of

FRAMES = credit_frames(rows=1200, seed=9)
SPEC = job_of(job_data())


@pytest.fixture(scope="module")
def values() -> dict[tuple[str, str], Any]:
    return run_components(SPEC, FRAMES, ID_COLUMNS)


def _joined() -> pd.DataFrame:
    bank, platform = FRAMES[("bank", "loans")], FRAMES[("platform", "features")]
    joined: pd.DataFrame = bank.merge(platform, on="id").sort_values("id")
    ordered: pd.DataFrame = joined.reset_index(drop=True)
    return ordered


def _split(n: int, seed: int, fraction: float = 0.3) -> np.ndarray:
    test = np.zeros(n, dtype=bool)
    test[np.random.default_rng(seed).permutation(n)[: round(fraction * n)]] = True
    return test


def test_the_join_keeps_common_ids_in_order() -> None:
    table, owners = join_datasets(SPEC, FRAMES, ID_COLUMNS)
    expected = _joined()
    ids = table[table.columns[0]].to_numpy()
    np.testing.assert_array_equal(ids, expected["id"].to_numpy())
    assert all(str(i).startswith(MARKER) for i in ids[:5])
    assert owners["income"] == "platform" and owners["default"] == "bank"
    assert "national_id" not in table.columns and "credit_line" in table.columns


def test_woe_is_the_plaintext_binning_and_woe(values: dict[tuple[str, str], Any]) -> None:
    data = _joined()
    test = _split(len(data), 11)
    params = job_data()["steps"][1]["params"]
    features = [c for c in data.columns if c not in ("id", "default")]
    train = data.loc[~test]
    specs = fit_bins(train, features, n_bins=params["n_bins"], min_rows=0.05, single_bin="drop")
    labels = train["default"].to_numpy()
    tables = {
        name: woe_table(_bins(train[[name]], spec), labels, spec) for name, spec in specs.items()
    }
    got = values[("woe", "tables")]
    assert got["train_rows"] == int((~test).sum()) and got["test_rows"] == int(test.sum())
    assert set(got["tables"]) == set(tables)
    for name, table in tables.items():
        np.testing.assert_array_equal(got["tables"][name]["events"], table.events)
        np.testing.assert_array_equal(got["tables"][name]["non_events"], table.non_events)
        np.testing.assert_allclose(got["tables"][name]["woe"], table.woe, rtol=0, atol=1e-12)
    assert got["selected"] == select_by_iv({n: t.iv for n, t in tables.items()}, 0.02)


def _bins(frame: pd.DataFrame, spec: BinSpec) -> np.ndarray:
    return assign_bins(frame, {spec.feature: spec})[:, 0]


def test_lr_is_the_plaintext_twin_on_the_same_woe(values: dict[tuple[str, str], Any]) -> None:
    data = _joined()
    test = _split(len(data), 11)
    train = data.loc[~test]
    features = [c for c in data.columns if c not in ("id", "default")]
    specs = fit_bins(train, features, n_bins=8, min_rows=0.05, single_bin="drop")
    selected = values[("woe", "tables")]["selected"]
    tables = {
        n: woe_table(_bins(train[[n]], specs[n]), train["default"].to_numpy(), specs[n])
        for n in selected
    }
    x = woe_transform(data[selected], {n: specs[n] for n in selected}, tables).to_numpy()
    y = data["default"].to_numpy()
    model = PlainLogisticRegression(
        epochs=5, batch_size=256, learning_rate=0.1, l2=0.001, random_state=11
    ).fit(x[~test], y[~test])
    got = values[("lr", "model")]
    assert got["features"] == selected
    coefficients = np.array([got["coefficients"][n] for n in selected])
    np.testing.assert_allclose(coefficients, model.coef_, rtol=0, atol=1e-9)
    assert abs(got["intercept"] - model.intercept_) <= 1e-9
    scores = values[("lr", "scores")]
    np.testing.assert_allclose(scores["scores"], model.predict_proba(x), rtol=0, atol=1e-9)
    np.testing.assert_array_equal(scores["test"], test)
    metrics = values[("lr", "metrics")]
    assert metrics["test"] == summary(y[test], model.predict_proba(x)[test])
    assert metrics["test"]["auc"] > 0.7


def test_boosting_is_the_plaintext_twin(values: dict[tuple[str, str], Any]) -> None:
    data = _joined()
    test = _split(len(data), 11)
    step = job_data()["steps"][3]
    names = [c for cols in step["reads"].values() for cs in cols.values() for c in cs]
    matrix = data[names].copy()
    categories = sorted(matrix["employment_type"].dropna().astype(str).unique())
    codes = pd.Categorical(matrix["employment_type"].astype("string"), categories=categories).codes
    matrix["employment_type"] = np.where(codes < 0, np.nan, codes)
    matrix = matrix.astype(np.float64)
    params = {k: v for k, v in step["params"].items() if k != "execution"}
    model = PlainBoost("bank", BoostParams(**params)).fit(
        {"bank": matrix[~test]}, data["default"].to_numpy()[~test]
    )
    got = values[("boost", "model")]
    assert got["features"] == names and got["encodings"]["employment_type"] == categories
    assert_same(got["model"], model.parts_["bank"].to_wire(), "model")


def test_summary_statistics(values: dict[tuple[str, str], Any]) -> None:
    data = _joined()
    got = values[("summary", "stats")]
    assert got["rows"] == len(data)
    income = data["income"].dropna()
    stats = got["columns"]["income"]
    assert stats["count"] == len(income) and stats["missing"] == data["income"].isna().sum()
    assert abs(stats["mean"] - income.mean()) <= 1e-9 * abs(income.mean())
    assert abs(stats["std"] - income.std()) <= 1e-9 * income.std()


def test_min_group_size_stops_a_release() -> None:
    data = job_data()
    data["steps"][0]["outputs"][0]["min_group_size"] = 10**6
    with pytest.raises(ConfigError, match="below its min_group_size 1000000; nothing is released"):
        run_components(job_of(data), FRAMES, ID_COLUMNS)
    data = job_data()
    data["steps"][1]["outputs"][0]["min_group_size"] = 10**5
    with pytest.raises(ConfigError, match="a bin of"):
        run_components(job_of(data), FRAMES, ID_COLUMNS)


def _steps(change: Any) -> dict[str, Any]:
    data = job_data()
    change(data["steps"])
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s[0]["params"].pop("execution"), "must set execution: tee"),
        (lambda s: s[0].update(component="psi.ecdh"), "does not run in the enclave"),
        (lambda s: s[2]["params"].update(momentum=0.5), r"has no parameters \['momentum'\]"),
        (lambda s: s[2]["params"].update(epochs="5"), "parameter epochs must be a int"),
        (lambda s: s[2].update(after=[]), "after exactly one preprocessing.woe step"),
        (lambda s: s[1]["params"].pop("label"), "needs the parameter label"),
        (lambda s: s[1]["params"].update(test_fraction=1.0), "test_fraction must lie in"),
        (lambda s: s[3]["reads"]["bank"]["loans"].append("default"), "reads the label"),
        (
            lambda s: s[0]["outputs"].append({"name": "m", "kind": "scores", "to": ["bank"]}),
            "makes outputs of kinds statistics, not 'scores'",
        ),
    ],
)
def test_spec_checks(change: Any, message: str) -> None:
    spec = job_of(_steps(change))
    with pytest.raises(ConfigError, match=message):
        check_tee_spec(spec)


def test_is_tee_job() -> None:
    assert is_tee_job(SPEC)
    data = job_data()
    for step in data["steps"]:
        step["params"].pop("execution")
    assert not is_tee_job(job_of(data))


def test_join_errors() -> None:
    twice = dict(FRAMES)
    bank = FRAMES[("bank", "loans")]
    twice[("bank", "loans")] = pd.concat([bank, bank.iloc[:1]], ignore_index=True)
    with pytest.raises(ConfigError, match="bank/loans has missing or repeated ids"):
        join_datasets(SPEC, twice, ID_COLUMNS)
    clash = dict(FRAMES)
    platform = FRAMES[("platform", "features")]
    clash[("platform", "features")] = platform.assign(utilisation=platform["age"])
    data = job_data()
    data["steps"][0]["reads"]["platform"]["features"] = ["utilisation"]
    with pytest.raises(ConfigError, match=r"columns \['utilisation'\] are read from two datasets"):
        join_datasets(job_of(data), clash, ID_COLUMNS)
    disjoint = dict(FRAMES)
    platform = FRAMES[("platform", "features")].copy()
    platform["id"] = "other-" + platform["id"]
    disjoint[("platform", "features")] = platform
    with pytest.raises(ConfigError, match="no id in common"):
        join_datasets(SPEC, disjoint, ID_COLUMNS)
