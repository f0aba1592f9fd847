"""The credit charts: curves thinned yet faithful, KS marked where reached, owners coloured."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from confide.metrics import ks_curve
from confide.report.charts import (
    EVENT_COLOUR,
    NON_EVENT_COLOUR,
    PALETTE,
    iv_chart,
    ks_chart,
    owner_colours,
    roc_chart,
    score_histogram,
    woe_chart,
)
from tests.report.svg_check import parse


@pytest.fixture(scope="module")
def scored() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    y = (rng.random(100_000) < 0.15).astype(np.float64)
    return y, 1 / (1 + np.exp(-(rng.normal(size=y.size) + 1.1 * y - 2)))


def test_roc_is_thinned_and_inside(scored: tuple[np.ndarray, np.ndarray]) -> None:
    chart = parse(roc_chart(*scored))
    model, diagonal = chart.polylines
    assert 400 < len(model) <= 500
    assert len(diagonal) == 2
    assert chart.outside() == []


def test_ks_marker_spans_the_gap(scored: tuple[np.ndarray, np.ndarray]) -> None:
    y, p = scored
    svg = ks_chart(y, p)
    chart = parse(svg)
    assert all(len(line) <= 500 for line in chart.polylines)
    assert chart.outside() == []
    ks = ks_curve(y, p).ks
    assert f"KS = {ks:.3f}" in svg
    marker = next(line for line in chart.root.iter("line") if line.get("stroke-dasharray"))
    frame = next(rect for rect in chart.root.iter("rect") if rect.get("fill") == "none")
    gap_px = float(marker.attrib["y1"]) - float(marker.attrib["y2"])
    assert gap_px / float(frame.attrib["height"]) == pytest.approx(ks, abs=0.002)


def test_histogram_has_two_classes(scored: tuple[np.ndarray, np.ndarray]) -> None:
    chart = parse(score_histogram(*scored, x_label="p", bins=20))
    bars = [r for r in chart.root.iter("rect") if r.get("fill-opacity") == "0.5"]
    assert {r.get("fill") for r in bars} == {EVENT_COLOUR, NON_EVENT_COLOUR}
    assert len(bars) <= 40
    assert chart.outside() == []


def test_iv_bars_sorted_and_coloured_by_owner() -> None:
    iv = pd.DataFrame(
        {"feature": ["a", "b", "c"], "owner": ["bank", "platform", "bank"], "iv": [0.1, 0.5, 0.3]}
    )
    colours = owner_colours(["bank", "platform"])
    assert colours == {"bank": PALETTE[0], "platform": PALETTE[1]}
    chart = parse(iv_chart(iv, colours))
    bars = [r for r in chart.root.iter("rect") if r.find("title") is not None]
    titles = [r.findtext("title") for r in bars]
    assert [t.split(" ")[0] for t in titles if t] == ["b", "c", "a"]
    assert [r.get("fill") for r in bars] == [PALETTE[1], PALETTE[0], PALETTE[0]]


def test_woe_bars_coloured_by_sign() -> None:
    table = pd.DataFrame({"bin": ["low", "mid", "high"], "woe": [0.4, -0.1, -0.7]})
    chart = parse(woe_chart("x", table))
    bars = [r for r in chart.root.iter("rect") if r.find("title") is not None]
    assert [r.get("fill") for r in bars] == [NON_EVENT_COLOUR, EVENT_COLOUR, EVENT_COLOUR]
    assert chart.outside() == []
