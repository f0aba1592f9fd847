"""``render_html`` and ``write_html``: a :class:`CreditReport` as one self-contained HTML page.

The page has no scripts and no external resources: the stylesheet is inline and every chart is
inline SVG, so it opens offline, can be mailed or archived as one file and prints cleanly.
Every string that came from a user (titles, party, feature and bin names, notes) is escaped.

Sections, in order (each ``<section>`` has the ``id`` in brackets): summary (``summary``), the
run (``run``), model performance (``performance``), features by IV (``features``), WOE tables
(``woe``), coefficients by owner (``coefficients``), the scorecard (``scorecard``) and who
learned what (``disclosure``). A report of boosted trees (``report.boosting`` set) has
:data:`BOOSTING_SECTIONS` instead: the boosting section (``boosting``,
:mod:`confide.report.boosting`) takes the place of the four scorecard sections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

import pandas as pd

from confide.report.boosting import boosting_content
from confide.report.charts import (
    iv_chart,
    ks_chart,
    owner_colours,
    roc_chart,
    score_histogram,
    woe_chart,
)
from confide.report.data import CreditReport, RunMetadata
from confide.report.style import CSS
from confide.report.tables import format_bytes, format_value, frame_table, pairs_table

__all__ = ["BOOSTING_SECTIONS", "SECTIONS", "render_html", "write_html"]

#: The ``id`` and heading of each section, in page order.
SECTIONS = (
    ("summary", "Summary"),
    ("run", "The run"),
    ("performance", "Model performance"),
    ("features", "Features by information value"),
    ("woe", "WOE tables"),
    ("coefficients", "Coefficients by owner"),
    ("scorecard", "Scorecard"),
    ("disclosure", "Who learned what"),
)
#: The sections of a report of boosted trees, in page order.
BOOSTING_SECTIONS = (
    *SECTIONS[:3],
    ("boosting", "Boosted trees"),
    SECTIONS[-1],
)
_HEADINGS = dict(SECTIONS) | dict(BOOSTING_SECTIONS)

LIFT_COLUMNS = {
    "bin": "bin (riskiest first)",
    "min_score": "min score",
    "max_score": "max score",
    "count": "rows",
    "events": "defaults",
    "event_rate": "default rate",
    "cum_capture": "cum. share of defaults",
    "lift": "lift",
    "cum_lift": "cum. lift",
}
CALIBRATION_COLUMNS = {
    "bin": "bin (safest first)",
    "count": "rows",
    "events": "defaults",
    "mean_predicted": "mean predicted",
    "observed_rate": "observed rate",
    "difference": "observed \u2212 predicted",
}
WOE_HEADERS = {
    "bin": "bin",
    "events": "defaults",
    "non_events": "non-defaults",
    "woe": "WOE",
    "iv": "IV contribution",
}
SEPARATOR = " \u00b7 "
COUNT_METRICS = ("n", "events")
METRIC_NAMES = {"n": "rows", "events": "defaults", "auc": "AUC", "ks": "KS", "gini": "Gini"}


def render_html(report: CreditReport) -> str:
    """The whole report as one HTML document (a string); see the module docstring."""
    title = escape(report.title)
    if report.boosting is not None:
        model = [_boosting(report)]
    else:
        model = [_features(report), _woe(report), _coefficients(report), _scorecard(report)]
    body = "".join(
        [
            _summary(report),
            _run(report.metadata),
            _performance(report),
            *model,
            _disclosure(report),
        ]
    )
    versions = ", ".join(f"{k} {v}" for k, v in report.metadata.versions.items())
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{CSS}</style></head><body>"
        f"{body}<footer>Written by Confide ({escape(versions)}). A self-contained page: no "
        "scripts, no external resources.</footer></body></html>\n"
    )


def write_html(report: CreditReport, path: str | Path) -> Path:
    """Render ``report`` and write it to ``path`` (UTF-8); returns the path written."""
    target = Path(path)
    target.write_text(render_html(report), encoding="utf-8")
    return target


def _section(key: str, content: str) -> str:
    heading = _HEADINGS[key]
    return f'<section id="{key}"><h2>{escape(heading)}</h2>{content}</section>'


def _figure(svg: str, how: str) -> str:
    return f'<figure>{svg}<p class="how">How to read this: {escape(how)}</p></figure>'


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'


def _summary(report: CreditReport) -> str:
    meta = report.metadata
    test = report.metrics.get("test", {})
    cards = [
        (METRIC_NAMES.get(k, k), format_value(test[k])) for k in ("auc", "ks", "gini") if k in test
    ]
    if report.psi is not None:
        cards.append(("PSI train\u2192test", format_value(report.psi)))
    cards.append(("test rows", format_value(int(report.test_labels.size))))
    cards.append(("test default rate", f"{100 * float(report.test_labels.mean()):.2f}%"))
    card_html = "".join(
        f'<div class="card"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div></div>'
        for label, value in cards
    )
    line = [f"started {meta.started_at.isoformat(sep=' ', timespec='seconds')}"]
    if meta.job_id:
        line.insert(0, f"job {meta.job_id}")
    if meta.report_owner:
        line.append(f"written for {meta.report_owner}")
    line.append("parties: " + ", ".join(party.name for party in meta.parties))
    sections = BOOSTING_SECTIONS if report.boosting is not None else SECTIONS
    nav = "".join(f'<a href="#{key}">{escape(name)}</a>' for key, name in sections[1:])
    return (
        f'<section id="summary"><h1>{escape(report.title)}</h1>'
        f'<p class="sub">{escape(SEPARATOR.join(line))}</p><nav>{nav}</nav>'
        f'<div class="cards">{card_html}</div></section>'
    )


def _run(meta: RunMetadata) -> str:
    parties = pd.DataFrame(
        {
            "party": [p.name for p in meta.parties],
            "roles": [", ".join(p.roles) for p in meta.parties],
            "rows": pd.array([p.rows for p in meta.parties], dtype="Int64"),
        }
    )
    sizes = [
        (label, format_value(value))
        for label, value in (
            ("intersection (shared ids)", meta.intersection_size),
            ("training rows", meta.train_size),
            ("test rows", meta.test_size),
        )
    ]
    sizes.append(("started at", meta.started_at.isoformat(sep=" ", timespec="seconds")))
    if meta.job_id:
        sizes.insert(0, ("job", meta.job_id))
    if meta.trust:
        sizes.append(("trust assumption", meta.trust))
    content = "<h3>Parties</h3>" + frame_table(parties) + "<h3>Data</h3>" + pairs_table(sizes)
    if meta.stages:
        rows = [
            (s.name, s.protocol or "\u2013", f"{s.seconds:,.2f} s", format_bytes(s.bytes_sent))
            for s in meta.stages
        ]
        known = [s.bytes_sent for s in meta.stages if s.bytes_sent is not None]
        rows.append(
            (
                "total",
                "",
                f"{sum(s.seconds for s in meta.stages):,.2f} s",
                format_bytes(sum(known)) if known else "\u2013",
            )
        )
        stages = pd.DataFrame(rows, columns=["stage", "protocol", "wall time", "bytes sent"])
        content += "<h3>Stages</h3>" + frame_table(stages)
    content += "<h3>Versions</h3>" + pairs_table(list(meta.versions.items()))
    return _section("run", content)


def _performance(report: CreditReport) -> str:
    samples = list(report.metrics)
    keys = [k for k in METRIC_NAMES if any(k in report.metrics[s] for s in samples)]
    # Counts and ratios share a column: object columns keep each cell's own format.
    table = pd.DataFrame(
        {"metric": [METRIC_NAMES[k] for k in keys]}
        | {
            s: pd.Series([_metric_value(report.metrics[s], k) for k in keys], dtype=object)
            for s in samples
        }
    )
    content = frame_table(table)
    if report.psi is not None:
        content += _note(
            f"Population stability index of test against train scores: "
            f"{format_value(report.psi)} ({_psi_reading(report.psi)})."
        )
    labels, scores = report.test_labels, report.test_scores
    if report.test_points is not None:
        values, x_label = report.test_points, "score in points (higher is safer)"
    else:
        values, x_label = scores, "predicted probability of default"
    figures = [
        _figure(
            roc_chart(labels, scores),
            "the higher the curve above the dashed diagonal, the better the score separates "
            "defaults from non-defaults; AUC is the area under it (0.5 random, 1 perfect).",
        ),
        _figure(
            ks_chart(labels, scores),
            "taking applicants from riskiest to safest, each line is the share of its class "
            "reached so far; KS is the widest vertical gap between the two.",
        ),
        _figure(
            score_histogram(labels, values, x_label=x_label),
            "each class's bars add up to 1; the less the two distributions overlap, the better "
            "the score separates them.",
        ),
    ]
    content += f'<div class="grid">{"".join(figures)}</div>'
    if report.lift is not None:
        content += "<h3>Lift and gain by score decile</h3>" + _subset(report.lift, LIFT_COLUMNS)
    if report.calibration is not None:
        content += "<h3>Calibration by decile of predicted probability</h3>" + _subset(
            report.calibration, CALIBRATION_COLUMNS
        )
    return _section("performance", content)


def _features(report: CreditReport) -> str:
    if report.iv.empty:
        return _section("features", _note("No information values in this report."))
    figure = _figure(
        iv_chart(report.iv, owner_colours(report.owners)),
        "longer bars predict default better on their own. Rule of thumb: IV below 0.02 is "
        "not useful, 0.02 to 0.1 weak, 0.1 to 0.3 medium, above 0.3 strong (above 0.5, check "
        "for leakage).",
    )
    table = frame_table(
        report.iv.sort_values("iv", ascending=False, kind="stable"),
        columns=["feature", "owner", "iv"],
        headers={"iv": "IV"},
    )
    return _section("features", f'<div class="feature">{figure}{table}</div>')


def _woe(report: CreditReport) -> str:
    if not report.woe_tables:
        return _section("woe", _note("No WOE tables were disclosed to this report's owner."))
    order = [str(f) for f in report.iv.sort_values("iv", ascending=False)["feature"]]
    features = [f for f in order if f in report.woe_tables]
    features += [f for f in report.woe_tables if f not in features]
    owner_of = dict(zip(map(str, report.iv["feature"]), map(str, report.iv["owner"]), strict=True))
    parts = [
        _note(
            "WOE = ln(share of non-defaults in the bin / share of defaults in the bin): positive "
            "for bins safer than average. A bin's IV contribution is (non-default share \u2212 "
            "default share) \u00d7 WOE; they add up to the feature's IV."
        )
    ]
    for feature in features:
        table = report.woe_tables[feature]
        owner = owner_of.get(feature)
        heading = f"{feature} ({owner})" if owner else feature
        columns = [c for c in WOE_HEADERS if c in table.columns]
        figure = _figure(
            woe_chart(feature, table),
            "bars right of zero are bins with a lower default rate than the whole sample, "
            "left of zero a higher one.",
        )
        parts.append(
            f'<h3>{escape(heading)}</h3><div class="feature">{figure}'
            f"{frame_table(table, columns=columns, headers=WOE_HEADERS)}</div>"
        )
    return _section("woe", "".join(parts))


def _coefficients(report: CreditReport) -> str:
    reader = report.metadata.report_owner or "the report's owner"
    parts = [
        _note(
            "The model is logit P(default) = intercept + \u03a3 coefficient \u00d7 WOE. Each owner "
            "receives the coefficients of its own features only."
        )
    ]
    for owner in [o for o in report.owners if o in report.coefficients]:
        coefficients = report.coefficients[owner]
        parts.append(f"<h3>{escape(owner)}</h3>")
        if coefficients is None:
            parts.append(_note(f"Not disclosed to {reader}: {owner} kept its coefficients."))
            continue
        table = pd.DataFrame(
            {"feature": list(coefficients), "coefficient": list(coefficients.values())}
        )
        parts.append(frame_table(table))
    return _section("coefficients", "".join(parts))


def _scorecard(report: CreditReport) -> str:
    if report.scorecard is None:
        return _section("scorecard", _note("No scorecard is part of this report."))
    return _section(
        "scorecard",
        _note(
            "A row's score is the base points plus the points of the bin it falls in for each "
            "feature; higher scores mean lower risk."
        )
        + frame_table(report.scorecard, headers={"woe": "WOE"}),
    )


def _boosting(report: CreditReport) -> str:
    boosting = report.boosting
    if boosting is None:
        return _section("boosting", _note("No boosted trees are part of this report."))
    reader = report.metadata.report_owner or "the report's owner"
    owners = [party.name for party in report.metadata.parties]
    return _section("boosting", boosting_content(boosting, owners, reader, _figure))


def _disclosure(report: CreditReport) -> str:
    if not report.disclosures:
        return _section("disclosure", _note("No disclosures were recorded for this job."))
    table = pd.DataFrame(
        [(d.step, d.receiver, d.what, d.note) for d in report.disclosures],
        columns=["step", "receiver", "learns", "note"],
    )
    return _section(
        "disclosure",
        "<p>Everything a party learned beyond its own data and the outputs it was named to "
        "receive, step by step, as each component declares it.</p>" + frame_table(table),
    )


def _subset(table: pd.DataFrame, headers: dict[str, str]) -> str:
    columns: Sequence[str] = [c for c in headers if c in table.columns]
    return frame_table(table, columns=columns, headers=headers)


def _metric_value(metrics: Mapping[str, float], key: str) -> float | int | None:
    """A metric as shown: counts as whole numbers, missing ones as None."""
    if key not in metrics:
        return None
    return int(metrics[key]) if key in COUNT_METRICS else float(metrics[key])


def _psi_reading(psi: float) -> str:
    if psi < 0.1:
        return "below 0.1: stable"
    if psi <= 0.25:
        return "0.1 to 0.25: a moderate shift"
    return "above 0.25: a major shift"
