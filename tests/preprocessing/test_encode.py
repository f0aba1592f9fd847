"""WOE transform of an owner's own columns, and feature selection by IV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from confide.errors import ConfigError
from confide.preprocessing import (
    assign_bins,
    fit_bins,
    plain_woe_iv,
    select_by_iv,
    woe_transform,
)


def test_transform_replaces_values_by_their_bins_woe() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {"x": rng.normal(size=400), "kind": rng.choice(["a", "b", "c"], 400)},
        index=pd.RangeIndex(100, 500),
    )
    labels = (rng.random(400) < 0.3).astype(int)
    specs = fit_bins(frame, n_bins=5)
    bins = assign_bins(frame, specs)
    tables = plain_woe_iv(bins, specs, labels)
    out = woe_transform(frame, specs, tables)
    assert list(out.columns) == ["x", "kind"] and out.index.equals(frame.index)
    assert out.dtypes.tolist() == [np.float64, np.float64]
    for j, name in enumerate(specs):
        np.testing.assert_array_equal(out[name].to_numpy(), tables[name].woe[bins[:, j]])
    # A new row outside the range seen and an unseen category still get a WOE.
    new = woe_transform(pd.DataFrame({"x": [1e9], "kind": ["zzz"]}), specs, tables)
    assert new.loc[0, "x"] == tables["x"].woe[-1]
    assert new.loc[0, "kind"] == tables["kind"].woe[specs["kind"].other_bin or 0]


def test_transform_needs_matching_tables() -> None:
    frame = pd.DataFrame({"x": np.arange(100.0), "y": np.arange(100.0) % 7})
    labels = np.arange(100) % 2
    specs = fit_bins(frame, n_bins=4)
    tables = plain_woe_iv(assign_bins(frame, specs), specs, labels)
    with pytest.raises(ConfigError, match=r"no WOE table for the features \['y'\]"):
        woe_transform(frame, specs, {"x": tables["x"]})
    other = fit_bins(frame, n_bins=3)
    with pytest.raises(ConfigError, match="bins"):
        woe_transform(frame, other, tables)


def test_select_by_iv() -> None:
    iv = {"a": 0.01, "b": 0.5, "c": 0.02, "d": 0.3, "e": 0.3}
    assert select_by_iv(iv) == ["b", "d", "e", "c"]
    assert select_by_iv(iv, 0.1, max_features=2) == ["b", "d"]
    assert select_by_iv(iv, 1.0) == []
    with pytest.raises(ConfigError, match="max_features"):
        select_by_iv(iv, max_features=-1)
