"""Choosing how the secret feature matrix is multiplied: masked with a dealer, else shared."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from confide.ml.linear.features import FeatureProducts
from confide.ml.linear.inputs import Layout
from confide.ml.linear.masked import MaskedFeatures
from confide.ml.linear.shared import SharedFeatures
from confide.mpc import MPC, Semi2k, TrustedDealer

__all__ = ["feature_products"]


def feature_products(
    mpc: MPC, layout: Layout, features: npt.NDArray[np.float64] | None, n_rows: int
) -> FeatureProducts:
    """The fastest backend for ``mpc``: masked for semi2k with a trusted dealer, else shared.

    ``features`` is this party's ``n_rows x columns`` block (None at the dealer). Every party
    builds its side of the same backend (the choice depends only on the engine's classes).
    """
    if isinstance(mpc.protocol, Semi2k) and isinstance(mpc.provider, TrustedDealer):
        return MaskedFeatures(mpc, layout, features, n_rows)
    return SharedFeatures(mpc, layout, features, n_rows)
