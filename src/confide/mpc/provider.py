"""The interface of a source of correlated randomness for additive sharing over Z_2^64.

A provider deals :class:`~confide.mpc.correlations.Correlation` tuples: each share-holding party
gets its additive (or XOR) shares of every component, in the order the correlation lists them.
Protocols ask for a whole batch at once (one call, and at most one message, per batch), never
element by element.

The engine binds a provider once, before the protocol: ``helpers`` names the parties that serve
it and hold no shares (the dealer), ``bind`` runs its setup. A provider object serves one engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from confide.errors import ConfigError
from confide.mpc.correlations import Correlation
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

if TYPE_CHECKING:
    from confide.mpc.engine import MPC

__all__ = ["Provider"]


class Provider(ABC):
    """Deals correlated randomness to the share holders of one engine."""

    #: Who learns what because of this provider (listed in job reports).
    DISCLOSURE: ClassVar[tuple[Disclosure, ...]] = ()

    def __init__(self) -> None:
        self._engine: MPC | None = None

    @property
    def engine(self) -> MPC:
        """The engine this provider serves (``ConfigError`` before it is bound)."""
        if self._engine is None:
            raise ConfigError(f"{type(self).__name__} is not bound to an engine yet")
        return self._engine

    @property
    def bound(self) -> bool:
        """Whether an engine uses this provider object already."""
        return self._engine is not None

    @abstractmethod
    def helpers(self, ctx: Context) -> tuple[str, ...]:
        """The parties of ``ctx`` that run this provider and hold no shares.

        Checks the job's roles and raises ``ConfigError`` (before any message) if a required
        party is missing, so that every party raises the same error.
        """

    def bind(self, engine: MPC) -> None:
        """Attach to ``engine`` and run the provider's setup (called once, by the engine)."""
        if self._engine is not None:
            raise ConfigError(f"this {type(self).__name__} already serves another engine")
        self._engine = engine
        self.setup()

    @abstractmethod
    def setup(self) -> None:
        """Exchange what the provider needs (seeds) once the engine is known."""

    @abstractmethod
    def deal(self, requests: Sequence[Correlation]) -> list[tuple[np.ndarray, ...]]:
        """This party's shares of each requested correlation, as one batch.

        Each tuple lists the free components, then the determined ones, in the correlation's
        order. On a party that holds no shares (a helper) every tuple is empty.
        """
