"""Population stability index (PSI): how far a score's distribution has moved between two samples.

Not to be confused with private set intersection (:mod:`confide.psi`): here PSI is the credit
risk measure ``sum((a_i - e_i) * ln(a_i / e_i))`` over score bins, where ``e_i`` and ``a_i``
are the shares of the expected (development) and actual (recent) samples in bin ``i``. A common
rule of thumb: below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a major shift.

Bins come from the expected sample alone. The cut points are its quantiles at
``1/n_bins, ..., (n_bins-1)/n_bins``, taken as values of the sample itself (the inverted-CDF
definition), and bins are right-closed ``(c[i-1], c[i]]``; the outermost bins are open-ended,
so actual scores beyond the expected range still count. Repeated cut points collapse (heavily
tied scores give fewer bins), and a cut at the expected maximum is dropped, so every bin holds
some expected rows.

Empty bins: an actual bin can be empty, which would make its term infinite. Any share below
``epsilon`` (default 1e-4, i.e. 0.01%) is raised to ``epsilon`` before the sum, so such a bin
adds a large but finite term. Shares are not renormalised afterwards; the effect is at most
``n_bins * epsilon`` on either distribution.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from confide.errors import ConfigError
from confide.metrics.inputs import as_scores, check_bins

__all__ = ["DEFAULT_EPSILON", "population_stability_index", "stability_table"]

#: The floor for a bin's share; see the module docstring.
DEFAULT_EPSILON = 1e-4


def stability_table(
    expected: npt.ArrayLike,
    actual: npt.ArrayLike,
    n_bins: int = 10,
    *,
    epsilon: float = DEFAULT_EPSILON,
) -> pd.DataFrame:
    """PSI bin by bin: ``bin``, ``lower``, ``upper`` (the bin is ``(lower, upper]``),
    ``expected_count``, ``actual_count``, ``expected_share``, ``actual_share`` (raw shares,
    before the ``epsilon`` floor) and ``psi`` (the bin's term; the terms sum to the index).

    Raises :class:`~confide.errors.ConfigError` for empty or non-finite samples, ``n_bins`` below
    1 or ``epsilon`` outside (0, 1).
    """
    bins = check_bins(n_bins)
    if not 0.0 < epsilon < 1.0:
        raise ConfigError(f"epsilon must lie in (0, 1), got {epsilon!r}")
    reference = as_scores(expected, "expected scores")
    recent = as_scores(actual, "actual scores")
    cuts = _cut_points(reference, bins)
    k = cuts.size + 1
    expected_count = np.bincount(np.searchsorted(cuts, reference, side="left"), minlength=k)
    actual_count = np.bincount(np.searchsorted(cuts, recent, side="left"), minlength=k)
    expected_share = expected_count / reference.size
    actual_share = actual_count / recent.size
    e = np.maximum(expected_share, epsilon)
    a = np.maximum(actual_share, epsilon)
    table: pd.DataFrame = pd.DataFrame(
        {
            "bin": np.arange(1, k + 1),
            "lower": np.concatenate(([-np.inf], cuts)),
            "upper": np.concatenate((cuts, [np.inf])),
            "expected_count": expected_count,
            "actual_count": actual_count,
            "expected_share": expected_share,
            "actual_share": actual_share,
            "psi": (a - e) * np.log(a / e),
        }
    )
    return table


def population_stability_index(
    expected: npt.ArrayLike,
    actual: npt.ArrayLike,
    n_bins: int = 10,
    *,
    epsilon: float = DEFAULT_EPSILON,
) -> float:
    """The PSI of ``actual`` scores against ``expected`` ones (0 when the binned shares agree).

    Non-negative; see the module docstring for the bins and the ``epsilon`` floor, and
    :func:`stability_table` for the terms bin by bin.
    """
    return float(stability_table(expected, actual, n_bins, epsilon=epsilon)["psi"].sum())


def _cut_points(reference: npt.NDArray[np.float64], n_bins: int) -> npt.NDArray[np.float64]:
    """Distinct inner quantiles of ``reference`` (sample values), all below its maximum."""
    levels = np.arange(1, n_bins) / n_bins
    cuts: npt.NDArray[np.float64] = np.unique(np.quantile(reference, levels, method="inverted_cdf"))
    return cuts[cuts < float(reference.max())]
