"""The logistic sigmoid (an accurate and a fast method) and tanh, over any protocol.

Accurate sigmoid (the default), for every real input; maximum absolute error 4e-4 (3.7e-4 from
the approximation, the rest from fixed point with 18 fractional bits):

1. One sign-bit circuit for ``x``, ``x + 8`` and ``x - 8`` together (:mod:`confide.mpc.compare`):
   ``n = [x < 0]``, ``b = [x < -8]``, ``a = [x >= 8]`` as integer shares.
2. ``u = |clamp(x, -8, 8)| = x (1 + b - 2n - a) + 8 (a + b)``: one product, no truncation.
3. ``q(u)``: a degree-7 polynomial in ``t = u / 4 - 1`` (an exact shift), fitted near-minimax
   (Lawson's iteration) to ``sigmoid`` on ``[0, 8]`` with ``q(8)`` halfway between
   ``sigmoid(8)`` and 1, so the clamp's own error (``1 - sigmoid(8) = 3.4e-4``) is split.
4. ``sigmoid(x) = q + n (1 - 2q)`` (symmetry ``sigmoid(-u) = 1 - sigmoid(u)``): one product.

Rounds with two share components: 8 (sign bits) + 1 + 6 (polynomial) + 1 = 16; in aby3,
9 (a carry-save round for its third component) + 1 + 6 + 1 = 17. Work per
element: three sign bits (about 8.9 AND words), 6 products and 7 truncated values; in semi2k
with two data parties, about 950 bytes per element over all links (dealer included).

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
from confide.mpc.compare import negative_flags
from confide.mpc.functions.polynomial import (
    add_constant,
    constant_words,
    evaluate,
    fixed_point,
    linear,
    word,
)
from confide.mpc.share import Share

__all__ = ["SIGMOID_METHODS", "sigmoid", "tanh"]

SIGMOID_METHODS = ("accurate", "fast")

#: Clamp of the accurate method: sigmoid is evaluated on [-8, 8].
_CLAMP = 8
#: q(t) ~ sigmoid(4 (t + 1)) on t in [-1, 1], lowest degree first (see the module docstring).
_ACCURATE = (
    0.981824573876725,
    0.07012559123456498,
    -0.12902650417893263,
    0.1738192223277215,
    -0.18707979565394803,
    0.06914061302469324,
    0.08400745986671847,
    -0.06317649181953137,
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
    frac_bits = x.frac_bits
    protocol = mpc.protocol
    clamp = _CLAMP << frac_bits
    one = word(1)
    shifted = [protocol.add_public(x, np.asarray(word(w))) for w in (clamp, -clamp)]
    negative, below, under = negative_flags(mpc, [x, *shifted])
    # u = |clamp(x, -8, 8)| = x (1 + b - 2 n - a) + 8 (a + b) with a = 1 - under.
    factor = linear(x, [(below, one), (negative, word(-2)), (under, one)], word(-1), 0)
    product = protocol.mul(x, factor)
    terms = [(x, one), (product, one), (below, word(clamp)), (under, word(-clamp))]
    u = linear(x, terms, word(clamp), frac_bits + 2)  # read as u / 4
    t = protocol.add_public(u, np.asarray(word(-(1 << (frac_bits + 2)))))
    q = evaluate(t, _ACCURATE, frac_bits)
    # sigmoid(x) = q + n (1 - 2 q).
    flipped = linear(x, [(q, word(-2))], word(1 << frac_bits), frac_bits)
    return linear(x, [(q, one), (protocol.mul(negative, flipped), one)], None, frac_bits)


def _fast(x: Share) -> Share:
    mpc = x.engine
    slope_bits = mpc.frac_bits
    slope = constant_words(_FAST_SLOPE, slope_bits)
    y = add_constant(x.local_mul(slope, frac_bits=x.frac_bits + slope_bits), 0.5)
    below, under_one = negative_flags(mpc, [y, add_constant(y, -1.0)])
    above = 1 - under_one
    clamped = y - y * (below + above) + above
    return mpc.truncate(clamped, slope_bits)
