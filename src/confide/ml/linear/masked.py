"""Features masked once, products that reuse the mask: vertical SGD in semi2k with a dealer.

In a Beaver matrix product ``X @ w`` the parties open ``X - A`` and ``w - V`` for a dealt triple
``(A, V, A V)``. The features do not change between steps, so their mask need not either: open
``D = X - A`` once, then every product opens only the short vector (SecureML, Mohassel and
Zhang, IEEE S&P 2017, likewise masks the data matrix once for all iterations). Here each owner
masks its own columns, so ``D`` costs one message per owner and no opening round.

Setup (one round; ``p`` owns the columns ``X_p``, ``f`` fractional bits):

1. ``p`` draws a fresh seed, sends it to the dealer and expands ``A_p = PRG(seed)``, uniform
   ring words of ``X_p``'s shape; it sends ``D_p = encode(X_p) - A_p`` to every other data
   party. The dealer expands every ``A_p`` too. The intercept's column of ones is public
   (``D = 1``, ``A = 0``).
2. Every data party holds ``D = [D_1 | D_2 | ... | 1]``; ``A`` is shared with owner ``p``
   holding ``A_p`` in its columns and zeros elsewhere, so ``X = D + A``.

Product ``X_b @ w`` on rows ``b`` (1 round; ``8 |w|`` bytes per data party to each other):

1. The dealer deals ``V`` (uniform, ``w``'s shape) and ``C = A_b V``
   (:class:`MaskedProduct`; it knows ``A`` and ``V``).
2. The data parties open ``E = w - V``.
3. Party ``i`` takes ``z_i = D_b w_i + A_b^(i) E + C_i``; the shares add up to
   ``D_b w + A_b (w - V) + A_b V = X_b w``.

``X_b^T @ e`` is the same with ``F`` for ``e``'s mask and ``G = A_b^T F`` (``8 |b|`` bytes per
data party to each other). The dealer sends the last data party one correction per product:
``8 |b|`` or ``8 |w|`` bytes; :meth:`MaskedFeatures.prefetch` deals a whole epoch's products in
one message (the randomness depends only on the public batches).

Who learns what. ``D_p`` is ``X_p`` masked by uniform words that only ``p`` and the dealer know,
so the other data parties learn nothing of ``X_p``; ``E`` and ``e - F`` are masked by fresh
uniform ``V`` and ``F`` that no single data party knows. The dealer receives only seeds: it
knows every mask (as every trusted dealer does) and sees no masked value, so it learns nothing;
the dealer together with a data party would learn the others' features, the trust assumption
:mod:`confide.mpc.dealer` already states.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from confide.crypto.prg import PRG, new_seed
from confide.errors import ConfigError, ProtocolError
from confide.ml.linear.features import FeatureProducts, Product, ones_column
from confide.ml.linear.inputs import Layout
from confide.ml.linear.plan import Rows
from confide.mpc import MPC, Component, Correlation, Kind, Provider, Share
from confide.mpc.encoding import RING_DTYPE
from confide.mpc.ring import ring_matmul
from confide.mpc.streams import draw_words
from confide.params import SEED_BYTES

__all__ = ["MaskedFeatures", "MaskedProduct"]

#: What the dealer keeps of a dealt product: nothing.
_NOTHING = (np.zeros(0, RING_DTYPE), np.zeros(0, RING_DTYPE))


@dataclass(frozen=True, eq=False)
class MaskedProduct(Correlation):
    """A fresh mask for a vector and its product with rows of the fixed feature mask ``A``.

    Free: ``V`` of ``cols`` (or of ``rows`` when ``transpose``); determined: ``A_b V`` of
    ``rows`` (or ``A_b^T V`` of ``cols``). ``mask`` is ``A_b`` in the clear, given only at the
    dealer (the one party that computes the determined value); ``None`` at data parties.
    """

    rows: int
    cols: int
    transpose: bool
    mask: np.ndarray | None = None

    @property
    def free(self) -> tuple[Component, ...]:
        return (Component((self.rows if self.transpose else self.cols,)),)

    @property
    def determined(self) -> tuple[Component, ...]:
        return (Component((self.cols if self.transpose else self.rows,)),)

    def compute(self, free: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
        if self.mask is None:
            raise ConfigError("only the dealer computes masked products")
        (v,) = free
        return (ring_matmul(self.mask.T if self.transpose else self.mask, v),)


class MaskedFeatures(FeatureProducts):
    """The feature matrix masked once (see the module docstring); semi2k with a dealer only."""

    def __init__(
        self, mpc: MPC, layout: Layout, features: npt.NDArray[np.float64] | None, n_rows: int
    ) -> None:
        super().__init__(mpc, n_rows, layout.n_weights)
        self.layout = layout
        ctx = mpc.ctx
        self._dealer = mpc.helpers[0]
        self._mask: np.ndarray | None = None  # A, at the dealer
        self._masked: np.ndarray | None = None  # D, at data parties
        self._own_mask: np.ndarray | None = None  # A_p, at owner p
        self._own_span = layout.span(ctx.party) if mpc.holds_shares else slice(0, 0)
        #: Dealt (V, A_b V) pairs for the coming products, with their (rows, transpose).
        self._ready: deque[tuple[int, bool, tuple[np.ndarray, np.ndarray]]] = deque()
        with ctx.scope("linear-mask"):
            if ctx.party == self._dealer:
                self._mask = self._expand_masks()
            else:
                self._masked = self._share_masked(features)

    # -- setup -------------------------------------------------------------------------------------

    def _expand_masks(self) -> np.ndarray:
        """The dealer: every owner's seed, expanded into ``A`` (zeros for the ones column)."""
        ctx = self.mpc.ctx
        blocks = []
        for party, columns in zip(self.layout.parties, self.layout.columns, strict=True):
            if not columns:
                continue
            seed = ctx.recv(party, "mask_seed")
            if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
                raise ProtocolError(f"{party!r} sent a malformed mask seed")
            blocks.append(draw_words(PRG(seed), (self.n_rows, columns)))
        if self.layout.fit_intercept:
            blocks.append(np.zeros((self.n_rows, 1), dtype=RING_DTYPE))
        return _join(blocks, self.n_rows)

    def _share_masked(self, features: npt.NDArray[np.float64] | None) -> np.ndarray:
        """A data party: mask its columns, send them, and assemble ``D`` from everyone's."""
        mpc, ctx, layout = self.mpc, self.mpc.ctx, self.layout
        me = ctx.party
        shape = (self.n_rows, layout.by_party[me])
        mine: np.ndarray | None = None
        if shape[1]:
            if features is None or features.shape != shape:
                raise ConfigError(f"the owner must give features of shape {shape}")
            seed = new_seed()
            ctx.send(self._dealer, "mask_seed", seed)
            self._own_mask = draw_words(PRG(seed), shape)
            mine = _encode(features, mpc.frac_bits)
            mine -= self._own_mask
            for peer in mpc.parties:
                if peer != me:
                    ctx.send(peer, "masked", mine)
        blocks = []
        for party, columns in zip(layout.parties, layout.columns, strict=True):
            if not columns:
                continue
            if party == me and mine is not None:
                blocks.append(mine)
                continue
            got = ctx.recv(party, "masked")
            if (
                not isinstance(got, np.ndarray)
                or got.dtype != RING_DTYPE
                or got.shape != (self.n_rows, columns)
            ):
                raise ProtocolError(f"{party!r} sent masked features of the wrong shape or type")
            blocks.append(got)
        if layout.fit_intercept:
            blocks.append(ones_column(self.n_rows, mpc.frac_bits))
        mpc.count_round()
        return _join(blocks, self.n_rows)

    # -- products ---------------------------------------------------------------------------------

    def times(self, rows: Rows, w: Share) -> Share:
        self._check(w, self.n_columns)
        count = self.count(rows)
        frac_bits = self.mpc.frac_bits + w.frac_bits
        v, c = self._deal(rows, count, transpose=False)
        if self._masked is None:
            return self.mpc.protocol.hollow((count,), Kind.ARITHMETIC, frac_bits)
        (opened,) = self.mpc.protocol.open([self._raw(w.parts[0] - v, w)])
        z = ring_matmul(self._masked[rows], w.parts[0])
        if self._own_mask is not None:
            z += ring_matmul(self._own_mask[rows], opened[self._own_span])
        z += c
        return Share(self.mpc, (z,), (count,), Kind.ARITHMETIC, frac_bits)

    def transpose_times(self, rows: Rows, e: Share) -> Share:
        count = self.count(rows)
        self._check(e, count)
        frac_bits = self.mpc.frac_bits + e.frac_bits
        f, g = self._deal(rows, count, transpose=True)
        if self._masked is None:
            return self.mpc.protocol.hollow((self.n_columns,), Kind.ARITHMETIC, frac_bits)
        (opened,) = self.mpc.protocol.open([self._raw(e.parts[0] - f, e)])
        out = ring_matmul(self._masked[rows].T, e.parts[0])
        if self._own_mask is not None:
            out[self._own_span] += ring_matmul(self._own_mask[rows].T, opened)
        out += g
        return Share(self.mpc, (out,), (self.n_columns,), Kind.ARITHMETIC, frac_bits)

    def prefetch(self, products: Sequence[Product]) -> None:
        """Deal the masks of the coming products, in order, in one batch."""
        requests = []
        for rows, transpose in products:
            mask = None if self._mask is None else self._mask[rows]
            requests.append(MaskedProduct(self.count(rows), self.n_columns, transpose, mask))
        for request, dealt in zip(requests, self._provider().deal(requests), strict=True):
            pair = (dealt[0], dealt[1]) if dealt else _NOTHING
            self._ready.append((request.rows, request.transpose, pair))

    def _deal(self, rows: Rows, count: int, *, transpose: bool) -> tuple[np.ndarray, np.ndarray]:
        if self._ready:
            ready_rows, ready_transpose, pair = self._ready.popleft()
            if (ready_rows, ready_transpose) != (count, transpose):
                raise ConfigError("masked products were asked in another order than prefetched")
            return pair
        mask = None if self._mask is None else self._mask[rows]
        request = MaskedProduct(count, self.n_columns, transpose, mask)
        (dealt,) = self._provider().deal([request])
        return (dealt[0], dealt[1]) if dealt else _NOTHING

    def _provider(self) -> Provider:
        provider = self.mpc.provider
        if provider is None:
            raise ConfigError("masked features need the engine's trusted dealer")
        return provider

    def _raw(self, words: np.ndarray, like: Share) -> Share:
        return Share(self.mpc, (words,), like.shape, Kind.ARITHMETIC, like.frac_bits)


def _encode(features: npt.NDArray[np.float64], frac_bits: int) -> np.ndarray:
    """``encode_ring(features, frac_bits)`` with two temporaries instead of six (the features
    were checked finite and small by :mod:`~confide.ml.linear.inputs`): on a large matrix the
    page faults of fresh arrays cost more than the arithmetic."""
    scaled = features * float(1 << frac_bits)
    np.rint(scaled, out=scaled)
    words: np.ndarray = scaled.astype(np.int64).view(RING_DTYPE)
    return words


def _join(blocks: list[np.ndarray], n_rows: int) -> np.ndarray:
    if not blocks:
        return np.zeros((n_rows, 0), dtype=RING_DTYPE)
    return np.ascontiguousarray(np.hstack(blocks))
