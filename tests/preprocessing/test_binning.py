"""Binning: quantile and equal-width edges, missing and categorical bins, merging, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from confide.errors import ConfigError
from confide.preprocessing import BinSpec, assign_bins, fit_bins, resolve_min_rows


def test_quantile_bins_of_a_uniform_column() -> None:
    frame = pd.DataFrame({"x": np.arange(100.0)})
    spec = fit_bins(frame, method="quantile", n_bins=4, min_rows=5)["x"]
    assert spec.kind == "numeric"
    assert spec.edges == (24.75, 49.5, 74.25)
    assert spec.labels == ("(-inf, 24.75)", "[24.75, 49.5)", "[49.5, 74.25)", "[74.25, +inf)")
    bins = assign_bins(frame, {"x": spec})[:, 0]
    assert bins.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(bins), [25, 25, 25, 25])
    assert bins[24] == 0 and bins[25] == 1 and bins[99] == 3


def test_equal_width_merges_empty_bins_into_the_smaller_neighbour() -> None:
    frame = pd.DataFrame({"x": [*range(10), 100]})
    spec = fit_bins(frame, method="equal_width", n_bins=4, min_rows=1)["x"]
    # Widths of 25 give counts 10, 0, 0, 1: both empty bins merge towards the single outlier.
    assert spec.edges == (25.0,)
    assert spec.labels == ("(-inf, 25)", "[25, +inf)")


def test_merging_stops_when_every_bin_is_large_enough() -> None:
    frame = pd.DataFrame({"x": np.r_[np.zeros(40), np.ones(3), np.full(40, 2.0), np.full(17, 3.0)]})
    spec = fit_bins(frame, n_bins=10, min_rows=10)["x"]
    counts = np.bincount(assign_bins(frame, {"x": spec})[:, 0])
    assert counts.min() >= 10 and counts.sum() == 100
    # The 3 ones join the zeros (the smaller neighbour); 2 and 3 keep bins of their own.
    np.testing.assert_array_equal(counts, [43, 40, 17])


def test_few_distinct_values_get_a_bin_each_and_out_of_range_values_a_bin() -> None:
    frame = pd.DataFrame({"code": [1, 2, 3] * 20})
    spec = fit_bins(frame, n_bins=10, min_rows=5)["code"]
    assert spec.labels == ("(-inf, 2)", "[2, 3)", "[3, +inf)")
    new = pd.DataFrame({"code": [-5, 1, 2, 3, 9]})
    assert assign_bins(new, {"code": spec})[:, 0].tolist() == [0, 0, 1, 2, 2]


def test_missing_values_get_their_own_bin_when_there_are_enough() -> None:
    values = np.r_[np.arange(90.0), np.full(10, np.nan)]
    frame = pd.DataFrame({"x": values})
    spec = fit_bins(frame, n_bins=3, min_rows=5)["x"]
    assert spec.has_missing_bin and spec.labels[-1] == "missing"
    assert spec.missing_bin == spec.n_bins - 1
    bins = assign_bins(frame, {"x": spec})[:, 0]
    assert (bins[90:] == spec.missing_bin).all() and (bins[:90] != spec.missing_bin).all()


def test_few_missing_values_join_the_largest_bin() -> None:
    values = np.r_[np.zeros(30), np.ones(60), np.full(3, np.nan)]
    frame = pd.DataFrame({"x": values})
    spec = fit_bins(frame, n_bins=3, min_rows=5)["x"]
    assert not spec.has_missing_bin
    assert spec.labels == ("(-inf, 1)", "[1, +inf) or missing")
    assert spec.missing_bin == 1
    assert assign_bins(frame, {"x": spec})[90:, 0].tolist() == [1, 1, 1]


def test_missing_values_unseen_at_fit_fall_in_the_largest_bin() -> None:
    frame = pd.DataFrame({"x": np.r_[np.zeros(30), np.ones(60)]})
    spec = fit_bins(frame, min_rows=5)["x"]
    assert spec.labels == ("(-inf, 1)", "[1, +inf)")
    assert assign_bins(pd.DataFrame({"x": [np.nan, 0.0]}), {"x": spec})[:, 0].tolist() == [1, 0]


def test_categories_with_rare_ones_in_other() -> None:
    sizes = {"a": 50, "b": 30, "c": 15, "d": 3, "e": 2}
    frame = pd.DataFrame({"kind": [k for k, n in sizes.items() for _ in range(n)]})
    spec = fit_bins(frame, min_rows=10)["kind"]
    # d and e (5 rows) are too few for "(other)" alone, so the smallest kept category joins.
    assert spec.kind == "categorical"
    assert spec.labels == ("= a", "= b", "(other)")
    assert spec.groups == (("a",), ("b",), ("c", "d", "e"))
    assert spec.other_bin == 2
    new = pd.DataFrame({"kind": ["a", "b", "c", "e", "never seen", None]})
    # Unseen categories go to "(other)"; missing values (none at fit) to the largest bin.
    assert assign_bins(new, {"kind": spec})[:, 0].tolist() == [0, 1, 2, 2, 2, 0]


def test_category_count_is_capped_by_n_bins() -> None:
    frame = pd.DataFrame({"kind": [f"k{i}" for i in range(6) for _ in range(20)]})
    spec = fit_bins(frame, n_bins=4, min_rows=5)["kind"]
    assert spec.n_bins == 4 and spec.labels[-1] == "(other)"
    assert spec.groups[-1] == ("k3", "k4", "k5")


def test_pandas_categoricals_keep_their_order_and_booleans_are_categories() -> None:
    order = ["low", "mid", "high"]
    frame = pd.DataFrame(
        {
            "level": pd.Categorical(["high", "low", "mid"] * 10, categories=order),
            "flag": [True, False, False] * 10,
            "region": ["n", "s", None] * 10,
        }
    )
    specs = fit_bins(frame, min_rows=5)
    assert specs["level"].labels == ("= low", "= mid", "= high")
    assert specs["flag"].labels == ("= False", "= True")
    assert specs["region"].labels == ("= n", "= s", "missing")
    bins = assign_bins(frame, specs)
    assert bins[:3].tolist() == [[2, 1, 0], [0, 0, 1], [1, 0, 2]]


def test_numeric_codes_can_be_binned_as_categories() -> None:
    frame = pd.DataFrame({"education": [1, 2, 10, 1, 2, 1] * 10})
    spec = fit_bins(frame, min_rows=5, categorical=["education"])["education"]
    assert spec.kind == "categorical" and spec.labels == ("= 1", "= 2", "= 10")
    assert assign_bins(frame, {"education": spec})[:6, 0].tolist() == [0, 1, 2, 0, 1, 0]
    mixed = pd.DataFrame({"code": ["b", 1, "a", 1] * 10})
    assert fit_bins(mixed, min_rows=5)["code"].labels == ("= 1", "= a", "= b")


def test_default_min_rows_is_five_percent() -> None:
    assert resolve_min_rows(None, 1000) == 50
    assert resolve_min_rows(0.01, 1000) == 10
    assert resolve_min_rows(7, 1000) == 7
    with pytest.raises(ConfigError, match="share of the rows"):
        resolve_min_rows(1.5, 1000)
    frame = pd.DataFrame({"x": np.arange(1000.0)})
    counts = np.bincount(assign_bins(frame, fit_bins(frame, n_bins=40))[:, 0])
    assert counts.min() >= 50


def test_constant_column_is_refused_naming_it() -> None:
    frame = pd.DataFrame({"x": np.arange(50.0), "flat": np.ones(50)})
    with pytest.raises(ConfigError, match="'flat' is constant"):
        fit_bins(frame, min_rows=5)
    with pytest.raises(ConfigError, match="'word' is constant"):
        fit_bins(pd.DataFrame({"word": ["same"] * 20}), min_rows=5)


def test_all_rows_in_one_bin_after_merging_is_refused() -> None:
    frame = pd.DataFrame({"rare": np.r_[np.zeros(95), np.ones(5)]})
    with pytest.raises(ConfigError, match="all rows of column 'rare' fall into one bin"):
        fit_bins(frame, min_rows=10)
    with pytest.raises(ConfigError, match="'empty' has no values"):
        fit_bins(pd.DataFrame({"empty": np.full(10, np.nan)}))


def test_unbinnable_columns_can_be_dropped_with_a_warning() -> None:
    frame = pd.DataFrame({"x": np.arange(50.0), "flat": np.ones(50)})
    with pytest.warns(UserWarning, match="'flat' is constant: left out"):
        specs = fit_bins(frame, min_rows=5, single_bin="drop")
    assert list(specs) == ["x"]


def test_bad_arguments_are_refused() -> None:
    frame = pd.DataFrame({"x": np.arange(50.0), "s": ["a", "b"] * 25})
    with pytest.raises(ConfigError, match="lacks the columns"):
        fit_bins(frame, ["y"])
    with pytest.raises(ConfigError, match="method"):
        fit_bins(frame, method="kmeans")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="n_bins"):
        fit_bins(frame, n_bins=1)
    with pytest.raises(ConfigError, match="infinite"):
        fit_bins(pd.DataFrame({"x": [1.0, np.inf] * 10}))
    spec = fit_bins(frame, min_rows=5)["x"]
    with pytest.raises(ConfigError, match="'x' is not numeric"):
        assign_bins(pd.DataFrame({"x": ["a", "b"]}), {"x": spec})
    with pytest.raises(ConfigError, match="lacks the columns"):
        assign_bins(pd.DataFrame({"y": [1.0]}), {"x": spec})


def test_bin_spec_checks_its_fields() -> None:
    with pytest.raises(ConfigError, match="one edge less"):
        BinSpec("x", "numeric", ("a", "b"), edges=(1.0, 2.0))
    with pytest.raises(ConfigError, match="increasing"):
        BinSpec("x", "numeric", ("a", "b", "c"), edges=(2.0, 1.0))
    with pytest.raises(ConfigError, match="two bins"):
        BinSpec("x", "categorical", ("a", "b"), groups=(("u",), ("u",)), other_bin=0)
    with pytest.raises(ConfigError, match="last bin"):
        BinSpec("x", "numeric", ("a", "b", "missing"), edges=(1.0,), has_missing_bin=True)
