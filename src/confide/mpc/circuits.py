"""Boolean circuits on XOR-shared 64-bit words: the sign bit, bit decomposition, bit injection.

Comparisons and the fixed-point functions all start from the bits of a secret ring element. An
arithmetic share ``x`` is a sum of share components (:meth:`Protocol.components_as_boolean`
hands them out as boolean sharings); adding them up in a boolean circuit gives the bits of ``x``
(arithmetic-to-boolean conversion, A2B). Everything here is written over the protocol interface
(``and_many`` for AND gates, one round per call; XOR, shifts and masks are local), so it runs on
every protocol, and it branches on shapes only, so the dealer runs it in step.

Circuits, for ``n`` elements and ``k`` share components (``k`` = data parties for semi2k, 3 for
aby3). First ``k - 2`` full adders (carry-save) bring the components down to two words ``a, b``
with ``a + b = x``: one AND round and one word per element each, in ``ceil(log_1.5(k / 2))``
rounds. Then:

* :func:`sign_bits` (the top bit, MSB, of each ``x``): ``msb(a + b) = a_63 ^ b_63 ^ c_63`` with
  ``c_63`` the carry out of the low 63 bits, computed by a carry-lookahead tree in 7 AND rounds
  (generate bits ``g = a & b``, then 6 levels combining adjacent groups,
  ``(G, P) = (G_hi ^ P_hi G_lo, P_hi P_lo)``, Brent and Kung 1982). The bits of ``a`` and ``b``
  are first put in bit-reversed position order (a local permutation), so that every level
  combines the low and high halves of a field; each level halves the field width, and the
  fields of several elements are packed into one word, so a level of ``w``-bit fields ANDs only
  ``n w / 64`` words. AND words per element: 1 (generate) + 1 + 1/2 + 1/4 + ... + 1/32, about
  2.97. The result comes packed, 64 elements per word. Exact for every ring element: there is
  no probabilistic step.
* :func:`to_boolean` (all 64 bits of ``x``): a Kogge-Stone parallel-prefix adder (Kogge and
  Stone 1973): generate, then levels ``d = 1, 2, 4, ..., 32`` computing
  ``G = G ^ (P & (G << d))`` and ``P = P & (P << d)`` together; the sum is
  ``a ^ b ^ (G << 1)``. 7 AND rounds, 12 AND words per element.
* :func:`prefix_or` (``v_i = OR_{j >= i} u_j``, to find the leading one): 6 AND rounds, 6 words.

Bytes: an AND of ``m`` words costs each data party ``16 m`` bytes per other data party in semi2k
(it opens two masked words) plus ``8 m`` from the dealer; ``m`` is given above per element.

Converting bits to arithmetic (:func:`bits_to_arithmetic`, :func:`inject`) uses random bits that
the provider deals in both forms (``Protocol.random_bits``): open ``c = b ^ r`` (uniform, so it
tells nothing), then ``b = c + r - 2 c r`` is linear in the arithmetic shares of ``r``. One round;
packed bits open 64 elements per word, and a word of many bits opens as one word whatever the
number of bits injected.

Who learns what: only masked, uniformly distributed words are opened (the protocol's AND and
the bit conversions), so no party learns anything about the inputs or the resulting bits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from confide.errors import ConfigError
from confide.mpc.encoding import RING_BITS, RING_DTYPE
from confide.mpc.lockstep import Program, run
from confide.mpc.protocol import RoundRequest
from confide.mpc.share import Kind, Share, check_engine

if TYPE_CHECKING:
    from confide.mpc.engine import MPC

__all__ = [
    "Packed",
    "bits_to_arithmetic",
    "bits_to_arithmetic_steps",
    "flatten",
    "inject",
    "pack",
    "pack_bits",
    "packed_and",
    "packed_not",
    "prefix_or",
    "sign_bits",
    "sign_bits_steps",
    "to_boolean",
    "unflatten",
    "unpack_bits",
]

U64 = np.uint64
_ONE = U64(1)
_ALL_ONES = U64(0xFFFFFFFFFFFFFFFF)
_TOP = U64(RING_BITS - 1)
_SLOTS = np.arange(RING_BITS, dtype=RING_DTYPE)[:, None]


def _low_halves(half: int) -> np.uint64:
    """The word whose every ``2 half``-bit field has its low ``half`` bits set."""
    field = (1 << half) - 1
    word = 0
    for start in range(0, RING_BITS, 2 * half):
        word |= field << start
    mask: np.uint64 = U64(word)
    return mask


_HALF_MASKS = {half: _low_halves(half) for half in (32, 16, 8, 4, 2, 1)}


def _delta_swaps() -> list[tuple[np.uint64, np.uint64]]:
    """Delta swaps that reverse the 6 bits of every bit position (swap bits 0-5, 1-4, 2-3)."""
    swaps = []
    for low, high in ((0, 5), (1, 4), (2, 3)):
        mask = sum(1 << p for p in range(RING_BITS) if (p >> low) & 1 and not (p >> high) & 1)
        swaps.append((U64(mask), U64((1 << high) - (1 << low))))
    return swaps


_SWAPS = _delta_swaps()


def _shifted_reversed(words: np.ndarray) -> np.ndarray:
    """``words << 1`` with bit ``p`` moved to bit ``reverse6(p)`` (a fixed, XOR-linear map).

    A part that is all zeros (another party's component, as ``components_as_boolean`` hands
    it out) stays zeros, without the work.
    """
    out: np.ndarray = words << _ONE
    if not out.any():
        return out
    scratch = np.empty_like(out)
    for mask, delta in _SWAPS:
        np.right_shift(out, delta, out=scratch)
        scratch ^= out
        scratch &= mask
        out ^= scratch
        scratch <<= delta
        out ^= scratch
    return out


# -- local operations on boolean shares ----------------------------------------------------------


def _each(x: Share, fn: Callable[[np.ndarray], np.ndarray], shape: tuple[int, ...]) -> Share:
    """Apply the XOR-linear ``fn`` to every part of ``x``; the result has ``shape``."""
    return x.with_parts([fn(p) for p in x.parts], shape=shape)


def _xor(x: Share, y: Share) -> Share:
    return x.zip_with(y, np.bitwise_xor)


def _shr(x: Share, bits: int) -> Share:
    amount = U64(bits)
    return _each(x, lambda p: p >> amount, x.shape)


def _shl(x: Share, bits: int) -> Share:
    amount = U64(bits)
    return _each(x, lambda p: p << amount, x.shape)


def _level_operands(half: int) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]]:
    """Per part, from generate ``g`` and propagate ``p`` words of ``2 half``-bit fields: the AND
    operands ``[P_hi | P_hi]`` and ``[G_lo | P_lo]``, and ``G_hi`` (in the low halves)."""
    mask = _HALF_MASKS[half]
    amount = U64(half)

    def operands(g: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, ...]:
        p_hi = p >> amount
        p_hi &= mask
        left = p_hi << amount
        left |= p_hi
        right: np.ndarray = np.bitwise_and(p, mask)
        right <<= amount
        right |= g & mask
        g_hi = g >> amount
        g_hi &= mask
        return left, right, g_hi

    return operands


def _level_results(half: int) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, ...]]:
    """Per part, from ``G_hi`` and the AND ``[P_hi G_lo | P_hi P_lo]``: the next generate and
    propagate words, words ``[m/2, m)`` packed into the high halves of words ``[0, m/2)``.

    Parts are masked before packing: AND outputs carry random bits in the high halves that
    cancel only in the XOR of all parts.
    """
    mask = _HALF_MASKS[half]
    amount = U64(half)

    def results(g_hi: np.ndarray, both: np.ndarray) -> tuple[np.ndarray, ...]:
        count = both.shape[0] // 2
        generate = both & mask
        generate ^= g_hi
        propagate = both >> amount
        propagate &= mask
        packed = []
        for word in (generate, propagate):
            high = word[count:] << amount
            high ^= word[:count]
            packed.append(high)
        return tuple(packed)

    return results


def _and_all(mpc: MPC, pairs: Sequence[tuple[Share, Share]]) -> list[Share]:
    """One round of ANDs."""
    return mpc.protocol.and_many(pairs)


# -- shapes: many shares as one flat vector -------------------------------------------------------


def flatten(xs: Sequence[Share], pad_to: int = 1) -> Share:
    """The elements of ``xs`` (one kind) raveled and concatenated, zero-padded to a multiple.

    Padding elements are sharings of zero (zero in every part).
    """
    if not xs:
        raise ConfigError("nothing to flatten")
    kind = xs[0].kind
    if any(x.kind is not kind for x in xs):
        raise ConfigError("cannot flatten arithmetic and boolean shares together")
    count = sum(x.size for x in xs)
    padded = -(-max(count, 1) // pad_to) * pad_to
    zeros = np.zeros(padded - count, dtype=RING_DTYPE)
    parts = [
        np.concatenate([*(p.ravel() for p in group), zeros])
        for group in zip(*(x.parts for x in xs), strict=True)
    ]
    return xs[0].with_parts(parts, shape=(padded,), frac_bits=0)


def unflatten(flat: Share, shapes: Sequence[tuple[int, ...]]) -> list[Share]:
    """Split the first elements of a flat share back into shares of ``shapes``."""
    out = []
    start = 0
    for shape in shapes:
        size = math.prod(shape)
        stop = start + size
        out.append(flat.with_parts([p[start:stop].reshape(shape) for p in flat.parts], shape=shape))
        start = stop
    return out


# -- adding up the share components ------------------------------------------------------------


def _two_summands(mpc: MPC, x: Share) -> tuple[Share, Share]:
    """Boolean shares of two words whose ring sum is ``x`` (carry-save adders, 1 round each)."""
    return run(mpc.protocol, _two_summands_steps(mpc, x))


def _two_summands_steps(mpc: MPC, x: Share) -> Program[tuple[Share, Share]]:
    """:func:`_two_summands` as a program (:mod:`confide.mpc.lockstep`)."""
    parts = mpc.protocol.components_as_boolean(x)
    while len(parts) > 2:
        triples = [parts[k : k + 3] for k in range(0, len(parts) - 2, 3)]
        rest = parts[3 * len(triples) :]
        # majority(a, b, c) = ((a ^ c) & (b ^ c)) ^ c; sum = a ^ b ^ c.
        answer = yield RoundRequest(ands=[(_xor(a, c), _xor(b, c)) for a, b, c in triples])
        ands = answer.ands
        parts = list(rest)
        for (a, b, c), both in zip(triples, ands, strict=True):
            parts.append(_xor(_xor(a, b), c))
            parts.append(_shl(_xor(both, c), 1))
    if len(parts) == 1:
        parts.append(mpc.protocol.zeros(x.shape, Kind.BOOLEAN))
    return parts[0], parts[1]


# -- packed bits ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Packed:
    """Secret bits packed 64 to a word: element ``s * words + i`` is bit ``s`` of word ``i``.

    ``share`` is a boolean share of ``words`` words; the first ``count`` elements are
    meaningful, the rest is padding.
    """

    share: Share
    count: int

    @property
    def words(self) -> int:
        """Number of words."""
        return self.share.shape[0]


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Pack bit 0 of ``64 m`` words into ``m`` words (element ``s m + i`` to bit ``s`` of ``i``)."""
    rows = (bits.reshape(RING_BITS, -1) & _ONE) << _SLOTS
    packed: np.ndarray = np.bitwise_xor.reduce(rows, axis=0)
    return packed


