"""One party's share of a secret array: its ring words, their meaning, and the engine it belongs to.

A :class:`Share` holds this party's share component(s) of a secret ``uint64`` array (``parts``:
one array for additive sharing, two for replicated sharing, none on a party that holds no shares
such as the dealer), the array's public ``shape``, its :class:`Kind` (arithmetic shares add up
mod 2^64; boolean shares XOR together, each word carrying 64 bits) and its fixed-point
``frac_bits``. It also knows its engine: combining shares of two engines raises ``ConfigError``.

Everything here is local (no messages): structure (reshape, transpose, indexing, sums along axes)
acts on each part alike and is valid for any linear sharing. Operators that may need the protocol
(``x * y``, ``x + 1.5``, ``x @ w``, ``x & y``) go through the share's engine,
:class:`confide.mpc.engine.MPC`, which applies fixed-point rules and calls the protocol.

Shares are never modified in place: every operation returns a new share (whose parts may be
views of the old ones).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any, SupportsIndex, TypeGuard

import numpy as np

from confide.errors import ConfigError
from confide.mpc.encoding import RING_BITS, RING_DTYPE

if TYPE_CHECKING:
    from confide.mpc.engine import MPC

__all__ = ["Kind", "Share", "broadcast_shape", "check_engine", "shape_of"]


class Kind(str, Enum):
    """How the shares of a value combine."""

    #: x = sum of the shares mod 2^64.
    ARITHMETIC = "arithmetic"
    #: x = XOR of the shares; each uint64 word holds 64 bits (bit i of the value is bit i).
    BOOLEAN = "boolean"


def shape_of(shape: Sequence[SupportsIndex] | SupportsIndex) -> tuple[int, ...]:
    """A shape as a tuple of non-negative ints (``ConfigError`` otherwise)."""
    dims = (shape,) if isinstance(shape, SupportsIndex) else tuple(shape)
    out = []
    for dim in dims:
        if isinstance(dim, bool) or not isinstance(dim, SupportsIndex):
            raise ConfigError(f"shape {shape!r} must be a sequence of ints")
        value = int(dim.__index__())
        if value < 0:
            raise ConfigError(f"shape {shape!r} has a negative dimension")
        out.append(value)
    return tuple(out)


def broadcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """numpy's broadcast of ``shapes``, or ``ConfigError`` naming them."""
    if len(shapes) == 2 and shapes[0] == shapes[1] and type(shapes[0]) is tuple:
        return shapes[0]  # the common case first: two equal tuples
    first = tuple(shapes[0]) if shapes else ()
    if all(tuple(shape) == first for shape in shapes[1:]):
        return first  # the common case, without numpy's general (slow) path
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError as exc:
        listed = " and ".join(str(s) for s in shapes)
        raise ConfigError(f"shapes {listed} do not broadcast together") from exc


def check_engine(engine: MPC, *shares: Share) -> None:
    """``ConfigError`` unless every share belongs to ``engine``."""
    for share in shares:
        if not isinstance(share, Share):
            raise ConfigError(f"expected a Share, got {type(share).__name__}")
        if share.engine is not engine:
            raise ConfigError(
                f"a share of {share.engine!r} cannot be combined with {engine!r}: "
                "shares of different engines never mix"
            )


def _probe(shape: tuple[int, ...]) -> np.ndarray:
    """A zero-memory array of ``shape``, to learn the shape an operation gives."""
    return np.broadcast_to(np.zeros((), dtype=np.uint8), shape)


