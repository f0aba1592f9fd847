"""Weight of evidence and information value from per-bin counts: the plaintext twin.

Conventions (those of most credit scorecards). A bin's *events* are its defaults (label 1), its
*non-events* the rest. With ``e_k`` and ``n_k`` the counts of bin ``k`` out of ``K`` bins, and a
smoothing ``a`` (default 0.5) added to both counts of every bin so that empty cells stay finite::

    p_k = (n_k + a) / (N + a K)        q_k = (e_k + a) / (E + a K)
    WOE_k = ln(p_k / q_k)              IV = sum_k (p_k - q_k) * WOE_k

where ``N`` and ``E`` are the column's totals. A positive WOE marks a bin with fewer defaults
than average (lower risk). Both distributions sum to one, so ``IV >= 0``; with ``a = 0`` these
are the textbook formulas (and undefined for a bin without events or non-events).

The secure pipeline (:mod:`confide.preprocessing.vertical`) computes the counts under MPC and
then calls :func:`woe_from_counts` on them, so secure and plaintext WOE agree exactly whenever
the counts do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from confide.errors import ConfigError
from confide.preprocessing.binning import BinSpec

__all__ = [
    "SMOOTHING",
    "WoeTable",
    "check_labels",
    "count_events",
    "plain_woe_iv",
    "table_from_counts",
    "woe_from_counts",
    "woe_table",
]

#: The default count added to both cells of every bin (the Haldane-Anscombe correction).
SMOOTHING = 0.5


@dataclass(frozen=True, eq=False)
class WoeTable:
    """One feature's WOE table: bins, counts, WOE per bin and the feature's IV.

    ``owner`` is the party that holds the feature; ``events`` and ``non_events`` are ``int64``
    counts per bin, ``woe`` is ``float64`` per bin; ``smoothing`` is the count that was added to
    every cell (module docstring).
    """

    feature: str
    owner: str
    labels: tuple[str, ...]
    events: np.ndarray
    non_events: np.ndarray
    woe: np.ndarray
    iv: float
    smoothing: float = SMOOTHING

    @property
    def n_bins(self) -> int:
        """The number of bins."""
        return len(self.labels)

    def to_frame(self) -> pd.DataFrame:
        """The table for reports: one row per bin, with event rate and IV contribution."""
        totals = self.events + self.non_events
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(totals > 0, self.events / np.maximum(totals, 1), np.nan)
        p, q = _shares(self.events, self.non_events, self.smoothing)
        frame: pd.DataFrame = pd.DataFrame(
            {
                "bin": list(self.labels),
                "rows": totals,
                "events": self.events,
                "non_events": self.non_events,
                "event_rate": rate,
                "woe": self.woe,
                "iv": (p - q) * self.woe,
            }
        )
        return frame


def check_labels(labels: object, n_rows: int | None = None) -> np.ndarray:
    """``labels`` as a 1-D ``int64`` array of 0 and 1 with both classes, or ``ConfigError``."""
    array = np.asarray(labels)
    if array.ndim != 1:
        raise ConfigError(f"labels must be a 1-D array, got {array.ndim} dimensions")
    if n_rows is not None and len(array) != n_rows:
        raise ConfigError(f"there are {len(array)} labels for {n_rows} rows")
    if array.dtype.kind not in "biuf":
        raise ConfigError(f"labels must be 0/1 numbers or booleans, got dtype {array.dtype}")
    if array.dtype.kind == "f" and np.isnan(array).any():
        raise ConfigError("labels must be 0 or 1; some are missing")
    binary = (array == 0) | (array == 1)
    if not binary.all():
        raise ConfigError(f"labels must be 0 or 1; {int((~binary).sum())} are not")
    out = array.astype(np.int64)
    events = int(out.sum())
    if events == 0 or events == len(out):
        raise ConfigError("labels must hold both classes (0 and 1)")
    return out


def count_events(
    bins: np.ndarray, labels: np.ndarray, n_bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per-bin (events, non-events) of one column of bin indices in ``[0, n_bins)``."""
    column = np.asarray(bins)
    if column.ndim != 1 or column.shape != np.shape(labels):
        raise ConfigError("a bin column and its labels must be 1-D arrays of one length")
    if column.dtype.kind not in "iu" or (
        len(column) and (column.min() < 0 or column.max() >= n_bins)
    ):
        raise ConfigError(f"bin indices must be integers in [0, {n_bins})")
    events = np.bincount(column[np.asarray(labels) == 1], minlength=n_bins).astype(np.int64)
    totals = np.bincount(column, minlength=n_bins).astype(np.int64)
    return events, totals - events


