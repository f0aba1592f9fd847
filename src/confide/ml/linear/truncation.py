"""Truncations whose randomness is dealt ahead, a whole epoch in one message (semi2k + dealer).

Every SGD step truncates twice (the scores and the update). The engine's truncation asks the
dealer for its pair at each call, so the dealer sends the last data party two messages per step;
training knows the shapes of an epoch's truncations in advance, so :meth:`Truncations.prefetch`
deals all their pairs at once (:class:`~confide.mpc.TruncationPair`, the same correlation the
engine uses) and :meth:`Truncations.truncate` spends them in order.

The protocol is semi2k's pair truncation (Escudero, Ghosh, Keller, Rachuri and Scholl,
CRYPTO 2020; :mod:`confide.mpc.semi2k`): with ``(r, msb(r), (r mod 2^63) >> f)`` dealt, open
``c = x + 2^62 + r`` (one round) and take ``(c mod 2^63) >> f - (r mod 2^63) >> f +
(msb(c) XOR msb(r)) 2^(63 - f) - 2^(62 - f)``, linear in the shares: ``floor(x / 2^f)`` or one
more for every ``|x| < 2^62``. ``c`` is uniform, so the data parties learn nothing; the dealer
sees no opened value. With another engine (aby3), :meth:`Truncations.truncate` is the engine's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

import numpy as np

from confide.errors import ConfigError
from confide.mpc import MPC, Kind, Semi2k, Share, TruncationPair, TrustedDealer
from confide.mpc.encoding import RING_BITS, RING_DTYPE
from confide.mpc.semi2k import pair_truncation_share

__all__ = ["Truncations"]

_OFFSET = np.uint64(1 << (RING_BITS - 2))


class Truncations:
    """Divide shares by powers of two, with pairs dealt ahead where the engine allows it."""

    def __init__(self, mpc: MPC) -> None:
        self.mpc = mpc
        self.ahead = isinstance(mpc.protocol, Semi2k) and isinstance(mpc.provider, TrustedDealer)
        self._ready: deque[tuple[TruncationPair, tuple[np.ndarray, ...]]] = deque()

    def prefetch(self, requests: Sequence[tuple[tuple[int, ...], int]]) -> None:
        """Deal the pairs of the coming truncations ``(shape, bits)``, in order, at once."""
        if not self.ahead or not requests:
            return
        pairs = [TruncationPair(shape, bits) for shape, bits in requests]
        provider = self.mpc.provider
        if provider is None:
            raise ConfigError("dealt truncations need the engine's trusted dealer")
        for pair, dealt in zip(pairs, provider.deal(pairs), strict=True):
            self._ready.append((pair, dealt))

    def truncate(self, x: Share, bits: int) -> Share:
        """``x / 2^bits`` (``frac_bits`` drop by ``bits``): one round."""
        if not self._ready:
            return self.mpc.truncate(x, bits)
        pair, dealt = self._ready.popleft()
        if pair != TruncationPair(x.shape, bits) or x.kind is not Kind.ARITHMETIC:
            raise ConfigError("truncations were asked in another order than prefetched")
        frac_bits = max(x.frac_bits - bits, 0)
        if not x.parts:  # the dealer: it dealt the pair and takes no other part
            return x.with_parts([], frac_bits=frac_bits)
        first = self.mpc.ctx.party == self.mpc.parties[0]
        r, r_msb, r_shifted = dealt
        masked = x.parts[0] + r
        if first:
            masked += _OFFSET
        (c,) = self.mpc.protocol.open([x.with_parts([masked])])
        z = pair_truncation_share(c, r_msb, r_shifted, bits, first=first)
        return x.with_parts([np.asarray(z, dtype=RING_DTYPE)], frac_bits=frac_bits)
