"""Secret feature matrix as one share, for any engine: the protocol's matrix products.

Each owner inputs its columns once (``mpc.input``); the products are the protocol's ``matmul``
on row slices of the share. In aby3 each product is one round that sends the result's size
(a resharing), not the matrix's, so nothing is gained by masking; and a product that is to be
truncated anyway is truncated without that resharing (``matmul_trunc``: two rounds, not three).
In semi2k without the masked backend each product would open the batch of rows afresh.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from confide.ml.linear.features import FeatureProducts, ones_column
from confide.ml.linear.inputs import Layout
from confide.ml.linear.plan import Rows
from confide.mpc import MPC, Kind, Share

__all__ = ["SharedFeatures"]


class SharedFeatures(FeatureProducts):
    """The feature matrix as one secret share; products by the protocol's matmul."""

    def __init__(
        self, mpc: MPC, layout: Layout, features: npt.NDArray[np.float64] | None, n_rows: int
    ) -> None:
        super().__init__(mpc, n_rows, layout.n_weights)
        ctx = mpc.ctx
        blocks = []
        for party, columns in zip(layout.parties, layout.columns, strict=True):
            if columns:
                mine = features if ctx.party == party else None
                blocks.append(mpc.input(party, mine, shape=(n_rows, columns)))
        if layout.fit_intercept:
            zeros = mpc.protocol.zeros((n_rows, 1), Kind.ARITHMETIC, mpc.frac_bits)
            blocks.append(mpc.protocol.add_public(zeros, ones_column(n_rows, mpc.frac_bits)))
        self.matrix = mpc.concatenate(blocks, axis=1)

    def times(self, rows: Rows, w: Share) -> Share:
        self._check(w, self.n_columns)
        return self.mpc.protocol.matmul(self.matrix[rows], w)

    def transpose_times(self, rows: Rows, e: Share) -> Share:
        self._check(e, self.count(rows))
        return self.mpc.protocol.matmul(self.matrix[rows].T, e)

    def times_truncated(self, rows: Rows, w: Share, bits: int) -> Share | None:
        self._check(w, self.n_columns)
        return self._fused(self.matrix[rows], w, bits)

    def transpose_times_truncated(self, rows: Rows, e: Share, bits: int) -> Share | None:
        self._check(e, self.count(rows))
        return self._fused(self.matrix[rows].T, e, bits)

    def _fused(self, x: Share, y: Share, bits: int) -> Share | None:
        protocol = self.mpc.protocol
        if not protocol.FUSES_MUL_TRUNC:
            return None
        return protocol.matmul_trunc(x, y, bits)
