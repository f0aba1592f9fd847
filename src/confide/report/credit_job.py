"""The report of a credit job, from the label holder's outcome (:class:`CreditOutcome`).

The label holder's outcome holds everything the page shows: its scores and labels, the IVs and
WOE tables it learned, the coefficients the owners shared (an owner that kept them shows as not
disclosed), the scorecard, stage times and bytes, and the disclosure list of every step.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd

from confide.errors import ConfigError
from confide.jobs.credit import CreditOutcome, CreditSettings
from confide.preprocessing import WoeTable
from confide.report.build import credit_report
from confide.report.data import CreditReport, DisclosureRow, PartyInfo, RunMetadata, StageInfo

__all__ = ["credit_job_report", "party_roles", "stage_infos"]


def credit_job_report(
    outcome: CreditOutcome,
    *,
    rows_by_party: Mapping[str, int] | None = None,
    stages_by_party: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
    job_id: str = "",
    started_at: datetime | None = None,
    title: str = "Credit scorecard: vertical logistic regression on WOE features",
) -> CreditReport:
    """The :class:`CreditReport` of the label holder's ``outcome``.

    ``rows_by_party`` and ``stages_by_party`` add what the other parties told the report's
    owner (their table sizes, their stage times); without them the page shows its owner's only.
    """
    settings = CreditSettings.from_dict(outcome.settings)
    if outcome.party != settings.label_holder:
        raise ConfigError("a credit report is made from the label holder's outcome")
    if outcome.test_scores is None or outcome.test_labels is None:
        raise ConfigError("the outcome has no test scores: did the job finish?")
    rows = dict(rows_by_party or {})
    rows.setdefault(outcome.party, outcome.rows)
    parties = tuple(
        PartyInfo(name, party_roles(name, settings.label_holder, settings.dealer), rows.get(name))
        for name in settings.parties
    )
    metadata = RunMetadata(
        parties=parties,
        started_at=started_at or datetime.now(timezone.utc),
        stages=stage_infos(outcome.party, outcome.stages, stages_by_party),
        intersection_size=outcome.intersection,
        train_size=outcome.train_size,
        test_size=outcome.test_size,
        job_id=job_id,
        report_owner=outcome.party,
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
    disclosures = [
        DisclosureRow(d["step"], d["who"], d["learns"], d.get("why", ""))
        for d in outcome.disclosures
    ]
    scorecard = pd.DataFrame(outcome.scorecard) if outcome.scorecard else None
    return credit_report(
        title,
        metadata,
        test_labels=outcome.test_labels,
        test_scores=outcome.test_scores,
        train_labels=outcome.train_labels,
        train_scores=outcome.train_scores,
        iv=iv,
        woe_tables=tables,
        coefficients=coefficients,
        disclosures=disclosures,
        scorecard=scorecard,
        test_points=outcome.test_points,
    )


def party_roles(party: str, label_holder: str, dealer: str | None) -> tuple[str, ...]:
    """The roles of ``party`` in a vertical job with this label holder and compute helper."""
    if party == label_holder:
        return ("data_provider", "task_initiator", "result_receiver")
    if party == dealer:
        return ("compute_helper",)
    return ("data_provider",)


def stage_infos(
    party: str,
    stages: Sequence[Mapping[str, Any]],
    others: Mapping[str, Sequence[Mapping[str, object]]] | None,
) -> tuple[StageInfo, ...]:
    """The report's stage rows: ``party``'s stages, then those the other parties told it."""
    by_party = {party: stages, **(others or {})}
    out = []
    for name, items in by_party.items():
        for stage in items:
            sent = stage.get("bytes_sent")
            out.append(
                StageInfo(
                    f"{stage['name']} ({name})",
                    float(stage["seconds"]),
                    int(sent) if isinstance(sent, (int, np.integer)) else None,
                )
            )
    return tuple(out)


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
