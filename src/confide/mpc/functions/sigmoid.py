"""The logistic sigmoid (an accurate and a fast method) and tanh, over any protocol.

Accurate sigmoid (the default), for every real input; maximum absolute error 4e-4 (3.7e-4 from
the approximation, the rest from fixed point with 18 fractional bits). A polynomial of ``x`` and
a comparison of ``x`` run side by side, sharing their rounds (:mod:`confide.mpc.lockstep`):

1. One sign-bit circuit for ``x``, ``x + 8`` and ``x - 8`` together (:mod:`confide.mpc.compare`):
   ``n = [x < 0]``, ``b = [x < -8]``, ``a = [x >= 8]`` as integer shares.
2. Meanwhile, with ``v = x / 8`` (the same words read with 3 more fractional bits): ``A = P(v)``
   and its even part ``E(v^2)``, for the degree-7 polynomial ``P(u) = E(u^2) + u O(u^2)`` that
   approximates ``sigmoid(8 u)`` on ``[0, 1]`` (near-minimax, Lawson's iteration, with ``P(1)``
   halfway between ``sigmoid(8)`` and 1, so the clamp's own error ``1 - sigmoid(8) = 3.4e-4``
   is split), by Estrin's scheme on ``v``: ``(B_0 + v^2 B_1) + v^4 (B_2 + v^2 B_3)`` with
   ``B_j = c_2j + c_(2j+1) v``, and ``E = (c_0 + c_2 v^2) + v^4 (c_4 + c_6 v^2)``.
   ``P(|v|) = E + (1 - 2 n) v O``, and ``sigmoid(x) = n + (1 - 2 n) P(|v|) = A + n (1 - 2 E)``
   for ``|x| <= 8``: the polynomial never needs the sign, so it need not wait for it.
3. With ``g = 1 - a - b`` (1 inside ``[-8, 8]``) and ``g n = n - b``:
   ``sigmoid(x) = g A + (n - b)(1 - 2 E) + a``, two products of integer flags, no truncation,
   one round. Outside ``[-8, 8]`` both flags are 0, so whatever ``A`` and ``E`` hold there
   (the polynomial of a large ``v`` wraps around the ring) is multiplied away exactly.

The polynomial's intermediate values reach 2^50 ring units, so its truncations use the exact-range
(pair) method whatever the protocol's default (local truncation would fail too often there), in
rounds the comparison takes anyway. Rounds with two share components (semi2k): 8 for the sign bits
alongside 6 for the polynomial (3 rounds of products, 3 of truncations), then 1: 9 in all. In
aby3 the polynomial's 3 steps each take a truncation's 2 rounds (products are truncated without
being reshared first) beside 3 of the sign-bit circuit's 9 rounds (a carry-save round for the
third component), then the circuit's 6 others and the last product: 13. Work per element: three
sign bits (about 8.9 AND words), 8 products and 10 truncated values (14 in aby3, which truncates
products alone). The polynomial keeps at least 21 fractional bits whatever the engine's (so 12
bits lose nothing to it); engines with more than 24 fractional bits get ``ConfigError`` (its values
would leave the range of exact truncation).

Fast sigmoid (``method="fast"``), SPU's "seg3" with a better slope: ``clamp(0.5 + 0.177 x, 0, 1)``,
maximum absolute error 0.056 (near ``|x| = 3``). Two sign bits (``y < 0`` and ``y < 1`` for
``y = 0.5 + 0.177 x``, taken before truncation), one product and one truncation: 10 rounds.

``tanh(x) = 2 sigmoid(2 x) - 1``: maximum absolute error 8e-4, for every real input.

Nothing is revealed: every step computes on shares. Inputs beyond ``2^26`` in magnitude are
outside the fixed-point range of the ring (see :mod:`confide.mpc.encoding`) and cannot be
checked (they are secret); the caller keeps values in range.
"""

from __future__ import annotations

import numpy as np

from confide.errors import ConfigError
from confide.mpc.compare import negative_flags, negative_flags_steps
from confide.mpc.functions.polynomial import (
    add_constant,
    constant_words,
    fixed_point,
    linear,
    word,
)
from confide.mpc.lockstep import Program, run_together
from confide.mpc.protocol import RoundRequest
from confide.mpc.share import Share

__all__ = ["SIGMOID_METHODS", "sigmoid", "tanh"]

