"""The credit report's charts: ROC, KS, score distribution, IV by feature, WOE by bin, and the
feature importance of boosted trees.

Each function turns report data into one inline SVG (see :mod:`confide.report.svg`). Curves are
computed with :mod:`confide.metrics` and thinned to at most ``max_points`` points by
:func:`~confide.report.downsample.downsample_indices`, keeping the point where KS is reached.
Colours are from the Okabe-Ito palette, which reads for colour-blind readers and in greyscale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from confide.metrics import auc, ks_curve, roc_curve
from confide.report.downsample import MAX_CURVE_POINTS, downsample_indices
from confide.report.svg import Bar, HistogramGroup, Line, Marker, bar_chart, histogram_chart
from confide.report.svg import line_chart as _line_chart

__all__ = [
    "PALETTE",
    "importance_chart",
    "iv_chart",
    "ks_chart",
    "owner_colours",
    "roc_chart",
    "score_histogram",
    "woe_chart",
]

FloatArray = npt.NDArray[np.float64]

#: Okabe-Ito colours, one per owner in turn.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
EVENT_COLOUR = "#D55E00"
NON_EVENT_COLOUR = "#0072B2"
MODEL_COLOUR = "#0072B2"
REFERENCE_COLOUR = "#888888"
#: Histogram bins of the score distribution.
SCORE_BINS = 30


def owner_colours(owners: Sequence[str]) -> dict[str, str]:
    """One palette colour per owner, in order (the palette repeats past seven owners)."""
    return {owner: PALETTE[index % len(PALETTE)] for index, owner in enumerate(owners)}


def roc_chart(labels: FloatArray, scores: FloatArray, max_points: int = MAX_CURVE_POINTS) -> str:
    """The ROC curve of the scores (probabilities of default) with the random-guess diagonal."""
    curve = roc_curve(labels, scores)
    keep = downsample_indices(curve.fpr, curve.tpr, max_points)
    return _line_chart(
        [
            Line(
                f"model (AUC {auc(labels, scores):.3f})",
                curve.fpr[keep],
                curve.tpr[keep],
                MODEL_COLOUR,
            ),
            Line(
                "random guess",
                np.array([0.0, 1.0]),
                np.array([0.0, 1.0]),
                REFERENCE_COLOUR,
                dashed=True,
            ),
        ],
        title="ROC curve (test sample)",
        x_label="false positive rate: share of non-defaults flagged",
        y_label="true positive rate: defaults caught",
    )


def ks_chart(labels: FloatArray, scores: FloatArray, max_points: int = MAX_CURVE_POINTS) -> str:
    """Cumulative shares of defaults and non-defaults by population, riskiest first; KS marked."""
    curve = ks_curve(labels, scores)
    best = int(np.argmax(np.abs(curve.tpr - curve.fpr)))
    # Both shares rise with the population, so |d(tpr + fpr)| = |d tpr| + |d fpr|: spacing
    # points along (population, tpr + fpr) spaces them along both curves at once.
    keep = downsample_indices(curve.population, curve.tpr + curve.fpr, max_points, keep=[best])
    x = curve.population[keep]
    return _line_chart(
        [
            Line("defaults", x, curve.tpr[keep], EVENT_COLOUR),
            Line("non-defaults", x, curve.fpr[keep], NON_EVENT_COLOUR),
        ],
        title="KS curve (test sample)",
        x_label="share of population, riskiest first",
        y_label="cumulative share of class",
        markers=[
            Marker(
                float(curve.population[best]),
                float(curve.fpr[best]),
                float(curve.tpr[best]),
                f"KS = {curve.ks:.3f}",
            )
        ],
    )


def score_histogram(
    labels: FloatArray, values: FloatArray, *, x_label: str, bins: int = SCORE_BINS
) -> str:
    """The distribution of ``values`` for defaults and non-defaults, each as shares of its class."""
    edges = np.histogram_bin_edges(values, bins=bins)
    events = labels == 1.0
    groups = []
    for name, mask, colour in (
        ("non-defaults", ~events, NON_EVENT_COLOUR),
        ("defaults", events, EVENT_COLOUR),
    ):
        counts, _ = np.histogram(values[mask], bins=edges)
        groups.append(HistogramGroup(name, counts / max(int(mask.sum()), 1), colour))
    return histogram_chart(
        edges,
        groups,
        title="Score distribution by class (test sample)",
        x_label=x_label,
        y_label="share of class",
    )


def iv_chart(iv: pd.DataFrame, colours: Mapping[str, str]) -> str:
    """Information value per feature, largest first, each bar in its owner's colour."""
    ordered = iv.sort_values("iv", ascending=False, kind="stable")
    bars = [
        Bar(
            str(feature),
            float(value),
            colours.get(str(owner), REFERENCE_COLOUR),
            f"{feature} ({owner})",
        )
        for feature, owner, value in zip(
            ordered["feature"], ordered["owner"], ordered["iv"], strict=True
        )
    ]
    present = [owner for owner in colours if owner in set(map(str, ordered["owner"]))]
    return bar_chart(
        bars,
        title="Information value by feature",
        x_label="information value (IV)",
        legend=[(owner, colours[owner]) for owner in present],
    )


def woe_chart(feature: str, table: pd.DataFrame) -> str:
    """WOE of each bin of ``feature``: right of zero, fewer defaults than average."""
    bars = [
        Bar(str(label), float(value), NON_EVENT_COLOUR if value >= 0 else EVENT_COLOUR)
        for label, value in zip(table["bin"], table["woe"], strict=True)
    ]
    return bar_chart(
        bars,
        title=f"WOE by bin: {feature}",
        x_label="weight of evidence (WOE)",
        legend=[("lower risk", NON_EVENT_COLOUR), ("higher risk", EVENT_COLOUR)],
        bar_px=18,
    )


def importance_chart(importance: pd.DataFrame, colours: Mapping[str, str]) -> str:
    """Total gain per feature (split count where gains are not known), largest first, each
    bar in its owner's colour; features that never split are left out."""
    measure = "total_gain" if "total_gain" in importance.columns else "split_count"
    used = importance[importance["split_count"] > 0]
    ordered = used.sort_values(measure, ascending=False, kind="stable")
    bars = [
        Bar(
            f"{owner}: {feature}",
            float(value),
            colours.get(str(owner), REFERENCE_COLOUR),
            f"{feature} ({owner})",
        )
        for feature, owner, value in zip(
            ordered["feature"], ordered["owner"], ordered[measure], strict=True
        )
    ]
    if not bars:
        bars = [Bar("no split", 0.0, REFERENCE_COLOUR)]
    present = [owner for owner in colours if owner in set(map(str, ordered["owner"]))]
    label = "total gain of its splits" if measure == "total_gain" else "number of splits"
    return bar_chart(
        bars,
        title="Feature importance",
        x_label=label,
        legend=[(owner, colours[owner]) for owner in present],
    )
