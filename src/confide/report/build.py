"""``credit_report``: a :class:`~confide.report.CreditReport` from labels, scores and tables.

The result receiver calls this with what it holds; the metrics, lift and calibration tables and
the PSI are computed here with :mod:`confide.metrics`, locally (nothing is sent).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy.typing as npt
import pandas as pd

from confide.errors import ConfigError
from confide.metrics import (
    auc,
    calibration_table,
    ks_statistic,
    lift_table,
    population_stability_index,
)
from confide.metrics.inputs import as_scores, labels_and_scores
from confide.report.data import BoostingSection, CreditReport, DisclosureRow, RunMetadata

__all__ = ["credit_report", "ranking_metrics"]


def ranking_metrics(y: npt.ArrayLike, scores: npt.ArrayLike) -> dict[str, float]:
    """``n``, ``events``, ``auc``, ``ks`` and ``gini`` of ``scores`` (probabilities of default)."""
    labels, values = labels_and_scores(y, scores)
    area = auc(labels, values)
    return {
        "n": float(labels.size),
        "events": float(labels.sum()),
        "auc": area,
        "ks": ks_statistic(labels, values),
        "gini": 2.0 * area - 1.0,
    }


def credit_report(
    title: str,
    metadata: RunMetadata,
    *,
    test_labels: npt.ArrayLike,
    test_scores: npt.ArrayLike,
    iv: pd.DataFrame,
    woe_tables: Mapping[str, pd.DataFrame],
    coefficients: Mapping[str, Mapping[str, float] | None],
    disclosures: Iterable[DisclosureRow],
    train_labels: npt.ArrayLike | None = None,
    train_scores: npt.ArrayLike | None = None,
    scorecard: pd.DataFrame | None = None,
    test_points: npt.ArrayLike | None = None,
    n_bins: int = 10,
    boosting: BoostingSection | None = None,
) -> CreditReport:
    """A complete report: metrics for train (when given) and test, lift and calibration by
    ``n_bins`` quantiles of the test scores, and the PSI of test against train scores.

    Scores are predicted probabilities of default. ``boosting`` makes it a report of boosted
    trees (the IV, WOE and coefficient inputs may then be empty). Raises
    :class:`~confide.errors.ConfigError` for bad inputs, or train labels without train scores
    (or the reverse).
    """
    if (train_labels is None) != (train_scores is None):
        raise ConfigError("give both train labels and train scores, or neither")
    metrics: dict[str, dict[str, float]] = {}
    psi = None
    if train_labels is not None and train_scores is not None:
        metrics["train"] = ranking_metrics(train_labels, train_scores)
        psi = population_stability_index(train_scores, test_scores, n_bins)
    metrics["test"] = ranking_metrics(test_labels, test_scores)
    labels, scores = labels_and_scores(test_labels, test_scores)
    return CreditReport(
        title=title,
        metadata=metadata,
        metrics=metrics,
        test_labels=labels,
        test_scores=scores,
        iv=iv,
        woe_tables=woe_tables,
        coefficients=coefficients,
        disclosures=tuple(disclosures),
        lift=lift_table(labels, scores, n_bins),
        calibration=calibration_table(labels, scores, n_bins),
        scorecard=scorecard,
        psi=psi,
        test_points=None if test_points is None else as_scores(test_points, "test points"),
        boosting=boosting,
    )
