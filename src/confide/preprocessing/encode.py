"""Using WOE tables locally: replace each value by its bin's WOE, and pick features by IV.

Both run at one party, in the clear, on that party's own data: after
:func:`~confide.preprocessing.vertical.vertical_woe`, each owner transforms its own columns with
the tables it learned, and every party picks the same features from the IVs every party learned.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from confide.errors import ConfigError
from confide.preprocessing.binning import BinSpec, assign_bins
from confide.preprocessing.woe import WoeTable

__all__ = ["DEFAULT_IV_THRESHOLD", "select_by_iv", "woe_transform"]

#: Features below this IV are usually called useless for prediction (Siddiqi, "Credit Risk
#: Scorecards", 2006: below 0.02 unpredictive, 0.02-0.1 weak, 0.1-0.3 medium, above 0.3 strong).
DEFAULT_IV_THRESHOLD = 0.02


def woe_transform(
    frame: pd.DataFrame, specs: Mapping[str, BinSpec], tables: Mapping[str, WoeTable]
) -> pd.DataFrame:
    """The WOE value of every row in every spec's column: float64, ``frame``'s index.

    Each spec needs the table of its feature, with as many bins. Values never seen at fit time
    get the WOE of the bin they fall in (see :mod:`confide.preprocessing.binning`).
    """
    lacking = [name for name in specs if name not in tables]
    if lacking:
        raise ConfigError(f"no WOE table for the features {lacking}")
    for name, spec in specs.items():
        if tables[name].n_bins != spec.n_bins:
            raise ConfigError(
                f"feature {name!r}: the WOE table has {tables[name].n_bins} bins, "
                f"the bin spec {spec.n_bins}"
            )
    bins = assign_bins(frame, specs)
    values = {
        name: np.asarray(tables[name].woe, dtype=np.float64)[bins[:, j]]
        for j, name in enumerate(specs)
    }
    out: pd.DataFrame = pd.DataFrame(values, index=frame.index, columns=list(specs))
    return out


def select_by_iv(
    iv: Mapping[str, float],
    threshold: float = DEFAULT_IV_THRESHOLD,
    *,
    max_features: int | None = None,
) -> list[str]:
    """Features whose IV is at least ``threshold``, strongest first (ties by name), at most
    ``max_features`` of them."""
    if not np.isfinite(threshold):
        raise ConfigError(f"threshold must be a finite number, got {threshold}")
    if max_features is not None and (
        isinstance(max_features, bool) or not isinstance(max_features, int) or max_features < 0
    ):
        raise ConfigError(f"max_features must be a non-negative int, got {max_features!r}")
    chosen = sorted((name for name, value in iv.items() if value >= threshold),
                    key=lambda name: (-iv[name], name))  # fmt: skip
    return chosen if max_features is None else chosen[:max_features]
