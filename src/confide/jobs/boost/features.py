"""A data party's feature columns as numbers for the trees, encoded locally.

Numbers stay as they are (missing values stay missing: the trees learn where they go).
Categories become their codes: for a pandas ``category`` column, its categories' order; for a
text column, the sorted distinct values of the party's whole table (encoded before the PSI, so
the codes do not depend on which rows the other parties hold). Trees split such codes as
ordered values, a common simplification for nominal columns. Nothing here leaves the party.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from confide.errors import ConfigError

__all__ = ["numeric_features"]


def numeric_features(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with ``columns`` as float64 (categories as codes, missing as NaN)."""
    out: pd.DataFrame = frame.copy()
    for name in columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes = column.cat.codes.to_numpy().astype(np.float64)
            out[name] = np.where(codes < 0, np.nan, codes)
        elif pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
            out[name] = column.astype(np.float64)
        elif pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            present = column.dropna()
            if pd.api.types.infer_dtype(present, skipna=True) not in ("string", "empty"):
                raise ConfigError(f"column {name!r} mixes text with other values")
            categories = np.sort(present.unique().astype(str))
            codes = pd.Categorical(column, categories=categories).codes.astype(np.float64)
            out[name] = np.where(codes < 0, np.nan, codes)
        else:
            raise ConfigError(f"column {name!r} is neither numeric nor categorical")
        if np.isinf(out[name].to_numpy()).any():
            raise ConfigError(f"column {name!r} holds infinite values")
    return out
