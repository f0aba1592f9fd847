"""``summary``: the headline numbers agree with the single-metric functions."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.metrics import auc, ks_curve, summary


def test_summary_matches_the_metrics() -> None:
    rng = np.random.default_rng(5)
    y = (rng.random(500) < 0.3).astype(int)
    p = np.clip(0.3 + 0.2 * y + 0.2 * rng.normal(size=500), 0, 1)
    out = summary(y, p)
    assert set(out) == {"n", "events", "event_rate", "mean_score", "auc", "gini", "ks",
                        "ks_threshold"}  # fmt: skip
    assert all(isinstance(v, float) for v in out.values())
    assert out["n"] == 500 and out["events"] == y.sum()
    assert out["event_rate"] == pytest.approx(y.mean())
    assert out["mean_score"] == pytest.approx(p.mean())
    assert out["auc"] == auc(y, p) and out["gini"] == pytest.approx(2 * out["auc"] - 1)
    assert out["ks"] == ks_curve(y, p).ks and out["ks_threshold"] == ks_curve(y, p).threshold


def test_summary_needs_both_classes() -> None:
    with pytest.raises(ConfigError, match="single class"):
        summary([1, 1, 1], [0.2, 0.3, 0.4])
