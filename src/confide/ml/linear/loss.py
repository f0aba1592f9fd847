"""The validation log loss of secret weights, revealed (only the mean) to every party.

For scores ``z = X_v w`` and labels ``y`` in {0, 1}, the log loss of a row is
``softplus(t)`` with ``t = (1 - 2 y) z``, computed without overflow as
``relu(t) + log(1 + exp(-|t|))``. Steps, all on shares:

1. ``z`` by one product (:mod:`~confide.ml.linear.features`) and a truncation.
2. ``t = (1 - 2 y) z``: ``y`` is an integer share, so one product and no truncation.
3. ``r = relu(t)`` (a comparison and a product), ``|t| = 2 r - t``, ``exp(-|t|)`` in (0, 1],
   ``log(1 + exp(-|t|))`` with the engine's functions (:mod:`confide.mpc.functions`;
   absolute error about 2e-5 per row).
4. With class weights, times the row weights; the mean over the validation rows (a public
   division) is revealed to every party, the dealer included: about 55 rounds in all.

Only the mean is revealed (it is the early-stopping signal every party needs); the rows'
scores and losses stay secret. The engine's ``exp`` and ``log`` need exact-range truncation
(``truncation="pair"``, the default) and 12 to 20 fractional bits.
"""

from __future__ import annotations

from confide.errors import ProtocolError
from confide.ml.linear.features import FeatureProducts
from confide.ml.linear.plan import Rows
from confide.mpc import MPC, Share

__all__ = ["validation_loss"]


def validation_loss(
    mpc: MPC,
    features: FeatureProducts,
    rows: Rows,
    weights: Share,
    labels: Share,
    row_weights: Share | None,
) -> float:
    """The mean (class-weighted) log loss of ``weights`` on ``rows``, at every party."""
    count = features.count(rows)
    z = features.times(rows, weights)
    z = mpc.truncate(z, z.frac_bits - mpc.frac_bits)
    t = (1 - 2 * labels) * z
    r = mpc.relu(t)
    losses = r + mpc.log(mpc.exp(t - 2 * r) + 1.0)
    if row_weights is not None:
        losses = losses * row_weights
    mean = losses.sum().reshape(1) * (1.0 / count)  # 1-d: numpy warns on 0-d wrap-around
    value = mpc.reveal(mean, to=mpc.ctx.parties)
    if value is None:  # cannot happen: every party is a recipient
        raise ProtocolError("the validation loss was not revealed to this party")
    return float(value[0])