SIGMOID_METHODS = ("accurate", "fast")

#: Clamp of the accurate method: sigmoid is evaluated on [-8, 8].
_CLAMP = 8
#: Fractional bits added to read ``x`` as ``v = x / 8`` (``2^3 = _CLAMP``).
_SCALE_BITS = 3
#: Fractional bits of the polynomial's values, at least: its coefficients reach 56 and cancel
#: (``E`` and ``v O`` are each far larger than their sum), so fewer bits would let truncation
#: errors show (1e-3 at 15 bits); at 21, and at most 2^49 ring units, they stay below 2e-5.
_POLY_BITS = 21
#: At most this many: raw products of ``2 F`` bits, times the coefficients, must stay below
#: 2^62, the exact-range truncation's bound.
_POLY_BITS_MAX = 27
#: P(u) ~ sigmoid(8 u) on [0, 1] (module docstring), lowest degree first; its even part is E.
_COEFFICIENTS = (
    0.4998167991431144,
    1.9947566247556452,
    0.4897966035128736,
    -18.222255006620173,
    47.01610001451137,
    -56.37153518034484,
    33.67954576662004,
    -8.086590952900016,
)
#: Slope of the fast method: minimises the largest error of clamp(0.5 + a x, 0, 1).
_FAST_SLOPE = 0.177


def sigmoid(x: Share, method: str = "accurate") -> Share:
    """``1 / (1 + exp(-x))`` elementwise (see the module docstring for methods and errors)."""
    if method == "accurate":
        return _accurate(fixed_point(x))
    if method == "fast":
        return _fast(fixed_point(x))
    raise ConfigError(f"sigmoid method must be one of {SIGMOID_METHODS}, got {method!r}")


def tanh(x: Share) -> Share:
    """``tanh(x) = 2 sigmoid(2 x) - 1`` elementwise, maximum absolute error 8e-4."""
    x = fixed_point(x)
    return 2 * _accurate(2 * x) - 1


def _accurate(x: Share) -> Share:
    mpc = x.engine
    protocol = mpc.protocol
    frac_bits = x.frac_bits
    clamp = _CLAMP << frac_bits
    shifted = [protocol.add_public(x, np.asarray(word(w))) for w in (clamp, -clamp)]
    flags, (total, even) = run_together(
        protocol, [negative_flags_steps(mpc, [x, *shifted]), _polynomial_steps(x)]
    )
    negative, below, under = flags
    one, minus_one = word(1), word(-1)
    # g = 1 - a - b with a = 1 - under; g n = n - b.
    inside = linear(x, [(under, one), (below, minus_one)], None, 0)
    sign_only = linear(x, [(negative, one), (below, minus_one)], None, 0)
    flip = linear(x, [(even, word(-2))], word(1 << frac_bits), frac_bits)  # 1 - 2 E
    kept, flipped = protocol.mul_many([(inside, total), (sign_only, flip)])
    # sigmoid = g A + (n - b)(1 - 2 E) + a, with a = 1 - under.
    terms = [(kept, one), (flipped, one), (under, word(-(1 << frac_bits)))]
    return linear(x, terms, word(1 << frac_bits), frac_bits)


