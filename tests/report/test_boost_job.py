"""``boost_job_report``: the report of a boosting job, with its boosting section."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import pytest

from confide.datasets import vertical_credit
from confide.errors import ConfigError
from confide.jobs.boost import BoostJobSettings, BoostOutcome, run_boost
from confide.ml.boost import ModelPart
from confide.report import BOOSTING_SECTIONS, BoostingSection, boost_job_report, render_html
from confide.runtime import Context, simulate
from tests.report.svg_check import charts
from tests.report.test_render import check

SETTINGS = BoostJobSettings(
    dealer="dealer", split_seed=2, n_estimators=3, max_depth=3, key_bits=1024, allow_weak_key=True
)


@pytest.fixture(scope="module")
def outcomes() -> dict[str, BoostOutcome]:
    data = vertical_credit(1_500, seed=8)

    def job(ctx: Context, frame: pd.DataFrame | None) -> dict[str, Any]:
        return run_boost(ctx, SETTINGS, None, frame=frame, emit=None).to_dict()

    frames = {"bank": data.bank, "platform": data.platform, "dealer": None}
    results = simulate(job, frames, roles={"dealer": ["compute_helper"]}, timeout=60)
    return {party: BoostOutcome.from_dict(result) for party, result in results.items()}


def test_the_page_has_the_boosting_sections_in_order(outcomes: dict[str, BoostOutcome]) -> None:
    bank = outcomes["bank"]
    others = {p: outcomes[p].stages for p in ("platform", "dealer")}
    report = boost_job_report(bank, rows_by_party={"platform": 1_500}, stages_by_party=others)
    assert report.boosting is not None and report.boosting.n_trees == 3
    assert {s.name for s in report.metadata.stages} >= {"train (bank)", "check (dealer)"}
    page = render_html(report)
    checker = check(page)
    headings = dict(BOOSTING_SECTIONS)
    assert [i for i in checker.ids if i in headings] == [key for key, _ in BOOSTING_SECTIONS]
    assert "woe" not in checker.ids and "scorecard" not in checker.ids
    text = "".join(checker.text)
    assert "Feature importance by owner" in text and "The first tree" in text
    assert f"{bank.metrics['test']['auc']:.4f}" in text
    # ROC, KS, score histogram and importance, each with its reading line.
    assert len(charts(page)) == 4 == text.count("How to read this:")
    for chart in charts(page):
        assert chart.outside() == []
    # Every split of the first tree reads "owner: feature"; no threshold reaches the page.
    for split in (s for s in bank.first_tree["split"] if s):
        assert split in text
    # The page is made without any model part, so without a threshold: the same page results
    # when the outcome carries none.
    assert bank.model is not None and ModelPart.from_wire(bank.model).splits
    bare = dataclasses.replace(bank, model=None)
    again = boost_job_report(bare, rows_by_party={"platform": 1_500}, stages_by_party=others)
    assert render_html(dataclasses.replace(again, metadata=report.metadata)) == page
    for row in report.disclosures:
        assert row.what in text


def test_only_the_label_holders_outcome_makes_a_report(
    outcomes: dict[str, BoostOutcome],
) -> None:
    with pytest.raises(ConfigError, match="label holder"):
        boost_job_report(outcomes["platform"])


def test_the_boosting_section_checks_its_tables() -> None:
    importance = pd.DataFrame({"owner": ["bank"], "feature": ["x"], "split_count": [1]})
    tree = pd.DataFrame(
        {"node": [0], "left": [5], "right": [-1], "split": ["bank: x"], "gain": [1.0], "value": [0]}
    )
    with pytest.raises(ConfigError, match="children outside"):
        BoostingSection({}, 1, importance, tree)
    with pytest.raises(ConfigError, match="lacks columns"):
        BoostingSection({}, 1, importance.drop(columns="owner"), tree.iloc[:0])
    with pytest.raises(ConfigError, match="NaN or infinite"):
        BoostingSection({}, 1, importance.assign(total_gain=[float("nan")]), tree.iloc[:0])
