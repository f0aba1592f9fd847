"""Reciprocal, division, square root and inverse square root of secret fixed-point values.

All start with :func:`confide.mpc.functions.normalize.scales`: the leading bit position ``p`` of
``x`` (13 rounds) and, in one injection round, the powers of two that bring ``x`` into a short
interval and carry the result back.

``reciprocal(x)``, for ``2^-18 <= |x| < 2^42`` of either sign (``x = 0`` gives garbage; it
cannot be detected, ``x`` being secret). Error at most ``1e-6 |1/x|`` plus 2 units of 2^-18.

1. ``x' = x 2^(f - p - 1)``, so ``|x'|`` is in ``[1/2, 1]``: one product and one truncation, to
   30 fractional bits.
2. Goldschmidt's iteration (Goldschmidt 1964) from ``y_0 = 2.9142 (1 - 2 s) - 2 x'`` (``s`` the
   sign; relative error ``e = 1 - x' y_0`` at most 0.086):
   ``1/x' = y_0 (1 + e)(1 + e^2)(1 + e^4) (1 - e^8)^-1``, the last factor within 3e-9 of 1.
   ``e`` first, then ``e^2`` with ``y_0 (1 + e)``, then ``e^4`` with the next factor, then the
   last: 4 multiplication rounds and their truncations.
3. ``1/x = 2^(f - p - 1) / x'``: one product and one truncation.

Rounds: 14 + 2 + 8 + 2 = 26. ``div(x, y) = x * reciprocal(y)``: 2 more; its error is the
reciprocal's times ``|x|`` plus one truncation.

``sqrt(x)`` and ``rsqrt(x)``, for ``2^-18 <= x < 2^41`` (negative inputs give garbage;
``sqrt(0) = 0`` and ``rsqrt(0)`` gives 0 instead of infinity). Relative error at most 3e-6
(``sqrt``, plus 2^-18 absolute) and 2.5e-5 (``rsqrt``).

1. ``x' = x 2^-2k`` in ``[1/4, 1)`` with ``k = ceil((p - f + 1) / 2)``: one product and one
   truncation, to 30 fractional bits.
2. A degree-8 polynomial in ``t = 2 x' - 1.25`` (``|t| <= 3/4``): ``sqrt(x')`` (error 1.3e-6) or
   ``1/sqrt(x')`` (2e-5), 8 rounds.
3. Times ``2^k`` (``sqrt``) or ``2^-k`` (``rsqrt``): one product and one truncation.

Rounds: 14 + 2 + 8 + 2 = 26.

Nothing is revealed; every step computes on shares.
"""

from __future__ import annotations

import numpy as np

from confide.mpc.functions.normalize import SIGN, scales, table
from confide.mpc.functions.polynomial import (
    add_constant,
    constant_words,
    evaluate,
    fixed_point,
    require_scaled_support,
)
from confide.mpc.share import Share

__all__ = ["div", "reciprocal", "rsqrt", "sqrt"]

#: Working fractional bits of the normalised value.
_WORK_BITS = 30
#: Fractional bits of the normalised result before it is scaled back (at most; see reciprocal).
_RESULT_BITS = 24
#: Highest leading-bit position accepted.
_TOP_POSITION = 59
#: Initial approximation of 1/x' on [1/2, 1]: 2.9142 - 2 x' (relative error below 0.0858).
_INITIAL = 2.9142
#: 1/sqrt((t + 1.25) / 2) on [-3/4, 3/4], lowest degree first (relative error 2e-5).
_RSQRT = (
    1.264918261132402,
    -0.5056818521648112,
    0.30295271315002864,
    -0.20873282019114067,
    0.15017048471944078,
    -0.0648403377640669,
    0.03600712779549705,
    -0.1293255600436224,
    0.10725469386757239,
)
#: sqrt((t + 1.25) / 2) on [-3/4, 3/4], lowest degree first (relative error 1.3e-6).
_SQRT = (
    0.79056864653716,
    0.3162199566710007,
    -0.0631958342073094,
    0.025482112835097038,
    -0.013173508215415509,
    0.0059622690793616545,
    -0.0023389756406440513,
    0.005011413877816759,
    -0.00436345954886204,
)


def _scaled(x: Share, scale: Share, scale_bits: int) -> Share:
    """``x * scale`` (``scale`` an integer share read with ``scale_bits`` fractional bits),
    truncated to the working precision."""
    mpc = x.engine
    product = mpc.protocol.mul(x, scale.with_parts(scale.parts, frac_bits=scale_bits))
    return mpc.protocol.trunc(product, product.frac_bits - _WORK_BITS)


