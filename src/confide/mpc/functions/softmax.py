"""Softmax along an axis of a secret fixed-point array.

``softmax(x)_i = e^(x_i - m) / sum_j e^(x_j - m)`` with ``m = max_j x_j``, for
``|x| < 1.8e5`` (so that ``x_i - m`` stays within the range of :func:`~.exp_log.exp`).
Absolute error below 2e-5 per output (18 fractional bits).

1. ``m`` by a tournament of comparisons (:func:`confide.mpc.compare.amax`):
   ``ceil(log2 L)`` times (9 rounds of comparison + 1 multiplication) for ``L`` classes.
2. ``e = exp(x - m)``, each in ``(0, 1]`` (19 rounds).
3. ``s = sum e``, at least 1 (the maximum contributes ``e^0``); ``r = 1/s`` (26 rounds, on one
   value per row).
4. ``e * r``: one product and one truncation.

Nothing is revealed; every step computes on shares.
"""

from __future__ import annotations

from confide.errors import ConfigError
from confide.mpc.compare import amax
from confide.mpc.functions.exp_log import exp
from confide.mpc.functions.polynomial import fixed_point, require_scaled_support
from confide.mpc.functions.roots import reciprocal
from confide.mpc.share import Share

__all__ = ["softmax"]


def softmax(x: Share, axis: int = -1) -> Share:
    """Softmax along ``axis`` (default the last), see the module docstring."""
    x = fixed_point(x)
    require_scaled_support(x, "softmax")
    if x.ndim == 0:
        raise ConfigError("softmax needs at least one axis")
    if not -x.ndim <= axis < x.ndim:
        raise ConfigError(f"axis {axis} is out of range for a share of {x.shape}")
    axis %= x.ndim
    keep = (*x.shape[:axis], 1, *x.shape[axis + 1 :])
    largest = amax(x, axis).reshape(keep)
    e = exp(x - largest)
    total = e.sum(axis=axis).reshape(keep)
    return e * reciprocal(total)
