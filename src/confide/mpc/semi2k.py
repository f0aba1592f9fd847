"""semi2k: n-party additive secret sharing over Z_2^64, semi-honest, with a dealer's correlations.

Each data party ``P_i`` holds one ``uint64`` array ``x_i`` with ``x = sum_i x_i mod 2^64``
(arithmetic) or ``x = XOR_i x_i`` (boolean). Parties that hold no shares (the dealer) keep
shapes only. ``P_0`` is the first data party in job order, ``P_last`` the last.

Threat model: semi-honest parties; any coalition of all data parties but one learns nothing
about the remaining party's inputs beyond the revealed outputs, provided the dealer colludes with
none of them (see :mod:`confide.mpc.dealer`). Every value a data party receives while computing
is uniformly distributed (masked by a fresh share or correlation), so its view is independent of
the secrets.

Input of ``x`` by owner ``P_o`` (0 payload rounds, 0 payload bytes):
    At setup every pair of data parties shares a seed; ``P_j`` takes ``x_j = PRG(s_oj)`` and
    ``P_o`` takes ``x_o = x - sum_j x_j``. Only the shape travels (the engine sends it).

Open to parties ``R`` (1 round): every data party sends its share to every member of ``R`` but
itself (8 bytes per element each); members add them up. Batches of values travel as one message.

Multiplication ``z = x * y`` (Beaver 1991; 1 round): with a triple ``(a, b, c = a * b)`` from the
provider, open ``d = x - a`` and ``e = y - b`` together; ``z_i = c_i + d b_i + e a_i`` plus
``d e`` on ``P_0``. Bytes per party: 8 (|x| + |y|) per other data party. Shapes broadcast: ``a``
and ``b`` take the operands' shapes, so a vector times a matrix opens only the vector and matrix.
AND of boolean words is the same with XOR and AND.

Matrix product ``z = x @ y`` (1 round): the same with a matrix triple; each party computes
``d @ b_i (+ d @ e on P_0) + a_i @ e`` with exact ring matmuls (:mod:`confide.mpc.ring`), then
adds ``c_i``. Bytes per party: 8 (|x| + |y|) per other data party. The last party receives its
share of ``c`` only when it needs it (:meth:`~confide.mpc.provider.Provider.deal_pending`), so
the dealer computes ``a @ b`` while the data parties compute their products.

Independent operations of one round (ANDs, products, pair truncations, openings) travel together
(:meth:`Semi2k.fused_round`): one batch from the provider, one message per pair of data parties.

Truncation (divide by ``2^f`` after a fixed-point product), two methods:

* ``Truncation.PAIR`` (default, any number of parties; 1 round): Escudero, Ghosh, Keller,
  Rachuri and Scholl, "Improved primitives for MPC over mixed arithmetic-binary circuits",
  CRYPTO 2020. With ``(r, msb(r), (r mod 2^63) >> f)`` from the provider, open
  ``c = x + 2^62 + r`` and compute ``(c mod 2^63) >> f - (r mod 2^63) >> f + w 2^(63-f) - 2^(62-f)``
  with ``w = msb(c) XOR msb(r)``, linear in the shares. For every ``x`` with
  ``|x| < 2^62`` the result is ``floor(x / 2^f)`` or one more: an error of at most one unit in
  the last place (2^-f after rescaling), never more. Bytes: 8 per element per other data party,
  plus 16 per element from the dealer.
* ``Truncation.LOCAL`` (two parties only; no communication): SecureML (Mohassel and Zhang,
  IEEE S&P 2017, theorem 1): ``P_0`` shifts its share, ``P_1`` negates, shifts and negates.
  Off by at most one unit in the last place, except with probability ``2^(l_x + 1 - 64)`` per
  element for ``|x| < 2^l_x``, when the result is wrong by about ``2^(64 - f)``. For products of
  18-fractional-bit values of magnitude ``v`` that is about ``v * 7.5e-9`` per element: the fast
  path, to choose knowingly.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from confide.crypto.prg import PRG, new_seed
from confide.errors import ConfigError, ProtocolError
from confide.mpc.correlations import (
    AndTriple,
    BeaverTriple,
    Correlation,
    MatrixTriple,
    RandomBits,
    TruncationPair,
    matmul_shape,
)
from confide.mpc.encoding import RING_BITS, RING_DTYPE
from confide.mpc.packing import joined, pack, unpack, unpack_joined
from confide.mpc.protocol import Protocol, RoundRequest, RoundResult, truncation_amounts
from confide.mpc.provider import Pending
from confide.mpc.ring import ring_matmul_sum
from confide.mpc.share import Kind, Share, broadcast_shape, check_engine
from confide.mpc.streams import draw_words
from confide.params import SEED_BYTES
from confide.runtime.disclosure import Disclosure

if TYPE_CHECKING:
    from confide.mpc.engine import MPC

__all__ = ["DISCLOSURE", "Semi2k", "Truncation", "pair_truncation_share"]

DISCLOSURE = (
    Disclosure(
        "each data party",
        "only uniformly random values while computing: its shares, the openings x - a and "
        "y - b of multiplications and x + r of truncations",
        "every opened value is masked by a fresh correlation from the provider",
    ),
)

_LOW = np.uint64((1 << (RING_BITS - 1)) - 1)
_TOP = np.uint64(RING_BITS - 1)
_OFFSET = np.uint64(1 << (RING_BITS - 2))
_ONE = np.uint64(1)


class Truncation(str, Enum):
    """How semi2k divides by a power of two after a fixed-point product."""

    #: One round with a dealer's truncation pair; never more than 1 ulp off (any n).
    PAIR = "pair"
    #: SecureML's local shifts; free, two parties only, rare large errors.
    LOCAL = "local"

    @classmethod
    def parse(cls, value: Truncation | str) -> Truncation:
        """``value`` as a ``Truncation``; ``ConfigError`` naming the choices otherwise."""
        try:
            return cls(value)
        except ValueError as exc:
            choices = ", ".join(t.value for t in cls)
            raise ConfigError(f"truncation must be one of {choices}, got {value!r}") from exc


class Semi2k(Protocol):
    """n-party additive sharing over Z_2^64 with a provider's correlations (module docstring)."""

    name = "semi2k"
    DISCLOSURE = DISCLOSURE

    def __init__(self, truncation: Truncation | str = Truncation.PAIR) -> None:
        super().__init__()
        self.truncation = Truncation.parse(truncation)
        self._pair_streams: dict[str, PRG] = {}
        #: Whether this party is the first data party (it adds public terms); set in setup.
        self._first = False

    # -- lifecycle -------------------------------------------------------------------------------

    def check(self, engine: MPC) -> None:
        if engine.provider is None:
            raise ConfigError(
                "semi2k needs a provider of correlated randomness, e.g. TrustedDealer()"
            )
        if len(engine.parties) < 2:
            raise ConfigError(f"semi2k needs at least two data parties, got {list(engine.parties)}")
        if self.truncation is Truncation.LOCAL and len(engine.parties) != 2:
            raise ConfigError(
                f"local truncation works for exactly two data parties, not "
                f"{len(engine.parties)}: use Truncation.PAIR"
            )

    def setup(self) -> None:
        """Every pair of data parties shares a seed (the earlier one draws it), for inputs."""
        engine = self.engine
        ctx = engine.ctx
        self._first = ctx.party == engine.parties[0]
        if not engine.holds_shares:
            return
        with ctx.scope("mpc"):
            me = engine.parties.index(ctx.party)
            for peer in engine.parties[me + 1 :]:
                seed = new_seed()
                ctx.send(peer, "pair_seed", seed)
                self._pair_streams[peer] = PRG(seed)
            for peer in engine.parties[:me]:
                seed = ctx.recv(peer, "pair_seed")
                if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
                    raise ProtocolError(f"{peer!r} sent a malformed seed")
                self._pair_streams[peer] = PRG(seed)

    # -- helpers ---------------------------------------------------------------------------------

    def _share(self, part: np.ndarray, kind: Kind = Kind.ARITHMETIC, frac_bits: int = 0) -> Share:
        return Share(self.engine, (part,), part.shape, kind, frac_bits)

    def _exchange(
        self, arrays: Sequence[np.ndarray], kinds: Sequence[Kind], to: Collection[str]
    ) -> list[np.ndarray] | None:
        """Open this party's share arrays (or nothing, on a helper) to ``to``: one round.

        Returns the opened values, of the arrays' shapes, on the parties in ``to``: fresh
        arrays (never numpy scalars, even 0-d), which callers may update in place.
        """
        engine = self.engine
        ctx = engine.ctx
        me = ctx.party
        holds = engine.holds_shares
        with ctx.scope("mpc"):
            if holds:
                payload = pack(arrays)
                for peer in ctx.parties:
                    if peer != me and peer in to:
                        ctx.send(peer, "open", payload)
            if holds or me in to:
                engine.count_round()
            if me not in to:
                return None
            shapes = [np.shape(a) for a in arrays]
            sizes = [math.prod(shape) for shape in shapes]
            if holds and joined(sizes):
                return self._sum_joined(payload[0], sizes, shapes, kinds)
            totals: list[np.ndarray] | None = None
            for peer in engine.parties:
                if peer == me:
                    continue
                got = unpack(peer, ctx.recv(peer, "open"), shapes)
                if totals is None and not holds:
                    totals = [np.array(g) for g in got]
                    continue
                if totals is None:  # fresh arrays, even 0-d (out= keeps them arrays)
                    totals = [
                        _combine(kind)(a, g, out=np.empty(np.shape(g), RING_DTYPE))
                        for a, g, kind in zip(arrays, got, kinds, strict=True)
                    ]
                    continue
                for total, g, kind in zip(totals, got, kinds, strict=True):
                    _combine(kind)(total, g, out=total)
        if totals is None:  # cannot happen: semi2k has two data parties or more
            raise ConfigError("an opening needs at least two data parties")
        return totals

    def _sum_joined(
        self,
        own: np.ndarray,
        sizes: Sequence[int],
        shapes: Sequence[tuple[int, ...]],
        kinds: Sequence[Kind],
    ) -> list[np.ndarray]:
        """:meth:`_exchange` for arrays that travel joined (``own``, this party's message):
        every peer's message is added (or XORed) to it in one step per run of arrays of one
        kind, into one fresh array, whose views (separate regions) are returned."""
        engine = self.engine
        me = engine.ctx.party
        runs = _kind_runs(sizes, kinds)
        total = np.empty(own.size, dtype=RING_DTYPE)
        current = own
        for peer in engine.parties:
            if peer != me:
                got = unpack_joined(peer, engine.ctx.recv(peer, "open"), own.size)
                for start, stop, combine in runs:
                    combine(current[start:stop], got[start:stop], out=total[start:stop])
                current = total
        out = []
        start = 0
        for size, shape in zip(sizes, shapes, strict=True):
            out.append(total[start : start + size].reshape(shape))
            start += size
        return out

    def _deal(self, requests: Sequence[Correlation]) -> list[tuple[np.ndarray, ...]]:
        return self._deal_pending(requests).result()

    def _deal_pending(self, requests: Sequence[Correlation]) -> Pending:
        provider = self.engine.provider
        if provider is None:
            raise ConfigError("semi2k needs a provider of correlated randomness")
        return provider.deal_pending(requests)

    # -- making and opening shares ---------------------------------------------------------------

    def input(
        self,
        owner: str,
        words: np.ndarray | None,
        shape: tuple[int, ...],
        kind: Kind,
        frac_bits: int,
    ) -> Share:
        engine = self.engine
        me = engine.ctx.party
        if not engine.holds_shares:
            return self.hollow(shape, kind, frac_bits)
        if me != owner:
            return self._share(draw_words(self._pair_streams[owner], shape), kind, frac_bits)
        if words is None or words.shape != shape or words.dtype != RING_DTYPE:
            raise ConfigError(f"the owner must give ring words of shape {shape}")
        share = words
        for peer in engine.parties:
            if peer != me:
                mask = draw_words(self._pair_streams[peer], shape)
                share = share ^ mask if kind is Kind.BOOLEAN else share - mask
        return self._share(share, kind, frac_bits)

    def zeros(
        self, shape: tuple[int, ...], kind: Kind = Kind.ARITHMETIC, frac_bits: int = 0
    ) -> Share:
        if not self.engine.holds_shares:
            return self.hollow(shape, kind, frac_bits)
        return self._share(np.zeros(shape, dtype=RING_DTYPE), kind, frac_bits)

    def add_public(self, x: Share, words: np.ndarray) -> Share:
        check_engine(self.engine, x)
        if words.dtype != RING_DTYPE:
            raise ConfigError(f"public ring words must be uint64, got {words.dtype}")
        shape = broadcast_shape(x.shape, words.shape)
        if not x.parts:
            return x.with_parts([], shape=shape)
        (part,) = x.parts
        if self._first:
            new = part ^ words if x.kind is Kind.BOOLEAN else part + words
        elif shape != x.shape:
            new = np.array(np.broadcast_to(part, shape))
        else:
            new = part
        return x.with_parts([new], shape=shape)

    def open_to(self, xs: Sequence[Share], to: Collection[str]) -> list[np.ndarray | None]:
        engine = self.engine
        check_engine(engine, *xs)
        unknown = [p for p in to if p not in engine.ctx.parties]
        if unknown:
            raise ConfigError(f"cannot open to {unknown}: not parties of this job")
        arrays = [
            x.parts[0] if x.parts else np.broadcast_to(np.zeros((), RING_DTYPE), x.shape)
            for x in xs
        ]
        opened = self._exchange(arrays, [x.kind for x in xs], to)
        if opened is None:
            return [None] * len(xs)
        return [value.reshape(x.shape) for value, x in zip(opened, xs, strict=True)]

    # -- nonlinear operations ----------------------------------------------------------------------

    def mul_many(self, pairs: Sequence[tuple[Share, Share]]) -> list[Share]:
        return self.fused_round(RoundRequest(muls=pairs)).muls

    def and_many(self, pairs: Sequence[tuple[Share, Share]]) -> list[Share]:
        return self.fused_round(RoundRequest(ands=pairs)).ands

    def fused_round(self, request: RoundRequest) -> RoundResult:
        """ANDs, products, pair truncations and openings together: one round, one message per
        pair of data parties, one batch from the provider (see the module docstring for each).
        Local truncations (``Truncation.LOCAL`` without ``exact_truncation``) take none;
        products to truncate take a second round."""
        if request.mul_truncs:
            return self.products_first(request)
        engine = self.engine
        and_shapes = _check_pairs(engine, request.ands, Kind.BOOLEAN)
        mul_shapes = _check_pairs(engine, request.muls, Kind.ARITHMETIC)
        check_engine(engine, *request.opens)
        amounts = self.truncation_amounts(request.truncs, list(request.trunc_bits))
        truncs = list(request.truncs)
        todo = [k for k, amount in enumerate(amounts) if amount]
        local = self.truncation is Truncation.LOCAL and not request.exact_truncation
        if local:
            for k in todo:
                truncs[k] = self._trunc_local(truncs[k], amounts[k])
            todo = []
        pairs = [(truncs[k], amounts[k]) for k in todo]
        if not (request.ands or request.muls or pairs or request.opens):
            return RoundResult(truncs=truncs)
        pending = self._deal_pending(
            [AndTriple(x.shape, y.shape) for x, y in request.ands]
            + [BeaverTriple(x.shape, y.shape) for x, y in request.muls]
            + [TruncationPair(x.shape, bits) for x, bits in pairs]
        )
        fracs = [max(x.frac_bits - bits, 0) for x, bits in pairs]
        if not engine.holds_shares:
            for k, f in zip(todo, fracs, strict=True):
                truncs[k] = truncs[k].with_parts([], frac_bits=f)
            return RoundResult(
                ands=[self.hollow(shape, Kind.BOOLEAN) for shape in and_shapes],
                muls=[
                    self.hollow(shape, Kind.ARITHMETIC, x.frac_bits + y.frac_bits)
                    for shape, (x, y) in zip(mul_shapes, request.muls, strict=True)
                ],
                truncs=truncs,
                opens=[np.broadcast_to(np.zeros((), RING_DTYPE), x.shape) for x in request.opens],
            )
        n_ands, n_muls = len(request.ands), len(request.muls)
        ready = pending.ready
        masked = [m for (x, y), (a, b, *_) in zip(request.ands, ready[:n_ands], strict=True)
                  for m in (x.parts[0] ^ a, y.parts[0] ^ b)]  # fmt: skip
        masked += [m for (x, y), (a, b, *_) in
                   zip(request.muls, ready[n_ands : n_ands + n_muls], strict=True)
                   for m in (x.parts[0] - a, y.parts[0] - b)]  # fmt: skip
        # Flat arrays for truncations: numpy turns 0-d results into scalars, whose arithmetic
        # warns on the wrap-around the ring relies on.
        for (x, _), (r, *_) in zip(pairs, ready[n_ands + n_muls :], strict=True):
            c = x.parts[0].reshape(-1) + r.reshape(-1)
            if self._first:
                c += _OFFSET
            masked.append(c)
        masked += [x.parts[0] for x in request.opens]
        kinds = [Kind.BOOLEAN] * (2 * n_ands) + [Kind.ARITHMETIC] * (2 * n_muls + len(pairs))
        kinds += [x.kind for x in request.opens]
        opened = self._open_masked(masked, kinds)
        dealt = pending.result()
        ands = []
        for k, ((a, b, c), shape) in enumerate(zip(dealt[:n_ands], and_shapes, strict=True)):
            d, e = opened[2 * k], opened[2 * k + 1]
            z = np.bitwise_and(d, b ^ e if self._first else b, out=np.empty(shape, RING_DTYPE))
            z ^= a & e
            z ^= c
            ands.append(self._share(z, Kind.BOOLEAN))
        muls = []
        base = 2 * n_ands
        for k, ((x, y), (a, b, c), shape) in enumerate(
            zip(request.muls, dealt[n_ands : n_ands + n_muls], mul_shapes, strict=True)
        ):
            d, e = opened[base + 2 * k], opened[base + 2 * k + 1]
            # A fresh array, never a numpy scalar (whose arithmetic warns on wrap-around).
            z = np.multiply(d, b + e if self._first else b, out=np.empty(shape, RING_DTYPE))
            z += a * e
            z += c
            muls.append(self._share(z, Kind.ARITHMETIC, x.frac_bits + y.frac_bits))
        base += 2 * n_muls
        for j, (k, (x, bits), (_, r_msb, r_shifted), f) in enumerate(
            zip(todo, pairs, dealt[n_ands + n_muls :], fracs, strict=True)
        ):
            z = pair_truncation_share(
                opened[base + j], r_msb.reshape(-1), r_shifted.reshape(-1), bits, first=self._first
            )
            truncs[k] = x.with_parts([z.reshape(x.shape)], frac_bits=f)
        base += len(pairs)
        opens = [
            value.reshape(x.shape) for value, x in zip(opened[base:], request.opens, strict=True)
        ]
        return RoundResult(ands=ands, muls=muls, truncs=truncs, opens=opens)

    def matmul(self, x: Share, y: Share) -> Share:
        check_engine(self.engine, x, y)
        if x.kind is not Kind.ARITHMETIC or y.kind is not Kind.ARITHMETIC:
            raise ConfigError("matmul takes arithmetic shares")
        shape = matmul_shape(x.shape, y.shape)
        pending = self._deal_pending([MatrixTriple(x.shape, y.shape)])
        frac_bits = x.frac_bits + y.frac_bits
        if not self.engine.holds_shares:
            return self.hollow(shape, Kind.ARITHMETIC, frac_bits)
        a, b, *_ = pending.ready[0]
        d, e = self._open_masked([x.parts[0] - a, y.parts[0] - b], Kind.ARITHMETIC)
        # d @ b_i + a_i @ e (+ d @ e on P_0), while the dealer may still be computing c = a @ b.
        z = ring_matmul_sum([(d, b + e if self._first else b), (a, e)])
        z += pending.result()[0][2]
        return self._share(z.reshape(shape), Kind.ARITHMETIC, frac_bits)

    def _open_masked(
        self, masked: Sequence[np.ndarray], kinds: Kind | Sequence[Kind]
    ) -> list[np.ndarray]:
        """Open masked share arrays to every data party (this party holds shares): one round."""
        if isinstance(kinds, Kind):
            kinds = [kinds] * len(masked)
        opened = self._exchange(masked, kinds, self.engine.parties)
        if opened is None:
            raise ConfigError("a share holder must receive its own openings")
        return opened

    def trunc_many(self, xs: Sequence[Share], bits: int | Sequence[int]) -> list[Share]:
        amounts = truncation_amounts(bits, len(xs))
        return self.fused_round(RoundRequest(truncs=xs, trunc_bits=amounts)).truncs

    def trunc_exact_many(self, xs: Sequence[Share], bits: int | Sequence[int]) -> list[Share]:
        amounts = truncation_amounts(bits, len(xs))
        request = RoundRequest(truncs=xs, trunc_bits=amounts, exact_truncation=True)
        return self.fused_round(request).truncs

    def _trunc_local(self, x: Share, bits: int) -> Share:
        frac_bits = max(x.frac_bits - bits, 0)
        if not x.parts:
            return x.with_parts([], frac_bits=frac_bits)
        signed = x.parts[0].view(np.int64)
        if self._first:
            part = (signed >> bits).view(RING_DTYPE)
        else:
            part = (-((-signed) >> bits)).view(RING_DTYPE)
        return x.with_parts([part], frac_bits=frac_bits)

    # -- for comparisons ---------------------------------------------------------------------------

    def random_bits(self, shape: tuple[int, ...]) -> tuple[Share, Share]:
        dealt = self._deal([RandomBits(shape)])
        if not self.engine.holds_shares:
            return self.hollow(shape), self.hollow(shape, Kind.BOOLEAN)
        boolean, arithmetic = dealt[0]
        return self._share(arithmetic), self._share(boolean, Kind.BOOLEAN)

    def components_as_boolean(self, x: Share) -> list[Share]:
        check_engine(self.engine, x)
        if x.kind is not Kind.ARITHMETIC:
            raise ConfigError("components_as_boolean takes an arithmetic share")
        if not x.parts:
            return [self.hollow(x.shape, Kind.BOOLEAN) for _ in self.engine.parties]
        zeros = np.zeros(x.shape, dtype=RING_DTYPE)
        return [
            self._share(x.parts[0] if party == self.engine.ctx.party else zeros, Kind.BOOLEAN)
            for party in self.engine.parties
        ]


