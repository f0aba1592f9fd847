"""The public names of ``confide.metrics``, pinned."""

from __future__ import annotations

import confide.metrics as metrics


def test_public_names() -> None:
    assert sorted(metrics.__all__) == sorted(
        [
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
    )
    assert all(hasattr(metrics, name) for name in metrics.__all__)
