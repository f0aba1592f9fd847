"""The exponential and the natural logarithm of secret fixed-point values.

``exp(x)``, for ``-3.6e5 < x < 16.6`` (results below ``2^-18`` come out as 0; above 16.6 the
result ``e^x * 2^38`` would leave the ring, so such inputs give garbage, which cannot be
detected since ``x`` is secret). Relative error below 1e-5, or absolute 1e-5 where the result
is below 1, with 18 fractional bits.

1. ``y = x log2(e) + f`` (``f`` the fractional bits) computed exactly at 44 fractional bits by a
   local product with ``log2(e)`` at 26 bits.
2. Bit decomposition of ``y`` (:func:`confide.mpc.circuits.to_boolean`, 7 AND rounds).
3. One injection (1 round) turns bits into arithmetic shares: the fraction ``r`` of ``y`` at 21
   bits, ``d_j = b_j (2^(2^j) - 1)`` for the six integer bits ``b_j`` of ``K = floor(y)``, and
   ``b_63``, the sign of ``y``.
4. ``2^r`` by a degree-5 polynomial in ``t = 2 r - 1`` (relative error 7.5e-8, 6 rounds); then
   ``P = (1 - b_63) prod_j (1 + d_j) = 2^K`` (or 0 when ``y < 0``, that is ``e^x < 2^-18``) by a
   tree of products of integers (3 rounds, exact).
5. ``e^x 2^f = 2^(r + K)``: one product and one truncation.

Rounds: 7 + 1 + 6 + 3 + 2 = 19 (two share components; carry-save rounds add one each for
more components).

``log(x)``, natural logarithm, for ``2^-18 <= x < 2^42`` (smaller, zero or negative inputs give
garbage). Absolute error below 1e-5.

1. :func:`confide.mpc.functions.normalize.scales` finds the leading bit position ``p`` of ``x``
   (13 rounds) and injects ``2^(f - p)`` and ``(p - f) ln 2`` (1 round).
2. ``x' = x 2^(f - p)`` in ``[1, 2)``: one product and one truncation.
3. ``ln(x')`` by a degree-6 polynomial in ``t = 2 x' - 3`` (error 1.3e-6), 6 rounds.
4. ``log(x) = (p - f) ln 2 + ln(x')``.

Rounds: 14 + 2 + 6 = 22.

Nothing is revealed; every step computes on shares.
"""

from __future__ import annotations

from confide.mpc.circuits import inject, to_boolean
from confide.mpc.functions.normalize import scales, table
from confide.mpc.functions.polynomial import (
    add_constant,
    constant_words,
    evaluate,
    fixed_point,
    require_scaled_support,
)
from confide.mpc.share import Share

__all__ = ["exp", "log"]

_LOG2E = 1.4426950408889634
_LN2 = 0.6931471805599453
#: Fractional bits of log2(e) in step 1 of exp.
_LOG2E_BITS = 26
#: Fractional bits of t = 2 r - 1 (r is injected with one more) and of 2^r.
_FRACTION_BITS = 20
#: Integer bits of K = floor(y).
_EXPONENT_BITS = 6
#: 2^((t + 1) / 2) on [-1, 1], lowest degree first (near-minimax, relative error 7.5e-8).
_EXP2 = (
    1.414213663702766,
    0.4901289207452969,
    0.08493101882216354,
    0.009812367637901102,
    0.0008552050680603949,
    5.867412193302294e-05,
)
#: ln((t + 3) / 2) on [-1, 1], lowest degree first (near-minimax, absolute error 1.3e-6).
_LN = (
    0.40546548369971513,
    0.33334183933139283,
    -0.05556480947362365,
    0.012278929248533067,
    -0.0030488361234320143,
    0.0009515433906794935,
    -0.0002782481117308344,
)
#: Working fractional bits of x' in log.
_WORK_BITS = 30
#: Highest leading-bit position log accepts (x < 2^(_TOP_POSITION + 1 - f)).
_TOP_POSITION = 59


def exp(x: Share) -> Share:
    """``e^x`` elementwise (see the module docstring for the range and error)."""
    x = fixed_point(x)
    require_scaled_support(x, "exp")
    mpc = x.engine
    frac_bits = x.frac_bits
    y_bits = frac_bits + _LOG2E_BITS
    y = add_constant(x.local_mul(constant_words(_LOG2E, _LOG2E_BITS), frac_bits=y_bits), frac_bits)
    # r at one bit more than 2^r keeps, so that t = 2 r - 1 has _FRACTION_BITS bits.
    low = y_bits - _FRACTION_BITS - 1
    fraction = table({low + i: 1 << i for i in range(_FRACTION_BITS + 1)})
    steps = [table({y_bits + j: (1 << (1 << j)) - 1}) for j in range(_EXPONENT_BITS)]
    sign = table({63: 1})
    r, *ds, negative = inject(mpc, to_boolean(mpc, y), [fraction, *steps, sign])
    t = r.with_parts(r.parts, frac_bits=_FRACTION_BITS) - 1
    mantissa = evaluate(t, _EXP2, _FRACTION_BITS)
    factors = [d + 1 for d in ds] + [1 - negative]
    while len(factors) > 1:
        joined = mpc.mul_many(list(zip(factors[0::2], factors[1::2], strict=False)))
        factors = joined + factors[2 * len(joined) :]
    scaled = mpc.truncate(mpc.mul(mantissa, factors[0]), _FRACTION_BITS)
    return scaled.with_parts(scaled.parts, frac_bits=frac_bits)


def log(x: Share) -> Share:
    """The natural logarithm elementwise (see the module docstring for the range and error)."""
    x = fixed_point(x)
    require_scaled_support(x, "log")
    mpc = x.engine
    f = x.frac_bits
    scale_bits = _TOP_POSITION + 1 - f
    positions = range(_TOP_POSITION + 1)
    scale = table({p: 1 << (scale_bits + f - p) for p in positions})
    offset = table({p: round((p - f) * _LN2 * 2**f) for p in positions})
    c, exponent = scales(x, [scale, offset])
    product = mpc.protocol.mul(x, c.with_parts(c.parts, frac_bits=scale_bits))
    reduced = mpc.protocol.trunc(product, f + scale_bits - _WORK_BITS)
    t = reduced.with_parts(reduced.parts, frac_bits=_WORK_BITS - 1) - 3
    return exponent.with_parts(exponent.parts, frac_bits=f) + evaluate(t, _LN, f)
