"""Small inline-SVG charts: a line chart, a histogram and a horizontal bar chart.

Enough for a credit report, printable and readable without JavaScript, matplotlib or any file
beside the page. Each function returns one ``<svg>`` element as a string, sized by its
``viewBox`` (and scaled down by CSS on narrow screens). Every text is HTML-escaped, every
coordinate is clipped to the plot area, so nothing is drawn outside the ``viewBox``, and the
markup is also well-formed XML (no ``xmlns`` is needed inline in HTML5). Numbers are written
with one decimal: a tenth of a pixel is finer than any screen or printer shows.

Data coordinates map to pixels through :class:`Frame`; ticks come from :func:`nice_ticks`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError

__all__ = [
    "Bar",
    "Frame",
    "HistogramGroup",
    "Line",
    "Marker",
    "bar_chart",
    "histogram_chart",
    "line_chart",
    "nice_ticks",
]

FloatArray = npt.NDArray[np.float64]

WIDTH = 520
HEIGHT = 340
FONT_PX = 11
#: About how wide one character of the chart font is, to size the label margin of bar charts.
CHAR_PX = 6.4
#: Bar labels longer than this are cut (with an ellipsis); the full text is the bar's tooltip.
LABEL_CHARS = 28
#: The height of a one-line legend between a chart's title and its plot.
LEGEND_ROW_PX = 20.0
#: Room for a bar's value label beyond its end, in pixels.
VALUE_PX = 46.0
AXIS = "#444"
GRID = "#e3e3e3"


@dataclass(frozen=True)
class Line:
    """One series of a line chart; ``dashed`` for reference lines such as the ROC diagonal."""

    label: str
    x: FloatArray
    y: FloatArray
    colour: str
    dashed: bool = False


@dataclass(frozen=True)
class Marker:
    """A vertical segment at ``x`` from ``y0`` to ``y1`` with a label (e.g. the KS gap)."""

    x: float
    y0: float
    y1: float
    label: str
    colour: str = "#000"


@dataclass(frozen=True)
class HistogramGroup:
    """The share of one group (e.g. one class) in each bin of a histogram."""

    label: str
    shares: FloatArray
    colour: str


@dataclass(frozen=True)
class Bar:
    """One bar of a horizontal bar chart; ``title`` is its tooltip (defaults to ``label``)."""

    label: str
    value: float
    colour: str
    title: str = ""


@dataclass(frozen=True)
class Frame:
    """The plot area of a chart (pixels) and the data ranges mapped onto it."""

    left: float
    top: float
    right: float
    bottom: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    def __post_init__(self) -> None:
        for name in ("x_range", "y_range"):
            low, high = getattr(self, name)
            if not (math.isfinite(low) and math.isfinite(high) and low < high):
                raise ConfigError(f"a chart's {name} must be finite and increasing")

    def px(self, x: npt.ArrayLike) -> FloatArray:
        """Pixel columns of data values ``x``, clipped to the plot area."""
        low, high = self.x_range
        share = (np.asarray(x, dtype=np.float64) - low) / (high - low)
        return self.left + np.clip(share, 0.0, 1.0) * (self.right - self.left)

    def py(self, y: npt.ArrayLike) -> FloatArray:
        """Pixel rows of data values ``y`` (up is larger), clipped to the plot area."""
        low, high = self.y_range
        share = (np.asarray(y, dtype=np.float64) - low) / (high - low)
        return self.bottom - np.clip(share, 0.0, 1.0) * (self.bottom - self.top)


def nice_ticks(low: float, high: float, count: int = 5) -> FloatArray:
    """About ``count`` round ticks in [low, high], steps of 1, 2 or 5 times a power of ten."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return np.array([low])
    raw = (high - low) / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    # The round step whose number of intervals is closest to ``count``.
    step = min(
        (m * power for m in (1.0, 2.0, 5.0, 10.0)), key=lambda s: abs((high - low) / s - count)
    )
    first = math.ceil(low / step - 1e-9) * step
    ticks = np.arange(first, high + step * 1e-6, step)
    return np.round(ticks, 12)