def unpack_bits(words: np.ndarray) -> np.ndarray:
    """The inverse of :func:`pack_bits`: ``64 m`` words holding one bit each, in bit 0."""
    bits: np.ndarray = ((words[None, :] >> _SLOTS) & _ONE).reshape(-1)
    return bits


def pack(x: Share) -> Packed:
    """Pack bit 0 of every element of a flat boolean share (its length a multiple of 64)."""
    words = x.shape[0] // RING_BITS
    return Packed(_each(x, pack_bits, (words,)), x.shape[0])


def packed_not(mpc: MPC, x: Packed) -> Packed:
    """Elementwise NOT (local)."""
    return Packed(mpc.protocol.add_public(x.share, np.asarray(_ALL_ONES)), x.count)


def packed_and(mpc: MPC, x: Packed, y: Packed) -> Packed:
    """Elementwise AND of two packed bit vectors: one round, ``count / 64`` words."""
    return Packed(mpc.protocol.and_(x.share, y.share), x.count)


# -- the sign bit --------------------------------------------------------------------------------


def sign_bits(mpc: MPC, xs: Sequence[Share]) -> Packed:
    """The top bit (the sign) of every element of the arithmetic shares ``xs``, packed.

    Elements are taken in order (``xs[0]`` raveled, then ``xs[1]``, ...). Rounds: the
    carry-save rounds (none for two components) + 7; AND words per element about 2.97 (see the
    module docstring). Exact for every ring element.

    The local steps work on each share part directly (every step is XOR-linear, so each party
    applies it to its own parts), and shares are built only for the protocol's AND gates: on
    small arrays the cost of building shares would otherwise rival the protocol's.
    """
    return run(mpc.protocol, sign_bits_steps(mpc, xs))


