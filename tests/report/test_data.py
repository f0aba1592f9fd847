"""The report's plain data classes check their contents on creation."""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest

from confide.errors import ConfigError
from confide.report import (
    CreditReport,
    DisclosureRow,
    PartyInfo,
    RunMetadata,
    StageInfo,
    disclosure_rows,
    environment_versions,
)
from confide.runtime.disclosure import Disclosure
from tests.report.sample import sample_report

STARTED = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def report() -> CreditReport:
    return sample_report(1500, seed=2)


def test_versions_name_the_software() -> None:
    versions = environment_versions()
    assert set(versions) == {"confide", "python", "numpy", "pandas"}
    assert versions["numpy"] == np.__version__


def test_disclosure_rows_from_a_component() -> None:
    rows = disclosure_rows("psi", (Disclosure("bob", "the size", "by design"),))
    assert rows == (DisclosureRow("psi", "bob", "the size", "by design"),)


def test_metadata_checks() -> None:
    with pytest.raises(ConfigError, match="at least one party"):
        RunMetadata(parties=(), started_at=STARTED)
    with pytest.raises(ConfigError, match="twice"):
        RunMetadata(parties=(PartyInfo("a", ()), PartyInfo("a", ())), started_at=STARTED)
    with pytest.raises(ConfigError, match="train_size"):
        RunMetadata(parties=(PartyInfo("a", ()),), started_at=STARTED, train_size=-1)
    with pytest.raises(ConfigError, match="seconds"):
        StageInfo("psi", -1.0)
    with pytest.raises(ConfigError, match="seconds"):
        StageInfo("psi", math.nan)
    with pytest.raises(ConfigError, match="bytes_sent"):
        StageInfo("psi", 1.0, -5)


def test_owners_follow_the_parties(report: CreditReport) -> None:
    assert report.owners == ("bank", "platform", "dealer")
    extra = dataclasses.replace(
        report,
        iv=pd.concat(
            [report.iv, pd.DataFrame({"feature": ["z"], "owner": ["third"], "iv": [0.1]})]
        ),
    )
    assert extra.owners == ("bank", "platform", "dealer", "third")


def test_labels_and_scores_are_normalised(report: CreditReport) -> None:
    assert report.test_labels.dtype == np.float64
    assert report.test_scores.dtype == np.float64
    assert set(np.unique(report.test_labels)) == {0.0, 1.0}


def bad(report: CreditReport, name: str) -> dict[str, Any]:
    """Replacement fields that make ``report`` invalid in one way, by name."""
    n = report.test_labels.size
    woe = dict(report.woe_tables)
    first = next(iter(woe))
    cases: dict[str, dict[str, Any]] = {
        "one class": {"test_labels": np.zeros(n)},
        "nan score": {"test_scores": np.full(n, math.nan)},
        "length": {"test_scores": report.test_scores[:-1]},
        "points length": {"test_points": np.zeros(n - 1)},
        "iv columns": {"iv": report.iv.drop(columns="owner")},
        "iv type": {"iv": {"feature": []}},
        "woe columns": {"woe_tables": woe | {first: woe[first].drop(columns="woe")}},
        "woe infinite": {"woe_tables": woe | {first: woe[first].assign(woe=math.inf)}},
        "woe text": {"woe_tables": woe | {first: woe[first].assign(woe="x")}},
        "iv nan": {"iv": report.iv.assign(iv=math.nan)},
        "metric": {"metrics": {"test": {"auc": math.nan}}},
        "coefficient": {"coefficients": {"bank": {"x": math.inf}}},
        "psi": {"psi": -0.1},
    }
    return cases[name]


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("one class", "single class"),
        ("nan score", "NaN or infinite"),
        ("length", "differ in length"),
        ("points length", "test points and test scores differ"),
        ("iv columns", r"IV table lacks columns \['owner'\]"),
        ("iv type", "must be a pandas DataFrame"),
        ("woe columns", r"lacks columns \['woe'\]"),
        ("woe infinite", "values of 'woe' are NaN or infinite"),
        ("woe text", "column 'woe' must hold numbers"),
        ("iv nan", "values of 'iv' are NaN or infinite"),
        ("metric", "'test' metrics must be finite"),
        ("coefficient", "coefficients of 'bank' must be finite"),
        ("psi", "psi must be"),
    ],
)
def test_report_refuses_bad_contents(report: CreditReport, case: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        dataclasses.replace(report, **bad(report, case))
