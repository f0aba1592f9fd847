"""Comparisons of secret-shared values: less/greater/equal, sign, relu, max/min, argmax, where.

Every comparison reduces to the sign bit (MSB) of a difference, computed exactly by the boolean
carry circuit of :mod:`confide.mpc.circuits` and converted to an arithmetic 0/1 share (an
integer share, ``frac_bits = 0``) so that it composes with arithmetic: ``where(c, x, y)`` and
``x * c`` need no truncation. Written over the engine and protocol interfaces, so every protocol
runs them; the functions take shares (and public values where noted) and find the engine in
the shares.

Costs per element, for two share components (semi2k with two data parties; each further
component adds carry-save rounds, see :mod:`confide.mpc.circuits`):

=================================  ======  ==========================================
operation                          rounds  what is opened (words of 8 bytes)
=================================  ======  ==========================================
``less``, ``greater``, ... , relu  8 (+1)  about 2.97 AND words + 1/64 (bit to arithmetic)
``equal``, ``sign``                9 / 8   twice the above (two sign bits per element)
``where``, ``maximum``, ``minimum``  +1    one multiplication (2 words)
``amax``/``argmax`` along L        ``ceil(log2 L)`` times (``less`` + 1 multiplication)
=================================  ======  ==========================================

In semi2k each AND word costs 16 bytes per data party per other data party plus 8 from the
dealer, and the bit conversion 8 bytes of dealt randomness per element: ``less`` on two data
parties sends 127 bytes per element over all links (measured by ``bench/mpc.py``), in 8
rounds. ``relu`` adds one multiplication.

Exactness. The sign bit is exact for every ring element. ``less(x, y)`` is the sign of
``x - y`` in the ring, so it is exact whenever the difference does not wrap around, that is
``|x - y| < 2^63`` ring units: for any two values of magnitude below ``2^(62 - f)`` (2^44, about
1.8e13, with ``f = 18`` fractional bits), far beyond the fixed-point range the other operations
keep to. ``equal`` is exact for every pair. Values of different fractional bits are aligned
first, as in ``x - y``.

Who learns what: nothing. Only masked words are opened (the protocol's AND gates and the bit
conversions); results are secret-shared and revealed only by ``reveal``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from confide.errors import ConfigError
from confide.mpc.circuits import (
    Packed,
    bits_to_arithmetic,
    bits_to_arithmetic_steps,
    pack,
    packed_and,
    packed_not,
    sign_bits,
    sign_bits_steps,
    unflatten,
    unpack_bits,
)
from confide.mpc.encoding import RING_BITS
from confide.mpc.lockstep import Program, run
from confide.mpc.share import Kind, Share

if TYPE_CHECKING:
    from confide.mpc.engine import MPC

__all__ = [
    "amax",
    "amin",
    "argmax",
    "argmin",
    "equal",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "maximum",
    "minimum",
    "negative_flags",
    "negative_flags_steps",
    "relu",
    "sign",
    "where",
]


def _engine(*values: Any) -> MPC:
    """The engine of the first share among ``values`` (``ConfigError`` if there is none)."""
    for value in values:
        if isinstance(value, Share):
            return value.engine
    raise ConfigError("a comparison needs a secret share: compare public values with numpy")


def _difference(x: Any, y: Any) -> Share:
    """``x - y`` as an arithmetic share (either may be public)."""
    mpc = _engine(x, y)
    for value in (x, y):
        if isinstance(value, Share) and value.kind is not Kind.ARITHMETIC:
            raise ConfigError("comparisons take arithmetic shares")
    return mpc.sub(x, y)


def negative_flags(mpc: MPC, xs: Sequence[Share]) -> list[Share]:
    """For each arithmetic share, the integer share of ``x < 0`` (its sign bit), batched.

    All of ``xs`` go through one circuit: the rounds of one comparison, the work of all.
    """
    return run(mpc.protocol, negative_flags_steps(mpc, xs))


def negative_flags_steps(mpc: MPC, xs: Sequence[Share]) -> Program[list[Share]]:
    """:func:`negative_flags` as a program (:mod:`confide.mpc.lockstep`), to share its rounds
    with another computation."""
    bits = yield from sign_bits_steps(mpc, xs)
    flat = yield from bits_to_arithmetic_steps(mpc, bits)
    return unflatten(flat, [x.shape for x in xs])


def less(x: Any, y: Any) -> Share:
    """``x < y`` elementwise (broadcasting) as an integer 0/1 share; either may be public."""
    z = _difference(x, y)
    return negative_flags(z.engine, [z])[0]


def greater(x: Any, y: Any) -> Share:
    """``x > y`` elementwise as an integer 0/1 share."""
    return less(y, x)


def less_equal(x: Any, y: Any) -> Share:
    """``x <= y`` elementwise as an integer 0/1 share (``1 - (x > y)``)."""
    return 1 - less(y, x)


def greater_equal(x: Any, y: Any) -> Share:
    """``x >= y`` elementwise as an integer 0/1 share (``1 - (x < y)``)."""
    return 1 - less(x, y)


def equal(x: Any, y: Any) -> Share:
    """``x == y`` elementwise as an integer 0/1 share, exact for every pair of ring elements.

    ``z = x - y`` is zero iff neither ``z`` nor ``-z`` is negative (for ``z = -2^63`` both
    are, correctly giving "different"). Both sign bits in one circuit, one AND of packed bits,
    one conversion: 9 rounds.
    """
    z = _difference(x, y)
    mpc = z.engine
    size = z.size
    bits = sign_bits(mpc, [z, -z])
    words = -(-max(size, 1) // RING_BITS) * RING_BITS
    unpacked = bits.share.map(unpack_bits)
    negative, positive = (
        packed_not(mpc, pack(unpacked.map(_slice_padded(start, size, words))))
        for start in (0, size)
    )
    both = packed_and(mpc, negative, positive)
    flat = bits_to_arithmetic(mpc, Packed(both.share, size))
    (out,) = unflatten(flat, [z.shape])
    return out


def _slice_padded(start: int, size: int, length: int) -> Callable[[np.ndarray], np.ndarray]:
    """A function taking ``size`` elements from ``start`` and zero-padding them to ``length``."""

    def take(part: np.ndarray) -> np.ndarray:
        piece = part[start : start + size]
        return np.concatenate([piece, np.zeros(length - size, dtype=part.dtype)])

    return take


def sign(x: Share) -> Share:
    """numpy's sign: -1, 0 or 1 as an integer share (exact except at ``-2^63`` ring units).

    ``(x > 0) - (x < 0)``, both sign bits (of ``-x`` and ``x``) from one circuit.
    """
    z = _difference(x, 0)
    positive, negative = negative_flags(z.engine, [-z, z])
    return positive - negative


def relu(x: Share) -> Share:
    """``max(x, 0)`` elementwise: the sign bit, then one multiplication (no truncation)."""
    z = _difference(x, 0)
    (negative,) = negative_flags(z.engine, [z])
    return z - z * negative


def where(condition: Share, x: Any, y: Any) -> Share:
    """``x`` where ``condition`` is 1 and ``y`` where it is 0 (broadcasting), one multiplication.

    ``condition`` is a secret 0/1 share such as a comparison returns; ``x`` and ``y`` may be
    shares or public. Computed as ``y + condition * (x - y)``.
    """
    if not isinstance(condition, Share):
        raise ConfigError("where takes a secret condition: use numpy.where for a public one")
    mpc = condition.engine
    return mpc.add(y, mpc.mul(condition, mpc.sub(x, y)))


def maximum(x: Any, y: Any) -> Share:
    """Elementwise maximum (broadcasting): one comparison and one multiplication."""
    mpc = _engine(x, y)
    return mpc.add(x, mpc.mul(less(x, y), mpc.sub(y, x)))


def minimum(x: Any, y: Any) -> Share:
    """Elementwise minimum (broadcasting): one comparison and one multiplication."""
    mpc = _engine(x, y)
    return mpc.add(x, mpc.mul(less(y, x), mpc.sub(y, x)))


def _tournament(x: Share, axis: int | None, largest: bool) -> tuple[Share, Share]:
    """The extreme value along ``axis`` and its first index, by a tree of comparisons.

    Each level compares neighbours ``(2j, 2j + 1)`` and keeps the right one only if it is
    strictly better, so ties keep the earlier index, as numpy does. ``ceil(log2 L)`` levels.
    """
    mpc = x.engine
    if x.kind is not Kind.ARITHMETIC:
        raise ConfigError("max, min, argmax and argmin take arithmetic shares")
    if axis is None:
        x = x.ravel()
        axis = 0
    if not -x.ndim <= axis < x.ndim:
        raise ConfigError(f"axis {axis} is out of range for a share of {x.shape}")
    values = x.map(lambda a: np.moveaxis(a, axis, -1))
    length = values.shape[-1]
    if length == 0:
        raise ConfigError("the maximum or minimum of an empty axis is undefined")
    index = mpc.public(np.broadcast_to(np.arange(length), values.shape))
    while values.shape[-1] > 1:
        length = values.shape[-1]
        pairs = length // 2
        left, right = values[..., 0 : 2 * pairs : 2], values[..., 1 : 2 * pairs : 2]
        left_index, right_index = index[..., 0 : 2 * pairs : 2], index[..., 1 : 2 * pairs : 2]
        better = less(left, right) if largest else less(right, left)
        value_step, index_step = mpc.mul_many(
            [(better, right - left), (better, right_index - left_index)]
        )
        new_values, new_index = left + value_step, left_index + index_step
        if length % 2:
            new_values = mpc.concatenate([new_values, values[..., -1:]], axis=-1)
            new_index = mpc.concatenate([new_index, index[..., -1:]], axis=-1)
        values, index = new_values, new_index
    return values[..., 0], index[..., 0]


def amax(x: Share, axis: int | None = None) -> Share:
    """The maximum along ``axis`` (all elements by default)."""
    return _tournament(x, axis, largest=True)[0]


def amin(x: Share, axis: int | None = None) -> Share:
    """The minimum along ``axis`` (all elements by default)."""
    return _tournament(x, axis, largest=False)[0]


def argmax(x: Share, axis: int | None = None) -> Share:
    """The index of the first maximum along ``axis`` as an integer share (numpy's argmax)."""
    return _tournament(x, axis, largest=True)[1]


def argmin(x: Share, axis: int | None = None) -> Share:
    """The index of the first minimum along ``axis`` as an integer share (numpy's argmin)."""
    return _tournament(x, axis, largest=False)[1]