def _polynomial_steps(x: Share) -> Program[tuple[Share, Share]]:
    """``A = P(v)`` and ``E(v^2)``, P's even part, at ``x``'s fractional bits, ``v = x / 8``: a
    program of 3 steps of products and truncations (:mod:`confide.mpc.lockstep`).

    Estrin's scheme on ``v`` at ``F = max(frac(x) + 3, 21)`` fractional bits: blocks
    ``B_j = c_2j + c_(2j+1) v``, then ``(B_0 + v^2 B_1) + v^4 (B_2 + v^2 B_3)``; and
    ``E = (c_0 + c_2 v^2) + v^4 (c_4 + c_6 v^2)`` from the same powers.
    """
    out_bits = x.frac_bits
    bits = max(out_bits + _SCALE_BITS, _POLY_BITS)
    if bits > _POLY_BITS_MAX:
        raise ConfigError(
            f"the accurate sigmoid supports up to {_POLY_BITS_MAX - _SCALE_BITS} fractional "
            f"bits, not {out_bits}"
        )
    raw = 2 * bits
    shift = np.uint64(bits - out_bits - _SCALE_BITS)
    v = x.with_parts([p << shift for p in x.parts], frac_bits=bits)  # x / 8, exactly
    one = word(1)
    fuses = x.engine.protocol.FUSES_MUL_TRUNC
    c = constant_words(_COEFFICIENTS, bits)

    def block(t: Share, low: int, high: int) -> Share:  # c_low + c_high t, at 2 F bits
        return linear(v, [(t, c[high])], c[low] << np.uint64(bits), raw)

    b0, b1, b2, b3 = (block(v, 2 * j, 2 * j + 1) for j in range(4))
    if fuses:  # products are truncated alone: B_0 and B_2 too, before they are added
        square, b0, b1, b2, b3 = yield from _products_truncated([(v, v)], bits, [b0, b1, b2, b3])
        pairs = [(square, square), (square, b1), (square, b3)]
        fourth, low_top, high_top, even_low, even_high = yield from _products_truncated(
            pairs, bits, [block(square, 0, 2), block(square, 4, 6)]
        )
        low = linear(v, [(b0, one), (low_top, one)], None, bits)
        high = linear(v, [(b2, one), (high_top, one)], None, bits)
    else:  # B_0 + v^2 B_1 and B_2 + v^2 B_3 are truncated once, as sums
        answer = yield RoundRequest(muls=[(v, v)])
        answer = yield _truncations([*answer.muls, b1, b3], bits)
        square, b1, b3 = answer.truncs
        answer = yield RoundRequest(muls=[(square, square), (square, b1), (square, b3)])
        fourth, low_top, high_top = answer.muls
        low = linear(v, [(b0, one), (low_top, one)], None, raw)
        high = linear(v, [(b2, one), (high_top, one)], None, raw)
        sums = [low, high, block(square, 0, 2), block(square, 4, 6)]
        answer = yield _truncations([fourth, *sums], bits)
        fourth, low, high, even_low, even_high = answer.truncs
    # A = low + v^4 high and E = even_low + v^4 even_high, at the output's bits.
    pairs = [(fourth, high), (fourth, even_high)]
    if fuses:
        answer = yield RoundRequest(
            mul_truncs=pairs,
            mul_trunc_bits=[raw - out_bits] * 2,
            truncs=[low, even_low],
            trunc_bits=[bits - out_bits] * 2,
            exact_truncation=True,
        )
        (top, even_top), (low, even_low) = answer.mul_truncs, answer.truncs
        total = linear(v, [(low, one), (top, one)], None, out_bits)
        even = linear(v, [(even_low, one), (even_top, one)], None, out_bits)
        return total, even
    answer = yield RoundRequest(muls=pairs)
    scale = word(1 << bits)
    sums = [
        linear(v, [(part, scale), (product, one)], None, raw)
        for part, product in zip((low, even_low), answer.muls, strict=True)
    ]
    answer = yield _truncations(sums, raw - out_bits)
    total, even = answer.truncs
    return total, even


def _products_truncated(
    pairs: list[tuple[Share, Share]], bits: int, also: list[Share]
) -> Program[list[Share]]:
    """The products of ``pairs`` and the shares ``also``, all truncated by ``bits`` in the
    truncation's rounds (for protocols with ``FUSES_MUL_TRUNC``)."""
    answer = yield RoundRequest(
        mul_truncs=pairs,
        mul_trunc_bits=[bits] * len(pairs),
        truncs=also,
        trunc_bits=[bits] * len(also),
        exact_truncation=True,
    )
    return [*answer.mul_truncs, *answer.truncs]


def _truncations(xs: list[Share], bits: int) -> RoundRequest:
    """Truncate ``xs`` by ``bits`` with the exact-range method (see the module docstring)."""
    return RoundRequest(truncs=xs, trunc_bits=[bits] * len(xs), exact_truncation=True)


def _fast(x: Share) -> Share:
    mpc = x.engine
    slope_bits = mpc.frac_bits
    slope = constant_words(_FAST_SLOPE, slope_bits)
    y = add_constant(x.local_mul(slope, frac_bits=x.frac_bits + slope_bits), 0.5)
    below, under_one = negative_flags(mpc, [y, add_constant(y, -1.0)])
    above = 1 - under_one
    clamped = y - y * (below + above) + above
    return mpc.truncate(clamped, slope_bits)
