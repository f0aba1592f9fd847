"""The public names of ``confide.report``, pinned."""

from __future__ import annotations

import confide.report as report


def test_public_names() -> None:
    assert sorted(report.__all__) == sorted(
        [
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
    )
    assert all(hasattr(report, name) for name in report.__all__)
