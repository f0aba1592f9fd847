"""Preprocessing for vertical credit scoring: binning, WOE and IV, and feature selection.

Each owner bins its own columns (``binning``), the parties count events per bin together without
pooling labels or row-level bins (``vertical``, over :mod:`confide.mpc`), WOE and IV follow from
the counts (``woe``, also the plaintext twin), and each owner replaces its values by their WOE
while every party selects the same features by IV (``encode``)::

    specs = fit_bins(platform_table, ["age", "income"], method="quantile", n_bins=10)
    bins = assign_bins(platform_table, specs)
    result = vertical_woe(mpc, bins, specs, None, label_holder="bank")
    chosen = result.selected(0.02)
    woe_values = woe_transform(platform_table, specs, result.tables)
"""

from confide.preprocessing.binning import (
    DEFAULT_MIN_FRACTION,
    BinSpec,
    assign_bins,
    fit_bins,
    resolve_min_rows,
)
from confide.preprocessing.encode import DEFAULT_IV_THRESHOLD, select_by_iv, woe_transform
from confide.preprocessing.vertical import (
    BLOCK_WORDS,
    DEFAULT_MIN_BIN_ROWS,
    DISCLOSURE,
    WoeResult,
    vertical_woe,
)
from confide.preprocessing.woe import (
    SMOOTHING,
    WoeTable,
    check_labels,
    count_events,
    plain_woe_iv,
    table_from_counts,
    woe_from_counts,
    woe_table,
)

__all__ = [
    "BLOCK_WORDS",
    "DEFAULT_IV_THRESHOLD",
    "DEFAULT_MIN_BIN_ROWS",
    "DEFAULT_MIN_FRACTION",
    "DISCLOSURE",
    "SMOOTHING",
    "BinSpec",
    "WoeResult",
    "WoeTable",
    "assign_bins",
    "check_labels",
    "count_events",
    "fit_bins",
    "plain_woe_iv",
    "resolve_min_rows",
    "select_by_iv",
    "table_from_counts",
    "vertical_woe",
    "woe_from_counts",
    "woe_table",
    "woe_transform",
]
