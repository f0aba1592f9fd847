"""The whole page: well-formed, every section, escaped, self-contained, small at 100,000 rows."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from confide.report import SECTIONS, CreditReport, render_html, write_html
from tests.report.sample import HOSTILE_BIN, HOSTILE_FEATURE, sample_report
from tests.report.svg_check import charts

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Checker(HTMLParser):
    """Records tags and attributes, and every nesting error (an end tag that closes nothing)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.ids: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record(tag, attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._record(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def _record(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            self.attributes.append((name, value or ""))
            if name == "id" and value:
                self.ids.append(value)


def check(html: str) -> Checker:
    checker = Checker()
    checker.feed(html)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    return checker


@pytest.fixture(scope="module")
def hostile() -> CreditReport:
    return sample_report(3000, seed=1, hostile=True)


@pytest.fixture(scope="module")
def page(hostile: CreditReport) -> str:
    return render_html(hostile)


def test_page_parses_and_has_every_section_in_order(page: str) -> None:
    checker = check(page)
    assert page.startswith("<!DOCTYPE html>")
    assert [i for i in checker.ids if i in dict(SECTIONS)] == [key for key, _ in SECTIONS]
    text = "".join(checker.text)
    for _, heading in SECTIONS[1:]:
        assert heading in text
    # One "how to read this" line under each chart.
    assert text.count("How to read this:") == len(charts(page))


def test_user_strings_are_escaped(page: str, hostile: CreditReport) -> None:
    assert "<script" not in page.lower()
    assert "<img" not in page.lower()
    assert "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    checker = check(page)
    text = "".join(checker.text)
    # After unescaping, the hostile names read exactly as given, in the tables and the charts.
    assert HOSTILE_FEATURE in text
    assert HOSTILE_BIN in text
    assert hostile.title in text
    assert not any(name.startswith("on") for name, _ in checker.attributes)


def test_page_is_self_contained(page: str) -> None:
    checker = check(page)
    assert "http://" not in page
    assert "https://" not in page
    assert "url(" not in page
    assert "@import" not in page
    assert not {"script", "link", "iframe", "object", "img"} & set(checker.tags)
    for name, value in checker.attributes:
        if name in ("href", "src"):
            assert value.startswith("#"), value


def test_every_chart_is_well_formed_and_inside_its_view_box(
    page: str, hostile: CreditReport
) -> None:
    found = charts(page)
    # ROC, KS, score histogram, IV, then one WOE chart per feature.
    assert len(found) == 4 + len(hostile.woe_tables)
    for chart in found:
        assert chart.outside() == []


def test_numbers_and_notes_are_shown(page: str, hostile: CreditReport) -> None:
    text = "".join(check(page).text)
    for sample in ("train", "test"):
        assert f"{hostile.metrics[sample]['auc']:.4f}" in text
    assert "Not disclosed to bank: platform kept its coefficients." in text
    assert "(base points)" in text
    assert "semi2k" in text
    assert "920.0 MB" in text
    for row in hostile.disclosures:
        assert row.what in text


def test_a_large_test_sample_gives_a_small_page() -> None:
    big = sample_report(334_000, seed=3, n_bins=8)  # 30% test: 100,200 rows
    assert big.test_labels.size >= 100_000
    html = render_html(big)
    assert len(html.encode()) < 2_000_000
    check(html)
    lines = [line for chart in charts(html) for line in chart.polylines]
    assert max(len(line) for line in lines) <= 500
    assert max(len(line) for line in lines) > 300  # the curves are thinned, not flattened


def test_write_html(tmp_path: Path, hostile: CreditReport) -> None:
    path = write_html(hostile, tmp_path / "report.html")
    assert path == tmp_path / "report.html"
    assert path.read_text(encoding="utf-8") == render_html(hostile)


def test_optional_parts_can_be_absent(hostile: CreditReport) -> None:
    bare = dataclasses.replace(
        hostile,
        scorecard=None,
        woe_tables={},
        disclosures=(),
        lift=None,
        calibration=None,
        psi=None,
        test_points=None,
    )
    html = render_html(bare)
    checker = check(html)
    assert [i for i in checker.ids if i in dict(SECTIONS)] == [key for key, _ in SECTIONS]
    text = "".join(checker.text)
    assert "No scorecard is part of this report." in text
    assert "No disclosures were recorded" in text
    assert "predicted probability of default" in text  # the histogram falls back to scores
    assert re.search(r"Lift and gain", text) is None


def test_a_trust_assumption_is_stated_with_the_run(hostile: CreditReport) -> None:
    assert "trust assumption" not in "".join(check(render_html(hostile)).text)
    enclave = dataclasses.replace(
        hostile, metadata=dataclasses.replace(hostile.metadata, trust="simulation: <no> hardware")
    )
    html = render_html(enclave)
    text = "".join(check(html).text)
    assert "trust assumption" in text and "simulation: <no> hardware" in text
    assert "<no>" not in html  # escaped like every user string
