"""The credit job as an enclave spec: the MPC job's settings carry over; real data runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from confide.datasets import taiwan_vertical
from confide.datasets.credit import TAIWAN_LABEL
from confide.jobs.credit import CreditSettings
from confide.tee import check_tee_spec, run_components
from confide.tee.credit import credit_spec

CREDIT = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CREDIT_CSV = CREDIT / "uci_taiwan_default_credit_card.csv"
FEATURES = {"bank": ["utilisation", "payment_ratio"], "platform": ["age", "income"]}


def test_the_spec_takes_the_credit_jobs_settings() -> None:
    settings = CreditSettings(split_seed=3, n_bins=7, epochs=4, l2=0.01, learning_rate=0.2)
    spec = credit_spec(FEATURES, settings=settings.to_dict(), boost={"n_estimators": 2})
    check_tee_spec(spec)
    woe, lr, boost = spec.steps
    assert woe.params["split_seed"] == 3 and woe.params["n_bins"] == 7
    assert woe.params["test_fraction"] == settings.test_fraction
    assert (lr.params["epochs"], lr.params["l2"], lr.params["learning_rate"]) == (4, 0.01, 0.2)
    assert boost.params["n_estimators"] == 2 and boost.after == ("woe",)
    assert woe.columns_read("bank", "loans") == ("default", "utilisation", "payment_ratio")
    assert {o.name: o.receivers for o in lr.outputs}["model"] == ("bank",)
    assert {o.name: o.receivers for o in lr.outputs}["metrics"] == ("bank", "platform")
    assert "max_features" not in woe.params  # None in the settings: the component's default
    assert len(credit_spec(FEATURES).steps) == 2


@pytest.mark.data
@pytest.mark.skipif(not CREDIT_CSV.exists(), reason=f"the credit data is absent: {CREDIT_CSV}")
def test_the_uci_credit_data_in_the_enclave_components() -> None:
    data = taiwan_vertical(CREDIT_CSV, overlap=0.9, seed=0)
    features = {
        "bank": [c for c in data.bank.columns if c not in ("ID", TAIWAN_LABEL)],
        "platform": [c for c in data.platform.columns if c != "ID"],
    }
    spec = credit_spec(
        features,
        label=TAIWAN_LABEL,
        settings={"split_seed": 0, "epochs": 3},
        boost={"n_estimators": 3, "max_depth": 3},
    )
    frames = {("bank", "loans"): data.bank, ("platform", "features"): data.platform}
    values = run_components(spec, frames, dict.fromkeys(frames, "ID"))
    tables = values[("woe", "tables")]
    assert tables["train_rows"] + tables["test_rows"] == len(data.shared_ids)
    assert "PAY_0" in tables["selected"]
    assert values[("lr", "metrics")]["test"]["auc"] > 0.7
    assert values[("boost", "metrics")]["test"]["auc"] > 0.7
