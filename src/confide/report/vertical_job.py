"""What the reports of every vertical job share: the run's metadata, the disclosures, the page.

:func:`~confide.report.credit_job_report` and :func:`~confide.report.boost_job_report` both
make their page from the label holder's outcome. Both first check that outcome and describe the
run (:func:`run_metadata`: the parties and their roles, table sizes, stage times and bytes,
the intersection and the split), then build their own sections, then hand the outcome's scores,
labels and disclosure list with those sections to :func:`~confide.report.credit_report`
(:func:`job_page`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Protocol

import numpy as np

from confide.errors import ConfigError
from confide.jobs.vertical import VerticalSettings
from confide.report.build import credit_report
from confide.report.data import CreditReport, DisclosureRow, PartyInfo, RunMetadata, StageInfo

__all__ = ["JobOutcome", "job_page", "party_roles", "run_metadata", "stage_infos"]


class JobOutcome(Protocol):
    """What a report reads of a vertical job's outcome (both jobs' outcomes have it)."""

    @property
    def party(self) -> str: ...
    @property
    def rows(self) -> int: ...
    @property
    def intersection(self) -> int: ...
    @property
    def train_size(self) -> int: ...
    @property
    def test_size(self) -> int: ...
    @property
    def train_scores(self) -> np.ndarray | None: ...
    @property
    def test_scores(self) -> np.ndarray | None: ...
    @property
    def train_labels(self) -> np.ndarray | None: ...
    @property
    def test_labels(self) -> np.ndarray | None: ...
    @property
    def disclosures(self) -> list[dict[str, str]]: ...
    @property
    def stages(self) -> list[dict[str, Any]]: ...


def run_metadata(
    outcome: JobOutcome,
    settings: VerticalSettings,
    *,
    what: str,
    rows_by_party: Mapping[str, int] | None,
    stages_by_party: Mapping[str, Sequence[Mapping[str, object]]] | None,
    job_id: str,
    started_at: datetime | None,
    trust: str = "",
) -> RunMetadata:
    """The run's metadata, once ``outcome`` is known to be the label holder's, finished.

    ``what`` names the report in the error ("a credit report is made from ...");
    ``rows_by_party`` and ``stages_by_party`` add what the other parties told the report's owner;
    ``trust`` is the trust assumption of an enclave job (:attr:`RunMetadata.trust`).
    """
    if outcome.party != settings.label_holder:
        raise ConfigError(f"a {what} report is made from the label holder's outcome")
    _test_scores(outcome)
    rows = dict(rows_by_party or {})
    rows.setdefault(outcome.party, outcome.rows)
    parties = tuple(
        PartyInfo(name, party_roles(name, settings.label_holder, settings.dealer), rows.get(name))
        for name in settings.parties
    )
    return RunMetadata(
        parties=parties,
        started_at=started_at or datetime.now(timezone.utc),
        stages=stage_infos(outcome.party, outcome.stages, stages_by_party),
        intersection_size=outcome.intersection,
        train_size=outcome.train_size,
        test_size=outcome.test_size,
        job_id=job_id,
        report_owner=outcome.party,
        trust=trust,
    )


def job_page(
    title: str, metadata: RunMetadata, outcome: JobOutcome, **sections: Any
) -> CreditReport:
    """:func:`~confide.report.credit_report` of the outcome's scores, labels and disclosures,
    with the job's own ``sections`` (its keyword arguments: ``iv``, ``woe_tables``, ...)."""
    test_labels, test_scores = _test_scores(outcome)
    disclosures = [
        DisclosureRow(d["step"], d["who"], d["learns"], d.get("why", ""))
        for d in outcome.disclosures
    ]
    return credit_report(
        title,
        metadata,
        test_labels=test_labels,
        test_scores=test_scores,
        train_labels=outcome.train_labels,
        train_scores=outcome.train_scores,
        disclosures=disclosures,
        **sections,
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


def _test_scores(outcome: JobOutcome) -> tuple[np.ndarray, np.ndarray]:
    if outcome.test_scores is None or outcome.test_labels is None:
        raise ConfigError("the outcome has no test scores: did the job finish?")
    return outcome.test_labels, outcome.test_scores
