"""Cell formatting and HTML tables: numbers for reading, every cell escaped."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from confide.report.tables import format_bytes, format_value, frame_table, pairs_table


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "\u2013"),
        (pd.NA, "\u2013"),
        (math.nan, "\u2013"),
        (math.inf, "\u221e"),
        (-math.inf, "\u2212\u221e"),
        (1234567, "1,234,567"),
        (np.int64(42), "42"),
        (12.0, "12"),
        (0.123456, "0.1235"),
        (-2.5, "-2.5000"),
        (123456.789, "123,456.79"),
        (True, "yes"),
        ("text", "text"),
    ],
)
def test_format_value(value: object, text: str) -> None:
    assert format_value(value) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (None, "\u2013"),
        (999, "999 B"),
        (2_400_000, "2.4 MB"),
        (920_000_000, "920.0 MB"),
        (3_200_000_000_000, "3,200.0 GB"),
    ],
)
def test_format_bytes(count: int | None, text: str) -> None:
    assert format_bytes(count) == text


def test_frame_table_escapes_and_aligns() -> None:
    frame = pd.DataFrame({"name": ["<b>x</b>", "a & b"], "value": [1.5, 1.0], "count": [3.0, 4.0]})
    html = frame_table(frame, headers={"value": "<v>"})
    assert "<b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "a &amp; b" in html
    assert "&lt;v&gt;" in html
    # One number of decimals per float column; whole-number float columns as integers.
    assert '<td class="num">1.0000</td>' in html
    assert '<td class="num">4</td>' in html
    assert "<th>name</th>" in html
    assert html.count("<tr>") == 3


def test_frame_table_picks_columns() -> None:
    frame = pd.DataFrame({"a": [1], "b": [2], "c": [3]})
    html = frame_table(frame, columns=["c", "a"])
    assert html.index(">c<") < html.index(">a<")
    assert ">b<" not in html


def test_pairs_table_escapes() -> None:
    html = pairs_table([("<k>", "<v>")])
    assert "&lt;k&gt;" in html
    assert "&lt;v&gt;" in html
