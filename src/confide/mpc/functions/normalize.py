"""Scaling a secret by a power of two chosen from its own leading bit, without revealing it.

Reciprocals, square roots and logarithms first bring ``x`` into a short interval where a
polynomial is accurate: ``x' = x 2^-e`` with ``e`` set by the position of ``x``'s leading one.
:func:`leading_one` finds that position as a secret one-hot word; :func:`scales` turns it into
arithmetic shares of any public function of the position (``2^-e`` at some precision, ``e ln 2``,
...): a one-hot word is a sum of bits with exactly one set, so ``sum_p w(p) b_p`` is ``w`` at the
secret position, a linear function of the bits (:func:`confide.mpc.circuits.inject`).

Steps: bit decomposition (:func:`confide.mpc.circuits.to_boolean`: carry-save rounds + 7 AND
rounds, 12 AND words per element); for negative ``x`` the bits are complemented (``~x = |x| - 1``,
which has the same leading one unless ``|x|`` is a power of two, when the scale is off by one
factor of two: callers allow ``|x'|`` up to and including the top of their interval); a
prefix OR (6 AND rounds, 6 words); the injection (1 round, 1 word opened, one random bit dealt
per element and position used). Bit 63 of the one-hot word carries the sign of ``x``, so a table
entry at position 63 injects the sign bit. In all: 14 rounds and about 19 AND words per element
plus the injection.

Nothing is revealed: the position is secret, and only masked words are opened.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from confide.mpc.circuits import inject, prefix_or, to_boolean
from confide.mpc.encoding import RING_BITS, RING_DTYPE
from confide.mpc.share import Share

__all__ = ["SIGN", "leading_one", "scales", "table"]

#: The position of the sign bit in the one-hot word.
SIGN = RING_BITS - 1

_TOP = np.uint64(1 << SIGN)
_SIGN_SHIFT = np.int64(SIGN)


def _spread_sign(part: np.ndarray) -> np.ndarray:
    """Every bit set to bit 63 (an arithmetic shift; XOR-linear, so valid on each share part)."""
    spread: np.ndarray = (part.view(np.int64) >> _SIGN_SHIFT).view(RING_DTYPE)
    return spread


def leading_one(x: Share, *, lowest: bool = False) -> Share:
    """Boolean words: the leading one of ``|x|`` (of ``~x`` for negative ``x``) alone among bits
    0 to 62, and the sign of ``x`` in bit 63. 13 rounds (see the module docstring).

    With ``lowest``, bit 0 counts as set, so that ``x = -1`` (in ring units), whose complement is
    0, still gets position 0 (and so does ``x = 0``).
    """
    mpc = x.engine
    bits = to_boolean(mpc, x)
    spread = bits.with_parts([_spread_sign(p) for p in bits.parts])
    magnitude = bits.zip_with(spread, np.bitwise_xor)
    if lowest:
        cleared = magnitude.local_mul(np.asarray(~np.uint64(1)))
        magnitude = mpc.protocol.add_public(cleared, np.asarray(np.uint64(1)))
    ones = prefix_or(mpc, magnitude)
    onehot = ones.zip_with(ones >> 1, np.bitwise_xor)
    return onehot.zip_with(bits.local_mul(np.asarray(_TOP)), np.bitwise_xor)


def table(weights: dict[int, int]) -> np.ndarray:
    """A 64-entry injection table from ``{position: integer weight}`` (two's complement)."""
    out = np.zeros(RING_BITS, dtype=RING_DTYPE)
    for position, weight in weights.items():
        out[position] = np.uint64(weight % (1 << RING_BITS))
    return out


def scales(x: Share, tables: Sequence[np.ndarray], *, lowest: bool = False) -> list[Share]:
    """For each table ``T``, an integer share of ``T[leading position of x]`` (plus ``T[63]``
    times the sign bit). One bit decomposition, one prefix OR and one injection for all.
    ``lowest`` as in :func:`leading_one`."""
    return inject(x.engine, leading_one(x, lowest=lowest), tables)
