"""``summary``: the headline numbers of a score in one flat dict, for logs, reports and JSON."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from confide.metrics.inputs import labels_and_scores
from confide.metrics.ranking import auc, ks_curve

__all__ = ["summary"]


def summary(y: npt.ArrayLike, scores: npt.ArrayLike) -> dict[str, float]:
    """Headline metrics of ``scores`` against 0/1 labels ``y``, as plain floats.

    Keys: ``n`` (rows), ``events``, ``event_rate``, ``mean_score`` (the mean predicted
    probability when scores are probabilities), ``auc``, ``gini``, ``ks`` and ``ks_threshold``
    (the score at which KS is reached). Both classes are required; raises
    :class:`~confide.errors.ConfigError` otherwise or for bad input.
    """
    labels, values = labels_and_scores(y, scores)
    area = auc(labels, values)
    ks = ks_curve(labels, values)
    return {
        "n": float(labels.size),
        "events": float(labels.sum()),
        "event_rate": float(labels.mean()),
        "mean_score": float(np.mean(values)),
        "auc": area,
        "gini": 2.0 * area - 1.0,
        "ks": ks.ks,
        "ks_threshold": ks.threshold,
    }
