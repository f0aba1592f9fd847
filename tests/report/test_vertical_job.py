"""``confide.report.vertical_job``: the run's metadata and the page both job reports share.

Outcomes are written by hand here (the job reports run the real jobs in their own tests).
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from confide.errors import ConfigError
from confide.jobs.boost import BoostJobSettings, BoostOutcome
from confide.jobs.credit import CreditOutcome, CreditSettings
from confide.jobs.vertical import VerticalSettings
from confide.report.data import IV_COLUMNS, RunMetadata
from confide.report.vertical_job import job_page, party_roles, run_metadata, stage_infos

LABELS = np.array([0, 1, 0, 1, 1, 0], dtype=np.int64)
SCORES = np.array([0.1, 0.8, 0.3, 0.6, 0.9, 0.2])
STARTED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def finished(party: str = "bank") -> CreditOutcome:
    return CreditOutcome(
        party=party,
        settings=CreditSettings().to_dict(),
        rows=10,
        intersection=6,
        train_size=4,
        test_size=2,
        test_scores=SCORES,
        test_labels=LABELS,
        disclosures=[{"step": "psi", "who": "everyone", "learns": "the size", "why": "PSI"}],
        stages=[{"name": "psi", "seconds": 1.5, "bytes_sent": 2_000}],
    )


def metadata(
    outcome: CreditOutcome | BoostOutcome,
    settings: VerticalSettings | None = None,
    what: str = "credit",
) -> RunMetadata:
    return run_metadata(
        outcome,
        settings or CreditSettings(),
        what=what,
        rows_by_party={"platform": 12},
        stages_by_party={"dealer": [{"name": "check", "seconds": 0.5}]},
        job_id="j1",
        started_at=STARTED,
    )


def test_the_metadata_lists_every_party_its_rows_and_every_stage() -> None:
    found = metadata(finished())
    assert [(p.name, p.rows) for p in found.parties] == [
        ("bank", 10),
        ("platform", 12),
        ("dealer", None),
    ]
    assert [(s.name, s.bytes_sent) for s in found.stages] == [
        ("psi (bank)", 2_000),
        ("check (dealer)", None),
    ]
    assert (found.intersection_size, found.train_size, found.test_size) == (6, 4, 2)
    assert (found.job_id, found.report_owner, found.started_at) == ("j1", "bank", STARTED)


@pytest.mark.parametrize(
    ("outcome", "settings", "what", "message"),
    [
        (finished("platform"), None, "credit", "^a credit report is made from the label holder"),
        (
            BoostOutcome(party="platform", settings={}),
            BoostJobSettings(),
            "boosting",
            "^a boosting report is made from the label holder",
        ),
        (CreditOutcome(party="bank", settings={}), None, "credit", "did the job finish"),
    ],
)
def test_only_a_finished_label_holder_outcome_makes_a_report(
    outcome: CreditOutcome | BoostOutcome,
    settings: VerticalSettings | None,
    what: str,
    message: str,
) -> None:
    with pytest.raises(ConfigError, match=message):
        metadata(outcome, settings, what)


def test_the_page_holds_the_scores_and_the_disclosures() -> None:
    outcome = finished()
    found = metadata(outcome)
    no_iv = pd.DataFrame({column: pd.Series([], dtype=object) for column in IV_COLUMNS})
    page = job_page(
        "t", found, outcome, iv=no_iv.astype({"iv": float}), woe_tables={}, coefficients={}
    )
    assert page.title == "t" and page.metadata is found
    assert page.metrics["test"]["auc"] == pytest.approx(1.0)
    assert [(d.step, d.receiver, d.what) for d in page.disclosures] == [
        ("psi", "everyone", "the size")
    ]
    assert "train" not in page.metrics  # no training scores in this outcome


def test_party_roles_and_stage_rows() -> None:
    assert party_roles("bank", "bank", "dealer") == (
        "data_provider",
        "task_initiator",
        "result_receiver",
    )
    assert party_roles("dealer", "bank", "dealer") == ("compute_helper",)
    assert party_roles("platform", "bank", None) == ("data_provider",)
    rows = stage_infos("bank", [{"name": "a", "seconds": 1, "bytes_sent": np.int64(5)}], None)
    assert [(r.name, r.seconds, r.bytes_sent) for r in rows] == [("a (bank)", 1.0, 5)]