def _kind_runs(sizes: Sequence[int], kinds: Sequence[Kind]) -> list[tuple[int, int, np.ufunc]]:
    """Consecutive arrays of ``sizes`` words grouped by kind: ``(start, stop, combine)`` word
    ranges of a flat message, each combined by one ufunc."""
    runs: list[tuple[int, int, np.ufunc]] = []
    start = 0
    previous: Kind | None = None
    for size, kind in zip(sizes, kinds, strict=True):
        if kind is previous:
            first, _, combine = runs[-1]
            runs[-1] = (first, start + size, combine)
        else:
            runs.append((start, start + size, _combine(kind)))
            previous = kind
        start += size
    return runs


def _combine(kind: Kind) -> np.ufunc:
    """How shares of ``kind`` add up: XOR for boolean, ring addition for arithmetic."""
    return np.bitwise_xor if kind is Kind.BOOLEAN else np.add


def pair_truncation_share(
    c: np.ndarray, r_msb: np.ndarray, r_shifted: np.ndarray, bits: int, *, first: bool
) -> np.ndarray:
    """One party's additive share of Escudero et al.'s truncation of ``x`` by ``bits``.

    ``c = x + 2^62 + r`` is public (flat, 1-D), ``r_msb`` and ``r_shifted`` are this party's
    shares of ``msb(r)`` and ``(r mod 2^63) >> bits``; ``first`` adds the public terms:
    ``z = w 2^(63 - bits) - (r mod 2^63) >> bits [+ (c mod 2^63) >> bits - 2^(62 - bits)]``
    with ``w = msb(c) XOR msb(r) = msb(c) + msb(r) (1 - 2 msb(c))``, linear in the shares.
    Built in place in one fresh array.
    """
    c_msb = c >> _TOP
    z: np.ndarray = _ONE - (c_msb << _ONE)
    z *= r_msb
    if first:
        z += c_msb
    z <<= np.uint64(RING_BITS - 1 - bits)
    z -= r_shifted
    if first:
        low = c & _LOW
        low >>= np.uint64(bits)
        z += low
        z -= _OFFSET >> np.uint64(bits)
    return z


def _check_pairs(
    engine: MPC, pairs: Sequence[tuple[Share, Share]], kind: Kind
) -> list[tuple[int, ...]]:
    """Validate operand pairs (same engine, ``kind``, broadcastable); their result shapes."""
    shapes = []
    for x, y in pairs:
        check_engine(engine, x, y)
        if x.kind is not kind or y.kind is not kind:
            raise ConfigError(f"this operation takes {kind.value} shares")
        shapes.append(broadcast_shape(x.shape, y.shape))
    return shapes
