"""Reading a party's table and checking its columns and labels before any protocol runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from confide.errors import ConfigError
from confide.jobs.vertical.tables import feature_columns, labels_of, read_table


@pytest.fixture
def frame() -> pd.DataFrame:
    data = {"id": [1, 2, 3, 4], "default": [0, 1, 0, 1], "x": [1.0, 2, 3, 4]}
    table: pd.DataFrame = pd.DataFrame(data)
    return table


@pytest.mark.parametrize("name", ["t.csv", "t.parquet"])
def test_reads_csv_and_parquet(tmp_path: Path, frame: pd.DataFrame, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".csv"):
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    pd.testing.assert_frame_equal(read_table(path), frame)


def test_missing_empty_and_unknown_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no table file"):
        read_table(tmp_path / "absent.csv")
    (tmp_path / "t.xlsx").write_bytes(b"x")
    with pytest.raises(ConfigError, match=r"\.csv or \.parquet"):
        read_table(tmp_path / "t.xlsx")
    (tmp_path / "empty.csv").write_text("id,x\n")
    with pytest.raises(ConfigError, match="no rows"):
        read_table(tmp_path / "empty.csv")


def test_feature_columns(frame: pd.DataFrame) -> None:
    assert feature_columns(frame, "id", "default", None) == ["x"]
    assert feature_columns(frame, "id", None, None) == ["default", "x"]
    assert feature_columns(frame, "id", "default", ["x"]) == ["x"]
    with pytest.raises(ConfigError, match="no id column 'key'"):
        feature_columns(frame, "key", "default", None)
    with pytest.raises(ConfigError, match="no label column"):
        feature_columns(frame, "id", "bad", None)
    with pytest.raises(ConfigError, match="no columns"):
        feature_columns(frame, "id", "default", ["y"])
    with pytest.raises(ConfigError, match="not features"):
        feature_columns(frame, "id", "default", ["default"])
    with pytest.raises(ConfigError, match="no feature columns"):
        feature_columns(frame[["id", "default"]], "id", "default", None)


def test_labels_must_be_binary_complete_and_of_two_classes(frame: pd.DataFrame) -> None:
    np.testing.assert_array_equal(labels_of(frame, "default"), [0, 1, 0, 1])
    with pytest.raises(ConfigError, match="only 0 and 1"):
        labels_of(frame.assign(default=[0, 2, 0, 1]), "default")
    with pytest.raises(ConfigError, match="only 0 and 1"):
        labels_of(frame.assign(default=["no", "yes", "no", "no"]), "default")
    with pytest.raises(ConfigError, match="missing values"):
        labels_of(frame.assign(default=[0.0, np.nan, 0.0, 1.0]), "default")
    with pytest.raises(ConfigError, match="one class"):
        labels_of(frame.assign(default=[1, 1, 1, 1]), "default")
