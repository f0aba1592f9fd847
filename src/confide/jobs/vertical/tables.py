"""A data party's own table in a vertical job: where it is (:class:`PartyTable`), reading it,
and checking it before any protocol runs.

Files are CSV (``.csv``, ``.csv.gz``) or Parquet (``.parquet``, ``.pq``). The checks here are
local and name columns, never values (error texts travel to the other parties).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from confide.errors import ConfigError

__all__ = ["PartyTable", "feature_columns", "labels_of", "read_table"]


@dataclass(frozen=True)
class PartyTable:
    """Where one data party's table is, and which of its columns are features.

    ``features`` ``None`` takes every column but the id (and, at the label holder, the label).
    """

    path: str
    features: Sequence[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "features": list(self.features) if self.features else None}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> PartyTable:
        features = values.get("features")
        return cls(str(values["path"]), tuple(features) if features else None)


def read_table(path: str | Path) -> pd.DataFrame:
    """The table at ``path``; :class:`ConfigError` when it is missing, empty or of unknown kind."""
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"no table file at {file}")
    name = file.name.lower()
    is_parquet = name.endswith((".parquet", ".pq"))
    if not is_parquet and not name.endswith((".csv", ".csv.gz")):
        raise ConfigError(f"{file.name}: tables must be .csv or .parquet files")
    try:
        frame = pd.read_parquet(file) if is_parquet else pd.read_csv(file)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {file.name}: {type(exc).__name__}") from exc
    if frame.empty:
        raise ConfigError(f"{file.name} has no rows")
    return frame


def feature_columns(
    frame: pd.DataFrame,
    id_column: str,
    label_column: str | None,
    requested: Sequence[str] | None,
) -> list[str]:
    """The feature columns: ``requested``, or every column but the id and the label."""
    if id_column not in frame.columns:
        raise ConfigError(f"the table has no id column {id_column!r}")
    if label_column is not None and label_column not in frame.columns:
        raise ConfigError(f"the table has no label column {label_column!r}")
    reserved = {id_column} | ({label_column} if label_column is not None else set())
    if requested:
        missing = [c for c in requested if c not in frame.columns]
        if missing:
            raise ConfigError(f"the table has no columns {missing}")
        clash = [c for c in requested if c in reserved]
        if clash:
            raise ConfigError(f"columns {clash} are the id or the label, not features")
        return list(requested)
    columns = [str(c) for c in frame.columns if c not in reserved]
    if not columns:
        raise ConfigError("the table has no feature columns")
    return columns


def labels_of(frame: pd.DataFrame, label_column: str) -> np.ndarray:
    """The label column as int64 0/1; :class:`ConfigError` for missing or non-binary values."""
    values = frame[label_column]
    if values.isna().any():
        raise ConfigError(f"the label column {label_column!r} has missing values")
    numeric = pd.to_numeric(values, errors="coerce")
    if numeric.isna().any() or not np.isin(numeric.to_numpy(), (0, 1)).all():
        raise ConfigError(f"the label column {label_column!r} must hold only 0 and 1")
    labels = numeric.to_numpy().astype(np.int64)
    if labels.min() == labels.max():
        raise ConfigError(f"the label column {label_column!r} holds one class only")
    return labels