def _reshaped(shape: tuple[int, ...], dims: tuple[int, ...]) -> tuple[int, ...]:
    """The shape numpy gives ``reshape(dims)`` of an array of ``shape`` (``ConfigError`` if
    none): worked out directly in the common cases, by numpy otherwise."""
    size = math.prod(shape)
    known = [d for d in dims if d != -1]
    if min(known, default=0) >= 0:
        rest = math.prod(known)
        if len(known) == len(dims) and rest == size:
            return dims
        if len(known) == len(dims) - 1 and rest and size % rest == 0:
            return tuple(size // rest if d == -1 else d for d in dims)
    try:
        return tuple(_probe(shape).reshape(dims).shape)
    except ValueError as exc:
        raise ConfigError(f"cannot reshape a share of {shape} to {dims}") from exc


def _as_arrays(parts: tuple[object, ...]) -> tuple[np.ndarray, ...]:
    """``parts`` as arrays: numpy turns 0-d results into scalars, which are kept as 0-d arrays;
    anything else is refused."""
    if any(isinstance(part, np.generic) for part in parts):
        parts = tuple(np.asarray(p) for p in parts)
    arrays = []
    for part in parts:
        if not isinstance(part, np.ndarray):
            raise ConfigError("share parts must be uint64 arrays")
        arrays.append(part)
    return tuple(arrays)


@dataclass(frozen=True, eq=False)
class Share:
    """This party's share of a secret array of ``shape`` (see the module docstring)."""

    engine: MPC
    parts: tuple[np.ndarray, ...]
    shape: tuple[int, ...]
    kind: Kind = Kind.ARITHMETIC
    frac_bits: int = 0

    # numpy must hand ``array * share`` to Share.__rmul__, not loop over the array.
    __array_ufunc__ = None

    def __post_init__(self) -> None:
        # Shares are built by the thousand on small arrays: check with cheap tests first.
        parts = self.parts
        for part in parts:
            if type(part) is not np.ndarray:
                parts = _as_arrays(parts)
                object.__setattr__(self, "parts", parts)
                break
        shape = self.shape
        for part in parts:
            if part.dtype is not RING_DTYPE and part.dtype != RING_DTYPE:
                raise ConfigError("share parts must be uint64 arrays")
            if part.shape != shape:
                raise ConfigError(f"a share part of shape {part.shape} in a share of {shape}")
        if not 0 <= self.frac_bits < RING_BITS:
            raise ConfigError(f"fractional bits {self.frac_bits} out of range")

    # -- description ---------------------------------------------------------------------------

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    @property
    def size(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)

    @property
    def holds(self) -> bool:
        """Whether this party holds share data (False on the dealer: shape only)."""
        return bool(self.parts)

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d share")
        return self.shape[0]

    def __iter__(self) -> Iterator[Share]:
        """The rows (shares of ``x[0]``, ``x[1]``, ...)."""
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        raise ConfigError("a secret value has no truth value here: reveal it first")

    def __repr__(self) -> str:
        return (
            f"Share(shape={self.shape}, kind={self.kind.value}, frac_bits={self.frac_bits}, "
            f"party={self.engine.ctx.party!r}{'' if self.parts else ', hollow'})"
        )

    # -- local building blocks ------------------------------------------------------------------

    def with_parts(
        self, parts: Sequence[np.ndarray], *, shape: tuple[int, ...] | None = None, **changes: Any
    ) -> Share:
        """A share like this one with new ``parts`` of ``shape`` (default: this share's shape).

        ``changes`` may set ``kind`` or ``frac_bits``. Pass ``shape`` whenever it changes: on a
        party without share data (the dealer) it cannot be read from the parts.
        """
        if changes.keys() - {"kind", "frac_bits"}:
            raise ConfigError(f"new parts may change a share's kind or frac_bits, not {changes}")
        return Share(
            self.engine,
            tuple(parts),
            self.shape if shape is None else shape,
            changes.get("kind", self.kind),
            changes.get("frac_bits", self.frac_bits),
        )

    def zip_with(
        self, other: Share, fn: Callable[[np.ndarray, np.ndarray], np.ndarray], **changes: Any
    ) -> Share:
        """Combine the parts of two shares of one engine pairwise with ``fn`` (broadcasting).

        Valid for operations that are linear over the sharing: ``+``/``-`` of arithmetic shares,
        ``^`` of boolean ones. ``changes`` may set ``kind`` or ``frac_bits`` of the result.
        """
        check_engine(self.engine, other)
        shape = broadcast_shape(self.shape, other.shape)
        parts = [fn(a, b) for a, b in zip(self.parts, other.parts, strict=True)]
        return self.with_parts(parts, shape=shape, **changes)

    def local_mul(self, words: np.ndarray, **changes: Any) -> Share:
        """Multiply (arithmetic) or AND (boolean) every part by public ring words; local."""
        if words.dtype != RING_DTYPE:
            raise ConfigError(f"public ring words must be uint64, got {words.dtype}")
        shape = broadcast_shape(self.shape, words.shape)
        op = np.bitwise_and if self.kind is Kind.BOOLEAN else np.multiply
        return self.with_parts([op(p, words) for p in self.parts], shape=shape, **changes)

    def map(self, fn: Callable[[np.ndarray], np.ndarray]) -> Share:
        """Apply the linear, shape-changing ``fn`` (reshape, index, ...) to every part."""
        shape = fn(_probe(self.shape)).shape
        return Share(
            self.engine, tuple(fn(p) for p in self.parts), tuple(shape), self.kind, self.frac_bits
        )

    # -- structure (local) ----------------------------------------------------------------------

    def reshape(self, *shape: SupportsIndex | Sequence[SupportsIndex]) -> Share:
        """The same elements in a new shape (numpy rules, ``-1`` allowed)."""
        single = len(shape) == 1 and (type(shape[0]) is tuple or not _is_index(shape[0]))
        target = shape[0] if single else shape
        dims = tuple(int(d.__index__()) for d in target)  # type: ignore[union-attr]
        new_shape = _reshaped(self.shape, dims)
        parts = tuple(p.reshape(new_shape) for p in self.parts)
        return Share(self.engine, parts, new_shape, self.kind, self.frac_bits)

    def ravel(self) -> Share:
        """A 1-D view of the elements in C order."""
        return self.reshape(-1)

    def transpose(self, *axes: int) -> Share:
        """Permute the axes (numpy rules; no axes reverses them)."""
        try:
            return self.map(lambda a: a.transpose(*axes))
        except ValueError as exc:
            raise ConfigError(f"cannot transpose a share of {self.shape} by {axes}") from exc

    @property
    def T(self) -> Share:
        """The transpose."""
        return self.transpose()

    def broadcast_to(self, shape: Sequence[SupportsIndex]) -> Share:
        """The share broadcast to ``shape`` (materialised: parts of a share are never views)."""
        target = shape_of(shape)
        if broadcast_shape(self.shape, target) != target:
            raise ConfigError(f"cannot broadcast a share of {self.shape} to {target}")
        if target == self.shape:
            return self
        return self.map(lambda a: np.array(np.broadcast_to(a, target)))

    def __getitem__(self, key: Any) -> Share:
        if isinstance(key, Share):
            raise ConfigError("a share cannot be indexed by a secret")
        try:
            return self.map(lambda a: a[key])
        except (IndexError, ValueError, TypeError) as exc:
            raise ConfigError(f"cannot index a share of {self.shape} with {key!r}") from exc

    # -- operators: arithmetic through the engine (fixed-point rules) ---------------------------

    def __add__(self, other: Any) -> Share:
        return self.engine.add(self, other)

    def __radd__(self, other: Any) -> Share:
        return self.engine.add(self, other)

    def __sub__(self, other: Any) -> Share:
        return self.engine.sub(self, other)

    def __rsub__(self, other: Any) -> Share:
        return self.engine.sub(other, self)

    def __neg__(self) -> Share:
        return self.engine.neg(self)

    def __mul__(self, other: Any) -> Share:
        return self.engine.mul(self, other)

    def __rmul__(self, other: Any) -> Share:
        return self.engine.mul(other, self)

    def __truediv__(self, other: Any) -> Share:
        return self.engine.div(self, other)

    def __rtruediv__(self, other: Any) -> Share:
        return self.engine.div(other, self)

    # -- comparisons through the engine (integer 0/1 shares; ``==`` stays identity) ------------

    def __lt__(self, other: Any) -> Share:
        return self.engine.less(self, other)

    def __le__(self, other: Any) -> Share:
        return self.engine.less_equal(self, other)

    def __gt__(self, other: Any) -> Share:
        return self.engine.greater(self, other)

    def __ge__(self, other: Any) -> Share:
        return self.engine.greater_equal(self, other)

    def __matmul__(self, other: Any) -> Share:
        return self.engine.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Share:
        return self.engine.matmul(other, self)

    def sum(self, axis: int | tuple[int, ...] | None = None) -> Share:
        """Sum along ``axis`` (all axes by default); local."""
        return self.engine.sum(self, axis)

    def mean(self, axis: int | tuple[int, ...] | None = None) -> Share:
        """Mean along ``axis`` (all axes by default): a sum, then a public multiplication."""
        return self.engine.mean(self, axis)

    # -- operators: boolean ---------------------------------------------------------------------

    def __xor__(self, other: Any) -> Share:
        return self.engine.xor(self, other)

    def __rxor__(self, other: Any) -> Share:
        return self.engine.xor(self, other)

    def __and__(self, other: Any) -> Share:
        return self.engine.and_(self, other)

    def __rand__(self, other: Any) -> Share:
        return self.engine.and_(self, other)

    def __or__(self, other: Any) -> Share:
        return self.engine.or_(self, other)

    def __ror__(self, other: Any) -> Share:
        return self.engine.or_(self, other)

    def __invert__(self) -> Share:
        return self.engine.invert(self)

    def __lshift__(self, bits: int) -> Share:
        """Shift left by ``bits``: a local multiplication by 2^bits (arithmetic or boolean)."""
        amount = _shift_amount(bits)
        return self.with_parts([p << amount for p in self.parts])

    def __rshift__(self, bits: int) -> Share:
        """Logical shift right of boolean words (local); arithmetic shares need truncation."""
        if self.kind is not Kind.BOOLEAN:
            raise ConfigError(
                "an arithmetic share cannot be shifted right locally: use mpc.truncate"
            )
        amount = _shift_amount(bits)
        return self.with_parts([p >> amount for p in self.parts])


def _is_index(value: object) -> TypeGuard[SupportsIndex]:
    """``isinstance(value, SupportsIndex)``, with the common case (an ``int``) first: the
    protocol check walks the class's attributes on every call."""
    return isinstance(value, (int, SupportsIndex))


def _shift_amount(bits: int) -> np.uint64:
    if isinstance(bits, bool) or not isinstance(bits, int | np.integer) or not 0 <= bits < 64:
        raise ConfigError(f"a shift must be an int in [0, 63], got {bits!r}")
    amount: np.uint64 = np.uint64(bits)
    return amount