def _restored(y: Share, scale: Share, scale_bits: int, frac_bits: int) -> Share:
    """``y * scale`` truncated to ``frac_bits``."""
    mpc = y.engine
    product = mpc.protocol.mul(y, scale.with_parts(scale.parts, frac_bits=scale_bits))
    return mpc.protocol.trunc(product, product.frac_bits - frac_bits)


def reciprocal(x: Share) -> Share:
    """``1 / x`` elementwise (see the module docstring for the range and error)."""
    x = fixed_point(x)
    require_scaled_support(x, "reciprocal")
    mpc = x.engine
    f = x.frac_bits
    positions = range(_TOP_POSITION + 1)
    # |x| 2^(f - p - 1) in [1/2, 1]: scale_bits make 2^(f - p - 1) whole for every p.
    scale_bits = _TOP_POSITION + 1 - f
    # The result 2^(f - p - 1) / x' at result_bits, |1/x'| <= 2: keep the product below 2^61,
    # and scale back every position p whose 1/x is at least half a unit, 2^-(f + 1).
    result_bits = min(_RESULT_BITS, 60 - 2 * f)
    back_bits = 60 - (result_bits + 1) - (f - 1)
    scale = table({p: 1 << (scale_bits + f - p - 1) for p in positions})
    back = table({p: 1 << (back_bits + f - p - 1) for p in positions if back_bits + f - p - 1 >= 0})
    sign = table({SIGN: 1})
    c, c_back, s = scales(x, [scale, back, sign], lowest=True)
    reduced = _scaled(x, c, scale_bits)
    slope = constant_words(-2 * _INITIAL, _WORK_BITS)
    y = add_constant(s.local_mul(slope, frac_bits=_WORK_BITS), _INITIAL) - 2 * reduced
    (xy,) = mpc.mul_many([(reduced, y)])
    e = 1 - xy
    e2, y = mpc.mul_many([(e, e), (y, 1 + e)])
    e4, y = mpc.mul_many([(e2, e2), (y, 1 + e2)])
    product = mpc.protocol.mul(y, 1 + e4)
    y = mpc.protocol.trunc(product, product.frac_bits - result_bits)
    return _restored(y, c_back, back_bits, f)


def div(x: Share | float | np.ndarray, y: Share) -> Share:
    """``x / y`` elementwise for a secret divisor ``y`` (``x`` secret or public)."""
    return y.engine.mul(x, reciprocal(y))


def _root_scales(x: Share, exponent: int) -> tuple[Share, int, Share, int]:
    """``x' = x 2^-2k`` at the working precision and the integer share of ``2^(exponent k)``
    with its fractional bits (``exponent`` is 1 for sqrt, -1 for rsqrt)."""
    f = x.frac_bits
    scale_bits = _TOP_POSITION + 1 - f
    positions = range(_TOP_POSITION + 1)
    halves = {p: -((f - p - 1) // 2) for p in positions}  # k = ceil((p - f + 1) / 2)
    # The result at _RESULT_BITS is below 2 (rsqrt) or 1 (sqrt); keep products below 2^61.
    largest = max(exponent * k for k in halves.values())
    back_bits = 60 - (_RESULT_BITS + 1) - largest
    scale = table({p: 1 << (scale_bits - 2 * k) for p, k in halves.items()})
    back = table(
        {
            p: 1 << (back_bits + exponent * k)
            for p, k in halves.items()
            if back_bits + exponent * k >= 0
        }
    )
    c, c_back = scales(x, [scale, back])
    return _scaled(x, c, scale_bits), back_bits, c_back, f


def sqrt(x: Share) -> Share:
    """The square root elementwise (see the module docstring for the range and error)."""
    x = fixed_point(x)
    require_scaled_support(x, "sqrt")
    reduced, back_bits, c_back, f = _root_scales(x, 1)
    t = reduced.with_parts(reduced.parts, frac_bits=_WORK_BITS - 1) - 1.25
    return _restored(evaluate(t, _SQRT, _RESULT_BITS), c_back, back_bits, f)


def rsqrt(x: Share) -> Share:
    """``1 / sqrt(x)`` elementwise (see the module docstring for the range and error)."""
    x = fixed_point(x)
    require_scaled_support(x, "rsqrt")
    reduced, back_bits, c_back, f = _root_scales(x, -1)
    t = reduced.with_parts(reduced.parts, frac_bits=_WORK_BITS - 1) - 1.25
    return _restored(evaluate(t, _RSQRT, _RESULT_BITS), c_back, back_bits, f)
