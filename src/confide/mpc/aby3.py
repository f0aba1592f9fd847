"""aby3: three-party replicated secret sharing over Z_2^64, semi-honest, honest majority, no dealer.

After Mohassel and Rindal, "ABY3: a mixed protocol framework for machine learning", CCS 2018
(and Araki, Furukawa, Lindell, Nof and Ohara, CCS 2016, for the multiplication). Exactly three
data parties ``P_0, P_1, P_2`` (job order; indices mod 3) take part and no helper: every piece of
correlated randomness comes from pairwise PRG seeds (:mod:`confide.mpc.zero_sharing`).

Sharing. A secret ``x`` is split into ``x = x_0 + x_1 + x_2 mod 2^64`` (arithmetic) or
``x_0 XOR x_1 XOR x_2`` (boolean); ``P_i`` holds ``parts = (x_i, x_{i+1})``. Each component is
held by two parties and each party misses one, so no single party learns anything, and any two
can reconstruct. ``G_j`` below is the PRG stream of component ``j``, known to its two holders.

Threat model: semi-honest parties, at most one of the three corrupted. Two colluding parties
learn everything; there is no dealer to trust. Every value a party receives while computing is
masked by a stream it does not hold, so its view is independent of the secrets; what is revealed
goes only to the parties named.

Input of ``x`` by owner ``P_o`` (rides in the round of the engine's shape announcement):
    ``x_o`` from ``G_o`` and ``x_{o+1}`` from ``G_{o+1}`` (its two holders each draw them);
    the owner sends ``x_{o+2} = x - x_o - x_{o+1}`` to both other parties. Bytes: 16 per
    element, from the owner. The receivers miss one of the streams, so ``x_{o+2}`` is uniform
    to each: they learn the shape only.

Open to parties ``R`` (1 round): ``P_{r+1}`` sends ``r`` the component ``x_{r+2}`` it misses.
8 bytes per element per recipient; parties outside ``R`` receive nothing.

Multiplication ``z = x * y`` (1 round; 8 bytes per element per party, to one neighbour):
    1. Local products, a 3-out-of-3 sharing of ``z`` whose nine cross terms ``x_a y_b`` are split
       so one party needs one product and the others two (five in all, not six)::

           P_0: (x_0 + x_1)(y_0 + y_1)    P_1: x_1 y_2 + x_2 (y_1 + y_2)    P_2: x_2 y_0 + x_0 y_2

    2. ``z_i = t_i + alpha_i`` with the zero share ``alpha_i = G_i - G_{i+1}``.
    3. ``P_i`` sends ``z_i`` to ``P_{i-1}`` and now holds ``(z_i, z_{i+1})``. ``P_{i-1}`` lacks
       ``G_{i+1}``, so ``z_i`` is uniform to it.
    AND of boolean words is the same with AND and XOR. Shapes broadcast as numpy's.

Matrix product ``z = x @ y`` (1 round; 8 bytes per output element per party): the same with
exact ring matmuls (:func:`confide.mpc.ring.ring_matmul`), one on ``P_0`` and two on ``P_1`` and
``P_2``. Five is the fewest for any split of the nine cross terms over Z_2^64: a party can do
with one product only if its diagonal terms both have odd coefficients, and each diagonal term
``x_a y_a`` (held by two parties) must total 1, so no two parties can both do with one.

Truncation (divide by ``2^f`` after a fixed-point product), two methods:

* ``Truncation.PAIR`` (default; 2 rounds): the one-round probabilistic truncation of Escudero,
  Ghosh, Keller, Rachuri and Scholl (CRYPTO 2020), as :mod:`confide.mpc.semi2k` runs it, with
  ``P_2`` dealing the pair ``(r, msb(r), (r mod 2^63) >> f)`` to ``P_0`` and ``P_1`` from the
  streams it shares with each (so the pair is generated among the parties themselves), then a
  resharing to three parties.

  1. ``P_0`` holds ``a = x_0 + x_1``, ``P_1`` holds ``b = x_2``. ``P_2`` draws ``r = rho_0 +
     rho_1`` (``rho_0`` from ``G_0``, ``P_0``'s share; ``rho_1`` from ``G_2``, ``P_1``'s) and
     sends ``P_1`` its shares of ``msb(r)`` and ``(r mod 2^63) >> f`` (``P_0``'s come from
     ``G_0``). In the same round ``P_0`` and ``P_1`` open ``c = x + 2^62 + r`` to each other.
  2. Each computes its additive share of ``(c mod 2^63) >> f - (r mod 2^63) >> f +
     (msb(c) XOR msb(r)) 2^(63-f) - 2^(62-f)``, linear in the pair; ``P_0`` sends ``P_1``
     ``z_0 - y_0 - s`` (``y_0`` from ``G_0``, ``s`` from ``G_1``) and ``P_1`` sends ``P_2``
     ``z_1 + s``: the replicated result ``(y_0, z_0 - y_0 - s, z_1 + s)``.

  For every ``|x| < 2^62`` the result is ``floor(x / 2^f)`` or one more, never anything else.
  Bytes per element: 16 in round 1 between ``P_0`` and ``P_1``, 16 from ``P_2`` to ``P_1``,
  16 in round 2. ``c`` is uniform (``r`` is), and ``P_2``, which knows ``r``, never sees ``c``
  (``P_2`` with ``P_0`` or ``P_1`` would learn ``x``; but any two parties can anyway).

  Products truncated (``mul_trunc_many``, ``matmul_trunc``: 2 rounds, not 1 + 2). A product
  need not be reshared before its truncation: the local products ``t_i`` masked by zero shares,
  ``u_i = t_i + alpha_i``, are a 3-out-of-3 sharing of ``x y``; in round 1 ``P_0`` and ``P_1``
  open ``c`` from ``u_0`` and ``u_1`` as above, and ``P_2`` sends ``u_2`` to both (``u_2`` is
  masked by ``G_2`` for ``P_0`` and by ``G_0`` for ``P_1``; with ``u_1 + rho_1`` or
  ``u_0 + rho_0`` it adds up to ``c``'s part, masked by ``rho_1`` or ``rho_0``). Round 2 as
  above. Bytes per element: 8 more from ``P_2`` to each of ``P_0`` and ``P_1`` in round 1, 24
  fewer than a resharing round followed by a truncation.
* ``Truncation.LOCAL`` (1 round; ABY3's share truncation, section 5.1.1): ``P_0`` holds
  ``a = x_0 + x_1`` and ``P_1``, ``P_2`` hold ``x_2``; SecureML's local shifts (Mohassel and
  Zhang, IEEE S&P 2017, theorem 1) give ``a' = a >> f`` (``P_0``) and
  ``b' = -((-x_2) >> f)`` (``P_1`` and ``P_2``); then ``(a' - s, s, b')`` with ``s`` from
  ``G_1``, which costs ``P_0`` one message of 8 bytes per element to ``P_2``. Off by at most
  one unit in the last place, except with probability ``2^(l_x + 1 - 64)`` per element for
  ``|x| < 2^l_x``, when the result is wrong by about ``2^(64 - f)``: for products of
  18-fractional-bit values of magnitude ``v`` that is about ``v * 7.5e-9`` per element. The
  fast path, to choose knowingly.

Conversions for comparisons:

* ``components_as_boolean``: ``x_0``, ``x_1``, ``x_2`` as boolean sharings with one nonzero
  component each, without messages (each component is already held by two parties).
* ``bit_to_arithmetic`` (bit injection, 1 round) and ``random_bits`` (1 round; so circuits
  convert bits with ``bit_to_arithmetic`` alone, ``RANDOM_BITS_TAKE_A_ROUND``): a boolean bit
  ``b = e XOR c`` with ``e = b_0 XOR b_1`` known to ``P_0`` and ``c = b_2`` known to ``P_1`` and
  ``P_2`` becomes arithmetic with ABY3's three-party oblivious transfer (section 5.4.1), run
  twice so both holders of the new component get it: ``P_0`` sends ``P_1`` the two candidates
  ``m_v = (e XOR v) - r_0 - r_1`` masked by pads from ``G_0``, and ``P_2`` (which knows ``c``
  and ``G_0``) sends ``P_1`` the pad of ``m_c``; symmetrically for ``P_2`` with pads from
  ``G_1``. The result is ``(r_0, r_1, m_c)``. Bytes per bit: 32 from ``P_0``, 8 from each
  other party. Each receiver unmasks only ``m_c``, uniform to it (it lacks ``r_0`` or ``r_1``).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

import numpy as np

from confide.errors import ConfigError
from confide.mpc.correlations import matmul_shape
from confide.mpc.encoding import RING_BITS, RING_DTYPE
from confide.mpc.packing import pack, unpack
from confide.mpc.protocol import Protocol, RoundRequest, RoundResult, truncation_amounts
from confide.mpc.ring import ring_matmul, ring_matmul_sum
from confide.mpc.semi2k import Truncation, pair_truncation_share
from confide.mpc.share import Kind, Share, broadcast_shape, check_engine
from confide.mpc.zero_sharing import PARTIES, ReplicatedStreams
from confide.runtime.disclosure import Disclosure

if TYPE_CHECKING:
    from confide.mpc.engine import MPC

__all__ = ["DISCLOSURE", "Aby3"]

DISCLOSURE = (
    Disclosure(
        "each of the three data parties",
        "only pseudo-random values while computing: two of the three components of every "
        "share, resharings of products, the masked openings of truncations and the masked "
        "messages of bit injection",
        "every value a party receives is masked by a PRG stream it does not hold",
    ),
    Disclosure(
        "any two data parties together",
        "every secret",
        "replicated sharing assumes an honest majority: at most one party may be corrupted",
    ),
)

_ONE = np.uint64(1)
_LOW = np.uint64((1 << (RING_BITS - 1)) - 1)
_TOP = np.uint64(RING_BITS - 1)
_OFFSET = np.uint64(1 << (RING_BITS - 2))


class Aby3(Protocol):
    """Three-party replicated sharing over Z_2^64 without a dealer (see the module docstring).

    ``truncation`` picks the truncation method: ``"pair"`` (default: two rounds, never more
    than one unit off) or ``"local"`` (one cheap round, rare large errors).
    """

    name = "aby3"
    DISCLOSURE = DISCLOSURE
    RANDOM_BITS_TAKE_A_ROUND = True
    FUSES_MUL_TRUNC = True

    def __init__(self, truncation: Truncation | str = Truncation.PAIR) -> None:
        super().__init__()
        self.truncation = Truncation.parse(truncation)
        self._streams: ReplicatedStreams | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def check(self, engine: MPC) -> None:
        if engine.provider is not None:
            raise ConfigError(
                "aby3 makes its own correlated randomness and takes no provider: pass provider=None"
            )
        if len(engine.parties) != PARTIES:
            raise ConfigError(
                f"aby3 needs exactly three data parties, got {len(engine.parties)}: "
                f"{list(engine.parties)}"
            )

    def setup(self) -> None:
        """Every party sends a fresh seed to the previous one (see ``zero_sharing``)."""
        self._streams = ReplicatedStreams.agree(self.engine.ctx, self.engine.parties)

    # -- helpers ---------------------------------------------------------------------------------

    @property
    def _g(self) -> ReplicatedStreams:
        if self._streams is None:
            raise ConfigError("the aby3 protocol is not set up yet")
        return self._streams

    @property
    def _index(self) -> int:
        return self._g.index

    def _party(self, index: int) -> str:
        return self.engine.parties[index % PARTIES]

    def _share(
        self, parts: tuple[np.ndarray, np.ndarray], kind: Kind = Kind.ARITHMETIC, frac_bits: int = 0
    ) -> Share:
        return Share(self.engine, parts, parts[0].shape, kind, frac_bits)

    def _send(self, index: int, name: str, arrays: Sequence[np.ndarray]) -> None:
        with self.engine.ctx.scope("mpc"):
            self._send_in_scope(index, name, arrays)

    def _send_in_scope(self, index: int, name: str, arrays: Sequence[np.ndarray]) -> None:
        self.engine.ctx.send(self._party(index), name, pack(arrays))

    def _recv(self, index: int, name: str, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
        """Ring arrays of ``shapes`` from party ``index``, or ``ProtocolError``."""
        with self.engine.ctx.scope("mpc"):
            return self._recv_in_scope(index, name, shapes)

    def _swap(
        self,
        to: int,
        source: int,
        name: str,
        arrays: Sequence[np.ndarray],
        shapes: Sequence[tuple[int, ...]],
    ) -> list[np.ndarray]:
        """Send ``arrays`` to party ``to`` and receive arrays of ``shapes`` from ``source``."""
        with self.engine.ctx.scope("mpc"):
            self._send_in_scope(to, name, arrays)
            return self._recv_in_scope(source, name, shapes)

    def _recv_in_scope(
        self, index: int, name: str, shapes: Sequence[tuple[int, ...]]
    ) -> list[np.ndarray]:
        """Ring arrays of ``shapes`` from party ``index``, or ``ProtocolError``."""
        peer = self._party(index)
        return unpack(peer, self.engine.ctx.recv(peer, name), shapes)

    def _reshare(
        self, terms: Sequence[np.ndarray], kind: Kind, frac_bits: Sequence[int]
    ) -> list[Share]:
        """Turn 3-out-of-3 shares ``terms`` into replicated shares: one round."""
        g = self._g
        shapes = [term.shape for term in terms]
        masked = g.zeros(shapes, kind)
        for z, term in zip(masked, terms, strict=True):
            if kind is Kind.BOOLEAN:
                np.bitwise_xor(z, term, out=z)
            else:
                np.add(z, term, out=z)
        received = self._swap(g.index - 1, g.index + 1, "reshare", masked, shapes)
        self.engine.count_round()
        return [
            self._share((z, other), kind, f)
            for z, other, f in zip(masked, received, frac_bits, strict=True)
        ]

    # -- making and opening shares ---------------------------------------------------------------

    def input(
        self,
        owner: str,
        words: np.ndarray | None,
        shape: tuple[int, ...],
        kind: Kind,
        frac_bits: int,
    ) -> Share:
        g = self._g
        if owner not in self.engine.parties:
            raise ConfigError(f"{owner!r} is not a data party of this engine")
        o = self.engine.parties.index(owner)
        last = (o + 2) % PARTIES  # the component the owner sends
        if g.index == o:
            if words is None or words.shape != shape or words.dtype != RING_DTYPE:
                raise ConfigError(f"the owner must give ring words of shape {shape}")
            first, second = g.words(o, shape), g.words(o + 1, shape)
            if kind is Kind.BOOLEAN:
                third = words ^ first
                third ^= second
            else:
                third = words - first
                third -= second
            self._send(o + 1, "input_share", [third])
            self._send(o + 2, "input_share", [third])
            return self._share((first, second), kind, frac_bits)
        if words is not None:
            raise ConfigError(f"only {owner!r} gives the words it inputs")
        (third,) = self._recv(o, "input_share", [shape])
        if g.index == last:  # holds (x_{o+2}, x_o)
            return self._share((third, g.words(o, shape)), kind, frac_bits)
        return self._share((g.words(o + 1, shape), third), kind, frac_bits)

    def zeros(
        self, shape: tuple[int, ...], kind: Kind = Kind.ARITHMETIC, frac_bits: int = 0
    ) -> Share:
        zero = np.zeros(shape, dtype=RING_DTYPE)
        return self._share((zero, zero.copy()), kind, frac_bits)

    def add_public(self, x: Share, words: np.ndarray) -> Share:
        """Add (or XOR) ``words`` to component 0, held by ``P_0`` (first) and ``P_2`` (second)."""
        check_engine(self.engine, x)
        if words.dtype != RING_DTYPE:
            raise ConfigError(f"public ring words must be uint64, got {words.dtype}")
        shape = broadcast_shape(x.shape, words.shape)
        parts = [np.array(np.broadcast_to(p, shape)) if p.shape != shape else p for p in x.parts]
        slot = {0: 0, 2: 1}.get(self._index)
        if slot is not None:
            part = x.parts[slot]
            parts[slot] = part ^ words if x.kind is Kind.BOOLEAN else part + words
        return x.with_parts(parts, shape=shape)

    def open_to(self, xs: Sequence[Share], to: Collection[str]) -> list[np.ndarray | None]:
        engine = self.engine
        check_engine(engine, *xs)
        unknown = [p for p in to if p not in engine.ctx.parties]
        if unknown:
            raise ConfigError(f"cannot open to {unknown}: not parties of this job")
        i = self._index
        took_part = False
        if self._party(i - 1) in to:  # the previous party misses our second component
            self._send(i - 1, "open", [x.parts[1] for x in xs])
            took_part = True
        opened: list[np.ndarray | None] = [None] * len(xs)
        if engine.ctx.party in to:
            missing = self._recv(i + 1, "open", [x.shape for x in xs])
            for k, (x, m) in enumerate(zip(xs, missing, strict=True)):
                a, b = x.parts
                opened[k] = a ^ b ^ m if x.kind is Kind.BOOLEAN else a + b + m
            took_part = True
        if took_part:
            engine.count_round()
        return opened

    # -- nonlinear operations, one round per call --------------------------------------------

    def mul_many(self, pairs: Sequence[tuple[Share, Share]]) -> list[Share]:
        _check_pairs(self.engine, pairs, Kind.ARITHMETIC)
        if not pairs:
            return []
        terms = [self._local_products(x, y, np.multiply, np.add) for x, y in pairs]
        return self._reshare(terms, Kind.ARITHMETIC, [x.frac_bits + y.frac_bits for x, y in pairs])

    def and_many(self, pairs: Sequence[tuple[Share, Share]]) -> list[Share]:
        _check_pairs(self.engine, pairs, Kind.BOOLEAN)
        if not pairs:
            return []
        terms = [self._local_products(x, y, np.bitwise_and, np.bitwise_xor) for x, y in pairs]
        return self._reshare(terms, Kind.BOOLEAN, [0] * len(pairs))

    def fused_round(self, request: RoundRequest) -> RoundResult:
        """The resharing of ANDs and products (one message to the previous party) and the
        openings (one to the previous party) are sent first, the truncations run their rounds,
        and the resharing and openings are received last: they share the truncations' rounds.
        """
        check_engine(self.engine, *request.opens)
        _check_pairs(self.engine, request.ands, Kind.BOOLEAN)
        _check_pairs(self.engine, request.muls, Kind.ARITHMETIC)
        _check_pairs(self.engine, request.mul_truncs, Kind.ARITHMETIC)
        pair = request.exact_truncation or self.truncation is Truncation.PAIR
        amounts = truncation_amounts(request.mul_trunc_bits, len(request.mul_truncs))
        extra = self.truncation_amounts(request.truncs, list(request.trunc_bits))
        if request.mul_truncs and not (pair and all(amounts + extra)):
            return self.products_first(request)
        g = self._g
        arithmetic = [self._local_products(x, y, np.multiply, np.add) for x, y in request.muls]
        boolean = [
            self._local_products(x, y, np.bitwise_and, np.bitwise_xor) for x, y in request.ands
        ]
        # Zero shares of both kinds in one draw per stream (the order each stream had drawn
        # them in one kind at a time).
        kinds = [Kind.ARITHMETIC] * len(arithmetic) + [Kind.BOOLEAN] * len(boolean)
        terms = arithmetic + boolean
        masked = g.zeros([t.shape for t in terms], kinds)
        for z, term, kind in zip(masked, terms, kinds, strict=True):
            (np.bitwise_xor if kind is Kind.BOOLEAN else np.add)(z, term, out=z)
        # The previous party misses our second component of each opened share.
        sent = masked + [x.parts[1] for x in request.opens]
        if sent:
            self._send(g.index - 1, "fused", sent)
        before = self.engine.rounds
        truncate = self.trunc_exact_many if request.exact_truncation else self.trunc_many
        products: list[Share] = []
        if request.mul_truncs:  # with the truncations, without resharing first (mul_trunc_many)
            count = len(request.mul_truncs)
            terms = [self._local_products(x, y, np.multiply, np.add) for x, y in request.mul_truncs]
            fracs = [
                max(x.frac_bits + y.frac_bits - bits, 0)
                for (x, y), bits in zip(request.mul_truncs, amounts, strict=True)
            ]
            shapes = [np.shape(t) for t in terms]
            done = self._fused(terms, shapes, fracs, amounts, request.truncs, extra)
            products, truncs = done[:count], done[count:]
        else:
            truncs = truncate(request.truncs, extra) if request.truncs else []
        if not sent:
            return RoundResult(mul_truncs=products, truncs=truncs)
        received = self._recv(g.index + 1, "fused", [z.shape for z in sent])
        if self.engine.rounds == before:
            self.engine.count_round()
        shares = [
            self._share((z, other))
            for z, other in zip(masked, received[: len(masked)], strict=True)
        ]
        count = len(arithmetic)
        muls = [
            z.with_parts(z.parts, frac_bits=x.frac_bits + y.frac_bits)
            for z, (x, y) in zip(shares[:count], request.muls, strict=True)
        ]
        ands = [z.with_parts(z.parts, kind=Kind.BOOLEAN) for z in shares[count:]]
        opens = []
        for x, missing in zip(request.opens, received[len(masked) :], strict=True):
            a, b = x.parts
            opens.append(a ^ b ^ missing if x.kind is Kind.BOOLEAN else a + b + missing)
        return RoundResult(ands=ands, muls=muls, mul_truncs=products, truncs=truncs, opens=opens)

    def _local_products(self, x: Share, y: Share, mul: np.ufunc, add: np.ufunc) -> np.ndarray:
        """This party's 3-out-of-3 share of ``x * y`` (five products over the three parties)."""
        (a, b), (c, d) = x.parts, y.parts
        if self._index == 0:  # (x_0 + x_1)(y_0 + y_1)
            term: np.ndarray = mul(add(a, b), add(c, d))
            return term
        # P_1: x_1 y_2 + x_2 (y_1 + y_2);  P_2: x_2 y_0 + x_0 y_2
        term = np.asarray(mul(a, d))  # an array even for 0-d shares, to add into in place
        add(term, mul(b, add(c, d) if self._index == 1 else c), out=term)
        return term

    def matmul(self, x: Share, y: Share) -> Share:
        check_engine(self.engine, x, y)
        if x.kind is not Kind.ARITHMETIC or y.kind is not Kind.ARITHMETIC:
            raise ConfigError("matmul takes arithmetic shares")
        term = self._matmul_term(x, y)
        return self._reshare([term], Kind.ARITHMETIC, [x.frac_bits + y.frac_bits])[0]

    def _matmul_term(self, x: Share, y: Share) -> np.ndarray:
        """This party's 3-out-of-3 share of ``x @ y``: the split of the elementwise products."""
        check_engine(self.engine, x, y)
        if x.kind is not Kind.ARITHMETIC or y.kind is not Kind.ARITHMETIC:
            raise ConfigError("matmul takes arithmetic shares")
        matmul_shape(x.shape, y.shape)
        (a, b), (c, d) = x.parts, y.parts
        if self._index == 0:
            return ring_matmul(a + b, c + d)
        return ring_matmul_sum([(a, d), (b, c + d if self._index == 1 else c)])

    # -- truncation ------------------------------------------------------------------------------

    def trunc_many(self, xs: Sequence[Share], bits: int | Sequence[int]) -> list[Share]:
        return self._trunc(xs, bits, pair=self.truncation is Truncation.PAIR)

    def trunc_exact_many(self, xs: Sequence[Share], bits: int | Sequence[int]) -> list[Share]:
        return self._trunc(xs, bits, pair=True)

    def _trunc(self, xs: Sequence[Share], bits: int | Sequence[int], *, pair: bool) -> list[Share]:
        amounts = self.truncation_amounts(xs, bits)
        out = list(xs)
        todo = [k for k, amount in enumerate(amounts) if amount]
        if not todo:
            return out
        # Work on flat views: numpy turns 0-d results into scalars, which in-place updates miss.
        flat = [xs[k].reshape(-1) for k in todo]
        chosen = [amounts[k] for k in todo]
        done = self._trunc_pair(flat, chosen) if pair else self._trunc_local(flat, chosen)
        for k, z in zip(todo, done, strict=True):
            out[k] = z.reshape(xs[k].shape)
        return out

    def _trunc_local(self, xs: Sequence[Share], amounts: Sequence[int]) -> list[Share]:
        """ABY3 share truncation: local shifts of ``(x_0 + x_1, x_2)``, one message to P_2."""
        g = self._g
        i = g.index
        fracs = [max(x.frac_bits - bits, 0) for x, bits in zip(xs, amounts, strict=True)]
        if i == 0:
            parts = []
            for x, bits in zip(xs, amounts, strict=True):
                shifted = ((x.parts[0] + x.parts[1]).view(np.int64) >> bits).view(RING_DTYPE)
                s = g.words(1, x.shape)
                shifted -= s
                parts.append((shifted, s))
            self._send(2, "trunc", [p[0] for p in parts])
            self.engine.count_round()
        else:
            tops = [
                _ceil_shift(x.parts[1 if i == 1 else 0], bits)
                for x, bits in zip(xs, amounts, strict=True)
            ]
            if i == 1:
                parts = [(g.words(1, x.shape), top) for x, top in zip(xs, tops, strict=True)]
            else:
                received = self._recv(0, "trunc", [x.shape for x in xs])
                parts = list(zip(tops, received, strict=True))
                self.engine.count_round()
        return [x.with_parts(p, frac_bits=f) for x, p, f in zip(xs, parts, fracs, strict=True)]

    def _trunc_pair(self, xs: Sequence[Share], amounts: Sequence[int]) -> list[Share]:
        """Escudero et al.'s truncation of flat shares with ``P_2`` dealing the pair."""
        i = self._index
        own: list[np.ndarray | None] = [
            (x.parts[0] + x.parts[1]) if i == 0 else (x.parts[1] if i == 1 else None) for x in xs
        ]
        fracs = [max(x.frac_bits - bits, 0) for x, bits in zip(xs, amounts, strict=True)]
        return self._truncate_terms(own, [False] * len(xs), [x.shape for x in xs], amounts, fracs)

    def _truncate_terms(
        self,
        own: Sequence[np.ndarray | None],
        products: Sequence[bool],
        shapes: Sequence[tuple[int, ...]],
        amounts: Sequence[int],
        fracs: Sequence[int],
    ) -> list[Share]:
        """Replicated shares of ``v_k / 2^amounts[k]`` for values given by flat additive terms.

        For a plain share ``own[k]`` is ``x_0 + x_1`` on P_0, ``x_2`` on P_1 and ``None`` on
        P_2; for a product (``products[k]``) it is each party's masked 3-out-of-3 term
        ``t_i + alpha_i``, and P_2 sends its own to P_0 and P_1 in round 1 (uniform to each:
        masked by a stream it lacks), so a product is truncated without being reshared first.
        Two rounds (see the module docstring).
        """
        g = self._g
        i = g.index
        ctx = self.engine.ctx
        product_shapes = [s for s, p in zip(shapes, products, strict=True) if p]
        triple = [s for s in shapes for _ in range(3)]
        with ctx.scope("mpc"):
            if i == 2:
                drawn = g.words_many(0, triple)  # in the order P_0 draws them from G_0
                deal: list[np.ndarray] = []
                for k, (rho1, bits) in enumerate(
                    zip(g.words_many(2, shapes), amounts, strict=True)  # as P_1 from G_2
                ):
                    r, msb, low = drawn[3 * k : 3 * k + 3]
                    r += rho1
                    deal.append((r >> _TOP) - msb)
                    deal.append(((r & _LOW) >> np.uint64(bits)) - low)
                terms = [t for t, p in zip(own, products, strict=True) if p and t is not None]
                if len(terms) != len(product_shapes):
                    raise ConfigError("P_2 must give its term of every product it truncates")
                if terms:
                    self._send_in_scope(0, "trunc_term", terms)
                self._send_in_scope(1, "trunc_deal", [*terms, *deal])
                first = g.words_many(0, shapes)
                received = self._recv_in_scope(1, "trunc_reshare", shapes)
                self.engine.count_round()
                self.engine.count_round()
                return [
                    Share(self.engine, (y2, y0), shape, Kind.ARITHMETIC, f)
                    for y2, y0, shape, f in zip(received, first, shapes, fracs, strict=True)
                ]
            # P_0 and P_1: open c = v + 2^62 + r to each other, then share the result three ways.
            masked = []
            if i == 0:
                drawn = g.words_many(0, triple)
                for k, term in enumerate(own):
                    if term is None:
                        raise ConfigError("P_0 must give its term of every truncation")
                    u = term + drawn[3 * k]
                    u += _OFFSET
                    masked.append(u)
                self._send_in_scope(1, "trunc_open", masked)
                others = self._recv_in_scope(1, "trunc_open", shapes)
                extra = (
                    self._recv_in_scope(2, "trunc_term", product_shapes) if product_shapes else []
                )
                shares = [(drawn[3 * k + 1], drawn[3 * k + 2]) for k in range(len(shapes))]
            else:
                for term, rho1 in zip(own, g.words_many(2, shapes), strict=True):
                    if term is None:
                        raise ConfigError("P_1 must give its term of every truncation")
                    rho1 += term
                    masked.append(rho1)
                self._send_in_scope(0, "trunc_open", masked)
                others = self._recv_in_scope(0, "trunc_open", shapes)
                pair_shapes = [s for s in shapes for _ in range(2)]
                dealt = self._recv_in_scope(2, "trunc_deal", [*product_shapes, *pair_shapes])
                extra, dealt = dealt[: len(product_shapes)], dealt[len(product_shapes) :]
                shares = list(zip(dealt[::2], dealt[1::2], strict=True))
            self.engine.count_round()
            terms_of_p2 = iter(extra)
            results = []
            for u, v, (mu, low), bits, product in zip(
                masked, others, shares, amounts, products, strict=True
            ):
                c = u + v
                if product:
                    c += next(terms_of_p2)
                results.append(pair_truncation_share(c, mu, low, bits, first=i == 0))
            if i == 0:
                parts = []
                for z, y0, s in zip(
                    results, g.words_many(0, shapes), g.words_many(1, shapes), strict=True
                ):
                    z -= y0
                    z -= s
                    parts.append((y0, z))
                self._send_in_scope(1, "trunc_reshare", [p[1] for p in parts])
            else:
                for z, s in zip(results, g.words_many(1, shapes), strict=True):
                    z += s
                self._send_in_scope(2, "trunc_reshare", results)
                received = self._recv_in_scope(0, "trunc_reshare", shapes)
                parts = list(zip(received, results, strict=True))
        self.engine.count_round()
        return [
            Share(self.engine, p, shape, Kind.ARITHMETIC, f)
            for p, shape, f in zip(parts, shapes, fracs, strict=True)
        ]

    # -- products and truncation in one go (two rounds instead of three) ----------------------

    def mul_trunc_many(
        self,
        pairs: Sequence[tuple[Share, Share]],
        bits: int | Sequence[int],
        also: Sequence[Share] = (),
        also_bits: int | Sequence[int] = 0,
    ) -> list[Share]:
        """Products truncated without resharing them first: two rounds, not three.

        The local products, masked by zero shares, are the 3-out-of-3 terms that the pair
        truncation opens (P_2 sends its term to P_0 and P_1 with the round-1 messages); the
        shares ``also`` are truncated in the same rounds.
        """
        _check_pairs(self.engine, pairs, Kind.ARITHMETIC)
        amounts = truncation_amounts(bits, len(pairs))
        extra = self.truncation_amounts(also, also_bits)
        if self.truncation is Truncation.LOCAL or not pairs or not all(amounts + extra):
            return super().mul_trunc_many(pairs, amounts, also, extra)
        terms = [self._local_products(x, y, np.multiply, np.add) for x, y in pairs]
        shapes = [np.shape(t) for t in terms]
        fracs = [
            max(x.frac_bits + y.frac_bits - bits, 0)
            for (x, y), bits in zip(pairs, amounts, strict=True)
        ]
        return self._fused(terms, shapes, fracs, amounts, also, extra)

    def matmul_trunc(self, x: Share, y: Share, bits: int) -> Share:
        """``x @ y`` truncated without resharing it first: two rounds (see ``mul_trunc_many``)."""
        (amount,) = truncation_amounts(bits, 1)
        if self.truncation is Truncation.LOCAL or not amount:
            return super().matmul_trunc(x, y, amount)
        term = self._matmul_term(x, y)
        fracs = [max(x.frac_bits + y.frac_bits - amount, 0)]
        return self._fused([term], [np.shape(term)], fracs, [amount], (), [])[0]

    def _fused(
        self,
        terms: Sequence[np.ndarray],
        shapes: Sequence[tuple[int, ...]],
        fracs: Sequence[int],
        amounts: Sequence[int],
        also: Sequence[Share],
        extra: Sequence[int],
    ) -> list[Share]:
        """Mask the local product ``terms`` with zero shares and truncate them with ``also``."""
        i = self._index
        flat = [(math.prod(shape),) for shape in shapes]
        masked: list[np.ndarray | None] = []
        for term, alpha in zip(terms, self._g.zeros(flat), strict=True):
            np.add(alpha, np.reshape(term, alpha.shape), out=alpha)
            masked.append(alpha)
        plain = [x.reshape(-1) for x in also]
        own = masked + [
            (x.parts[0] + x.parts[1]) if i == 0 else (x.parts[1] if i == 1 else None) for x in plain
        ]
        products = [True] * len(terms) + [False] * len(plain)
        done = self._truncate_terms(
            own,
            products,
            flat + [x.shape for x in plain],
            [*amounts, *extra],
            [*fracs, *(max(x.frac_bits - bits, 0) for x, bits in zip(also, extra, strict=True))],
        )
        out_shapes = [*shapes, *(x.shape for x in also)]
        return [z.reshape(shape) for z, shape in zip(done, out_shapes, strict=True)]

    # -- what comparisons and conversions build on ---------------------------------------------

    def random_bits(self, shape: tuple[int, ...]) -> tuple[Share, Share]:
        """Bits ``b_0 XOR b_1 XOR b_2`` from the three streams, injected into arithmetic."""
        g = self._g
        i = g.index
        own, following = g.bits(i, shape), g.bits(i + 1, shape)
        boolean = self._share((own, following), Kind.BOOLEAN)
        known = own ^ following if i == 0 else (following if i == 1 else own)
        return self._inject(known), boolean

    def bit_to_arithmetic(self, bits: Share) -> Share:
        """Arithmetic 0/1 shares of bit 0 of boolean words: one round (bit injection)."""
        check_engine(self.engine, bits)
        if bits.kind is not Kind.BOOLEAN:
            raise ConfigError("bit_to_arithmetic takes boolean shares")
        a, b = bits.parts
        i = self._index
        known = (a ^ b) if i == 0 else (b if i == 1 else a)
        return self._inject(known & _ONE)

    def _inject(self, known: np.ndarray) -> Share:
        """Arithmetic shares of ``e XOR c``: ``known`` is ``e`` on P_0, ``c`` on P_1 and P_2.

        Both are 0/1 words. Two three-party OTs in one round (see the module docstring).
        """
        g = self._g
        i = g.index
        shape = tuple(np.shape(known))
        e = np.asarray(known).reshape(-1)  # flat: numpy scalars would warn on wrap-around
        flat = e.shape
        if i == 0:
            r0, w0, w1 = (g.words(0, flat) for _ in range(3))
            r1, v0, v1 = (g.words(1, flat) for _ in range(3))
            m0 = e - r0
            m0 -= r1
            m1 = m0 + (_ONE - (e << _ONE))  # (1 - e) - r0 - r1
            self._send(1, "inject", [m0 + w0, m1 + w1])
            self._send(2, "inject", [m0 + v0, m1 + v1])
            self.engine.count_round()
            return self._share((r0.reshape(shape), r1.reshape(shape)))
        helper = 3 - i  # P_2 helps P_1 with pads from G_0; P_1 helps P_2 with pads from G_1
        pad_stream = 0 if i == 2 else 1
        r, p0, p1 = (g.words(pad_stream, flat) for _ in range(3))
        choice = e.astype(bool)
        self._send(helper, "inject_pad", [np.where(choice, p1, p0)])
        candidate0, candidate1 = self._recv(0, "inject", [flat, flat])
        (pad,) = self._recv(helper, "inject_pad", [flat])
        mine = np.where(choice, candidate1, candidate0)
        mine -= pad
        self.engine.count_round()
        r, mine = r.reshape(shape), mine.reshape(shape)
        return self._share((r, mine) if i == 1 else (mine, r))

    def components_as_boolean(self, x: Share) -> list[Share]:
        check_engine(self.engine, x)
        if x.kind is not Kind.ARITHMETIC:
            raise ConfigError("components_as_boolean takes an arithmetic share")
        i = self._index
        out = []
        for k in range(PARTIES):
            parts = tuple(
                part if (i + slot) % PARTIES == k else np.zeros(x.shape, dtype=RING_DTYPE)
                for slot, part in enumerate(x.parts)
            )
            out.append(x.with_parts(parts, kind=Kind.BOOLEAN, frac_bits=0))
        return out


def _ceil_shift(part: np.ndarray, bits: int) -> np.ndarray:
    """``-((-part) >> bits)`` on signed words: SecureML's shift for the second share."""
    shifted: np.ndarray = (-((-part.view(np.int64)) >> bits)).view(RING_DTYPE)
    return shifted


def _check_pairs(engine: MPC, pairs: Sequence[tuple[Share, Share]], kind: Kind) -> None:
    """``ConfigError`` unless every pair is two ``kind`` shares of ``engine`` that broadcast."""
    for x, y in pairs:
        check_engine(engine, x, y)
        if x.kind is not kind or y.kind is not kind:
            raise ConfigError(f"this operation takes {kind.value} shares")
        broadcast_shape(x.shape, y.shape)
