"""Reports for credit teams: one self-contained HTML page per job, with charts and tables.

Build a :class:`CreditReport` (plain data: arrays, floats, strings and pandas tables) with
:func:`credit_report`, which computes the metrics with :mod:`confide.metrics`, then write it
with :func:`write_html` (or get the text from :func:`render_html`). The page holds the ROC and
KS curves, the score distribution by class, IV by feature coloured by owner, WOE tables and
charts, coefficients by owner, the scorecard, lift and calibration tables, the PSI between train
and test scores, the disclosure list (who learned what in each step) and the run's metadata.
A report of boosted trees (:func:`boost_job_report`) shows a :class:`BoostingSection`
(parameters, importance per owner, the first tree) instead of the scorecard's sections.

Rendering is local to the report's owner and sends nothing. The charts are inline SVG drawn by
:mod:`confide.report.svg`; the page has no JavaScript and no external reference.
"""

from confide.report.boost_job import boost_job_report
from confide.report.build import credit_report, ranking_metrics
from confide.report.credit_job import credit_job_report
from confide.report.data import (
    BoostingSection,
    CreditReport,
    DisclosureRow,
    PartyInfo,
    RunMetadata,
    StageInfo,
    disclosure_rows,
    environment_versions,
)
from confide.report.render import BOOSTING_SECTIONS, SECTIONS, render_html, write_html

__all__ = [
    "BOOSTING_SECTIONS",
    "SECTIONS",
    "BoostingSection",
    "CreditReport",
    "DisclosureRow",
    "PartyInfo",
    "RunMetadata",
    "StageInfo",
    "boost_job_report",
    "credit_job_report",
    "credit_report",
    "disclosure_rows",
    "environment_versions",
    "ranking_metrics",
    "render_html",
    "write_html",
]
