"""The MPC engine: what algorithms use to compute on secret-shared fixed-point arrays.

Every party of the job runs the same code::

    mpc = MPC(ctx, protocol=Semi2k(), provider=TrustedDealer())
    x = mpc.input("bank", features if ctx.party == "bank" else None)
    w = mpc.input("platform", weights if ctx.party == "platform" else None)
    score = (x @ w) * 0.5 + 1.0
    result = mpc.reveal(score, to="bank")     # an array on the bank, None elsewhere
    p = mpc.sigmoid(score)                    # fixed-point functions: confide.mpc.functions
    clipped = mpc.where(x < 0, 0.0, x)        # comparisons give 0/1 integer shares

The engine holds the context, a protocol (how shares are computed on) and a provider (where
correlated randomness comes from), each an object of its own; shares (:class:`Share`) know their
engine, and shares of two engines never mix. The engine applies the fixed-point rules: floats
are encoded with ``frac_bits`` fractional bits, integers and booleans with none; a product of
two fixed-point values is truncated back to ``frac_bits`` (by the protocol's method); public
operands that are whole numbers are multiplied exactly, without truncation.

The dealer (a provider's helper party) runs the same code with shares that have a shape and no
data: it deals what each operation needs and takes no other part. ``reveal`` returns ``None``
to it unless it is named in ``to``; so the job's control flow must not depend on revealed values
unless they are revealed to the dealer too.

Shapes are public: every party learns the shape and encoding of every input. Errors in what the
caller asks (shape mismatches, mixing engines, a missing dealer) raise ``ConfigError`` on every
party before any message is sent.

Counters: :attr:`MPC.rounds` counts the communication rounds this party took part in (input
announcements, openings; the dealer's messages are preprocessing and not counted);
:attr:`MPC.bytes_sent` the bytes this party's link sent since the engine started.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, SupportsIndex

import numpy as np

from confide.errors import ConfigError, ProtocolError
from confide.mpc import compare, functions
from confide.mpc.correlations import matmul_shape
from confide.mpc.encoding import (
    FRAC_BITS,
    RING_DTYPE,
    check_frac_bits,
    decode_ring,
    encode_public,
    encode_ring,
)
from confide.mpc.protocol import Protocol
from confide.mpc.provider import Provider
from confide.mpc.ring import ring_matmul
from confide.mpc.share import Kind, Share, check_engine, shape_of
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "MPC"]

DISCLOSURE = (
    Disclosure(
        "every party of the engine",
        "the shape and encoding (fixed-point, integer or boolean) of every input",
        "shapes are public: they fix the messages and the dealer's work",
    ),
    Disclosure(
        "the parties named in each reveal (every data party by default)",
        "the revealed value",
        "the other parties learn nothing of it",
    ),
)

_ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)


class MPC:
    """One party's engine over secret-shared arrays (see the module docstring).

    ``frac_bits`` is the fixed-point precision of float inputs and public floats (default 18).
    """

    def __init__(
        self,
        ctx: Context,
        protocol: Protocol,
        provider: Provider | None = None,
        *,
        frac_bits: int = FRAC_BITS,
    ) -> None:
        if not isinstance(protocol, Protocol):
            raise ConfigError(f"protocol must be a Protocol, got {type(protocol).__name__}")
        if provider is not None and not isinstance(provider, Provider):
            raise ConfigError(f"provider must be a Provider, got {type(provider).__name__}")
        if protocol.bound:
            raise ConfigError("this protocol object already serves another engine: make a new one")
        if provider is not None and provider.bound:
            raise ConfigError("this provider object already serves another engine: make a new one")
        self.ctx = ctx
        self.protocol = protocol
        self.provider = provider
        self.frac_bits = check_frac_bits(frac_bits)
        #: Parties that serve the provider and hold no shares (the dealer).
        self.helpers: tuple[str, ...] = provider.helpers(ctx) if provider is not None else ()
        #: Parties that hold shares, in job order.
        self.parties: tuple[str, ...] = tuple(p for p in ctx.parties if p not in self.helpers)
        self._rounds = 0
        self._bytes_at_start = self._link_bytes()
        protocol.check(self)
        if provider is not None:
            provider.bind(self)
        protocol.bind(self)

    # -- description -----------------------------------------------------------------------------

    @property
    def holds_shares(self) -> bool:
        """Whether this party holds shares (False on the dealer)."""
        return self.ctx.party in self.parties

    @property
    def rounds(self) -> int:
        """Communication rounds this party took part in so far."""
        return self._rounds

    @property
    def bytes_sent(self) -> int:
        """Bytes this party's link sent since the engine started (all traffic of the link)."""
        return self._link_bytes() - self._bytes_at_start

    @property
    def disclosure(self) -> tuple[Disclosure, ...]:
        """Who learns what: the engine's, the protocol's and the provider's disclosures."""
        provider = self.provider.DISCLOSURE if self.provider is not None else ()
        return DISCLOSURE + self.protocol.DISCLOSURE + provider

    def count_round(self) -> None:
        """Record one communication round (protocols call this)."""
        self._rounds += 1

    def _link_bytes(self) -> int:
        return int(getattr(self.ctx.link, "bytes_sent", 0))

    def __repr__(self) -> str:
        return (
            f"MPC(party={self.ctx.party!r}, protocol={self.protocol.name}, "
            f"parties={list(self.parties)}, id=0x{id(self):x})"
        )

    # -- making and revealing shares ------------------------------------------------------------

    def input(
        self,
        owner: str,
        value: Any = None,
        *,
        shape: Sequence[SupportsIndex] | None = None,
        kind: Kind | str = Kind.ARITHMETIC,
    ) -> Share:
        """Secret-share ``value``, held by ``owner``; every other party passes ``None``.

        Floats become fixed-point, integers and booleans integers; with ``kind="boolean"`` an
        integer array is XOR-shared as 64-bit words. The owner announces the shape (and
        encoding) to every party; others may pass ``shape`` to check it.
        """
        kind = _kind(kind)
        if owner not in self.ctx.parties:
            raise ConfigError(f"{owner!r} is not a party of this job")
        if owner not in self.parties:
            raise ConfigError(f"{owner!r} holds no shares in this engine and cannot input data")
        ctx = self.ctx
        expected = shape_of(shape) if shape is not None else None
        words: np.ndarray | None = None
        with ctx.scope("mpc"):
            if ctx.party == owner:
                if value is None:
                    raise ConfigError(f"{owner!r} must give the value it inputs")
                words, frac_bits = self._encode_input(value, kind)
                found = tuple(words.shape)
                if expected is not None and expected != found:
                    raise ConfigError(f"the input has shape {found}, not {expected}")
                header = {"shape": list(found), "kind": kind.value, "frac_bits": frac_bits}
                ctx.broadcast("input", header)
            else:
                if value is not None:
                    raise ConfigError(f"only {owner!r} gives a value for its input")
                found, announced, frac_bits = _read_header(owner, ctx.recv(owner, "input"))
                if announced is not kind:
                    raise ConfigError(
                        f"{owner!r} inputs {announced.value} shares, not {kind.value}"
                    )
                if expected is not None and expected != found:
                    raise ConfigError(f"{owner!r} inputs an array of shape {found}, not {expected}")
            if self.holds_shares:
                self.count_round()
        return self.protocol.input(owner, words, found, kind, frac_bits)

    def _encode_input(self, value: Any, kind: Kind) -> tuple[np.ndarray, int]:
        array = np.asarray(value)
        if kind is Kind.BOOLEAN:
            return _public_words(array), 0
        if array.dtype.kind == "f":
            return encode_ring(array, self.frac_bits), self.frac_bits
        if array.dtype.kind in "biu":
            return encode_ring(array, 0), 0
        raise ConfigError(f"cannot input values of dtype {array.dtype}")

    def public(self, value: Any) -> Share:
        """A sharing of a public value (every party passes the same), without messages."""
        words, frac_bits = encode_public(value, self.frac_bits)
        zero = self.protocol.zeros(tuple(words.shape), Kind.ARITHMETIC, frac_bits)
        return self.protocol.add_public(zero, words)

    def reveal(self, x: Share, to: str | Sequence[str] | None = None) -> np.ndarray | None:
        """Open ``x`` to the parties ``to`` (default: every data party); ``None`` elsewhere.

        Fixed-point values come back as ``float64``, integers as ``int64``, boolean shares as
        their ``uint64`` words.
        """
        return self.reveal_many([x], to)[0]

    def reveal_many(
        self, xs: Sequence[Share], to: str | Sequence[str] | None = None
    ) -> list[np.ndarray | None]:
        """Open several shares in one round (see :meth:`reveal`)."""
        check_engine(self, *xs)
        recipients = self._recipients(to)
        opened = self.protocol.open_to(xs, recipients)
        pairs = zip(xs, opened, strict=True)
        return [None if words is None else _decode(words, x) for x, words in pairs]

    def _recipients(self, to: str | Sequence[str] | None) -> tuple[str, ...]:
        if to is None:
            return self.parties
        names = (to,) if isinstance(to, str) else tuple(to)
        unknown = [p for p in names if p not in self.ctx.parties]
        if unknown or not names:
            raise ConfigError(f"cannot reveal to {list(names)}: name parties of this job")
        return names

    # -- arithmetic --------------------------------------------------------------------------------

    def add(self, x: Any, y: Any) -> Share:
        """``x + y`` for shares and public values (local)."""
        if isinstance(x, Share) and isinstance(y, Share):
            check_engine(self, x, y)
            left, right = self._aligned(x, y)
            return left.zip_with(right, _ring_add)
        share, value = (x, y) if isinstance(x, Share) else (y, x)
        return self._add_public(share, value, negate=False)

    def sub(self, x: Any, y: Any) -> Share:
        """``x - y`` for shares and public values (local)."""
        if isinstance(y, Share):
            return self.add(x, self.neg(y))
        if not isinstance(x, Share):
            raise ConfigError("sub needs a share")
        return self._add_public(x, y, negate=True)

    def neg(self, x: Share) -> Share:
        """``-x`` (local)."""
        check_engine(self, x)
        _require_arithmetic(x)
        return x.with_parts([np.negative(p) for p in x.parts])

    def mul(self, x: Any, y: Any) -> Share:
        """``x * y``: a Beaver multiplication for two shares, local for a public factor.

        Fixed-point products are truncated back to the larger ``frac_bits`` of the factors.
        """
        if isinstance(x, Share) and isinstance(y, Share):
            return self.mul_many([(x, y)])[0]
        share, value = (x, y) if isinstance(x, Share) else (y, x)
        check_engine(self, share)
        _require_arithmetic(share)
        words, frac_bits = encode_public(value, self.frac_bits)
        product = share.local_mul(words, frac_bits=share.frac_bits + frac_bits)
        return self._settle([product], [(share.frac_bits, frac_bits)])[0]

    def mul_many(self, pairs: Sequence[tuple[Share, Share]]) -> list[Share]:
        """Several products of shares in one round (plus the truncation's, if needed)."""
        for x, y in pairs:
            check_engine(self, x, y)
        amounts = [min(x.frac_bits, y.frac_bits) for x, y in pairs]
        if not any(amounts):
            return self.protocol.mul_many(pairs)
        return self.protocol.mul_trunc_many(pairs, amounts)

    def div(self, x: Any, y: Any) -> Share:
        """``x / y``: a multiplication by ``1 / y`` for a public divisor; for a secret one,
        ``x * reciprocal(y)`` (:mod:`confide.mpc.functions.roots`: range and error there)."""
        if isinstance(y, Share):
            self._mine(x, y)
            return functions.div(x, y)
        divisor = np.asarray(y, dtype=np.float64)
        if np.any(divisor == 0):
            raise ConfigError("division by zero")
        return self.mul(x, 1.0 / divisor)

    def matmul(self, x: Any, y: Any) -> Share:
        """``x @ y`` (1-D or 2-D): one round for two shares, local for a public operand."""
        if isinstance(x, Share) and isinstance(y, Share):
            check_engine(self, x, y)
            amount = min(x.frac_bits, y.frac_bits)
            if not amount:
                return self.protocol.matmul(x, y)
            return self.protocol.matmul_trunc(x, y, amount)
        share = x if isinstance(x, Share) else y
        check_engine(self, share)
        _require_arithmetic(share)
        words, frac_bits = encode_public(y if share is x else x, self.frac_bits)
        if share is x:
            shape = matmul_shape(share.shape, words.shape)
            parts = [ring_matmul(p, words) for p in share.parts]
        else:
            shape = matmul_shape(words.shape, share.shape)
            parts = [ring_matmul(words, p) for p in share.parts]
        product = share.with_parts(parts, shape=shape, frac_bits=share.frac_bits + frac_bits)
        return self._settle([product], [(share.frac_bits, frac_bits)])[0]

    def truncate(self, x: Share, bits: int | None = None) -> Share:
        """Divide ``x`` by ``2^bits`` (default ``frac_bits``) with the protocol's method."""
        check_engine(self, x)
        return self.protocol.trunc(x, self.frac_bits if bits is None else bits)

    def truncate_many(self, xs: Sequence[Share], bits: int | Sequence[int]) -> list[Share]:
        """Divide each of ``xs`` by ``2^bits`` (one amount, or one per share) in one round."""
        check_engine(self, *xs)
        return self.protocol.trunc_many(xs, bits)

    def sum(self, x: Share, axis: int | tuple[int, ...] | None = None) -> Share:
        """Sum along ``axis`` (all axes by default); local."""
        check_engine(self, x)
        _require_arithmetic(x)
        try:
            return x.map(lambda a: np.asarray(np.sum(a, axis=axis, dtype=RING_DTYPE)))
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"cannot sum a share of {x.shape} along {axis!r}") from exc

    def mean(self, x: Share, axis: int | tuple[int, ...] | None = None) -> Share:
        """Mean along ``axis``: a sum times the public ``1 / count`` (truncated)."""
        total = self.sum(x, axis)
        count = x.size // max(total.size, 1)
        if count == 0:
            raise ConfigError("the mean of an empty share is undefined")
        return self.mul(total, 1.0 / count)

    def concatenate(self, xs: Sequence[Share], axis: int = 0) -> Share:
        """Join shares along an existing axis (local)."""
        return self._join(xs, lambda arrays: np.concatenate(arrays, axis=axis))

    def stack(self, xs: Sequence[Share], axis: int = 0) -> Share:
        """Join shares along a new axis (local)."""
        return self._join(xs, lambda arrays: np.stack(arrays, axis=axis))

    # -- boolean -----------------------------------------------------------------------------------

    def xor(self, x: Any, y: Any) -> Share:
        """``x ^ y`` of boolean shares and public integers (local)."""
        if isinstance(x, Share) and isinstance(y, Share):
            check_engine(self, x, y)
            _require_boolean(x, y)
            return x.zip_with(y, np.bitwise_xor)
        share, value = (x, y) if isinstance(x, Share) else (y, x)
        check_engine(self, share)
        _require_boolean(share)
        return self.protocol.add_public(share, _public_words(np.asarray(value)))

    def and_(self, x: Any, y: Any) -> Share:
        """``x & y``: one round for two boolean shares, local for a public mask."""
        if isinstance(x, Share) and isinstance(y, Share):
            check_engine(self, x, y)
            return self.protocol.and_(x, y)
        share, value = (x, y) if isinstance(x, Share) else (y, x)
        check_engine(self, share)
        _require_boolean(share)
        return share.local_mul(_public_words(np.asarray(value)))

    def or_(self, x: Any, y: Any) -> Share:
        """``x | y = x ^ y ^ (x & y)``."""
        return self.xor(self.xor(x, y), self.and_(x, y))

    def invert(self, x: Share) -> Share:
        """``~x``: every bit flipped (local)."""
        check_engine(self, x)
        _require_boolean(x)
        return self.protocol.add_public(x, np.asarray(_ALL_ONES))

    # -- comparisons (confide.mpc.compare) and functions (confide.mpc.functions) ------------

    def less(self, x: Any, y: Any) -> Share:
        """``x < y`` elementwise as an integer 0/1 share; either may be public (also ``x < y``)."""
        self._mine(x, y)
        return compare.less(x, y)

    def greater(self, x: Any, y: Any) -> Share:
        """``x > y`` elementwise as an integer 0/1 share (also ``x > y``)."""
        self._mine(x, y)
        return compare.greater(x, y)

    def less_equal(self, x: Any, y: Any) -> Share:
        """``x <= y`` elementwise as an integer 0/1 share (also ``x <= y``)."""
        self._mine(x, y)
        return compare.less_equal(x, y)

    def greater_equal(self, x: Any, y: Any) -> Share:
        """``x >= y`` elementwise as an integer 0/1 share (also ``x >= y``)."""
        self._mine(x, y)
        return compare.greater_equal(x, y)

    def equal(self, x: Any, y: Any) -> Share:
        """``x == y`` elementwise as an integer 0/1 share (``==`` on shares stays identity)."""
        self._mine(x, y)
        return compare.equal(x, y)

    def sign(self, x: Share) -> Share:
        """-1, 0 or 1 elementwise, as an integer share."""
        self._mine(x)
        return compare.sign(x)

    def relu(self, x: Share) -> Share:
        """``max(x, 0)`` elementwise."""
        self._mine(x)
        return compare.relu(x)

    def where(self, condition: Share, x: Any, y: Any) -> Share:
        """``x`` where the secret 0/1 ``condition`` is 1, else ``y`` (broadcasting)."""
        self._mine(condition, x, y)
        return compare.where(condition, x, y)

    def maximum(self, x: Any, y: Any) -> Share:
        """Elementwise maximum of two arrays (broadcasting)."""
        self._mine(x, y)
        return compare.maximum(x, y)

    def minimum(self, x: Any, y: Any) -> Share:
        """Elementwise minimum of two arrays (broadcasting)."""
        self._mine(x, y)
        return compare.minimum(x, y)

    def max(self, x: Share, axis: int | None = None) -> Share:
        """The maximum along ``axis`` (all elements by default)."""
        self._mine(x)
        return compare.amax(x, axis)

    def min(self, x: Share, axis: int | None = None) -> Share:
        """The minimum along ``axis`` (all elements by default)."""
        self._mine(x)
        return compare.amin(x, axis)

    def argmax(self, x: Share, axis: int | None = None) -> Share:
        """The index of the first maximum along ``axis``, as an integer share."""
        self._mine(x)
        return compare.argmax(x, axis)

    def argmin(self, x: Share, axis: int | None = None) -> Share:
        """The index of the first minimum along ``axis``, as an integer share."""
        self._mine(x)
        return compare.argmin(x, axis)

    def sigmoid(self, x: Share, method: str = "accurate") -> Share:
        """The logistic function: ``"accurate"`` (error 4e-4) or ``"fast"`` (error 0.056)."""
        self._mine(x)
        return functions.sigmoid(x, method)

    def tanh(self, x: Share) -> Share:
        """The hyperbolic tangent (error 8e-4)."""
        self._mine(x)
        return functions.tanh(x)

    def exp(self, x: Share) -> Share:
        """``e^x`` for ``x < 16.6`` (relative error 1e-5)."""
        self._mine(x)
        return functions.exp(x)

    def log(self, x: Share) -> Share:
        """The natural logarithm for ``2^-18 <= x < 2^42`` (absolute error 1e-5)."""
        self._mine(x)
        return functions.log(x)

    def reciprocal(self, x: Share) -> Share:
        """``1 / x`` for ``2^-18 <= |x| < 2^42`` (relative error 1e-6, plus 2^-17)."""
        self._mine(x)
        return functions.reciprocal(x)

    def sqrt(self, x: Share) -> Share:
        """The square root for ``0 <= x < 2^41`` (relative error 3e-6, plus 2^-18)."""
        self._mine(x)
        return functions.sqrt(x)

    def rsqrt(self, x: Share) -> Share:
        """``1 / sqrt(x)`` for ``2^-18 <= x < 2^41`` (relative error 2.5e-5)."""
        self._mine(x)
        return functions.rsqrt(x)

    def softmax(self, x: Share, axis: int = -1) -> Share:
        """Softmax along ``axis`` for ``|x| < 1.8e5`` (absolute error 2e-5)."""
        self._mine(x)
        return functions.softmax(x, axis)

    def _mine(self, *values: Any) -> None:
        """``ConfigError`` unless every share among ``values`` belongs to this engine."""
        check_engine(self, *(v for v in values if isinstance(v, Share)))

    # -- fixed-point bookkeeping ---------------------------------------------------------------

    def _settle(self, products: list[Share], fracs: Sequence[tuple[int, int]]) -> list[Share]:
        """Truncate products back to the larger ``frac_bits`` of their factors, in one batch."""
        amounts = [min(fx, fy) for fx, fy in fracs]
        if not any(amounts):
            return list(products)
        return self.protocol.trunc_many(products, amounts)

    def _rescaled(self, x: Share, frac_bits: int) -> Share:
        """``x`` with more fractional bits (an exact local multiplication by a power of two)."""
        if frac_bits == x.frac_bits:
            return x
        return x.with_parts(
            [p << np.uint64(frac_bits - x.frac_bits) for p in x.parts], frac_bits=frac_bits
        )

    def _aligned(self, x: Share, y: Share) -> tuple[Share, Share]:
        _require_arithmetic(x, y)
        frac_bits = max(x.frac_bits, y.frac_bits)
        return self._rescaled(x, frac_bits), self._rescaled(y, frac_bits)

    def _add_public(self, x: Share, value: Any, *, negate: bool) -> Share:
        check_engine(self, x)
        _require_arithmetic(x)
        array = np.asarray(value)
        _, frac_bits = encode_public(array, self.frac_bits)  # 0 for whole numbers
        if frac_bits > x.frac_bits:
            x = self._rescaled(x, frac_bits)
        words = encode_ring(array, x.frac_bits)
        return self.protocol.add_public(x, np.negative(words) if negate else words)

    def _join(self, xs: Sequence[Share], join: Any) -> Share:
        if not xs:
            raise ConfigError("nothing to join")
        check_engine(self, *xs)
        first = xs[0]
        if any(x.kind is not first.kind for x in xs):
            raise ConfigError("cannot join arithmetic and boolean shares")
        if first.kind is Kind.ARITHMETIC:
            frac_bits = max(x.frac_bits for x in xs)
            xs = [self._rescaled(x, frac_bits) for x in xs]
        probes = [np.broadcast_to(np.zeros((), np.uint8), x.shape) for x in xs]
        try:
            shape = tuple(join(probes).shape)
        except ValueError as exc:
            raise ConfigError(f"cannot join shares of shapes {[x.shape for x in xs]}") from exc
        parts = [join(list(group)) for group in zip(*(x.parts for x in xs), strict=True)]
        return xs[0].with_parts(parts, shape=shape)


