"""Tables by score quantile: the lift / gain table and calibration by decile.

Both split the rows into ``n_bins`` groups of (nearly) equal size by rank of the score. Rows
with equal scores always land in the same group, so a group can be larger than ``n / n_bins``
and, when many scores are tied, some groups are empty: empty groups are left out, so a table
can have fewer than ``n_bins`` rows. With distinct scores, group sizes differ by at most one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from confide.errors import ConfigError
from confide.metrics.inputs import check_bins, labels_and_scores

__all__ = ["calibration_table", "lift_table"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def lift_table(y: npt.ArrayLike, scores: npt.ArrayLike, n_bins: int = 10) -> pd.DataFrame:
    """The lift / gain table: rows grouped by score, highest scores first (bin 1 = riskiest).

    Columns, one row per non-empty bin:

    - ``bin``, ``min_score``, ``max_score``: the group (1-based) and its score range;
    - ``count``, ``events``, ``non_events``, ``event_rate``: what falls in the group;
    - ``cum_count``, ``cum_events``, ``cum_population`` (share of all rows so far),
      ``cum_event_rate``;
    - ``capture`` (share of all events in the group) and ``cum_capture`` (the gain curve);
    - ``lift`` (group event rate / overall event rate) and ``cum_lift``.

    Both classes are required (lift divides by the overall event rate); raises
    :class:`~confide.errors.ConfigError` otherwise or for bad input.
    """
    bins = check_bins(n_bins)
    labels, values = labels_and_scores(y, scores)
    group = _quantile_groups(values, bins, descending=True)
    counts, events, lows, highs, _ = _aggregate(group, labels, values)
    total, total_events = counts.sum(), events.sum()
    overall_rate = total_events / total
    cum_count, cum_events = np.cumsum(counts), np.cumsum(events)
    rate = events / counts
    cum_rate = cum_events / cum_count
    table: pd.DataFrame = pd.DataFrame(
        {
            "bin": np.arange(1, counts.size + 1),
            "min_score": lows,
            "max_score": highs,
            "count": counts,
            "events": events,
            "non_events": counts - events,
            "event_rate": rate,
            "cum_count": cum_count,
            "cum_events": cum_events,
            "cum_population": cum_count / total,
            "cum_event_rate": cum_rate,
            "capture": events / total_events,
            "cum_capture": cum_events / total_events,
            "lift": rate / overall_rate,
            "cum_lift": cum_rate / overall_rate,
        }
    )
    return table


def calibration_table(
    y: npt.ArrayLike, probabilities: npt.ArrayLike, n_bins: int = 10
) -> pd.DataFrame:
    """Calibration by quantile of the predicted probability, lowest first (bin 1 = safest).

    Columns, one row per non-empty bin: ``bin``, ``min_predicted``, ``max_predicted``,
    ``count``, ``events``, ``mean_predicted``, ``observed_rate`` and ``difference``
    (observed minus predicted: positive where the model under-predicts risk). A well calibrated
    model has ``mean_predicted`` close to ``observed_rate`` in every bin.

    Probabilities must lie in [0, 1]; a single class is allowed (the observed rates are then all
    0 or all 1). Raises :class:`~confide.errors.ConfigError` for bad input.
    """
    bins = check_bins(n_bins)
    labels, values = labels_and_scores(y, probabilities, both_classes=False)
    outside = (values < 0.0) | (values > 1.0)
    if outside.any():
        raise ConfigError(
            f"probabilities must lie in [0, 1]; {int(outside.sum())} of {values.size} do not"
        )
    group = _quantile_groups(values, bins, descending=False)
    counts, events, lows, highs, sums = _aggregate(group, labels, values)
    mean_predicted = sums / counts
    observed = events / counts
    table: pd.DataFrame = pd.DataFrame(
        {
            "bin": np.arange(1, counts.size + 1),
            "min_predicted": lows,
            "max_predicted": highs,
            "count": counts,
            "events": events,
            "mean_predicted": mean_predicted,
            "observed_rate": observed,
            "difference": observed - mean_predicted,
        }
    )
    return table


def _quantile_groups(values: FloatArray, n_bins: int, *, descending: bool) -> IntArray:
    """Group 0..n_bins-1 of each row by rank; a run of tied values takes its first rank's group.

    A row at rank r (0-based, in the chosen order) goes to group ``r * n_bins // n``, which gives
    groups of ``n / n_bins`` rows, give or take one, when values are distinct.
    """
    n = values.size
    order = np.argsort(-values if descending else values, kind="stable")
    ordered = values[order]
    starts = np.concatenate(([True], np.diff(ordered) != 0.0))
    first_rank = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    group = np.empty(n, dtype=np.int64)
    group[order] = first_rank * n_bins // n
    return group


def _aggregate(
    group: IntArray, labels: FloatArray, values: FloatArray
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray]:
    """Per non-empty group, in group order: rows, events, min and max value, sum of values."""
    present, compact = np.unique(group, return_inverse=True)
    k = present.size
    counts: IntArray = np.bincount(compact, minlength=k).astype(np.int64)
    events: IntArray = np.bincount(compact, weights=labels, minlength=k).round().astype(np.int64)
    sums: FloatArray = np.bincount(compact, weights=values, minlength=k).astype(np.float64)
    lows: FloatArray = np.full(k, np.inf)
    highs: FloatArray = np.full(k, -np.inf)
    np.minimum.at(lows, compact, values)
    np.maximum.at(highs, compact, values)
    return counts, events, lows, highs, sums
