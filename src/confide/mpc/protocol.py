"""The interface every MPC protocol implements, and the few functions written once over it.

A protocol says how shares are made, opened and multiplied; it does not know about fixed-point
scales beyond carrying ``frac_bits`` (the engine, :mod:`confide.mpc.engine`, decides when to
truncate), and it gets correlated randomness from a provider if it needs one. ``semi2k``
(:mod:`confide.mpc.semi2k`) implements it; ``aby3`` will, and the comparison and fixed-point
function layers are written against it alone, so they run on either.

What an implementation provides (every method takes and returns :class:`Share` objects of its
engine; every nonlinear method is batched and takes one communication round per call):

================================  ===========================================================
``check(engine)``                 refuse a bad set of parties or provider (``ConfigError``),
                                  before any message, identically on every party
``setup()``                       exchange seeds once
``input(owner, words, ...)``      shares of the owner's ring words (others pass ``None``)
``zeros(shape, ...)``             a sharing of zeros (no messages)
``add_public(x, words)``          add public ring words (arithmetic) or XOR them (boolean)
``open_to(xs, to)``               open many shares to the parties ``to``, one round
``mul_many(pairs)``               elementwise ring products (broadcasting), one round
``and_many(pairs)``               elementwise ANDs of boolean words, one round
``matmul(x, y)``                  ring matrix product (1-D or 2-D), one round
``trunc_many(xs, bits)``          divide by ``2^bits``, one amount or one per share, one batch
``mul_trunc_many``, ``matmul_trunc``  products then truncation (written once; fused by aby3)
``fused_round(request)``          ANDs, products, truncations and openings that do not depend
                                  on each other, in as few rounds as the protocol can
                                  (written once as one call each; semi2k and aby3 share the
                                  round); :mod:`confide.mpc.lockstep` builds on it
``random_bits(shape)``            random bits, both as arithmetic 0/1 and as boolean bit 0
``components_as_boolean(x)``      boolean sharings whose ring sum is ``x`` (for A2B circuits)
================================  ===========================================================

Local operations that are the same for every linear sharing (``+``, ``-``, ``^`` of shares,
multiplying or ANDing by public words, shifts, reshapes, sums) live on :class:`Share` itself
(``zip_with``, ``local_mul``, ``map``).

A party that holds no shares (the dealer) runs the same calls with hollow shares (shape only):
implementations return hollow results of the right shape there, and :meth:`Protocol.open`
hands it zero placeholders of the right shape, so code written over this interface needs no
branch for it. Its control flow must depend only on shapes and public parameters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from confide.errors import ConfigError
from confide.mpc.encoding import RING_BITS, RING_DTYPE
from confide.mpc.share import Kind, Share, check_engine
from confide.runtime.disclosure import Disclosure

if TYPE_CHECKING:
    from confide.mpc.engine import MPC

__all__ = ["Protocol", "RoundRequest", "RoundResult", "truncation_amounts"]

_ONE = np.uint64(1)


def truncation_amounts(bits: int | Sequence[int], count: int) -> list[int]:
    """``count`` truncation amounts from one amount for all or one each; ``ConfigError`` unless
    each is an int in ``[0, RING_BITS - 2]``."""
    amounts = [bits] * count if isinstance(bits, int | np.integer) else list(bits)
    if len(amounts) != count:
        raise ConfigError(f"{len(amounts)} truncation amounts for {count} values")
    for amount in amounts:
        if (
            isinstance(amount, bool)
            or not isinstance(amount, int | np.integer)
            or not 0 <= amount < RING_BITS - 1
        ):
            raise ConfigError(f"truncation bits must be ints in [0, {RING_BITS - 2}]")
    return [int(amount) for amount in amounts]


@dataclass(frozen=True)
class RoundRequest:
    """Independent operations to run in one communication round where the protocol can.

    ``ands`` are pairs of boolean shares, ``muls`` pairs of arithmetic shares (ring products,
    ``frac_bits`` add up), ``mul_truncs`` pairs whose products are divided by
    ``2^mul_trunc_bits`` (one amount per pair; these take the rounds of a truncation where
    :attr:`Protocol.FUSES_MUL_TRUNC`, else a round of products first), ``truncs`` arithmetic
    shares divided by ``2^trunc_bits`` (one amount per share) and ``opens`` shares opened to
    every data party. With ``exact_truncation`` the truncations use the protocol's exact-range
    method (never a large error, whatever the magnitude below 2^62) even where the protocol
    truncates with local shifts by default.
    """

    ands: Sequence[tuple[Share, Share]] = ()
    muls: Sequence[tuple[Share, Share]] = ()
    mul_truncs: Sequence[tuple[Share, Share]] = ()
    mul_trunc_bits: Sequence[int] = ()
    truncs: Sequence[Share] = ()
    trunc_bits: Sequence[int] = ()
    opens: Sequence[Share] = ()
    exact_truncation: bool = False


@dataclass(frozen=True)
class RoundResult:
    """What a :class:`RoundRequest` gives, in its order (opened words: placeholders of the
    right shape on a party that holds no shares)."""

    ands: list[Share] = field(default_factory=list)
    muls: list[Share] = field(default_factory=list)
    mul_truncs: list[Share] = field(default_factory=list)
    truncs: list[Share] = field(default_factory=list)
    opens: list[np.ndarray] = field(default_factory=list)


class Protocol(ABC):
    """How shares are made, opened and multiplied (see the module docstring)."""

    #: The protocol's name, as in job specs and benchmarks.
    name: ClassVar[str]
    #: Who learns what because of this protocol (listed in job reports).
    DISCLOSURE: ClassVar[tuple[Disclosure, ...]] = ()
    #: Whether :meth:`random_bits` takes a communication round (the parties make the bits
    #: themselves) rather than none (a provider deals them): circuits then convert bits to
    #: arithmetic with :meth:`bit_to_arithmetic` alone, one round instead of two.
    RANDOM_BITS_TAKE_A_ROUND: ClassVar[bool] = False
    #: Whether products to truncate (``RoundRequest.mul_truncs``) take only the rounds of the
    #: truncation (aby3 truncates its local products without resharing them), rather than a
    #: round of products first: programs then ask for both in one request.
    FUSES_MUL_TRUNC: ClassVar[bool] = False

    def __init__(self) -> None:
        self._engine: MPC | None = None

    @property
    def engine(self) -> MPC:
        """The engine this protocol computes for (``ConfigError`` before it is bound)."""
        if self._engine is None:
            raise ConfigError(f"the {self.name} protocol is not bound to an engine yet")
        return self._engine

    @property
    def bound(self) -> bool:
        """Whether an engine uses this protocol object already."""
        return self._engine is not None

    def bind(self, engine: MPC) -> None:
        """Attach to ``engine`` and run :meth:`setup` (called once, by the engine)."""
        if self._engine is not None:
            raise ConfigError(f"this {self.name} protocol object already serves another engine")
        self._engine = engine
        self.setup()

    # -- lifecycle -------------------------------------------------------------------------------

    @abstractmethod
    def check(self, engine: MPC) -> None:
        """Refuse ``engine``'s parties or provider with ``ConfigError``, before any message."""

    @abstractmethod
    def setup(self) -> None:
        """Exchange whatever the protocol needs once (seeds)."""

    # -- making and opening shares ---------------------------------------------------------------

    @abstractmethod
    def input(
        self,
        owner: str,
        words: np.ndarray | None,
        shape: tuple[int, ...],
        kind: Kind,
        frac_bits: int,
    ) -> Share:
        """Share the ring words ``owner`` holds (``None`` on every other party)."""

    @abstractmethod
    def zeros(
        self, shape: tuple[int, ...], kind: Kind = Kind.ARITHMETIC, frac_bits: int = 0
    ) -> Share:
        """A sharing of zeros, without messages."""

    @abstractmethod
    def add_public(self, x: Share, words: np.ndarray) -> Share:
        """``x + words`` (arithmetic) or ``x ^ words`` (boolean) for public ring words."""

    @abstractmethod
    def open_to(self, xs: Sequence[Share], to: Collection[str]) -> list[np.ndarray | None]:
        """Open every share in ``xs`` to the parties ``to`` in one round.

        Returns the ring words on those parties and ``None`` on the others, which learn
        nothing about the values.
        """

    def open(self, xs: Sequence[Share]) -> list[np.ndarray]:
        """Open ``xs`` to every share holder in one round (placeholders on other parties)."""
        opened = self.open_to(xs, self.engine.parties)
        return [
            value if value is not None else np.broadcast_to(np.zeros((), RING_DTYPE), x.shape)
            for x, value in zip(xs, opened, strict=True)
        ]

    # -- nonlinear operations, one round per call --------------------------------------------

    @abstractmethod
    def mul_many(self, pairs: Sequence[tuple[Share, Share]]) -> list[Share]:
        """Elementwise ring products of arithmetic shares (``frac_bits`` add up), one round."""

    @abstractmethod
    def and_many(self, pairs: Sequence[tuple[Share, Share]]) -> list[Share]:
        """Elementwise ANDs of boolean shares, one round."""

    @abstractmethod
    def matmul(self, x: Share, y: Share) -> Share:
        """The ring matrix product ``x @ y`` of 1-D or 2-D arithmetic shares, one round."""

    @abstractmethod
    def trunc_many(self, xs: Sequence[Share], bits: int | Sequence[int]) -> list[Share]:
        """Divide each arithmetic share by ``2^bits`` (``frac_bits`` drop by ``bits``).

        ``bits`` is one amount for all, or one per share: truncations by different amounts
        share the round. Shares truncated by 0 come back unchanged.
        """

    # -- what comparisons and conversions build on ---------------------------------------------

    @abstractmethod
    def random_bits(self, shape: tuple[int, ...]) -> tuple[Share, Share]:
        """Uniform secret bits as (arithmetic 0/1 shares, boolean shares in bit 0)."""

    @abstractmethod
    def components_as_boolean(self, x: Share) -> list[Share]:
        """Boolean sharings ``c_k`` with ``x = sum_k c_k mod 2^64``, without messages.

        Each ``c_k`` is one party's share component, XOR-shared trivially; a boolean adder
        over them converts ``x`` to boolean shares (A2B).
        """

    # -- written once over the above --------------------------------------------------------------

    def mul(self, x: Share, y: Share) -> Share:
        """One elementwise ring product (see :meth:`mul_many`)."""
        return self.mul_many([(x, y)])[0]

    def and_(self, x: Share, y: Share) -> Share:
        """One elementwise AND (see :meth:`and_many`)."""
        return self.and_many([(x, y)])[0]

    def trunc(self, x: Share, bits: int) -> Share:
        """Divide one share by ``2^bits`` (see :meth:`trunc_many`)."""
        return self.trunc_many([x], bits)[0]

    def truncation_amounts(self, xs: Sequence[Share], bits: int | Sequence[int]) -> list[int]:
        """Check a :meth:`trunc_many` call; the amount for each share.

        ``ConfigError`` unless every share is an arithmetic share of this engine and every
        amount an int in ``[0, RING_BITS - 2]``, one for all or one per share.
        """
        check_engine(self.engine, *xs)
        amounts = truncation_amounts(bits, len(xs))
        for x in xs:
            if x.kind is not Kind.ARITHMETIC:
                raise ConfigError("only arithmetic shares can be truncated")
        return amounts

    def mul_trunc_many(
        self,
        pairs: Sequence[tuple[Share, Share]],
        bits: int | Sequence[int],
        also: Sequence[Share] = (),
        also_bits: int | Sequence[int] = 0,
    ) -> list[Share]:
        """The products of ``pairs`` divided by ``2^bits`` (one amount, or one per pair), then
        the shares ``also`` divided by ``2^also_bits``, truncated in one batch.

        By default :meth:`mul_many` then :meth:`trunc_many`; a protocol may fuse the two
        (aby3 truncates its local products without resharing them first: a round fewer).
        """
        products = self.mul_many(pairs)
        amounts = truncation_amounts(bits, len(pairs)) + truncation_amounts(also_bits, len(also))
        return self.trunc_many([*products, *also], amounts)

    def matmul_trunc(self, x: Share, y: Share, bits: int) -> Share:
        """``x @ y`` divided by ``2^bits`` (see :meth:`mul_trunc_many`)."""
        return self.trunc(self.matmul(x, y), bits)

    def trunc_exact_many(self, xs: Sequence[Share], bits: int | Sequence[int]) -> list[Share]:
        """:meth:`trunc_many` with a method that is never far off for values below 2^62 (the
        default: the protocol's own; semi2k and aby3 use their pair truncation here)."""
        return self.trunc_many(xs, bits)

    def fused_round(self, request: RoundRequest) -> RoundResult:
        """Run the independent operations of ``request`` (see :class:`RoundRequest`).

        By default one call per kind of operation, each its own round; a protocol overrides
        this to open everything in one round (semi2k) or to send ahead what it can (aby3).
        """
        if request.mul_truncs:
            return self.products_first(request)
        truncate = self.trunc_exact_many if request.exact_truncation else self.trunc_many
        return RoundResult(
            ands=self.and_many(request.ands) if request.ands else [],
            muls=self.mul_many(request.muls) if request.muls else [],
            truncs=truncate(request.truncs, list(request.trunc_bits)) if request.truncs else [],
            opens=self.open(request.opens) if request.opens else [],
        )

    def products_first(self, request: RoundRequest) -> RoundResult:
        """``request`` with its ``mul_truncs`` as products in its round, then their truncation
        in a round of its own (for protocols that cannot truncate products in one go)."""
        count = len(request.muls)
        first = self.fused_round(
            replace(request, muls=[*request.muls, *request.mul_truncs], mul_truncs=(),
                    mul_trunc_bits=())
        )  # fmt: skip
        truncate = self.trunc_exact_many if request.exact_truncation else self.trunc_many
        products = truncate(first.muls[count:], list(request.mul_trunc_bits))
        return replace(first, muls=first.muls[:count], mul_truncs=products)

    def hollow(
        self, shape: tuple[int, ...], kind: Kind = Kind.ARITHMETIC, frac_bits: int = 0
    ) -> Share:
        """A share with a shape and no data, as a party that holds no shares keeps."""
        return Share(self.engine, (), shape, kind, frac_bits)

    def bit_to_arithmetic(self, bits: Share) -> Share:
        """Arithmetic 0/1 shares of bit 0 of boolean words (bit injection), one round.

        With random bits ``r`` in both forms: open ``c = b XOR r`` (uniform, so it tells
        nothing), then ``b = c + r - 2 c r`` is linear in the arithmetic shares of ``r``.
        """
        check_engine(self.engine, bits)
        if bits.kind is not Kind.BOOLEAN:
            raise ConfigError("bit_to_arithmetic takes boolean shares")
        r_arith, r_bool = self.random_bits(bits.shape)
        masked = bits.local_mul(np.asarray(_ONE)).zip_with(r_bool, np.bitwise_xor)
        (opened,) = self.open([masked])
        c = opened & _ONE
        return self.add_public(r_arith.local_mul(_ONE - (c << _ONE)), c)
