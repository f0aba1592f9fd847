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
``c_i + [d | a_i] @ [b_i (+ e on P_0) ; e]`` as one exact ring matmul (:mod:`confide.mpc.ring`)
over the doubled inner dimension. Bytes per party: 8 (|x| + |y|) per other data party.

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
from confide.mpc.protocol import Protocol
from confide.mpc.ring import ring_matmul
from confide.mpc.share import Kind, Share, broadcast_shape, check_engine
from confide.mpc.streams import draw_words
from confide.params import SEED_BYTES
from confide.runtime.disclosure import Disclosure

if TYPE_CHECKING:
    from confide.mpc.engine import MPC

__all__ = ["DISCLOSURE", "Semi2k", "Truncation"]

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

    @property
    def _first(self) -> bool:
        return self.engine.ctx.party == self.engine.parties[0]

    def _share(self, part: np.ndarray, kind: Kind = Kind.ARITHMETIC, frac_bits: int = 0) -> Share:
        return Share(self.engine, (part,), part.shape, kind, frac_bits)

    def _exchange(
        self, arrays: Sequence[np.ndarray], kinds: Sequence[Kind], to: Collection[str]
    ) -> list[np.ndarray] | None:
        """Open this party's share arrays (or nothing, on a helper) to ``to``: one round."""
        engine = self.engine
        ctx = engine.ctx
        me = ctx.party
        with ctx.scope("mpc"):
            if engine.holds_shares:
                payload = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
                for peer in ctx.parties:
                    if peer != me and peer in to:
                        ctx.send(peer, "open", payload)
            if engine.holds_shares or me in to:
                engine.count_round()
            if me not in to:
                return None
            totals: list[np.ndarray] | None = (
                [np.asarray(a) for a in arrays] if engine.holds_shares else None
            )
            for peer in engine.parties:
                if peer == me:
                    continue
                got = ctx.recv(peer, "open")
                _check_opened(peer, got, arrays)
                if totals is None:
                    totals = [g.reshape(a.shape) for g, a in zip(got, arrays, strict=True)]
                    continue
                totals = [
                    t ^ g.reshape(t.shape) if k is Kind.BOOLEAN else t + g.reshape(t.shape)
                    for t, g, k in zip(totals, got, kinds, strict=True)
                ]
        return totals

    def _deal(self, requests: Sequence[Correlation]) -> list[tuple[np.ndarray, ...]]:
        provider = self.engine.provider
        if provider is None:
            raise ConfigError("semi2k needs a provider of correlated randomness")
        return provider.deal(requests)

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
        shapes = _check_pairs(self.engine, pairs, Kind.ARITHMETIC)
        if not pairs:
            return []
        dealt = self._deal([BeaverTriple(x.shape, y.shape) for x, y in pairs])
        if not self.engine.holds_shares:
            return [
                self.hollow(shape, Kind.ARITHMETIC, x.frac_bits + y.frac_bits)
                for shape, (x, y) in zip(shapes, pairs, strict=True)
            ]
        masked = [m for (x, y), (a, b, _) in zip(pairs, dealt, strict=True)
                  for m in (x.parts[0] - a, y.parts[0] - b)]  # fmt: skip
        opened = self._exchange(masked, [Kind.ARITHMETIC] * len(masked), self.engine.parties)
        if opened is None:
            raise ConfigError("a share holder must receive its own openings")
        out = []
        for k, ((x, y), (a, b, c)) in enumerate(zip(pairs, dealt, strict=True)):
            d, e = opened[2 * k], opened[2 * k + 1]
            z = d * (b + e) if self._first else d * b  # a fresh array: update it in place
            z += a * e
            z += c
            out.append(self._share(z, Kind.ARITHMETIC, x.frac_bits + y.frac_bits))
        return out

    def and_many(self, pairs: Sequence[tuple[Share, Share]]) -> list[Share]:
        shapes = _check_pairs(self.engine, pairs, Kind.BOOLEAN)
        if not pairs:
            return []
        dealt = self._deal([AndTriple(x.shape, y.shape) for x, y in pairs])
        if not self.engine.holds_shares:
            return [self.hollow(shape, Kind.BOOLEAN) for shape in shapes]
        masked = [m for (x, y), (a, b, _) in zip(pairs, dealt, strict=True)
                  for m in (x.parts[0] ^ a, y.parts[0] ^ b)]  # fmt: skip
        opened = self._exchange(masked, [Kind.BOOLEAN] * len(masked), self.engine.parties)
        if opened is None:
            raise ConfigError("a share holder must receive its own openings")
        out = []
        for k, (a, b, c) in enumerate(dealt):
            d, e = opened[2 * k], opened[2 * k + 1]
            z = c ^ (d & (b ^ e)) ^ (a & e) if self._first else c ^ (d & b) ^ (a & e)
            out.append(self._share(z, Kind.BOOLEAN))
        return out

    def matmul(self, x: Share, y: Share) -> Share:
        check_engine(self.engine, x, y)
        if x.kind is not Kind.ARITHMETIC or y.kind is not Kind.ARITHMETIC:
            raise ConfigError("matmul takes arithmetic shares")
        shape = matmul_shape(x.shape, y.shape)
        dealt = self._deal([MatrixTriple(x.shape, y.shape)])
        frac_bits = x.frac_bits + y.frac_bits
        if not self.engine.holds_shares:
            return self.hollow(shape, Kind.ARITHMETIC, frac_bits)
        a, b, c = dealt[0]
        opened = self._exchange(
            [x.parts[0] - a, y.parts[0] - b], [Kind.ARITHMETIC] * 2, self.engine.parties
        )
        if opened is None:
            raise ConfigError("a share holder must receive its own openings")
        d, e = opened
        right = b + e if self._first else b
        # c_i + d @ b_i + a_i @ e as one product over the doubled inner dimension.
        z = c + ring_matmul(np.concatenate((d, a), axis=-1), np.concatenate((right, e), axis=0))
        return self._share(z.reshape(shape), Kind.ARITHMETIC, frac_bits)

    def trunc_many(self, xs: Sequence[Share], bits: int) -> list[Share]:
        check_engine(self.engine, *xs)
        if isinstance(bits, bool) or not isinstance(bits, int) or not 0 <= bits < RING_BITS - 1:
            raise ConfigError(f"truncation bits must be an int in [0, {RING_BITS - 2}]")
        for x in xs:
            if x.kind is not Kind.ARITHMETIC:
                raise ConfigError("only arithmetic shares can be truncated")
        if bits == 0 or not xs:
            return list(xs)
        if self.truncation is Truncation.LOCAL:
            return [self._trunc_local(x, bits) for x in xs]
        return self._trunc_pair(xs, bits)

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

    def _trunc_pair(self, xs: Sequence[Share], bits: int) -> list[Share]:
        dealt = self._deal([TruncationPair(x.shape, bits) for x in xs])
        if not self.engine.holds_shares:
            return [x.with_parts([], frac_bits=max(x.frac_bits - bits, 0)) for x in xs]
        masked = []
        for x, (r, _, _) in zip(xs, dealt, strict=True):
            masked.append(x.parts[0] + r + _OFFSET if self._first else x.parts[0] + r)
        opened = self._exchange(masked, [Kind.ARITHMETIC] * len(xs), self.engine.parties)
        if opened is None:
            raise ConfigError("a share holder must receive its own openings")
        shift = np.uint64(bits)
        out = []
        for x, c, (_, r_msb, r_shifted) in zip(xs, opened, dealt, strict=True):
            c_msb = c >> _TOP
            # w = msb(c) XOR msb(r) = c_msb + r_msb (1 - 2 c_msb), linear in r_msb's shares;
            # z = w 2^(63 - f) - (r mod 2^63) >> f, built in place in one fresh array.
            z = np.uint64(1) - (c_msb << np.uint64(1))
            z *= r_msb
            if self._first:
                z += c_msb
            z <<= np.uint64(RING_BITS - 1 - bits)
            z -= r_shifted
            if self._first:
                low = c & _LOW
                low >>= shift
                z += low
                z -= _OFFSET >> shift
            out.append(x.with_parts([z], frac_bits=max(x.frac_bits - bits, 0)))
        return out

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


def _check_opened(peer: str, got: object, arrays: Sequence[np.ndarray]) -> None:
    """``ProtocolError`` unless ``got`` is one flat uint64 array per expected array."""
    if not isinstance(got, list) or len(got) != len(arrays):
        raise ProtocolError(f"{peer!r} sent {type(got).__name__} instead of {len(arrays)} arrays")
    for value, expected in zip(got, arrays, strict=True):
        if (
            not isinstance(value, np.ndarray)
            or value.dtype != RING_DTYPE
            or value.shape != (expected.size,)
        ):
            raise ProtocolError(f"{peer!r} sent an opening that is not {expected.size} ring words")
