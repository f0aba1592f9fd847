"""Quantile bins per feature, computed by each feature's owner alone; missing values apart.

Histogram boosting looks at a feature only through its bin index. Each party bins its own
columns locally (no message is needed: the cut values never leave their owner); the label holder
learns only how many bins each feature has and whether it has missing values (see the
disclosures of :mod:`.secureboost`).

Cuts (``edges``) of a column with non-missing training values ``x``:

- at most ``max_bin`` distinct values: every distinct value gets its own bin, the edges being
  the distinct values but the smallest;
- otherwise quantile cuts: the values of rank ``ceil(k * n / max_bin)`` (``k = 1 ..
  max_bin - 1``) in sorted order, without repeats and above the minimum, so every bin holds
  training values. The owner holds the whole column in memory, so the exact quantiles are
  taken where a streaming sketch (XGBoost's) would approximate them.

A value ``v`` falls in bin ``b = #{edges <= v}`` (bins ``0 .. len(edges)``), so that "bin <= b"
is the same as ``v < edges[b]``: XGBoost's ``value < split_condition`` with the edge as the
condition. Missing values (NaN) fall in an extra cell after the value bins, present only for a
feature that has missing training values; a split sends them to the side that gains most, as
XGBoost's default direction does.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError

__all__ = ["FeatureBins", "fit_bins"]


class FeatureBins:
    """The bin edges of each feature of one party, and which features had missing values."""

    __slots__ = ("edges", "has_missing")

    def __init__(self, edges: list[npt.NDArray[np.float64]], has_missing: np.ndarray) -> None:
        self.edges = edges
        self.has_missing = has_missing.astype(bool)

    @property
    def n_features(self) -> int:
        return len(self.edges)

    @property
    def n_bins(self) -> npt.NDArray[np.int32]:
        """Value bins per feature (the missing cell not counted)."""
        return np.array([len(e) + 1 for e in self.edges], dtype=np.int32)

    @property
    def n_cells(self) -> npt.NDArray[np.int32]:
        """Histogram cells per feature: the value bins, plus one for missing values if any."""
        return self.n_bins + self.has_missing.astype(np.int32)

    def transform(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.int32]:
        """Cell index of every value (rows x features); missing values in the missing cell.

        Raises :class:`ConfigError` for a missing value in a feature that had none in training
        (its histogram has no cell for it); prediction compares raw values with thresholds and
        needs no bins.
        """
        if values.ndim != 2 or values.shape[1] != self.n_features:
            raise ConfigError(f"expected {self.n_features} feature columns, got {values.shape}")
        out = np.empty(values.shape, dtype=np.int32)
        for j, edges in enumerate(self.edges):
            column = values[:, j]
            missing = np.isnan(column)
            out[:, j] = np.searchsorted(edges, column, side="right")
            if missing.any():
                if not self.has_missing[j]:
                    raise ConfigError(f"feature {j} has missing values it had no cell for")
                out[missing, j] = len(edges) + 1
        return out

    def threshold(self, feature: int, bin_index: int) -> float:
        """The split condition of "bin <= ``bin_index``": ``value < threshold`` goes left.

        ``bin_index = -1`` (only missing values go left) gives -inf; the last value bin
        (every value goes left, missing values right) gives +inf.
        """
        edges = self.edges[feature]
        if not -1 <= bin_index <= len(edges):
            raise ConfigError(f"bin {bin_index} is out of range for feature {feature}")
        if bin_index == -1:
            return -math.inf
        if bin_index == len(edges):
            return math.inf
        return float(edges[bin_index])


def fit_bins(values: npt.NDArray[np.float64], max_bin: int) -> FeatureBins:
    """Quantile bins of every column of ``values`` (training rows only), at most ``max_bin``."""
    if isinstance(max_bin, bool) or not isinstance(max_bin, int) or max_bin < 2:
        raise ConfigError(f"max_bin must be an int >= 2, got {max_bin!r}")
    if values.ndim != 2:
        raise ConfigError(f"expected rows x features, got shape {values.shape}")
    edges = []
    has_missing = np.zeros(values.shape[1], dtype=bool)
    for j in range(values.shape[1]):
        column = values[:, j]
        missing = np.isnan(column)
        has_missing[j] = bool(missing.any())
        edges.append(_edges(np.sort(column[~missing]), max_bin))
    return FeatureBins(edges, has_missing)


def _edges(sorted_values: npt.NDArray[np.float64], max_bin: int) -> npt.NDArray[np.float64]:
    n = len(sorted_values)
    if n == 0:
        return np.zeros(0, dtype=np.float64)
    distinct = np.unique(sorted_values)
    if len(distinct) <= max_bin:
        return distinct[1:].astype(np.float64)
    ranks = -(-np.arange(1, max_bin) * n // max_bin)  # ceil(k * n / max_bin)
    cuts = np.unique(sorted_values[np.minimum(ranks, n - 1)])
    out: npt.NDArray[np.float64] = cuts[cuts > sorted_values[0]].astype(np.float64)
    return out
