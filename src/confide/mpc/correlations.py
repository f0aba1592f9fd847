"""The correlated randomness protocols ask for, described once so any provider can deal it.

A correlation has **free** components, uniformly random and independent, and **determined**
components, a public function of the free ones (a Beaver triple: free ``a`` and ``b``, determined
``c = a * b``). The parties hold additive (arithmetic) or XOR (boolean) shares of every component.

That split is what makes seed-compressed dealing generic (see :mod:`confide.mpc.dealer`): every
party draws its shares of the free components, and all but the last party their shares of the
determined components, from a PRG it shares with the dealer; the dealer, drawing the same streams,
computes the determined values with :meth:`Correlation.compute` and sends the last party only
the corrections that make the shares add up. A new kind of correlation (say, a random value with
the boolean shares of its bits, for comparisons) is one more small class here, with no change to
any provider.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from confide.errors import ConfigError
from confide.mpc.encoding import RING_BITS, RING_DTYPE
from confide.mpc.ring import ring_matmul
from confide.mpc.share import Kind, broadcast_shape

__all__ = [
    "AndTriple",
    "BeaverTriple",
    "Component",
    "Correlation",
    "MatrixTriple",
    "RandomBits",
    "TruncationPair",
    "matmul_shape",
]

_LOW_MASK = np.uint64((1 << (RING_BITS - 1)) - 1)
_ONE = np.uint64(1)


@dataclass(frozen=True)
class Component:
    """One shared array of a correlation: its shape, how its shares combine, its random bits.

    ``bits`` is 64 for uniform words, or 1 for a free boolean component that is a single random
    bit per element (each share is then a 0/1 word, drawn from one PRG byte).
    """

    shape: tuple[int, ...]
    kind: Kind = Kind.ARITHMETIC
    bits: int = 64

    def __post_init__(self) -> None:
        if self.bits not in (1, 64):
            raise ConfigError(f"a component has 1 or 64 random bits, not {self.bits}")
        if self.bits == 1 and self.kind is not Kind.BOOLEAN:
            raise ConfigError("single random bits are XOR-shared (boolean) components")

    @property
    def size(self) -> int:
        """Number of elements."""
        return math.prod(self.shape)


@lru_cache(maxsize=4096)
def _component(shape: tuple[int, ...], kind: Kind = Kind.ARITHMETIC, bits: int = 64) -> Component:
    """A component (immutable, so shared): requests are built by the thousand, each round."""
    return Component(shape, kind, bits)


class Correlation(ABC):
    """A request for one correlated tuple of shared arrays (see the module docstring)."""

    @property
    @abstractmethod
    def free(self) -> tuple[Component, ...]:
        """The uniformly random components, in the order the parties receive their shares."""

    @property
    @abstractmethod
    def determined(self) -> tuple[Component, ...]:
        """The components computed from the free ones, following them in each party's tuple."""

    @abstractmethod
    def compute(self, free: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        """The determined values from the free values in the clear (the dealer runs this)."""


def matmul_shape(x_shape: tuple[int, ...], y_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of ``x @ y`` for 1-D or 2-D operands, or ``ConfigError``."""
    if not (1 <= len(x_shape) <= 2 and 1 <= len(y_shape) <= 2):
        raise ConfigError(f"matmul takes 1-D or 2-D operands, got {x_shape} @ {y_shape}")
    if x_shape[-1] != y_shape[0]:
        raise ConfigError(f"matmul shapes {x_shape} and {y_shape} do not align")
    return x_shape[:-1] + y_shape[1:]


@dataclass(frozen=True)
class BeaverTriple(Correlation):
    """Elementwise multiplication triple: ``a`` of ``x_shape``, ``b`` of ``y_shape``, ``c = a*b``.

    The shapes may differ where numpy broadcasts them; ``c`` has the broadcast shape. Parties
    receive ``(a, b, c)``.
    """

    x_shape: tuple[int, ...]
    y_shape: tuple[int, ...]

    @property
    def free(self) -> tuple[Component, ...]:
        return (_component(self.x_shape), _component(self.y_shape))

    @property
    def determined(self) -> tuple[Component, ...]:
        return (_component(broadcast_shape(self.x_shape, self.y_shape)),)

    def compute(self, free: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        a, b = free
        # Into an array, even 0-d: numpy scalar arithmetic warns on the ring's wrap-around.
        out = np.empty(broadcast_shape(a.shape, b.shape), dtype=RING_DTYPE)
        return (np.multiply(a, b, out=out),)


@dataclass(frozen=True)
class MatrixTriple(Correlation):
    """Matrix triple for ``x @ y``: ``a`` of ``x_shape``, ``b`` of ``y_shape``, ``c = a @ b``."""

    x_shape: tuple[int, ...]
    y_shape: tuple[int, ...]

    def __post_init__(self) -> None:
        matmul_shape(self.x_shape, self.y_shape)

    @property
    def free(self) -> tuple[Component, ...]:
        return (_component(self.x_shape), _component(self.y_shape))

    @property
    def determined(self) -> tuple[Component, ...]:
        return (_component(matmul_shape(self.x_shape, self.y_shape)),)

    def compute(self, free: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        a, b = free
        return (ring_matmul(a, b),)


@dataclass(frozen=True)
class AndTriple(Correlation):
    """Boolean AND triple over 64-bit words: ``a``, ``b`` and ``c = a & b``, XOR-shared."""

    x_shape: tuple[int, ...]
    y_shape: tuple[int, ...]

    @property
    def free(self) -> tuple[Component, ...]:
        return (_component(self.x_shape, Kind.BOOLEAN), _component(self.y_shape, Kind.BOOLEAN))

    @property
    def determined(self) -> tuple[Component, ...]:
        return (_component(broadcast_shape(self.x_shape, self.y_shape), Kind.BOOLEAN),)

    def compute(self, free: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        a, b = free
        return (a & b,)


@dataclass(frozen=True)
class TruncationPair(Correlation):
    """A random ``r`` with its top bit and its low 63 bits shifted right by ``bits``.

    Parties receive ``(r, msb(r), (r mod 2^63) >> bits)``, all arithmetic: what the one-round
    truncation of Escudero et al. (CRYPTO 2020) needs; with ``msb`` dropped it is the classic
    truncation pair ``(r, r >> bits)``.
    """

    shape: tuple[int, ...]
    bits: int

    def __post_init__(self) -> None:
        if not 0 < self.bits < RING_BITS - 1:
            raise ConfigError(f"truncation bits must be in [1, {RING_BITS - 2}], got {self.bits}")

    @property
    def free(self) -> tuple[Component, ...]:
        return (_component(self.shape),)

    @property
    def determined(self) -> tuple[Component, ...]:
        return (_component(self.shape), _component(self.shape))

    def compute(self, free: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        (r,) = free
        return (r >> np.uint64(RING_BITS - 1), (r & _LOW_MASK) >> np.uint64(self.bits))


@dataclass(frozen=True)
class RandomBits(Correlation):
    """Random bits in both forms: a boolean share (bit 0 of a word) and an arithmetic 0/1 share."""

    shape: tuple[int, ...]

    @property
    def free(self) -> tuple[Component, ...]:
        return (_component(self.shape, Kind.BOOLEAN, bits=1),)

    @property
    def determined(self) -> tuple[Component, ...]:
        return (_component(self.shape),)

    def compute(self, free: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        (bits,) = free
        return ((bits & _ONE).astype(RING_DTYPE),)
