"""``credit_report`` computes its numbers with confide.metrics, for train and test."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from confide.errors import ConfigError
from confide.metrics import (
    auc,
    calibration_table,
    ks_statistic,
    lift_table,
    population_stability_index,
)
from confide.report import PartyInfo, RunMetadata, credit_report, ranking_metrics
from tests.report.sample import sample_report

METADATA = RunMetadata(
    parties=(PartyInfo("bank", ("data provider",)),),
    started_at=datetime(2025, 1, 1, tzinfo=timezone.utc),
)
IV = pd.DataFrame({"feature": ["x"], "owner": ["bank"], "iv": [0.2]})


def labelled(seed: int, n: int = 3000) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.2).astype(int)
    return y, 1 / (1 + np.exp(-(rng.normal(size=n) + 1.2 * y - 1.5)))


def test_ranking_metrics_match_confide_metrics() -> None:
    y, p = labelled(1)
    m = ranking_metrics(y, p)
    assert m["auc"] == auc(y, p)
    assert m["ks"] == ks_statistic(y, p)
    assert m["gini"] == pytest.approx(2 * auc(y, p) - 1, abs=1e-15)
    assert (m["n"], m["events"]) == (y.size, y.sum())


def test_train_and_test_metrics_lift_calibration_and_psi() -> None:
    (y_train, p_train), (y_test, p_test) = labelled(1), labelled(2, 1000)
    report = credit_report(
        "r",
        METADATA,
        test_labels=y_test,
        test_scores=p_test,
        train_labels=y_train,
        train_scores=p_train,
        iv=IV,
        woe_tables={},
        coefficients={"bank": {"x": -0.5}},
        disclosures=[],
    )
    assert set(report.metrics) == {"train", "test"}
    assert report.metrics["train"]["auc"] == auc(y_train, p_train)
    assert report.metrics["test"]["auc"] == auc(y_test, p_test)
    assert report.psi == population_stability_index(p_train, p_test)
    assert report.lift is not None
    assert report.calibration is not None
    pd.testing.assert_frame_equal(report.lift, lift_table(y_test, p_test))
    pd.testing.assert_frame_equal(report.calibration, calibration_table(y_test, p_test))


def test_test_sample_alone() -> None:
    y, p = labelled(3)
    report = credit_report(
        "r",
        METADATA,
        test_labels=y,
        test_scores=p,
        iv=IV,
        woe_tables={},
        coefficients={},
        disclosures=[],
        n_bins=5,
    )
    assert list(report.metrics) == ["test"]
    assert report.psi is None
    assert report.lift is not None
    assert len(report.lift) == 5


def test_train_labels_need_train_scores() -> None:
    y, p = labelled(4)
    with pytest.raises(ConfigError, match="both train labels and train scores"):
        credit_report(
            "r",
            METADATA,
            test_labels=y,
            test_scores=p,
            train_labels=y,
            iv=IV,
            woe_tables={},
            coefficients={},
            disclosures=[],
        )


def test_sample_report_points_rank_like_probabilities() -> None:
    report = sample_report(3000, seed=4)
    assert report.test_points is not None
    # Points are scorecard points of the same model, rounded: higher points, lower risk.
    area = auc(report.test_labels, -report.test_points)
    assert abs(area - report.metrics["test"]["auc"]) < 0.005
