"""The secret feature matrix of a vertical job, and what training asks of it: two products.

Training needs two products per step, on a batch of rows ``b``: the scores ``X_b @ w`` and the
raw gradient ``X_b^T @ e``. :class:`FeatureProducts` is that interface; the backends are
:class:`~confide.ml.linear.masked.MaskedFeatures` (semi2k with a trusted dealer) and
:class:`~confide.ml.linear.shared.SharedFeatures` (any engine), and
:func:`~confide.ml.linear.backend.feature_products` picks one.

Columns are the data parties' in engine order, then a public column of ones when the model
has an intercept. Products come back with the fractional bits of the features (the engine's)
plus the vector's, untruncated: the caller truncates once where it suits it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from confide.errors import ConfigError
from confide.ml.linear.plan import Rows
from confide.mpc import MPC, Kind, Share
from confide.mpc.encoding import encode_ring

__all__ = ["FeatureProducts", "Product", "Rows", "ones_column"]

#: One product to come: its rows and whether it is the transposed one.
Product = tuple[Rows, bool]


class FeatureProducts(ABC):
    """Products of the secret ``n_rows x n_columns`` feature matrix with secret vectors."""

    def __init__(self, mpc: MPC, n_rows: int, n_columns: int) -> None:
        self.mpc = mpc
        self.n_rows = n_rows
        self.n_columns = n_columns

    @abstractmethod
    def times(self, rows: Rows, w: Share) -> Share:
        """``X[rows] @ w`` for a secret ``w`` of ``n_columns``, untruncated."""

    @abstractmethod
    def transpose_times(self, rows: Rows, e: Share) -> Share:
        """``X[rows]^T @ e`` for a secret ``e`` with one value per selected row, untruncated."""

    def times_truncated(self, rows: Rows, w: Share, bits: int) -> Share | None:
        """``X[rows] @ w`` divided by ``2^bits`` in the product's own rounds where the engine
        fuses products with truncation (aby3: two rounds instead of a resharing round and a
        truncation's two); ``None`` where it does not, and the caller truncates."""
        return None

    def transpose_times_truncated(self, rows: Rows, e: Share, bits: int) -> Share | None:
        """``X[rows]^T @ e`` divided by ``2^bits`` as :meth:`times_truncated` does, or ``None``."""
        return None

    def prefetch(self, products: Sequence[Product]) -> None:
        """Announce the coming products, in order (``(rows, False)`` for ``times``, ``(rows,
        True)`` for ``transpose_times``), so that a backend can prepare their randomness in one
        batch (default: nothing)."""
        return None

    def count(self, rows: Rows) -> int:
        """How many rows ``rows`` selects."""
        if isinstance(rows, slice):
            return len(range(*rows.indices(self.n_rows)))
        return len(rows)

    def _check(self, w: Share, length: int) -> None:
        if w.kind is not Kind.ARITHMETIC or w.shape != (length,):
            raise ConfigError(f"expected an arithmetic vector share of {length}, got {w.shape}")


def ones_column(n_rows: int, frac_bits: int) -> np.ndarray:
    """The intercept's public column of ones as ring words with ``frac_bits``."""
    return encode_ring(np.ones((n_rows, 1)), frac_bits)