def _ring_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    total: np.ndarray = a + b
    return total


def _kind(kind: Kind | str) -> Kind:
    try:
        return Kind(kind)
    except ValueError as exc:
        raise ConfigError(f"kind must be 'arithmetic' or 'boolean', got {kind!r}") from exc


def _require_arithmetic(*shares: Share) -> None:
    for share in shares:
        if share.kind is not Kind.ARITHMETIC:
            raise ConfigError("this operation takes arithmetic shares (use ^ and & for boolean)")


def _require_boolean(*shares: Share) -> None:
    for share in shares:
        if share.kind is not Kind.BOOLEAN:
            raise ConfigError("this operation takes boolean shares")


def _public_words(array: np.ndarray) -> np.ndarray:
    """Public integers or booleans as raw 64-bit words (negative ints in two's complement)."""
    if array.dtype.kind == "b" or array.dtype.kind == "u":
        return array.astype(RING_DTYPE)
    if array.dtype.kind == "i":
        return array.astype(np.int64).view(RING_DTYPE)
    raise ConfigError(f"boolean shares take integer or boolean words, got dtype {array.dtype}")


def _decode(words: np.ndarray, x: Share) -> np.ndarray:
    if x.kind is Kind.BOOLEAN:
        return np.array(words, dtype=RING_DTYPE)
    return decode_ring(words, x.frac_bits)


def _read_header(owner: str, header: object) -> tuple[tuple[int, ...], Kind, int]:
    """The (shape, kind, frac_bits) an owner announced, or ``ProtocolError``."""
    if not isinstance(header, dict) or set(header) != {"shape", "kind", "frac_bits"}:
        raise ProtocolError(f"{owner!r} announced an input malformed")
    shape, kind, frac_bits = header["shape"], header["kind"], header["frac_bits"]
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise ProtocolError(f"{owner!r} announced an input with a malformed shape")
    if kind not in {k.value for k in Kind}:
        raise ProtocolError(f"{owner!r} announced an input of unknown kind {kind!r}")
    if not isinstance(frac_bits, int) or isinstance(frac_bits, bool):
        raise ProtocolError(f"{owner!r} announced malformed fractional bits")
    try:
        check_frac_bits(frac_bits)
    except ConfigError as exc:
        raise ProtocolError(f"{owner!r} announced {frac_bits} fractional bits") from exc
    return tuple(shape), Kind(kind), frac_bits
