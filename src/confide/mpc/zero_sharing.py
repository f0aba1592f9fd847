"""Correlated randomness among three parties from pairwise PRG seeds, without a dealer (for aby3).

Three parties ``P_0, P_1, P_2`` (indices mod 3) hold replicated shares: a secret is split into
three components ``x = x_0 + x_1 + x_2`` (or ``XOR``), and ``P_i`` holds ``(x_i, x_{i+1})``, so
component ``x_j`` is held by ``P_j`` and ``P_{j-1}``. This module gives each party a PRG stream
per component it holds, shared with exactly the other holder of that component.

Setup (one message per party, 16 bytes, no round on any critical path):

1. ``P_i`` draws a seed ``k_i`` from ``secrets`` and sends it to ``P_{i-1}`` over the
   authenticated, encrypted link (mutual TLS between processes).
2. ``P_i`` keeps ``G_i = AES-CTR(k_i)`` and ``G_{i+1} = AES-CTR(k_{i+1})`` (from ``P_{i+1}``).

So stream ``G_j`` is known to exactly the two holders of component ``j``, and each party lacks
one stream: ``P_i`` never sees ``G_{i+2}``. Without any message, a party can then draw

* its parts of a **random replicated sharing**: component ``j`` from ``G_j``;
* its **zero share** ``alpha_i = G_i - G_{i+1}`` (or ``G_i XOR G_{i+1}``): the three add up to
  zero (each stream is counted once with each sign), and ``alpha_i`` looks uniform to anyone
  without ``G_{i+1}`` (ABY3, Mohassel and Rindal, CCS 2018, section 2.2; Araki et al., CCS 2016);
* **common randomness** of the pair ``P_{j-1}, P_j``: stream ``G_j``.

Keeping in step: both holders of a stream draw from it at the same points of the same code, for
the same shapes, which SPMD code does by construction (the protocol draws only where both
holders run the same branch). Threat model: semi-honest, at most one party corrupted (honest
majority); a value masked by ``G_j`` is pseudo-random to the party that lacks ``G_j``
(AES-128-CTR, 128-bit seeds).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from confide.crypto.prg import PRG, new_seed
from confide.errors import ConfigError, ProtocolError
from confide.mpc.share import Kind
from confide.mpc.streams import draw_bits, draw_many, draw_words
from confide.params import SEED_BYTES
from confide.runtime.context import Context

__all__ = ["PARTIES", "ReplicatedStreams"]

#: Replicated sharing as here is for exactly three parties.
PARTIES = 3


class ReplicatedStreams:
    """The two component streams of party ``index`` of three (see the module docstring)."""

    def __init__(self, index: int, own: PRG, following: PRG) -> None:
        if index not in range(PARTIES):
            raise ConfigError(f"a party index among three is 0, 1 or 2, not {index!r}")
        self.index = index
        self._streams = {index: own, (index + 1) % PARTIES: following}

    @classmethod
    def agree(cls, ctx: Context, parties: Sequence[str]) -> ReplicatedStreams:
        """Run the seed exchange among ``parties`` (three, in order) as ``ctx.party``."""
        if len(parties) != PARTIES or ctx.party not in parties:
            raise ConfigError(f"replicated streams need three parties including {ctx.party!r}")
        index = list(parties).index(ctx.party)
        previous = parties[(index - 1) % PARTIES]
        following = parties[(index + 1) % PARTIES]
        seed = new_seed()
        with ctx.scope("mpc"):
            ctx.send(previous, "component_seed", seed)
            received = ctx.recv(following, "component_seed")
        if not isinstance(received, bytes) or len(received) != SEED_BYTES:
            raise ProtocolError(f"{following!r} sent a malformed seed")
        return cls(index, PRG(seed), PRG(received))

    def holds(self, component: int) -> bool:
        """Whether this party holds component ``component`` (and its stream)."""
        return component % PARTIES in self._streams

    def stream(self, component: int) -> PRG:
        """The stream ``G_component``, shared with the other holder of that component."""
        try:
            return self._streams[component % PARTIES]
        except KeyError:
            raise ConfigError(
                f"party {self.index} does not hold component {component % PARTIES}"
            ) from None

    def words(self, component: int, shape: tuple[int, ...]) -> np.ndarray:
        """The next uniform ring words of ``shape`` from ``G_component``."""
        return draw_words(self.stream(component), shape)

    def words_many(self, component: int, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
        """The next uniform ring words of each of ``shapes`` from ``G_component``, in order:
        what as many :meth:`words` calls give, with one buffer."""
        return draw_many(self.stream(component), [(shape, 64) for shape in shapes])

    def bits(self, component: int, shape: tuple[int, ...]) -> np.ndarray:
        """The next uniform bits (0/1 words) of ``shape`` from ``G_component``."""
        return draw_bits(self.stream(component), shape)

    def random(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """This party's two components of a uniformly random replicated sharing."""
        return self.words(self.index, shape), self.words(self.index + 1, shape)

    def zero(self, shape: tuple[int, ...], kind: Kind = Kind.ARITHMETIC) -> np.ndarray:
        """This party's zero share ``G_i - G_{i+1}`` (``XOR`` for boolean); the three sum to 0."""
        return self.zeros([shape], kind)[0]

    def zeros(
        self, shapes: Sequence[tuple[int, ...]], kind: Kind | Sequence[Kind] = Kind.ARITHMETIC
    ) -> list[np.ndarray]:
        """This party's zero shares of each of ``shapes`` (of one kind, or each of its own):
        as many :meth:`zero` calls give."""
        kinds = [kind] * len(shapes) if isinstance(kind, Kind) else list(kind)
        if len(kinds) != len(shapes):
            raise ConfigError(f"{len(kinds)} kinds for {len(shapes)} zero shares")
        shares = self.words_many(self.index, shapes)
        following = self.words_many(self.index + 1, shapes)
        for share, other, each in zip(shares, following, kinds, strict=True):
            if each is Kind.BOOLEAN:
                np.bitwise_xor(share, other, out=share)
            else:
                np.subtract(share, other, out=share)
        return shares