def woe_from_counts(
    events: np.ndarray, non_events: np.ndarray, *, smoothing: float = SMOOTHING
) -> tuple[np.ndarray, float]:
    """WOE per bin and the IV from per-bin counts (module docstring for the formulas)."""
    e = np.asarray(events)
    n = np.asarray(non_events)
    if e.ndim != 1 or e.shape != n.shape or len(e) == 0:
        raise ConfigError("events and non-events must be 1-D arrays of one non-zero length")
    if (e < 0).any() or (n < 0).any():
        raise ConfigError("counts must not be negative")
    if not (np.isfinite(smoothing) and smoothing >= 0):
        raise ConfigError(f"smoothing must be a finite number >= 0, got {smoothing}")
    if smoothing == 0 and ((e == 0).any() or (n == 0).any()):
        raise ConfigError("a bin without events or non-events needs smoothing > 0")
    if e.sum() == 0 or n.sum() == 0:
        raise ConfigError("WOE needs both events and non-events")
    p, q = _shares(e, n, smoothing)
    woe = np.log(p / q)
    return woe, float(np.sum((p - q) * woe))


def woe_table(
    bins: np.ndarray,
    labels: np.ndarray,
    spec: BinSpec,
    *,
    owner: str = "",
    smoothing: float = SMOOTHING,
) -> WoeTable:
    """The WOE table of one column of bin indices (``spec`` gives the bins and their labels)."""
    events, non_events = count_events(bins, check_labels(labels, len(bins)), spec.n_bins)
    return table_from_counts(spec.feature, owner, spec.labels, events, non_events, smoothing)


def plain_woe_iv(
    bins: np.ndarray,
    specs: Mapping[str, BinSpec],
    labels: np.ndarray,
    *,
    owner: str = "",
    smoothing: float = SMOOTHING,
) -> dict[str, WoeTable]:
    """Every feature's WOE table from ``bins`` (rows x specs, from ``assign_bins``) and labels."""
    matrix = np.asarray(bins)
    if matrix.ndim != 2 or matrix.shape[1] != len(specs):
        raise ConfigError(f"bins must be a rows x {len(specs)} array, got shape {matrix.shape}")
    y = check_labels(labels, matrix.shape[0])
    return {
        name: table_from_counts(
            name, owner, spec.labels, *count_events(matrix[:, j], y, spec.n_bins), smoothing
        )
        for j, (name, spec) in enumerate(specs.items())
    }


def table_from_counts(
    feature: str,
    owner: str,
    labels: Sequence[str],
    events: np.ndarray,
    non_events: np.ndarray,
    smoothing: float = SMOOTHING,
) -> WoeTable:
    """A :class:`WoeTable` from counts; ``len(labels)`` must equal the number of bins."""
    e = np.asarray(events, dtype=np.int64)
    n = np.asarray(non_events, dtype=np.int64)
    if len(labels) != len(e):
        raise ConfigError(f"feature {feature!r}: {len(labels)} labels for {len(e)} bins")
    woe, iv = woe_from_counts(e, n, smoothing=smoothing)
    return WoeTable(feature, owner, tuple(labels), e, n, woe, iv, smoothing)


def _shares(e: np.ndarray, n: np.ndarray, smoothing: float) -> tuple[np.ndarray, np.ndarray]:
    """(p, q): the smoothed non-event and event distributions over the bins."""
    k = len(e)
    p = (n + smoothing) / (n.sum() + smoothing * k)
    q = (e + smoothing) / (e.sum() + smoothing * k)
    return p, q
