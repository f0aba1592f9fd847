"""How well a score ranks events above non-events: ROC curve, AUC, Gini, the KS curve and statistic.

Convention: a higher score means an event (a default, label 1) is more likely, as for a
predicted probability. For scorecard points, where higher means safer, pass the negated points.

All of them rest on one pass, :func:`_counts_by_threshold`: sort the scores once (O(n log n)),
then count events and non-events at or above each *distinct* score. Working on distinct scores
is what makes every metric here exact under ties: tied rows move across a threshold together,
so a tie between an event and a non-event counts as half a correctly ordered pair in the AUC
(the Mann-Whitney convention, as in scikit-learn's ``roc_auc_score``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from confide.metrics.inputs import labels_and_scores

__all__ = ["KsCurve", "RocCurve", "auc", "gini", "ks_curve", "ks_statistic", "roc_curve"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RocCurve:
    """ROC points, one per distinct score plus the origin (threshold ``+inf``).

    ``thresholds`` decrease; at each, ``tpr`` is the share of events and ``fpr`` the share of
    non-events whose score is at or above it. The last point is (1, 1).
    """

    thresholds: FloatArray
    fpr: FloatArray
    tpr: FloatArray


@dataclass(frozen=True)
class KsCurve:
    """The Kolmogorov-Smirnov chart: cumulative shares of events and non-events by threshold.

    ``population`` is the share of all rows scoring at or above each threshold (the usual x-axis
    of a credit KS chart), ``tpr`` and ``fpr`` the shares of events and non-events. ``ks`` is the
    largest gap ``|tpr - fpr|``, reached first at ``threshold``.
    """

    thresholds: FloatArray
    population: FloatArray
    tpr: FloatArray
    fpr: FloatArray
    ks: float
    threshold: float


def roc_curve(y: npt.ArrayLike, scores: npt.ArrayLike) -> RocCurve:
    """The ROC curve of ``scores`` against 0/1 labels ``y`` (every distinct score is a point).

    Equals scikit-learn's ``roc_curve(y, scores, drop_intermediate=False)``. Raises
    :class:`~confide.errors.ConfigError` for bad labels or scores, or a single class.
    """
    thresholds, events, non_events = _counts_by_threshold(y, scores)
    return RocCurve(
        thresholds=thresholds,
        fpr=non_events / non_events[-1],
        tpr=events / events[-1],
    )


def auc(y: npt.ArrayLike, scores: npt.ArrayLike) -> float:
    """Area under the ROC curve: the chance that a random event outscores a random non-event.

    Exact and tie-aware (a tied pair counts one half), O(n log n). The trapezoid sum is done in
    integer counts, so it is exact up to the final division. Raises
    :class:`~confide.errors.ConfigError` for bad input or a single class (AUC is undefined).
    """
    _, events, non_events = _counts_by_threshold(y, scores)
    # Each step right by d non-events at heights e0 -> e1 adds d * (e0 + e1) / 2 ordered pairs.
    twice_area = np.sum(np.diff(non_events) * (events[1:] + events[:-1]))
    return float(twice_area) / (2.0 * float(events[-1]) * float(non_events[-1]))


def gini(y: npt.ArrayLike, scores: npt.ArrayLike) -> float:
    """The Gini coefficient (accuracy ratio) of the ranking, ``2 * AUC - 1``, in [-1, 1]."""
    return 2.0 * auc(y, scores) - 1.0


def ks_curve(y: npt.ArrayLike, scores: npt.ArrayLike) -> KsCurve:
    """The KS chart of ``scores``: see :class:`KsCurve`. Starts at the origin (threshold +inf)."""
    thresholds, events, non_events = _counts_by_threshold(y, scores)
    tpr = events / events[-1]
    fpr = non_events / non_events[-1]
    gap = np.abs(tpr - fpr)
    best = int(np.argmax(gap))
    return KsCurve(
        thresholds=thresholds,
        population=(events + non_events) / (events[-1] + non_events[-1]),
        tpr=tpr,
        fpr=fpr,
        ks=float(gap[best]),
        threshold=float(thresholds[best]),
    )


def ks_statistic(y: npt.ArrayLike, scores: npt.ArrayLike) -> float:
    """The KS statistic: the largest gap between the score distributions of events and non-events.

    In [0, 1]; equals the two-sample Kolmogorov-Smirnov statistic of the events' scores against
    the non-events' scores (ties handled exactly, since only distinct scores are thresholds).
    """
    return ks_curve(y, scores).ks


def _counts_by_threshold(
    y: npt.ArrayLike, scores: npt.ArrayLike
) -> tuple[FloatArray, IntArray, IntArray]:
    """Distinct scores (decreasing, led by +inf) and the events / non-events at or above each.

    Steps: (1) check the inputs, both classes required; (2) sort by score, highest first;
    (3) keep the last row of each run of equal scores; (4) cumulative event counts there, and
    non-events as rows minus events. The leading ``+inf`` threshold has zero counts.
    """
    labels, values = labels_and_scores(y, scores)
    order = np.argsort(-values, kind="stable")
    ordered = values[order]
    last_of_run = np.flatnonzero(np.diff(ordered) != 0.0)
    ends = np.append(last_of_run, ordered.size - 1)
    cumulative = np.cumsum(labels[order].astype(np.int64))
    events = np.concatenate(([0], cumulative[ends])).astype(np.int64)
    non_events = np.concatenate(([0], ends + 1 - cumulative[ends])).astype(np.int64)
    thresholds = np.concatenate(([np.inf], ordered[ends]))
    return thresholds, events, non_events
