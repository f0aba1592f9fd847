"""A trusted dealer that hands out seed-compressed correlated randomness.

The dealer is a compute-helper party (role ``Role.COMPUTE_HELPER``) that holds no data and takes
no other part in the computation. It runs the same SPMD code as everyone else, with shares that
carry a shape and no data, so it knows, without being asked, which correlations each operation
needs and deals them in step; it never waits for the data parties, except for the shape of each
input and for values revealed to it by name. There is no serving loop to stop: the dealer's run
ends when the job's function returns, as everyone's does. Working ahead, the dealer may queue
the corrections of many operations in the last party's mailbox; a job that must bound that
memory makes everyone meet (an input, a reveal to the dealer, a barrier) now and then.

Protocol (seed compression, after the "trusted first party" dealing of SPU and CrypTen's TTP):

1. Setup: the dealer sends every data party ``P_i`` a fresh seed ``s_i`` (``secrets``) and keeps
   a copy of each party's stream ``PRG(s_i)``.
2. For each batch of correlations, ``P_i`` draws its shares of the free components, and of the
   determined components unless it is the last party ``P_last``, from ``PRG(s_i)`` (laid out
   as :mod:`confide.mpc.dealt_layout` says, so the dealer works a region at a time).
3. The dealer draws the same shares, adds them up (or XORs them) to get the free values in the
   clear, computes the determined values, and sends ``P_last`` one message with, for each
   determined component, the correction ``value - sum of the other parties' shares``.

Rounds: none on the data parties' critical path (the dealer works ahead). Bytes: 16 per data
party once, then 8 per element of every determined component, to ``P_last`` only (a Beaver
triple of n elements costs 8n bytes; its ``a`` and ``b`` cost nothing).

Threat model: semi-honest, and the dealer must not collude with any data party. The dealer knows
every correlation in the clear; with one data party's view it could unmask the values that party
sees opened (``x - a``, ``y - b``) and so learn the other parties' secrets. Alone, it learns only
shapes and the sequence of operations. Each data party's shares of each correlation are
pseudo-random and independent of the others' (AES-128-CTR, 128-bit seeds).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from confide.crypto.prg import PRG, new_seed
from confide.errors import ConfigError, ProtocolError
from confide.mpc.correlations import Correlation
from confide.mpc.dealt_layout import combine_runs, layout_of
from confide.mpc.encoding import RING_DTYPE
from confide.mpc.packing import pack, unpack
from confide.mpc.provider import Pending, Provider
from confide.params import SEED_BYTES
from confide.runtime.context import Context, Role
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "TrustedDealer"]

DISCLOSURE = (
    Disclosure(
        "the dealer",
        "the shape of every input and the shapes and order of the operations that need "
        "correlated randomness",
        "it runs the job's code in step to deal what each operation needs",
    ),
    Disclosure(
        "the dealer",
        "no input, intermediate or output value, unless one is revealed to it by name",
        "it sees only its own seeds and the corrections it computes",
    ),
    Disclosure(
        "the dealer together with any one data party",
        "the other data parties' secrets",
        "the dealer must be trusted not to collude: it knows every mask in the clear",
    ),
)


class TrustedDealer(Provider):
    """Correlated randomness from a trusted compute-helper party, seed-compressed.

    ``dealer`` names the party; by default the one party with role ``Role.COMPUTE_HELPER``.
    """

    DISCLOSURE = DISCLOSURE

    def __init__(self, dealer: str | None = None) -> None:
        super().__init__()
        self.dealer = dealer
        self._prg: PRG | None = None
        self._streams: dict[str, PRG] = {}
        self._pending: Pending | None = None

    def helpers(self, ctx: Context) -> tuple[str, ...]:
        helpers = ctx.parties_with(Role.COMPUTE_HELPER)
        if self.dealer is None:
            if len(helpers) != 1:
                found = ", ".join(repr(p) for p in helpers) or "none"
                raise ConfigError(
                    "a trusted dealer needs exactly one party with role "
                    f"{Role.COMPUTE_HELPER.value!r} (found {found}); give the job's roles, "
                    "or name the dealer with TrustedDealer(dealer=...)"
                )
            dealer = helpers[0]
        else:
            dealer = self.dealer
            if dealer not in ctx.parties:
                raise ConfigError(f"the dealer {dealer!r} is not a party of this job")
            if dealer not in helpers:
                raise ConfigError(
                    f"the dealer {dealer!r} must hold the role {Role.COMPUTE_HELPER.value!r}"
                )
        if Role.DATA_PROVIDER in ctx.roles[dealer]:
            raise ConfigError(f"the dealer {dealer!r} must hold no data (it is a data provider)")
        return (dealer,)

    @property
    def _dealer(self) -> str:
        return self.engine.helpers[0]

    def setup(self) -> None:
        engine = self.engine
        ctx = engine.ctx
        with ctx.scope("mpc"):
            if ctx.party == self._dealer:
                for party in engine.parties:
                    seed = new_seed()
                    ctx.send(party, "dealer_seed", seed)
                    self._streams[party] = PRG(seed)
            else:
                seed = ctx.recv(self._dealer, "dealer_seed")
                if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
                    raise ProtocolError(f"the dealer {self._dealer!r} sent a malformed seed")
                self._prg = PRG(seed)

    def deal(self, requests: Sequence[Correlation]) -> list[tuple[np.ndarray, ...]]:
        return self.deal_pending(requests).result()

    def deal_pending(self, requests: Sequence[Correlation]) -> Pending:
        """Deal ``requests``; the last data party's corrections are received on ``result()``.

        So the last party can work with the free components (open ``x - a`` and ``y - b``,
        compute its products) while the dealer is still computing the determined ones. A
        pending batch is completed before the next one is dealt, so corrections are always
        received in the order they were sent.
        """
        for request in requests:
            if not isinstance(request, Correlation):
                raise ConfigError(f"cannot deal a {type(request).__name__}")
        if self._pending is not None:
            self._pending.result()
            self._pending = None
        engine = self.engine
        if engine.ctx.party == self._dealer:
            self._serve(requests)
            return Pending([() for _ in requests])
        pending = self._receive(requests)
        if not pending.done:
            self._pending = pending
        return pending

    def _receive(self, requests: Sequence[Correlation]) -> Pending:
        """A data party's shares: drawn from its stream, plus the dealer's corrections if last."""
        engine = self.engine
        if self._prg is None:
            raise ConfigError("the dealer's seed was never received")
        last = engine.ctx.party == engine.parties[-1]
        layout = layout_of(requests)
        drawn = layout.draw(self._prg, determined=not last)
        count = range(len(requests))
        if not last:
            return Pending([layout.free(drawn, k) + layout.determined(drawn, k) for k in count])
        free = [layout.free(drawn, k) for k in count]
        if not layout.determined_shapes:
            return Pending(free)

        def corrections() -> list[tuple[np.ndarray, ...]]:
            words = iter(self._take(layout.determined_shapes))
            return [
                shares + tuple(next(words) for _ in request.determined)
                for request, shares in zip(requests, free, strict=True)
            ]

        return Pending(free, corrections)

    def _serve(self, requests: Sequence[Correlation]) -> None:
        """The dealer: draw every party's shares, compute, send the last party's corrections.

        The parties' free shares add up a region at a time, and the non-last parties' shares
        of the determined values come off them a region at a time
        (:mod:`~confide.mpc.dealt_layout`).
        """
        engine = self.engine
        parties = engine.parties
        layout = layout_of(requests)
        first, *others = [
            layout.draw(self._streams[p], determined=p != parties[-1]) for p in parties
        ]
        for other in others:  # the dealer's own copy of the first party's stream: in place
            combine_runs(first.words, other.words, layout.word_runs, subtract=False)
            np.bitwise_xor(first.bits, other.bits, out=first.bits)
        if not layout.determined_shapes:
            return
        corrections = np.empty(layout.determined_words, dtype=RING_DTYPE)
        values = iter(layout.split_determined(corrections))
        for k, request in enumerate(requests):
            computed = request.compute(layout.free(first, k))
            if len(computed) != len(request.determined):
                raise ConfigError(f"{type(request).__name__} computed the wrong number of values")
            for component, value in zip(request.determined, computed, strict=True):
                if value.dtype != RING_DTYPE or value.shape != component.shape:
                    raise ConfigError(f"{type(request).__name__} computed a malformed value")
                next(values)[...] = value
        for drawn in [first, *others][:-1]:
            combine_runs(corrections, drawn.determined, layout.determined_runs, subtract=True)
        with engine.ctx.scope("mpc"):
            engine.ctx.send(parties[-1], "deal", pack(layout.split_determined(corrections)))

    def _take(self, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
        """The last party: the dealer's corrections of one batch."""
        with self.engine.ctx.scope("mpc"):
            got = self.engine.ctx.recv(self._dealer, "deal")
        return unpack(self._dealer, got, shapes)
