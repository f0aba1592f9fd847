"""The report of a boosting job, from the label holder's outcome (:class:`BoostOutcome`).

The page is the credit report's (summary, the run, ROC, KS and score distribution, who learned
what, stage times and bytes) with a boosting section in place of the WOE tables,
coefficients and scorecard: the parameters, the number of trees, the feature importance of
every owner and the first tree, whose splits read "owner: feature" only. The run's metadata and
the page around the sections are every vertical job's (:mod:`confide.report.vertical_job`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import pandas as pd

from confide.jobs.boost import BoostJobSettings, BoostOutcome
from confide.jobs.boost.settings import BOOST_FIELDS
from confide.report.data import IV_COLUMNS, BoostingSection, CreditReport
from confide.report.vertical_job import job_page, run_metadata

__all__ = ["boost_job_report"]


def boost_job_report(
    outcome: BoostOutcome,
    *,
    rows_by_party: Mapping[str, int] | None = None,
    stages_by_party: Mapping[str, Sequence[Mapping[str, object]]] | None = None,
    job_id: str = "",
    started_at: datetime | None = None,
    title: str = "Credit risk: vertical SecureBoost (gradient boosted trees)",
    trust: str = "",
) -> CreditReport:
    """The :class:`CreditReport` (with its boosting section) of the label holder's ``outcome``;
    the other arguments as for :func:`~confide.report.credit_job_report`."""
    settings = BoostJobSettings.from_dict(outcome.settings)
    metadata = run_metadata(
        outcome,
        settings,
        what="boosting",
        rows_by_party=rows_by_party,
        stages_by_party=stages_by_party,
        job_id=job_id,
        started_at=started_at,
        trust=trust,
    )
    params: dict[str, object] = {name: getattr(settings, name) for name in BOOST_FIELDS}
    params["encryption"] = f"{settings.he.upper()}-{settings.key_bits}"
    boosting = BoostingSection(
        params=params,
        n_trees=outcome.n_trees,
        importance=pd.DataFrame(outcome.importance),
        first_tree=pd.DataFrame(outcome.first_tree),
    )
    no_iv = pd.DataFrame({column: pd.Series([], dtype=object) for column in IV_COLUMNS})
    return job_page(
        title,
        metadata,
        outcome,
        iv=no_iv.astype({"iv": float}),
        woe_tables={},
        coefficients={},
        boosting=boosting,
    )
