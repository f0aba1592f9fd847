"""Thinning a curve to a few hundred points, so a chart of 100,000 rows stays small.

ROC and KS curves have one point per distinct score: up to one per row. A chart needs a few
hundred. :func:`downsample_indices` keeps points evenly spaced along the curve's length (in the
L1 sense, ``|dx| + |dy|``, which suits the staircase shape of these curves), always keeps the
first and last point, and keeps any point the caller names (such as where KS is reached).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError

__all__ = ["MAX_CURVE_POINTS", "downsample_indices"]

#: The most points a curve is drawn with.
MAX_CURVE_POINTS = 500


def downsample_indices(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    max_points: int = MAX_CURVE_POINTS,
    *,
    keep: Sequence[int] = (),
) -> npt.NDArray[np.intp]:
    """Increasing indices of at most ``max_points`` points of the curve ``(x, y)``.

    Every index in ``keep`` is among them, as are the first and the last; the others are
    spread evenly along the curve's length. A curve with at most ``max_points`` points comes
    back whole. Raises :class:`~confide.errors.ConfigError` if ``x`` and ``y`` are not 1-d of one
    length, ``max_points`` is below ``len(keep) + 3`` or an index in ``keep`` is out of range.
    """
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if xs.ndim != 1 or xs.shape != ys.shape:
        raise ConfigError(f"a curve needs 1-d x and y of one length, got {xs.shape}, {ys.shape}")
    n = xs.size
    kept = np.asarray(keep, dtype=np.intp)
    if ((kept < 0) | (kept >= max(n, 1))).any():
        raise ConfigError(f"indices to keep must lie in 0..{n - 1}")
    if max_points < kept.size + 3:
        raise ConfigError(f"max_points must be at least {kept.size + 3}, got {max_points}")
    if n <= max_points:
        return np.arange(n, dtype=np.intp)
    steps = np.abs(np.diff(xs)) + np.abs(np.diff(ys))
    length = np.concatenate(([0.0], np.cumsum(steps)))
    spread = max_points - 2 - kept.size
    if length[-1] > 0.0:
        targets = np.linspace(0.0, length[-1], spread)
        picked = np.searchsorted(length, targets).clip(0, n - 1)
    else:
        picked = np.linspace(0, n - 1, spread).round().astype(np.intp)
    chosen = np.unique(np.concatenate(([0, n - 1], kept, picked)))
    return chosen.astype(np.intp)