def sign_bits_steps(mpc: MPC, xs: Sequence[Share]) -> Program[Packed]:
    """:func:`sign_bits` as a program (:mod:`confide.mpc.lockstep`), one request per round."""
    check_engine(mpc, *xs)
    for x in xs:
        if x.kind is not Kind.ARITHMETIC:
            raise ConfigError("sign_bits takes arithmetic shares")
    flat = flatten(xs, pad_to=RING_BITS)
    count = flat.shape[0]
    a, b = yield from _two_summands_steps(mpc, flat)
    # msb(a + b) = a_63 ^ b_63 ^ carry, the carry out of the low 63 bits, which is the carry
    # out of the 64-bit sum (a << 1) + (b << 1); bit positions reversed for the tree.
    top = [pack_bits((pa ^ pb) >> _TOP) for pa, pb in zip(a.parts, b.parts, strict=True)]
    left = [_shifted_reversed(p) for p in a.parts]
    right = [_shifted_reversed(p) for p in b.parts]
    generate = yield from _and_parts(mpc, left, right, count)
    propagate = [x ^ y for x, y in zip(left, right, strict=True)]
    words = count
    for half in (32, 16, 8, 4, 2):
        operands = _level_operands(half)
        split = [operands(g, p) for g, p in zip(generate, propagate, strict=True)]
        both = yield from _and_parts(mpc, [o[0] for o in split], [o[1] for o in split], words)
        words //= 2
        results = _level_results(half)
        joined = [results(o[2], r) for o, r in zip(split, both, strict=True)]
        generate, propagate = [j[0] for j in joined], [j[1] for j in joined]
    mask = _HALF_MASKS[1]
    p_hi = [(p >> _ONE) & mask for p in propagate]
    g_lo = [g & mask for g in generate]
    carry = yield from _and_parts(mpc, p_hi, g_lo, words)
    half_words = words // 2
    out = []
    for g, c, t in zip(generate, carry, top, strict=True):
        level = ((g >> _ONE) & mask) ^ (c & mask)
        out.append(level[:half_words] ^ (level[half_words:] << _ONE) ^ t)
    packed = Share(mpc, tuple(out), (half_words,), Kind.BOOLEAN)
    return Packed(packed, sum(x.size for x in xs))


