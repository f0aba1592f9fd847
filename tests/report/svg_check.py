"""Test helpers: find the SVG charts in a page, parse them as XML and read their coordinates."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


@dataclass(frozen=True)
class Chart:
    """One parsed chart: its ``viewBox`` size and every drawn coordinate, as (x, y) pairs."""

    root: ET.Element
    width: float
    height: float
    points: list[tuple[float, float]]

    @property
    def polylines(self) -> list[list[tuple[float, float]]]:
        """The points of each ``<polyline>``, in order."""
        return [_pairs(line.get("points", "")) for line in self.root.iter("polyline")]

    def outside(self) -> list[tuple[float, float]]:
        """Coordinates that fall outside the ``viewBox`` (should be none)."""
        return [
            (x, y)
            for x, y in self.points
            if not (0.0 <= x <= self.width and 0.0 <= y <= self.height)
        ]


def charts(html: str) -> list[Chart]:
    """Every ``<svg>`` of ``html``, parsed (raises if one is not well-formed XML)."""
    return [parse(match.group(0)) for match in SVG.finditer(html)]


def parse(svg: str) -> Chart:
    """One ``<svg>`` element's text, parsed; its coordinates collected from every shape."""
    root = ET.fromstring(svg)
    x0, y0, width, height = (float(v) for v in root.attrib["viewBox"].split())
    assert (x0, y0) == (0.0, 0.0)
    points: list[tuple[float, float]] = []
    for element in root.iter():
        a = {k: float(v) for k, v in element.attrib.items() if _is_number(v)}
        if element.tag == "polyline":
            points.extend(_pairs(element.attrib["points"]))
        elif element.tag == "line":
            points.extend([(a["x1"], a["y1"]), (a["x2"], a["y2"])])
        elif element.tag == "rect":
            points.extend([(a["x"], a["y"]), (a["x"] + a["width"], a["y"] + a["height"])])
            assert a["width"] >= 0 and a["height"] >= 0
        elif element.tag == "circle":
            points.extend(
                [(a["cx"] - a["r"], a["cy"] - a["r"]), (a["cx"] + a["r"], a["cy"] + a["r"])]
            )
        elif element.tag == "text":
            points.append((a["x"], a["y"]))
    return Chart(root, width, height, points)


def _pairs(text: str) -> list[tuple[float, float]]:
    pairs = [item.split(",") for item in text.split()]
    return [(float(x), float(y)) for x, y in pairs]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
