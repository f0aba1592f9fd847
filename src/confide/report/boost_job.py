"""The report of a boosting job, from the label holder's outcome (:class:`BoostOutcome`).

The page is the credit report's (summary, the run, ROC, KS and score distribution, who learned
what, stage times and bytes) with a boosting section in place of the WOE tables,
coefficients and scorecard: the parameters, the number of trees, the feature importance of
every owner and the first tree, whose splits read "owner: feature" only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

import pandas as pd

from confide.errors import ConfigError
from confide.jobs.boost import BoostJobSettings, BoostOutcome
from confide.jobs.boost.settings import BOOST_FIELDS
from confide.report.build import credit_report
from confide.report.credit_job import party_roles, stage_infos
from confide.report.data import (
    IV_COLUMNS,
    BoostingSection,
    CreditReport,
    DisclosureRow,
    PartyInfo,
    RunMetadata,
)

__all__ = ["boost_job_report"]


def boost_job_report(
    outcome: BoostOutcome,
    *,
    rows_by_party: Mapping[str, int] | None = None,
    stages_by_party: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
    job_id: str = "",
    started_at: datetime | None = None,
    title: str = "Credit risk: vertical SecureBoost (gradient boosted trees)",
) -> CreditReport:
    """The :class:`CreditReport` (with its boosting section) of the label holder's ``outcome``.

    ``rows_by_party`` and ``stages_by_party`` add what the other parties told the report's
    owner (their table sizes, their stage times); without them the page shows its owner's only.
    """
    settings = BoostJobSettings.from_dict(outcome.settings)
    if outcome.party != settings.label_holder:
        raise ConfigError("a boosting report is made from the label holder's outcome")
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
    params: dict[str, object] = {name: getattr(settings, name) for name in BOOST_FIELDS}
    params["encryption"] = f"{settings.he.upper()}-{settings.key_bits}"
    boosting = BoostingSection(
        params=params,
        n_trees=outcome.n_trees,
        importance=pd.DataFrame(outcome.importance),
        first_tree=pd.DataFrame(outcome.first_tree),
    )
    disclosures = [
        DisclosureRow(d["step"], d["who"], d["learns"], d.get("why", ""))
        for d in outcome.disclosures
    ]
    no_iv = pd.DataFrame({column: pd.Series([], dtype=object) for column in IV_COLUMNS})
    return credit_report(
        title,
        metadata,
        test_labels=outcome.test_labels,
        test_scores=outcome.test_scores,
        train_labels=outcome.train_labels,
        train_scores=outcome.train_scores,
        iv=no_iv.astype({"iv": float}),
        woe_tables={},
        coefficients={},
        disclosures=disclosures,
        boosting=boosting,
    )