def _and_parts(
    mpc: MPC, left: list[np.ndarray], right: list[np.ndarray], words: int
) -> Program[list[np.ndarray]]:
    """One round: the parts of the AND of two boolean shares given by their parts."""
    shape = (words,)
    x = Share(mpc, tuple(left), shape, Kind.BOOLEAN)
    y = Share(mpc, tuple(right), shape, Kind.BOOLEAN)
    answer = yield RoundRequest(ands=[(x, y)])
    (z,) = answer.ands
    return list(z.parts)


# -- all bits ------------------------------------------------------------------------------------


def to_boolean(mpc: MPC, x: Share) -> Share:
    """Boolean shares of the 64-bit words of the arithmetic share ``x`` (A2B), any shape.

    Kogge-Stone adder over the share components: carry-save rounds + 7 AND rounds, 12 AND
    words per element. Exact.
    """
    check_engine(mpc, x)
    if x.kind is not Kind.ARITHMETIC:
        raise ConfigError("to_boolean takes an arithmetic share")
    a, b = _two_summands(mpc, flatten([x]))
    (generate,) = _and_all(mpc, [(a, b)])
    propagate = _xor(a, b)
    total = propagate
    for distance in (1, 2, 4, 8, 16):
        generate_in, propagate_in = _and_all(
            mpc,
            [(propagate, _shl(generate, distance)), (propagate, _shl(propagate, distance))],
        )
        generate = _xor(generate, generate_in)
        propagate = propagate_in
    (generate_in,) = _and_all(mpc, [(propagate, _shl(generate, 32))])
    generate = _xor(generate, generate_in)
    (out,) = unflatten(_xor(total, _shl(generate, 1)), [x.shape])
    return out


