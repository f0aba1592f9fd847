"""The SVG helpers: ticks, clipping to the plot area, escaping, well-formed output."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.report.svg import (
    Bar,
    Frame,
    HistogramGroup,
    Line,
    Marker,
    bar_chart,
    histogram_chart,
    line_chart,
    nice_ticks,
)
from tests.report.svg_check import parse


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (0.0, 0.55, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]),
        (-1.2, 0.8, [-1.0, -0.5, 0.0, 0.5]),
        (480.0, 640.0, [500.0, 550.0, 600.0]),
        (0.0, 1e-3, [0.0, 2e-4, 4e-4, 6e-4, 8e-4, 1e-3]),
    ],
)
def test_nice_ticks(low: float, high: float, expected: list[float]) -> None:
    np.testing.assert_allclose(nice_ticks(low, high), expected, atol=1e-12)


def test_frame_maps_and_clips() -> None:
    frame = Frame(50.0, 20.0, 450.0, 320.0, (0.0, 1.0), (0.0, 2.0))
    np.testing.assert_allclose(frame.px([0.0, 0.5, 1.0, -3.0, 9.0]), [50, 250, 450, 50, 450])
    np.testing.assert_allclose(frame.py([0.0, 1.0, 2.0, 5.0]), [320, 170, 20, 20])
    with pytest.raises(ConfigError, match="increasing"):
        Frame(0, 0, 1, 1, (1.0, 1.0), (0.0, 1.0))


def test_line_chart_stays_inside_and_escapes() -> None:
    wild = Line("a <b> & c", np.array([-5.0, 0.3, 40.0]), np.array([2.0, 0.5, -1.0]), "#123456")
    svg = line_chart(
        [wild],
        title="<script>x</script>",
        x_label="x & y",
        y_label='"quoted"',
        markers=[Marker(0.3, 0.1, 0.9, "KS <1>")],
    )
    chart = parse(svg)
    assert chart.outside() == []
    assert len(chart.polylines) == 1
    assert len(chart.polylines[0]) == 3
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "a &lt;b&gt; &amp; c" in svg
    assert "KS &lt;1&gt;" in svg


def test_line_chart_refuses_ragged_lines() -> None:
    with pytest.raises(ConfigError, match="1-d x and y"):
        line_chart(
            [Line("bad", np.zeros(3), np.zeros(2), "#000")], title="t", x_label="x", y_label="y"
        )


def test_histogram_bars_match_shares() -> None:
    edges = np.array([0.0, 1.0, 2.0, 3.0])
    groups = [
        HistogramGroup("one", np.array([0.5, 0.25, 0.25]), "#111"),
        HistogramGroup("two", np.array([0.0, 0.2, 0.8]), "#222"),
    ]
    chart = parse(histogram_chart(edges, groups, title="h", x_label="x", y_label="share"))
    assert chart.outside() == []
    filled = [r for r in chart.root.iter("rect") if r.get("fill-opacity") == "0.5"]
    assert len(filled) == 5  # the empty bin of "two" draws no bar
    heights = sorted(float(r.attrib["height"]) for r in filled)
    # The tallest bar (0.8) is 0.8 / 0.25 times the shortest (0.2), up to the 0.1 px rounding.
    assert heights[-1] / heights[0] == pytest.approx(4.0, rel=0.01)


@pytest.mark.parametrize(
    ("edges", "shares", "message"),
    [
        ([0.0], [], "at least two"),
        ([0.0, 1.0, 1.0], [0.5, 0.5], "must increase"),
        ([0.0, 1.0, 2.0], [1.0], "one share per bin"),
    ],
)
def test_histogram_checks_inputs(edges: list[float], shares: list[float], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        histogram_chart(
            np.array(edges),
            [HistogramGroup("g", np.array(shares), "#000")],
            title="h",
            x_label="x",
            y_label="y",
        )


def test_bar_chart_draws_negative_bars_left_of_zero() -> None:
    bars = [Bar("safe", 0.8, "#00f"), Bar("risky", -0.4, "#f00"), Bar("x" * 60, 0.1, "#0f0")]
    svg = bar_chart(bars, title="WOE", x_label="woe", legend=[("lower risk", "#00f")])
    chart = parse(svg)
    assert chart.outside() == []
    rects = [r for r in chart.root.iter("rect") if r.find("title") is not None]
    assert len(rects) == 3
    safe, risky, _ = (
        (float(r.attrib["x"]), float(r.attrib["x"]) + float(r.attrib["width"])) for r in rects
    )
    assert safe[0] == pytest.approx(risky[1], abs=0.11)  # both start at the zero line
    assert (safe[1] - safe[0]) == pytest.approx(2 * (risky[1] - risky[0]), rel=0.01)
    # The long label is cut on the axis; its full text stays in the bar's tooltip.
    texts = [t.text for t in chart.root.iter("text")]
    assert "x" * 27 + "\u2026" in texts
    assert "x" * 60 not in texts
    assert any(t.text and t.text.startswith("x" * 60) for t in chart.root.iter("title"))


def test_bar_chart_checks_inputs() -> None:
    with pytest.raises(ConfigError, match="at least one bar"):
        bar_chart([], title="t", x_label="x")
    with pytest.raises(ConfigError, match="finite"):
        bar_chart([Bar("a", float("nan"), "#000")], title="t", x_label="x")
