"""Vertical prediction: every party's part of the score, summed so that only the receiver sees it.

With coefficients revealed to their owners (``reveal="owners"``), each owner computes its
partial score ``X_p @ coef_p`` locally (the label holder adds the intercept); the parties input
them as secrets, the engine sums them, and only the result receiver gets the total (one input
round per contributing party, one opening). With secret weights (``reveal="none"``) the test
features are secret-shared (:mod:`~confide.ml.linear.backend`) and ``X @ w`` is computed on
shares, then truncated and opened to the receiver alone.

The receiver learns the score of every row, hence the sum of the other parties' partial
scores: with two data parties, the other party's partial score itself. The others learn
nothing (they get ``None``).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError
from confide.ml.linear.backend import feature_products
from confide.ml.linear.inputs import Layout
from confide.mpc import MPC, Share

__all__ = ["scores_from_owners", "scores_from_shares"]

FloatArray = npt.NDArray[np.float64]


def scores_from_owners(
    mpc: MPC,
    layout: Layout,
    n_rows: int,
    features: FloatArray | None,
    coef: FloatArray | None,
    intercept: float,
    receiver: str,
) -> FloatArray | None:
    """Sum the owners' partial scores in MPC; the total at ``receiver``, None elsewhere."""
    me = mpc.ctx.party
    total: Share | None = None
    for party, columns in zip(layout.parties, layout.columns, strict=True):
        adds_intercept = layout.fit_intercept and party == layout.label_holder
        if not columns and not adds_intercept:
            continue
        partial = None
        if party == me:
            if features is None or coef is None:
                raise ConfigError("an owner needs its features and coefficients to predict")
            partial = features @ coef + (intercept if adds_intercept else 0.0)
        share = mpc.input(party, partial, shape=(n_rows,))
        total = share if total is None else total + share
    if total is None:
        raise ConfigError("the model has no coefficients")
    return _decoded(mpc.reveal(total, to=receiver))


def scores_from_shares(
    mpc: MPC,
    layout: Layout,
    n_rows: int,
    features: FloatArray | None,
    weights: Share,
    receiver: str,
) -> FloatArray | None:
    """``X @ w`` on shares for secret weights; the scores at ``receiver``, None elsewhere."""
    products = feature_products(mpc, layout, features, n_rows)
    z = products.times(slice(None), weights)
    z = mpc.truncate(z, z.frac_bits - mpc.frac_bits)
    return _decoded(mpc.reveal(z, to=receiver))


def _decoded(value: np.ndarray | None) -> FloatArray | None:
    return None if value is None else np.asarray(value, dtype=np.float64)
