"""The report of a credit job, from the label holder's outcome (:class:`CreditOutcome`).

The label holder's outcome holds everything the page shows: its scores and labels, the IVs and
WOE tables it learned, the coefficients the owners shared (an owner that kept them shows as not
disclosed), the scorecard, stage times and bytes, and the disclosure list of every step. The
run's metadata and the page around the credit sections are every vertical job's
(:mod:`confide.report.vertical_job`; :func:`party_roles` and :func:`stage_infos` live there).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from confide.jobs.credit import CreditOutcome, CreditSettings
from confide.preprocessing import WoeTable
from confide.report.data import CreditReport
from confide.report.vertical_job import job_page, party_roles, run_metadata, stage_infos

__all__ = ["credit_job_report", "party_roles", "stage_infos"]


def credit_job_report(
    outcome: CreditOutcome,
    *,
    rows_by_party: Mapping[str, int] | None = None,
    stages_by_party: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
    job_id: str = "",
    started_at: datetime | None = None,
    title: str = "Credit scorecard: vertical logistic regression on WOE features",
    trust: str = "",
) -> CreditReport:
    """The :class:`CreditReport` of the label holder's ``outcome``.

    ``rows_by_party`` and ``stages_by_party`` add what the other parties told the report's
    owner (their table sizes, their stage times); without them the page shows its owner's only.
    ``trust``: the trust assumption of an enclave job, shown with the run's data.
    """
    settings = CreditSettings.from_dict(outcome.settings)
    metadata = run_metadata(
        outcome,
        settings,
        what="credit",
        rows_by_party=rows_by_party,
        stages_by_party=stages_by_party,
        job_id=job_id,
        started_at=started_at,
        trust=trust,
    )
    iv = pd.DataFrame(
        {
            "feature": list(outcome.iv),
            "owner": [outcome.owners[f] for f in outcome.iv],
            "iv": list(outcome.iv.values()),
        }
    ).sort_values("iv", ascending=False, ignore_index=True)
    tables = {name: _woe_frame(t) for name, t in outcome.woe_tables.items()}
    coefficients: dict[str, Mapping[str, float] | None] = {
        party: outcome.coefficients.get(party) for party in settings.data_parties
    }
    scorecard = pd.DataFrame(outcome.scorecard) if outcome.scorecard else None
    return job_page(
        title,
        metadata,
        outcome,
        iv=iv,
        woe_tables=tables,
        coefficients=coefficients,
        scorecard=scorecard,
        test_points=outcome.test_points,
    )


def _woe_frame(values: Mapping[str, object]) -> pd.DataFrame:
    table = WoeTable(
        feature=str(values["feature"]),
        owner=str(values["owner"]),
        labels=tuple(str(v) for v in values["labels"]),  # type: ignore[attr-defined]
        events=np.asarray(values["events"], dtype=np.int64),
        non_events=np.asarray(values["non_events"], dtype=np.int64),
        woe=np.asarray(values["woe"], dtype=np.float64),
        iv=float(values["iv"]),  # type: ignore[arg-type]
    )
    return table.to_frame()
