"""Checks shared by every metric: labels are 0/1, scores are finite numbers, lengths agree.

Every public function of :mod:`confide.metrics` reads its inputs through these helpers, so a bad
input gets the same clear :class:`~confide.errors.ConfigError` wherever it is passed. Arrays,
lists and pandas Series are accepted; ``bool`` labels count as 0/1.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError

__all__ = ["as_labels", "as_scores", "check_bins", "labels_and_scores"]


def as_scores(values: npt.ArrayLike, name: str = "scores") -> npt.NDArray[np.float64]:
    """``values`` as 1-d float64; :class:`ConfigError` if empty, non-numeric or not finite."""
    array = _one_dimensional(values, name)
    if array.size == 0:
        raise ConfigError(f"{name} are empty")
    bad = ~np.isfinite(array)
    if bad.any():
        raise ConfigError(
            f"{name} must be finite numbers; {int(bad.sum())} of {array.size} are NaN or infinite"
        )
    return array


def as_labels(values: npt.ArrayLike, name: str = "labels") -> npt.NDArray[np.float64]:
    """``values`` as a 1-d float64 array of 0.0 and 1.0; :class:`ConfigError` for anything else."""
    array = _one_dimensional(values, name)
    if array.size == 0:
        raise ConfigError(f"{name} are empty")
    missing = np.isnan(array)
    if missing.any():
        raise ConfigError(f"{name} must be 0 or 1; {int(missing.sum())} are missing (NaN)")
    other = (array != 0.0) & (array != 1.0)
    if other.any():
        found = np.unique(array[other])[:5].tolist()
        raise ConfigError(f"{name} must be 0 or 1; found other values such as {found}")
    return array


def labels_and_scores(
    y: npt.ArrayLike, scores: npt.ArrayLike, *, both_classes: bool = True
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Checked labels and scores of the same length; with ``both_classes``, both 0 and 1 present.

    Ranking metrics (AUC, ROC, KS, lift) compare events with non-events, so they are undefined
    when either class is absent; that is refused here rather than returned as NaN.
    """
    labels = as_labels(y)
    values = as_scores(scores)
    if labels.shape != values.shape:
        raise ConfigError(f"labels and scores differ in length: {labels.size} != {values.size}")
    if both_classes:
        events = int(labels.sum())
        if events in (0, labels.size):
            only = "1 (events)" if events else "0 (non-events)"
            raise ConfigError(
                f"labels hold a single class, all {only}: the metric is undefined without "
                "both events and non-events"
            )
    return labels, values


def check_bins(n_bins: int) -> int:
    """``n_bins`` as an int of at least 1; :class:`ConfigError` otherwise."""
    if isinstance(n_bins, bool) or not isinstance(n_bins, int | np.integer) or n_bins < 1:
        raise ConfigError(f"n_bins must be a positive integer, got {n_bins!r}")
    return int(n_bins)


def _one_dimensional(values: npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    raw = np.asarray(values)
    kind = raw.dtype.kind
    if kind not in "biufO" or (kind == "O" and any(isinstance(v, str | bytes) for v in raw.flat)):
        raise ConfigError(f"{name} must be numbers, got dtype {raw.dtype}")
    try:
        array = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be numbers: {exc}") from exc
    if array.ndim != 1:
        raise ConfigError(f"{name} must be 1-d, got shape {array.shape}")
    return array
