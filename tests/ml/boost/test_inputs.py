"""Feature tables: arrays, DataFrames and column mappings in; numbers or a clear error out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from confide.errors import ConfigError
from confide.ml.boost.inputs import as_feature_table


def test_array_frame_and_mapping() -> None:
    array = as_feature_table(np.array([[1, 2], [3, 4]]))
    assert array.names == ("f0", "f1") and array.values.dtype == np.float64
    frame = pd.DataFrame({"age": [30, None], "flag": [True, False], "n": pd.array([1, None])})
    table = as_feature_table(frame)
    assert table.names == ("age", "flag", "n")
    assert np.isnan(table.values[1, 0]) and np.isnan(table.values[1, 2])
    assert table.values[:, 1].tolist() == [1.0, 0.0]
    mapping = as_feature_table({"x": np.arange(3), "y": [0.5, np.nan, 1.0]})
    assert mapping.n_rows == 3 and mapping.n_features == 2


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (None, "no feature table"),
        (np.ones(3), "2-d"),
        ({"x": ["a", "b"]}, "'x'"),
        (pd.DataFrame({"city": ["x", "y"]}), "text"),
        ({"x": np.ones(2), "y": np.ones(3)}, "different lengths"),
        ({"x": [1.0, np.inf]}, "infinite"),
        ({1: [1.0]}, "strings"),
        ("a,b", "numpy array"),
    ],
)
def test_bad_tables_are_refused(table: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        as_feature_table(table)
