"""Vertical credit data: the generator's shape and promises, and the split of the Taiwan data."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from confide.datasets import VerticalCredit, taiwan_vertical, vertical_credit
from confide.datasets.credit import (
    BANK_COLUMNS,
    PLATFORM_COLUMNS,
    TAIWAN_BANK_COLUMNS,
    TAIWAN_LABEL,
    TAIWAN_PLATFORM_COLUMNS,
)
from confide.errors import ConfigError
from tests.credit_data import CREDIT_CSV, needs_credit_data

#: How much better both parties together must rank than either alone (test AUC).
JOINT_GAIN = 0.03


@pytest.fixture(scope="module")
def data() -> VerticalCredit:
    return vertical_credit(20_000, seed=7)


def test_columns_and_shapes(data: VerticalCredit) -> None:
    assert tuple(data.bank.columns) == BANK_COLUMNS
    assert tuple(data.platform.columns) == PLATFORM_COLUMNS
    assert len(data.bank) == len(data.platform) == 20_000
    assert data.id_column == "id" and data.label_column == "default"
    assert "default" not in data.platform
    assert data.probability.shape == (20_000,)


def test_ids_overlap_partially(data: VerticalCredit) -> None:
    bank_ids, platform_ids = set(data.bank["id"]), set(data.platform["id"])
    assert len(bank_ids) == len(data.bank) and len(platform_ids) == len(data.platform)
    assert len(bank_ids & platform_ids) == 16_000  # overlap 0.8 of each side
    assert data.shared_ids == bank_ids & platform_ids
    assert data.bank["id"].str.fullmatch(r"C\d{6}").all()
    assert data.bank["id"].is_monotonic_increasing and data.platform["id"].is_monotonic_increasing


@pytest.mark.parametrize(("overlap", "shared"), [(0.0, 0), (0.5, 50), (1.0, 100)])
def test_overlap_parameter(overlap: float, shared: int) -> None:
    small = vertical_credit(100, overlap=overlap, seed=1)
    assert len(small.shared_ids) == shared
    assert len(small.bank) == len(small.platform) == 100


def test_deterministic_by_seed() -> None:
    one, two, other = (vertical_credit(500, seed=s) for s in (3, 3, 4))
    pd.testing.assert_frame_equal(one.bank, two.bank)
    pd.testing.assert_frame_equal(one.platform, two.platform)
    np.testing.assert_array_equal(one.probability, two.probability)
    assert not one.bank.equals(other.bank)


def test_missing_values_and_categories(data: VerticalCredit) -> None:
    missing = pd.concat([data.bank.isna().mean(), data.platform.isna().mean()])
    for column in ("utilisation", "income", "employment_type", "online_activity"):
        assert 0.005 < missing[column] < 0.1, column
    assert missing[["id", "default", "age", "region"]].eq(0).all()
    for column in ("employment_type", "region"):
        assert isinstance(data.platform[column].dtype, pd.CategoricalDtype)
        assert data.platform[column].nunique() >= 5
    income = data.platform["income"].dropna().to_numpy(dtype=float)
    assert income.min() > 0
    assert income.mean() > 1.1 * np.median(income)  # log-normal: a long right tail


def test_label_rate_and_truth(data: VerticalCredit) -> None:
    for seed in (0, 1, 2):
        rate = vertical_credit(5_000, seed=seed).bank["default"].mean()
        assert 0.10 < rate < 0.25
    assert set(data.bank["default"].unique()) == {0, 1}
    assert data.probability.mean() == pytest.approx(data.bank["default"].mean(), abs=0.02)
    assert roc_auc_score(data.bank["default"], data.probability) > 0.8
    assert {"utilisation_x_low_income", "delinquencies_x_inquiries"} <= set(data.coefficients)


def binned_features(frame: pd.DataFrame) -> np.ndarray:
    """A WOE-like design: each column cut into deciles (categories as they are), missing values
    in a bin of their own, one indicator per bin."""
    parts = []
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes = pd.Series(column.cat.codes, index=frame.index)
        else:
            codes = pd.qcut(column, 10, labels=False, duplicates="drop").fillna(-1)
        parts.append(pd.get_dummies(codes.astype(int), prefix=name, dtype=float))
    return pd.concat(parts, axis=1).to_numpy()


def test_both_parties_together_beat_either_alone(data: VerticalCredit) -> None:
    joined = data.bank.merge(data.platform, on="id")
    y = joined["default"].to_numpy()
    bank_features = list(BANK_COLUMNS[2:])
    platform_features = list(PLATFORM_COLUMNS[1:])
    train = np.random.default_rng(0).random(len(joined)) < 0.7

    def test_auc(columns: list[str]) -> float:
        x = binned_features(joined[columns])
        model = LogisticRegression(max_iter=1000).fit(x[train], y[train])
        return float(roc_auc_score(y[~train], model.predict_proba(x[~train])[:, 1]))

    both = test_auc(bank_features + platform_features)
    bank_only, platform_only = test_auc(bank_features), test_auc(platform_features)
    assert both > bank_only + JOINT_GAIN, (both, bank_only)
    assert both > platform_only + JOINT_GAIN, (both, platform_only)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_customers": 0}, "at least 1"),
        ({"n_customers": 10.5}, "integer"),
        ({"n_customers": 10, "overlap": 1.5}, "overlap"),
        ({"n_customers": 10, "overlap": -0.1}, "overlap"),
        ({"n_customers": 10, "seed": -1}, "seed"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        vertical_credit(**kwargs)  # type: ignore[arg-type]


def test_taiwan_missing_file_names_the_path(tmp_path: Path) -> None:
    absent = tmp_path / "nowhere.csv"
    with pytest.raises(ConfigError, match=re.escape(str(absent))):
        taiwan_vertical(absent)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("ID,AGE\n1,30\n")
    with pytest.raises(ConfigError, match="lacks the columns"):
        taiwan_vertical(wrong)


@pytest.mark.data
@needs_credit_data
def test_taiwan_split() -> None:
    split = taiwan_vertical(CREDIT_CSV, seed=1)
    assert tuple(split.bank.columns) == TAIWAN_BANK_COLUMNS
    assert tuple(split.platform.columns) == TAIWAN_PLATFORM_COLUMNS
    assert split.id_column == "ID" and split.label_column == TAIWAN_LABEL
    assert len(split.bank) == len(split.platform) == 27_272  # about 90% of 30,000 each
    shared = split.shared_ids
    assert len(shared) == round(0.9 * 27_272)
    assert set(split.bank["ID"]) | set(split.platform["ID"]) <= set(range(1, 30_001))
    assert 0.2 < split.bank[TAIWAN_LABEL].mean() < 0.25
    assert split.bank["ID"].is_monotonic_increasing
    full = pd.read_csv(CREDIT_CSV).set_index("ID")
    rows = split.platform.set_index("ID")
    pd.testing.assert_frame_equal(rows, full.loc[rows.index, list(TAIWAN_PLATFORM_COLUMNS[1:])])
    again = taiwan_vertical(CREDIT_CSV, seed=1)
    pd.testing.assert_frame_equal(split.bank, again.bank)
    assert set(taiwan_vertical(CREDIT_CSV, seed=2).bank["ID"]) != set(split.bank["ID"])