def line_chart(
    lines: Sequence[Line],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_range: tuple[float, float] = (0.0, 1.0),
    y_range: tuple[float, float] = (0.0, 1.0),
    markers: Sequence[Marker] = (),
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Lines over a grid, with an optional labelled marker per ``markers`` and a legend."""
    frame = Frame(56.0, 30.0, width - 16.0, height - 44.0, x_range, y_range)
    body = [_grid(frame), _axes(frame, x_label, y_label, width, height)]
    for line in lines:
        xs, ys = np.asarray(line.x, dtype=np.float64), np.asarray(line.y, dtype=np.float64)
        if xs.shape != ys.shape or xs.ndim != 1:
            raise ConfigError("each line needs 1-d x and y of one length")
        points = " ".join(
            f"{px:.1f},{py:.1f}" for px, py in zip(frame.px(xs), frame.py(ys), strict=True)
        )
        dash = ' stroke-dasharray="5 4"' if line.dashed else ""
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{_attr(line.colour)}" '
            f'stroke-width="{1.2 if line.dashed else 2}"{dash}/>'
        )
    for marker in markers:
        x = float(frame.px(marker.x))
        y0, y1 = float(frame.py(marker.y0)), float(frame.py(marker.y1))
        colour = _attr(marker.colour)
        body.append(
            f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{y1:.1f}" stroke="{colour}" '
            'stroke-width="1.5" stroke-dasharray="2 2"/>'
            f'<circle cx="{x:.1f}" cy="{y0:.1f}" r="3" fill="{colour}"/>'
            f'<circle cx="{x:.1f}" cy="{y1:.1f}" r="3" fill="{colour}"/>'
        )
        anchor = "start" if x < (frame.left + frame.right) / 2 else "end"
        shift = 6 if anchor == "start" else -6
        body.append(_text(x + shift, (y0 + y1) / 2, marker.label, anchor=anchor, weight="bold"))
    body.append(_legend(frame, [(line.label, line.colour) for line in lines]))
    return _svg(title, width, height, body)


def histogram_chart(
    edges: npt.ArrayLike,
    groups: Sequence[HistogramGroup],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> str:
    """Overlaid, semi-transparent bars: each group's share of rows in each bin of ``edges``.

    The legend sits in a row above the plot, where it cannot hide a bar.
    """
    bounds = np.asarray(edges, dtype=np.float64)
    if bounds.ndim != 1 or bounds.size < 2 or not np.isfinite(bounds).all():
        raise ConfigError("a histogram needs at least two finite bin edges")
    if np.any(np.diff(bounds) <= 0):
        raise ConfigError("histogram bin edges must increase")
    top = max((float(np.max(g.shares)) for g in groups if len(g.shares)), default=0.0)
    frame = Frame(
        56.0,
        30.0 + LEGEND_ROW_PX,
        width - 16.0,
        height - 44.0,
        (float(bounds[0]), float(bounds[-1])),
        (0.0, top * 1.1 if top > 0 else 1.0),
    )
    body = [_grid(frame), _axes(frame, x_label, y_label, width, height)]
    lefts, rights = frame.px(bounds[:-1]), frame.px(bounds[1:])
    for group in groups:
        shares = np.asarray(group.shares, dtype=np.float64)
        if shares.shape != (bounds.size - 1,):
            raise ConfigError("each histogram group needs one share per bin")
        tops = frame.py(shares)
        colour = _attr(group.colour)
        body.extend(
            f'<rect x="{x0:.1f}" y="{y:.1f}" width="{max(x1 - x0 - 0.5, 0.1):.1f}" '
            f'height="{frame.bottom - y:.1f}" fill="{colour}" fill-opacity="0.5"/>'
            for x0, x1, y in zip(lefts, rights, tops, strict=True)
            if frame.bottom - y > 0.05
        )
    body.append(_legend_row(frame.left, 36.0, [(g.label, g.colour) for g in groups]))
    return _svg(title, width, height, body)


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    x_label: str,
    legend: Sequence[tuple[str, str]] = (),
    width: int = WIDTH,
    bar_px: int = 20,
) -> str:
    """Horizontal bars from a zero line (negative values to the left), labelled on the left.

    The chart grows in height with the number of bars. ``legend`` lists (label, colour) pairs.
    """
    if not bars:
        raise ConfigError("a bar chart needs at least one bar")
    values = np.array([bar.value for bar in bars], dtype=np.float64)
    if not np.isfinite(values).all():
        raise ConfigError("bar values must be finite")
    labels = [_shorten(bar.label) for bar in bars]
    left = 12.0 + CHAR_PX * max(len(label) for label in labels)
    legend_px = LEGEND_ROW_PX if legend else 0.0
    height = int(30 + legend_px + bar_px * len(bars) + 40)
    low, high = min(0.0, float(values.min())), max(0.0, float(values.max()))
    # Leave VALUE_PX pixels beyond the longest bar on each side that has bars, for its value.
    sides = int(low < 0) + int(high > 0)
    plot_px = width - 16.0 - left
    pad = (high - low) * VALUE_PX / max(plot_px - sides * VALUE_PX, 1.0) if high > low else 1.0
    x_range = (low - pad if low < 0 else 0.0, high + pad if high > 0 or low == 0 else 0.0)
    frame = Frame(
        left, 30.0 + legend_px, width - 16.0, height - 40.0, x_range, (0.0, float(len(bars)))
    )
    body = [_x_grid(frame), _bar_axes(frame, x_label, height)]
    zero = float(frame.px(0.0))
    ends = frame.px(values)
    for index, (bar, label, end) in enumerate(zip(bars, labels, ends, strict=True)):
        y = frame.top + index * bar_px + 3
        x, length = min(zero, float(end)), abs(float(end) - zero)
        body.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{length:.1f}" height="{bar_px - 6}" '
            f'fill="{_attr(bar.colour)}"><title>{escape(bar.title or bar.label)}: '
            f"{bar.value:.4g}</title></rect>"
        )
        middle = y + (bar_px - 6) / 2 + 4
        body.append(_text(left - 6, middle, label, anchor="end"))
        inside = float(end) + (4 if bar.value >= 0 else -4)
        edge = min(max(inside, frame.left + 2), frame.right - 2)
        body.append(
            _text(edge, middle, f"{bar.value:.3g}", anchor="start" if bar.value >= 0 else "end")
        )
    if legend:
        body.append(_legend_row(frame.left, 36.0, legend))
    return _svg(title, width, height, body)


def _svg(title: str, width: int, height: int, body: Sequence[str]) -> str:
    label = escape(title)
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{label}" font-size="{FONT_PX}">'
        f"<title>{label}</title>"
        f'<text x="{width / 2:.1f}" y="18" text-anchor="middle" font-size="13" '
        f'font-weight="bold">{label}</text>' + "".join(body) + "</svg>"
    )


def _grid(frame: Frame) -> str:
    parts = [_x_grid(frame)]
    for tick in nice_ticks(*frame.y_range):
        y = float(frame.py(tick))
        parts.append(
            f'<line x1="{frame.left:.1f}" y1="{y:.1f}" x2="{frame.right:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}"/>'
            + _text(frame.left - 5, y + 4, _tick(tick), anchor="end", colour=AXIS)
        )
    return "".join(parts)


def _x_grid(frame: Frame) -> str:
    parts = []
    for tick in nice_ticks(*frame.x_range):
        x = float(frame.px(tick))
        parts.append(
            f'<line x1="{x:.1f}" y1="{frame.top:.1f}" x2="{x:.1f}" y2="{frame.bottom:.1f}" '
            f'stroke="{GRID}"/>'
            + _text(x, frame.bottom + 14, _tick(tick), anchor="middle", colour=AXIS)
        )
    return "".join(parts)


def _axes(frame: Frame, x_label: str, y_label: str, width: int, height: int) -> str:
    middle_y = (frame.top + frame.bottom) / 2
    return (
        f'<rect x="{frame.left:.1f}" y="{frame.top:.1f}" width="{frame.right - frame.left:.1f}" '
        f'height="{frame.bottom - frame.top:.1f}" fill="none" stroke="{AXIS}"/>'
        + _text((frame.left + frame.right) / 2, height - 8, x_label, anchor="middle")
        + f'<text x="14" y="{middle_y:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {middle_y:.1f})">{escape(y_label)}</text>'
    )


def _bar_axes(frame: Frame, x_label: str, height: int) -> str:
    zero = float(frame.px(0.0))
    return (
        f'<line x1="{zero:.1f}" y1="{frame.top:.1f}" x2="{zero:.1f}" y2="{frame.bottom:.1f}" '
        f'stroke="{AXIS}"/>'
        f'<line x1="{frame.left:.1f}" y1="{frame.bottom:.1f}" x2="{frame.right:.1f}" '
        f'y2="{frame.bottom:.1f}" stroke="{AXIS}"/>'
        + _text((frame.left + frame.right) / 2, height - 8, x_label, anchor="middle")
    )


def _legend(frame: Frame, entries: Sequence[tuple[str, str]]) -> str:
    """A boxed legend in the plot's lower-right corner, one entry per line."""
    if not entries:
        return ""
    texts = [_shorten(label) for label, _ in entries]
    box_w = 30 + CHAR_PX * max(len(text) for text in texts)
    box_h = 8 + 16 * len(entries)
    x0 = max(frame.right - box_w - 8, frame.left + 2)
    y0 = max(frame.bottom - box_h - 8, frame.top + 2)
    parts = [
        f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{box_w:.1f}" height="{box_h:.1f}" '
        'fill="#fff" fill-opacity="0.85" stroke="#ccc"/>'
    ]
    for index, ((_, colour), text) in enumerate(zip(entries, texts, strict=True)):
        y = y0 + 12 + 16 * index
        parts.append(
            f'<rect x="{x0 + 6:.1f}" y="{y - 8:.1f}" width="14" height="8" '
            f'fill="{_attr(colour)}"/>' + _text(x0 + 24, y, text)
        )
    return "".join(parts)


def _legend_row(x: float, y: float, entries: Sequence[tuple[str, str]]) -> str:
    """A one-line legend starting at (x, y), for bar charts."""
    parts = []
    for label, colour in entries:
        text = _shorten(label)
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 8:.1f}" width="14" height="9" fill="{_attr(colour)}"/>'
            + _text(x + 18, y, text)
        )
        x += 30 + CHAR_PX * len(text)
    return "".join(parts)


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    colour: str = "",
    weight: str = "",
) -> str:
    fill = f' fill="{_attr(colour)}"' if colour else ""
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{fill}{bold}>{escape(content)}</text>'
    )


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "\u2026"


def _tick(value: float) -> str:
    return f"{value:.10g}" if abs(value) >= 1e-9 else "0"
