"""The boosting section of a report: parameters, trees, importance per owner, the first tree.

A boosted-trees model has no WOE tables, coefficients or scorecard; its section shows the
hyper-parameters, the number of trees, the feature importance of every owner (a chart and a
table) and the first tree's structure. Each split reads "owner: feature" only: thresholds stay
with their owners, so the report cannot show them. Every user string is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

import pandas as pd

from confide.report.charts import importance_chart, owner_colours
from confide.report.data import BoostingSection
from confide.report.tables import format_value, frame_table, pairs_table

__all__ = ["IMPORTANCE_HEADERS", "boosting_content", "tree_html"]

IMPORTANCE_HEADERS = {
    "owner": "owner",
    "feature": "feature",
    "split_count": "splits",
    "total_gain": "total gain",
}


def boosting_content(
    boosting: BoostingSection,
    owners: Sequence[str],
    reader: str,
    figure: Callable[[str, str], str],
) -> str:
    """The section's HTML; ``owners`` orders the colours, ``reader`` is the report's owner and
    ``figure(svg, how)`` wraps a chart as the rest of the page does."""
    params = [("trees", format_value(boosting.n_trees))]
    params += [(str(k), format_value(v)) for k, v in boosting.params.items()]
    parts = ["<h3>Parameters</h3>", pairs_table(params), "<h3>Feature importance by owner</h3>"]
    table = boosting.importance
    ordered = [o for o in owners if o in set(map(str, table["owner"]))]
    ordered += [o for o in map(str, table["owner"].unique()) if o not in ordered]
    chart = importance_chart(table, owner_colours(ordered))
    how = (
        "each bar adds up the loss reduction (gain) of every split on the feature over all "
        "trees; longer bars matter more to the model."
        if "total_gain" in table.columns
        else "each bar counts the splits on the feature over all trees."
    )
    shown = figure(chart, how)
    columns = [c for c in IMPORTANCE_HEADERS if c in table.columns]
    parts.append(
        f'<div class="feature">{shown}'
        f"{frame_table(table, columns=columns, headers=IMPORTANCE_HEADERS)}</div>"
    )
    parts.append("<h3>The first tree</h3>")
    parts.append(
        _note(
            "Each split shows the owner and the feature it splits on; the threshold stays with "
            f"its owner and is not known to {reader}. Rows below the threshold go left, the "
            "others right; a leaf's value is added to the log-odds of default."
        )
    )
    parts.append(tree_html(boosting.first_tree))
    return "".join(parts)


def tree_html(tree: pd.DataFrame) -> str:
    """The tree as nested lists from the root: splits as "owner: feature", leaves by value."""
    if tree.empty:
        return _note("The model has no tree.")
    left = [int(v) for v in tree["left"]]
    right = [int(v) for v in tree["right"]]
    split = [str(v) for v in tree["split"]]
    gain = [float(v) for v in tree["gain"]]
    value = [float(v) for v in tree["value"]]

    def node(index: int, side: str) -> str:
        if left[index] < 0:
            text = f"{side}leaf {index}: value {value[index]:+.4f}"
            return f'<li class="leaf">{escape(text)}</li>'
        text = f"{side}node {index}: {split[index]} (gain {format_value(gain[index])})"
        children = node(left[index], "left \u2192 ") + node(right[index], "right \u2192 ")
        return f'<li><span class="split">{escape(text)}</span><ul class="tree">{children}</ul></li>'

    return f'<ul class="tree root">{node(0, "")}</ul>'


def _note(text: str) -> str:
    return f'<p class="note">{escape(text)}</p>'
