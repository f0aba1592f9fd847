"""Polynomials of a secret value with public coefficients, in logarithmic rounds.

Every fixed-point function here reduces its input to a short interval, maps it onto a variable
``t`` with ``|t| <= 1`` by an exact shift, and evaluates a near-minimax polynomial in ``t``
whose coefficients are decimal literals (hard-coded, never recomputed: every party must use
bit-identical public constants, or the shares stop adding up). Keeping ``|t| <= 1`` keeps every
power of ``t`` within ``[-1, 1]``, so truncation errors do not grow with the degree.

:func:`evaluate` uses Estrin's scheme (Estrin 1960): pairs of coefficients become blocks
``b_j = c_2j + c_(2j+1) t`` (local products by public words, exact at ``2F`` fractional bits),
then each level joins neighbouring blocks, ``b_j + s b_(j+1)`` with ``s = t^(2^level)``, while
squaring ``s`` for the next level, in one round of products and one of truncation
(:meth:`~confide.mpc.protocol.Protocol.mul_trunc_many`, which aby3 fuses into two rounds in all).
The blocks' truncation shares the round of ``t^2``'s. Rounds for ``n = d + 1`` coefficients:
``2 ceil(log2 n)`` (6 for degree 7), in aby3 too. Products: ``ceil(n / 2) - 1`` plus the
squares; truncated elements: about ``1.5 n``. Each product opens two words per element (semi2k:
16 bytes per data party per other data party), each truncation one.

Error (``F = frac(t)``): each coefficient is rounded to ``2^-(F + 1)`` and each truncation adds
at most ``2^-F``; with ``|t| <= 1`` and blocks bounded by ``sum |c_k|``, the total stays within
``(n + 2 log2 n) 2^-F`` plus the final truncations' ``2^-(F_out - 1)`` (the last level truncates
``b_0`` and ``s b_1`` apart, in one round), on top of the approximation error of the polynomial
itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from confide.errors import ConfigError
from confide.mpc.encoding import RING_BITS, RING_DTYPE
from confide.mpc.share import Kind, Share

__all__ = [
    "add_constant",
    "constant_words",
    "evaluate",
    "fixed_point",
    "linear",
    "SCALED_FRAC_BITS",
    "require_exact_truncation",
    "require_scaled_support",
    "word",
]


def constant_words(values: Sequence[float] | float, frac_bits: int) -> np.ndarray:
    """Public reals as ring words with ``frac_bits`` fractional bits (up to 62), rounded."""
    array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    scaled = np.rint(array * 2.0**frac_bits)
    if not np.all(np.abs(scaled) < 2.0 ** (RING_BITS - 1)):
        raise ConfigError(f"a constant does not fit the ring with {frac_bits} fractional bits")
    words: np.ndarray = scaled.astype(np.int64).view(RING_DTYPE)
    return words


def add_constant(x: Share, value: float) -> Share:
    """``x + value`` for a public real, at ``x``'s fractional bits (which may exceed the engine's
    encoding limit: intermediate values of the functions carry up to 60)."""
    (word,) = constant_words(value, x.frac_bits)
    return x.engine.protocol.add_public(x, np.asarray(word))


#: Fractional bits the scaled functions (exp, log, reciprocal, sqrt, rsqrt, softmax) support:
#: their intermediate values span the ring's 64 bits for 18 bits (the default) and keep their
#: documented ranges and errors from 12 to 20; the errors scale with 2^-frac_bits.
SCALED_FRAC_BITS = (12, 20)


def require_scaled_support(x: Share, name: str) -> None:
    """``ConfigError`` unless ``x``'s engine suits the scaled functions: fractional bits within
    :data:`SCALED_FRAC_BITS` and exact-range truncation (:func:`require_exact_truncation`)."""
    low, high = SCALED_FRAC_BITS
    if not low <= x.frac_bits <= high:
        raise ConfigError(
            f"{name} supports {low} to {high} fractional bits, not {x.frac_bits}: "
            "build the engine with frac_bits in that range"
        )
    require_exact_truncation(x, name)


def require_exact_truncation(x: Share, name: str) -> None:
    """``ConfigError`` if the engine truncates with SecureML's local shifts.

    Those are exact only for values far below 2^62 (``Truncation.LOCAL`` in semi2k and aby3:
    an error with probability ``2^(l + 1 - 64)`` for values below ``2^l``); the functions that
    scale by the leading bit truncate values up to 2^61, so they need the exact-range method.
    """
    truncation = getattr(x.engine.protocol, "truncation", None)
    if truncation is not None and getattr(truncation, "value", truncation) == "local":
        raise ConfigError(
            f"{name} needs a protocol with exact-range truncation (truncation='pair'): local "
            "truncation fails often on the large intermediate values it computes"
        )


def fixed_point(x: Share, frac_bits: int | None = None) -> Share:
    """``x`` with ``frac_bits`` fractional bits (the engine's by default), as functions take it.

    Fewer bits are added by an exact shift; more are removed by the protocol's truncation (one
    round). ``ConfigError`` for shares that are not arithmetic.
    """
    if not isinstance(x, Share):
        raise ConfigError(f"expected a secret share, got {type(x).__name__}")
    if x.kind is not Kind.ARITHMETIC:
        raise ConfigError("fixed-point functions take arithmetic shares")
    target = x.engine.frac_bits if frac_bits is None else frac_bits
    if x.frac_bits > target:
        return x.engine.truncate(x, x.frac_bits - target)
    if x.frac_bits < target:
        shift = np.uint64(target - x.frac_bits)
        return x.with_parts([p << shift for p in x.parts], frac_bits=target)
    return x


def evaluate(t: Share, coefficients: Sequence[float], out_frac_bits: int) -> Share:
    """``sum_k c_k t^k`` for public ``coefficients`` (lowest degree first), ``|t| <= 1``.

    Estrin's scheme (see the module docstring). The coefficients get ``t``'s fractional bits
    ``F``, and every intermediate value stays below ``sum |c_k| 2^(2F)``, which must fit the
    ring (``ConfigError`` otherwise). The result has ``out_frac_bits <= F`` fractional bits.
    """
    if t.kind is not Kind.ARITHMETIC:
        raise ConfigError("polynomials take arithmetic shares")
    if len(coefficients) < 2:
        raise ConfigError("a polynomial needs at least two coefficients")
    frac_bits = t.frac_bits
    bound = float(np.sum(np.abs(coefficients)))
    if 2 * frac_bits + int(np.ceil(np.log2(max(bound, 1.0)))) > RING_BITS - 3:
        raise ConfigError(f"a polynomial of {frac_bits}-bit values would leave the ring")
    if not 0 <= out_frac_bits <= frac_bits:
        raise ConfigError(f"cannot evaluate to {out_frac_bits} bits from {frac_bits}")
    mpc = t.engine
    words = constant_words(coefficients, frac_bits)
    # Level 0: b_j = c_2j + c_(2j+1) t, computed exactly at 2 frac(t) bits.
    raw_bits = 2 * frac_bits
    blocks = []
    for j in range(0, len(words), 2):
        slope = words[j + 1] if j + 1 < len(words) else np.uint64(0)
        block = linear(t, [(t, slope)], words[j] << np.uint64(frac_bits), raw_bits)
        blocks.append(block)
    if len(blocks) == 1:
        return mpc.protocol.trunc(blocks[0], raw_bits - out_frac_bits)
    # t^2 and the blocks are truncated together; then each level halves the blocks:
    # b'_j = b_2j + s b_(2j+1) with s = t^(2^level), and s^2 for the next level.
    protocol = mpc.protocol
    power, *blocks = protocol.mul_trunc_many([(t, t)], frac_bits, blocks, frac_bits)
    one = np.uint64(1)
    while len(blocks) > 2:
        odd = blocks[1::2]
        pairs = [(power, b) for b in odd] + [(power, power)]
        *terms, next_power = protocol.mul_trunc_many(pairs, frac_bits)
        evens = blocks[0::2]
        joined = zip(evens, terms, strict=False)  # the last even block may have no partner
        blocks = [linear(t, [(e, one), (term, one)], None, frac_bits) for e, term in joined]
        blocks += evens[len(terms) :]
        power = next_power
    # Last level: b_0 + s b_1, with s b_1 truncated straight to out_frac_bits (and b_0 by the
    # difference, in the same rounds, when out_frac_bits < F).
    if out_frac_bits == frac_bits:
        (top,) = protocol.mul_trunc_many([(power, blocks[1])], frac_bits)
        return linear(t, [(blocks[0], one), (top, one)], None, frac_bits)
    top, low = protocol.mul_trunc_many(
        [(power, blocks[1])], raw_bits - out_frac_bits, [blocks[0]], frac_bits - out_frac_bits
    )
    return linear(t, [(low, one), (top, one)], None, out_frac_bits)


def word(value: int) -> np.uint64:
    """A Python integer as a ring word (two's complement for negatives), without overflow."""
    out: np.uint64 = np.uint64(value % (1 << RING_BITS))
    return out


def linear(
    like: Share,
    terms: Sequence[tuple[Share, np.uint64]],
    constant: np.uint64 | None,
    frac_bits: int,
) -> Share:
    """``sum_k w_k x_k + constant`` for public ring words ``w_k``, ``constant``, on each part.

    Local; the shares must have ``like``'s shape, and the result is read with ``frac_bits``.
    Built part by part (one share, not one per operation): the fixed-point functions run many
    such steps on small arrays, where building shares costs as much as the protocol.
    """
    parts = []
    for group in zip(*(x.parts for x, _ in terms), strict=True):
        total = group[0] * terms[0][1]
        for part, (_, word) in zip(group[1:], terms[1:], strict=True):
            total += part * word
        parts.append(total)
    out = Share(like.engine, tuple(parts), like.shape, Kind.ARITHMETIC, frac_bits)
    if constant is None:
        return out
    return like.engine.protocol.add_public(out, np.asarray(constant, dtype=RING_DTYPE))
