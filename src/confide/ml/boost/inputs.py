"""One party's feature table as a float matrix, checked: what every boosting entry point reads.

A party passes its columns as a 2-d numpy array, a pandas DataFrame or a mapping of column name
to 1-d array (the wire-friendly form that :func:`confide.launch` carries). Missing values are
NaN (pandas' ``NA`` and ``None`` become NaN); infinities, text and other non-numeric columns are
refused with a :class:`ConfigError` that names the column.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError

__all__ = ["FeatureTable", "as_feature_table"]


class FeatureTable:
    """Rows x columns of float64 (NaN for missing), with the column names."""

    __slots__ = ("names", "values")

    def __init__(self, values: npt.NDArray[np.float64], names: tuple[str, ...]) -> None:
        self.values = values
        self.names = names

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.values.shape[1])


def as_feature_table(table: Any) -> FeatureTable:
    """Check and convert a party's features; :class:`ConfigError` if they are not numeric."""
    if table is None:
        raise ConfigError("no feature table given")
    if isinstance(table, np.ndarray):
        return _from_array(table)
    if hasattr(table, "columns") and hasattr(table, "to_numpy"):  # a pandas DataFrame
        names = tuple(str(c) for c in table.columns)
        columns = [table[c].to_numpy() for c in table.columns]
        return _from_columns(names, columns, len(table))
    if isinstance(table, Mapping):
        for name in table:
            if not isinstance(name, str):
                raise ConfigError(f"column names must be strings, got {name!r}")
        columns = [np.asarray(table[name]) for name in table]
        lengths = {c.shape[0] if c.ndim == 1 else -1 for c in columns}
        if -1 in lengths:
            raise ConfigError("every column must be a 1-d array")
        if len(lengths) > 1:
            raise ConfigError(f"columns have different lengths {sorted(lengths)}")
        n_rows = lengths.pop() if lengths else 0
        return _from_columns(tuple(table), columns, n_rows)
    raise ConfigError(
        "features must be a 2-d numpy array, a pandas DataFrame or a mapping of column name "
        f"to 1-d array, got {type(table).__name__}"
    )


def _from_array(array: np.ndarray) -> FeatureTable:
    if array.ndim != 2:
        raise ConfigError(f"a feature array must be 2-d (rows x columns), got shape {array.shape}")
    names = tuple(f"f{j}" for j in range(array.shape[1]))
    return _from_columns(names, [array[:, j] for j in range(array.shape[1])], array.shape[0])


def _from_columns(names: tuple[str, ...], columns: list[Any], n_rows: int) -> FeatureTable:
    if len(set(names)) != len(names):
        raise ConfigError(f"column names must be unique, got {list(names)}")
    out = np.empty((n_rows, len(columns)), dtype=np.float64)
    for j, (name, column) in enumerate(zip(names, columns, strict=True)):
        out[:, j] = _numeric(name, np.asarray(column))
    return FeatureTable(out, names)


def _numeric(name: str, column: np.ndarray) -> npt.NDArray[np.float64]:
    if column.dtype.kind in "iub":
        return column.astype(np.float64)
    if column.dtype.kind == "f":
        values = column.astype(np.float64)
    elif column.dtype.kind == "O":
        items = column.tolist()
        if any(isinstance(v, (str, bytes)) for v in items):
            raise ConfigError(f"column {name!r} holds text, not numbers")
        na = _pandas_na()
        try:
            values = np.array(
                [np.nan if v is None or v is na else v for v in items], dtype=np.float64
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"column {name!r} is not numeric: {exc}") from exc
    else:
        raise ConfigError(f"column {name!r} is not numeric (dtype {column.dtype})")
    if np.isinf(values).any():
        raise ConfigError(f"column {name!r} holds infinite values")
    return values


def _pandas_na() -> object:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        return None
    return pd.NA
