"""``credit_job_report``: the report of a credit job from the label holder's outcome."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from confide.datasets import vertical_credit
from confide.errors import ConfigError
from confide.jobs.credit import CreditOutcome, CreditSettings, run_credit
from confide.report import credit_job_report, render_html
from confide.runtime import Context, simulate


@pytest.fixture(scope="module")
def outcomes() -> dict[str, CreditOutcome]:
    data = vertical_credit(3_000, seed=8)
    settings = CreditSettings(split_seed=1, epochs=2)

    def job(ctx: Context, frame: pd.DataFrame | None) -> dict[str, Any]:
        return run_credit(ctx, settings, None, frame=frame, emit=None).to_dict()

    frames = {"bank": data.bank, "platform": data.platform, "dealer": None}
    results = simulate(job, frames, roles={"dealer": ["compute_helper"]}, timeout=60)
    return {party: CreditOutcome.from_dict(result) for party, result in results.items()}


def test_the_report_shows_every_party_stage_feature_and_disclosure(
    outcomes: dict[str, CreditOutcome],
) -> None:
    bank = outcomes["bank"]
    others = {p: outcomes[p].stages for p in ("platform", "dealer")}
    report = credit_job_report(bank, rows_by_party={"platform": 3_000}, stages_by_party=others)
    assert [p.name for p in report.metadata.parties] == ["bank", "platform", "dealer"]
    assert {s.name for s in report.metadata.stages} >= {"psi (bank)", "woe (dealer)"}
    assert set(report.iv["feature"]) == set(bank.iv)
    assert set(report.woe_tables) == set(bank.woe_tables)
    assert report.coefficients["platform"] == bank.coefficients["platform"]
    assert {d.step for d in report.disclosures} >= {"psi", "woe", "train and predict"}
    assert report.metrics["test"]["auc"] == pytest.approx(bank.metrics["test"]["auc"])
    assert "Who learned what" in render_html(report)


def test_only_the_label_holders_outcome_makes_a_report(
    outcomes: dict[str, CreditOutcome],
) -> None:
    with pytest.raises(ConfigError, match="label holder"):
        credit_job_report(outcomes["platform"])
