"""Joint statistics over horizontally split data: count, sum, mean and variance of each column.

Every party holds rows with the same numeric columns. Together they compute, per column, the
number of non-missing values, their sum, mean and sample variance (``ddof=1``) over the union
of all rows, while no party reveals its own totals: local aggregates are added with
:func:`confide.mpc.secure_sum` (pairwise PRG masks), and only the totals are opened.

Steps (3 exchanges in all):

1. Every party broadcasts its column names; all must match (the schema is public).
2. Secure sum of the local counts and sums; every party derives the global means.
3. Secure sum of the local sums of squared deviations from the global mean (two-pass, so the
   variance keeps full precision even when the mean is large); every party derives the variance.

Missing values (NaN) are left out of every statistic of their column.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from confide.errors import ConfigError, ProtocolError
from confide.mpc.secure_sum import decode_fixed, encode_fixed, secure_sum
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = [
    "DISCLOSURE",
    "JointStatistics",
    "joint_statistics",
    "joint_statistics_job",
    "plaintext_statistics",
]

DISCLOSURE = (
    Disclosure("every party", "the column names of every other party", "the schema is public"),
    Disclosure("every party", "the total count, sum, mean and variance of each column"),
    Disclosure(
        "each party, when only two take part,",
        "the other party's count, sum and sum of squared deviations",
        "by subtracting its own from the totals: inherent in the output",
    ),
)


@dataclass(frozen=True)
class JointStatistics:
    """Per-column statistics over the rows of all parties."""

    columns: tuple[str, ...]
    count: np.ndarray
    sum: np.ndarray
    mean: np.ndarray
    var: np.ndarray

    def to_dict(self) -> dict[str, dict[str, float]]:
        """{column: {"count", "sum", "mean", "var"}} with plain Python numbers."""
        return {
            column: {
                "count": int(self.count[i]),
                "sum": float(self.sum[i]),
                "mean": float(self.mean[i]),
                "var": float(self.var[i]),
            }
            for i, column in enumerate(self.columns)
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, float]]) -> JointStatistics:
        """The inverse of :meth:`to_dict`."""
        columns = tuple(data)
        return cls(
            columns=columns,
            count=np.array([data[c]["count"] for c in columns], dtype=np.int64),
            sum=np.array([data[c]["sum"] for c in columns], dtype=np.float64),
            mean=np.array([data[c]["mean"] for c in columns], dtype=np.float64),
            var=np.array([data[c]["var"] for c in columns], dtype=np.float64),
        )


def _as_matrix(table: Mapping[str, Any]) -> tuple[tuple[str, ...], np.ndarray]:
    """Validate a local table ({column: 1-d numeric array}) and stack it as rows x columns."""
    if not isinstance(table, Mapping) or not table:
        raise ConfigError("a table must be a non-empty mapping of column name to values")
    columns = tuple(table)
    arrays = []
    for column in columns:
        if not isinstance(column, str):
            raise ConfigError(f"column names must be strings, got {column!r}")
        values = np.asarray(table[column])
        if values.ndim != 1 or not (
            np.issubdtype(values.dtype, np.number) or values.dtype == np.bool_
        ):
            raise ConfigError(f"column {column!r} must be a 1-d numeric array")
        arrays.append(values.astype(np.float64))
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ConfigError(f"columns have different lengths {sorted(lengths)}")
    if any(np.isinf(a).any() for a in arrays):
        raise ConfigError("columns must not contain infinite values")
    return columns, np.column_stack(arrays)


def joint_statistics(ctx: Context, table: Mapping[str, Any]) -> JointStatistics:
    """Compute the joint per-column statistics; every party gets the same result."""
    columns, matrix = _as_matrix(table)
    with ctx.scope("joint_statistics"):
        ctx.broadcast("columns", list(columns))
        for peer, theirs in ctx.gather("columns").items():
            if theirs != list(columns):
                raise ProtocolError(
                    f"{peer!r} has columns {theirs}, {ctx.party!r} has {list(columns)}"
                )
        present = ~np.isnan(matrix)
        local_count = present.sum(axis=0)
        local_sum = np.where(present, matrix, 0.0).sum(axis=0)
        totals = secure_sum(ctx, [int(c) for c in local_count] + encode_fixed(local_sum))
        k = len(columns)
        count = np.array(totals[:k], dtype=np.int64)
        total_sum = decode_fixed(totals[k:])
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(count > 0, total_sum / np.maximum(count, 1), np.nan)
        deviations = np.where(present, matrix - np.nan_to_num(mean), 0.0)
        css = decode_fixed(secure_sum(ctx, encode_fixed((deviations**2).sum(axis=0))))
        var = np.where(count > 1, css / np.maximum(count - 1, 1), np.nan)
    return JointStatistics(columns, count, total_sum, mean, var)


def joint_statistics_job(ctx: Context, table: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """:func:`joint_statistics` with a wire-format result, for :func:`confide.launch`."""
    return joint_statistics(ctx, table).to_dict()


def plaintext_statistics(tables: Sequence[Mapping[str, Any]]) -> JointStatistics:
    """The plaintext twin: the same statistics with all rows in one place."""
    parts = [_as_matrix(table) for table in tables]
    columns = parts[0][0]
    matrix = np.vstack([m for _, m in parts])
    present = ~np.isnan(matrix)
    count = present.sum(axis=0).astype(np.int64)
    total = np.nansum(matrix, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns give NaN, on purpose
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
        var = np.where(count > 1, np.nanvar(matrix, axis=0, ddof=1), np.nan)
    return JointStatistics(columns, count, total, mean, var)
