"""The interface of a source of correlated randomness for additive sharing over Z_2^64.

A provider deals :class:`~confide.mpc.correlations.Correlation` tuples: each share-holding party
gets its additive (or XOR) shares of every component, in the order the correlation lists them.
Protocols ask for a whole batch at once (one call, and at most one message, per batch), never
element by element. With :meth:`Provider.deal_pending` a protocol can start on the free
components (``a`` and ``b`` of a triple) before the determined ones (``c``) arrive, so that a
dealer computing ``c`` and the parties computing with ``a`` and ``b`` work at the same time.

The engine binds a provider once, before the protocol: ``helpers`` names the parties that serve
it and hold no shares (the dealer), ``bind`` runs its setup. A provider object serves one engine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from confide.errors import ConfigError
from confide.mpc.correlations import Correlation
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

if TYPE_CHECKING:
    from confide.mpc.engine import MPC

__all__ = ["Pending", "Provider"]


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

    def deal_pending(self, requests: Sequence[Correlation]) -> Pending:
        """Deal ``requests``, handing out what is ready now (at least the free components)
        and the rest on :meth:`Pending.result`; by default everything at once."""
        dealt = self.deal(requests)
        return Pending(dealt)


class Pending:
    """A dealt batch whose determined components may still be on their way.

    ``ready[k]`` holds the shares of request ``k`` available now: its free components, and
    its determined ones too where they came with them. :meth:`result` gives the full tuples
    (free, then determined), waiting for the rest if needed; it is idempotent. Call it in the
    message scope the batch was dealt in (the rest may be a message tagged there).
    """

    def __init__(
        self,
        ready: list[tuple[np.ndarray, ...]],
        rest: Callable[[], list[tuple[np.ndarray, ...]]] | None = None,
    ) -> None:
        self.ready = ready
        self._rest = rest
        self._result: list[tuple[np.ndarray, ...]] | None = ready if rest is None else None

    @property
    def done(self) -> bool:
        """Whether every component is here."""
        return self._result is not None

    def result(self) -> list[tuple[np.ndarray, ...]]:
        """Every share of every request, free components first (see the class docstring)."""
        if self._result is None:
            if self._rest is None:  # cannot happen: set together
                raise ConfigError("a pending batch lost its remaining shares")
            self._result = self._rest()
            self._rest = None
        return self._result