def prefix_or(mpc: MPC, x: Share) -> Share:
    """``v`` with bit ``i`` set iff some bit ``j >= i`` of ``x`` is set (6 AND rounds, 6 words).

    ``v ^ (v >> 1)`` is then the leading one of ``x`` alone. Computed on complements,
    ``~v = ~v & ~(v >> d)`` for ``d = 1, 2, ..., 32``, since an OR is a NOT of an AND of NOTs.
    """
    check_engine(mpc, x)
    if x.kind is not Kind.BOOLEAN:
        raise ConfigError("prefix_or takes a boolean share")
    protocol = mpc.protocol
    inverse = protocol.add_public(x, np.asarray(_ALL_ONES))
    for distance in (1, 2, 4, 8, 16, 32):
        # ~(v >> d) = (~v >> d) with its top d bits set.
        top = np.asarray(_ALL_ONES << U64(RING_BITS - distance))
        shifted = protocol.add_public(_shr(inverse, distance), top)
        (inverse,) = _and_all(mpc, [(inverse, shifted)])
    return protocol.add_public(inverse, np.asarray(_ALL_ONES))


# -- from bits to arithmetic ---------------------------------------------------------------------


def bits_to_arithmetic(mpc: MPC, bits: Packed) -> Share:
    """Arithmetic 0/1 shares (integers) of packed secret bits, as a flat vector of ``count``.

    One round; opens ``count / 64`` words. The provider deals one random bit per element.
    Where random bits would take a round of their own (aby3), the bits are unpacked and
    converted by the protocol's :meth:`~confide.mpc.protocol.Protocol.bit_to_arithmetic`:
    one round too.
    """
    return run(mpc.protocol, bits_to_arithmetic_steps(mpc, bits))


def bits_to_arithmetic_steps(mpc: MPC, bits: Packed) -> Program[Share]:
    """:func:`bits_to_arithmetic` as a program (:mod:`confide.mpc.lockstep`); where random
    bits take a round (aby3) the conversion runs its own round when the program is advanced."""
    count = bits.count
    if mpc.protocol.RANDOM_BITS_TAKE_A_ROUND:
        unpacked = _each(bits.share, unpack_bits, (bits.words * RING_BITS,))
        return mpc.protocol.bit_to_arithmetic(unpacked[:count])
    padded = bits.words * RING_BITS
    r_arith, r_bool = mpc.protocol.random_bits((padded,))
    masks = [pack_bits(p) for p in r_bool.parts]
    masked = [b ^ m for b, m in zip(bits.share.parts, masks, strict=True)]
    answer = yield RoundRequest(opens=[Share(mpc, tuple(masked), (bits.words,), Kind.BOOLEAN)])
    (opened,) = answer.opens
    c = unpack_bits(opened)[:count]
    flip = _ONE - (c << _ONE)
    # b = c + r - 2 c r = r (1 - 2 c) + c.
    products = tuple(r[:count] * flip for r in r_arith.parts)
    return mpc.protocol.add_public(Share(mpc, products, (count,)), c)


def inject(mpc: MPC, x: Share, tables: Sequence[np.ndarray]) -> list[Share]:
    """For each table ``T`` (64 public ring words), the arithmetic share of ``sum_i T[i] x_i``.

    ``x_i`` is bit ``i`` of the boolean share ``x`` (any shape). One round, one opened word per
    element; the provider deals one random bit per element and bit position used.
    """
    check_engine(mpc, x)
    if x.kind is not Kind.BOOLEAN:
        raise ConfigError("inject takes a boolean share")
    weights = np.stack([np.asarray(t, dtype=RING_DTYPE) for t in tables])
    if weights.shape != (len(tables), RING_BITS):
        raise ConfigError("every injection table has one ring word per bit position")
    used = [i for i in range(RING_BITS) if np.any(weights[:, i])]
    r_arith, r_bool = mpc.protocol.random_bits((len(used), *x.shape))
    mask = _each(
        r_bool,
        lambda p: np.bitwise_xor.reduce(
            p << np.asarray(used, dtype=RING_DTYPE).reshape((-1,) + (1,) * len(x.shape)),
            axis=0,
        ),
        x.shape,
    )
    (opened,) = mpc.protocol.open([_xor(x, mask)])
    publics = [np.zeros(x.shape, dtype=RING_DTYPE) for _ in tables]
    totals = [mpc.protocol.zeros(x.shape) for _ in tables]
    for row, position in enumerate(used):
        c = (opened >> U64(position)) & _ONE
        flip = _ONE - (c << _ONE)
        for k, table in enumerate(weights):
            weight = table[position]
            if weight:
                publics[k] += c * weight
                totals[k] = totals[k].zip_with(r_arith[row].local_mul(flip * weight), np.add)
    return [
        mpc.protocol.add_public(total, public)
        for total, public in zip(totals, publics, strict=True)
    ]
