"""``numeric_features``: numbers as they are, categories as codes, missing values kept."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from confide.errors import ConfigError
from confide.jobs.boost import numeric_features


def test_numbers_categories_and_text() -> None:
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "n": [1, 2, 3, 4],
            "x": [0.5, np.nan, 2.0, 1.0],
            "kind": pd.Categorical(["z", "y", None, "z"], categories=["z", "y"]),
            "town": ["Oslo", "Bergen", None, "Oslo"],
            "flag": [True, False, True, True],
        }
    )
    out = numeric_features(frame, ["n", "x", "kind", "town", "flag"])
    assert list(out["id"]) == ["a", "b", "c", "d"]  # other columns untouched
    np.testing.assert_array_equal(out["n"], [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(out["x"], [0.5, np.nan, 2.0, 1.0])
    np.testing.assert_array_equal(out["kind"], [0.0, 1.0, np.nan, 0.0])  # the dtype's order
    np.testing.assert_array_equal(out["town"], [1.0, 0.0, np.nan, 1.0])  # sorted values
    np.testing.assert_array_equal(out["flag"], [1.0, 0.0, 1.0, 1.0])


def test_text_codes_do_not_depend_on_the_rows_kept_later() -> None:
    frame = pd.DataFrame({"town": ["Oslo", "Bergen", "Molde"]})
    codes = numeric_features(frame, ["town"])["town"]
    assert list(codes) == [2.0, 0.0, 1.0]


@pytest.mark.parametrize(
    ("column", "message"),
    [
        (pd.Series([1.0, np.inf]), "infinite"),
        (pd.Series(["a", 3], dtype=object), "mixes text"),
        (pd.Series(pd.to_datetime(["2024-01-01", "2024-01-02"])), "neither numeric"),
    ],
)
def test_columns_the_trees_cannot_take_are_refused(column: pd.Series, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        numeric_features(pd.DataFrame({"c": column}), ["c"])
