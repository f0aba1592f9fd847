"""Evaluation of a score at the label holder: local, plaintext functions on numpy arrays.

Once a secure model's predictions are revealed to the result receiver (the bank), it evaluates
them here like any risk data scientist would: AUC, Gini, KS and their curves
(:mod:`~confide.metrics.ranking`), the lift / gain table and calibration by decile
(:mod:`~confide.metrics.tables`), the population stability index between two score samples
(:mod:`~confide.metrics.stability`) and a one-call :func:`summary`. No party other than the
caller learns anything: nothing here sends a message.

Scores follow one convention: higher means an event (label 1, a default) is more likely. Every
function checks its input and raises :class:`~confide.errors.ConfigError` for mismatched lengths,
NaN or infinite scores, labels other than 0/1, or a single class where a metric needs both.
"""

from confide.metrics.overview import summary
from confide.metrics.ranking import KsCurve, RocCurve, auc, gini, ks_curve, ks_statistic, roc_curve
from confide.metrics.stability import (
    DEFAULT_EPSILON,
    population_stability_index,
    stability_table,
)
from confide.metrics.tables import calibration_table, lift_table

__all__ = [
    "DEFAULT_EPSILON",
    "KsCurve",
    "RocCurve",
    "auc",
    "calibration_table",
    "gini",
    "ks_curve",
    "ks_statistic",
    "lift_table",
    "population_stability_index",
    "roc_curve",
    "stability_table",
    "summary",
]
