"""Mini-batch SGD for logistic regression on secret shares: the training loop.

Every party runs this loop in step (the dealer with hollow shares). The weights ``w`` (each
data party's coefficients, then the intercept) stay secret-shared throughout. One step on a
batch ``b`` of ``B`` rows, with ``f`` fractional bits:

1. ``z = X_b w``: one product (:mod:`~confide.ml.linear.features`), ``2f`` bits.
2. The error ``e = sigmoid(z) - y_b`` at ``f`` bits, by the ``sigmoid`` setting:

   - ``"linear"``: ``0.5 + z / 4`` (the first-order Taylor sigmoid, SecureML's), from ``z``
     truncated by ``f + 2`` bits: one round, no product. Unbounded: rows with a large ``|z|``
     pull as in least squares; fine on well-scaled features, less so on heavy-tailed ones.
   - ``"clamped"``: ``clamp(0.5 + z / 4, 0, 1)`` (SecretFlow's ``t1`` with its limit; absolute
     error 0.12 near ``|z| = 2``). Which rows fall below 0 or above 1 is decided by one
     sign-bit circuit (:func:`confide.mpc.compare.negative_flags`, 8 rounds) for the
     rows of ``clamp_refresh`` batches at once, with the weights at the first of them: the
     first batch's scores come from that block product, the following batches compute their
     own ``0.5 + z / 4`` with the current weights and reuse the block's flags (0/1 shares), so
     a row is clamped by a decision at most ``clamp_refresh - 1`` steps old. The clamp itself
     is one product by the flags, without truncation. ``clamp_refresh=1`` clamps exactly; the
     default 8 trained as well as the exact clamp on the Taiwan credit data and on generated
     data, at half the rounds.
   - ``"accurate"``: the engine's accurate sigmoid (absolute error 4e-4): 9 rounds in semi2k
     (its comparison and polynomial share rounds).

   With class weights, ``e`` is multiplied by the row weights ``c_b``: two more rounds.
3. ``g = X_b^T e``: one product, ``2f`` bits.
4. ``v = momentum v + (learning_rate / B) g + learning_rate l2 w`` (no L2 on the intercept):
   three local products by public words at ``2f + STEP_BITS`` bits, added, and **one**
   truncation (one round) back to ``f``; ``w = w - v`` (local).

Rounds per step, measured (``stats_["rounds_per_step"]``), in semi2k with a dealer: 4 with
``"linear"`` (two openings of short vectors, two truncations), ``5 + 8 / clamp_refresh`` with
``"clamped"`` (6 for 8, 13 for 1), 13 with ``"accurate"``, 2 more with class weights; in aby3,
whose truncation takes two rounds but truncates the scores' product in the product's own rounds
(``matmul_trunc``): 5, 7.25 and 18, and 17 with ``"accurate"`` in plain SGD (without momentum or
L2), whose update's product is truncated so too. With ``average``, the model of each
epoch is the mean of the epoch's iterates (Polyak-Ruppert averaging; one truncation per epoch);
training continues from the last iterate.

Early stopping: after each epoch the validation log loss of the epoch's model
(:mod:`~confide.ml.linear.loss`) is revealed to every party, the dealer included, so all take
the same decision: stop after ``patience`` epochs without an improvement of more than ``tol``,
and keep the best epoch's weights.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from confide.errors import ConfigError
from confide.ml.linear.features import FeatureProducts, Product
from confide.ml.linear.inputs import Layout
from confide.ml.linear.loss import validation_loss
from confide.ml.linear.params import STEP_BITS, LinearParams
from confide.ml.linear.plan import Plan, Rows, join_rows
from confide.ml.linear.truncation import Truncations
from confide.mpc import MPC, Kind, Share
from confide.mpc.compare import negative_flags
from confide.mpc.encoding import RING_DTYPE

__all__ = ["Trained", "schedule", "train"]


@dataclass
class Trained:
    """The secret weights and what training revealed or counted."""

    weights: Share
    history: list[float] = field(default_factory=list)
    n_iter: int = 0
    best_epoch: int = 0
    steps: int = 0
    step_rounds: int = 0
    step_bytes: int = 0
    step_seconds: float = 0.0


def train(
    mpc: MPC,
    features: FeatureProducts,
    labels: Share,
    row_weights: Share | None,
    plan: Plan,
    params: LinearParams,
    layout: Layout,
) -> Trained:
    """Run SGD (module docstring) and return the secret weights of the kept epoch."""
    ctx = mpc.ctx
    zeros = mpc.protocol.zeros((features.n_columns,), Kind.ARITHMETIC, mpc.frac_bits)
    state = _State(mpc, features, labels, row_weights, params, _decay_mask(layout), zeros)
    out = Trained(zeros)
    best = math.inf
    waited = 0
    for epoch in range(params.epochs):
        with ctx.scope("epoch", epoch):
            rounds, sent, start = mpc.rounds, mpc.bytes_sent, time.perf_counter()
            batches = list(plan.batches(epoch))
            products, truncations = schedule(batches, params, features, mpc.frac_bits)
            features.prefetch(products)  # the epoch's randomness, dealt in two messages
            state.truncations.prefetch(truncations)
            total = state.epoch(batches)
            out.steps += len(batches)
            out.step_rounds += mpc.rounds - rounds
            out.step_bytes += mpc.bytes_sent - sent
            out.step_seconds += time.perf_counter() - start
            model = state.weights if total is None else mpc.mul(total, 1.0 / len(batches))
            out.n_iter = epoch + 1
            if not params.early_stopping:
                out.weights, out.best_epoch = model, epoch
                continue
            y_v = labels[plan.validation]
            c_v = None if row_weights is None else row_weights[plan.validation]
            loss = validation_loss(mpc, features, plan.validation, model, y_v, c_v)
        out.history.append(loss)
        if loss < best - params.tol:
            best, waited = loss, 0
            out.weights, out.best_epoch = model, epoch
        else:
            waited += 1
            if waited >= params.patience:
                break
    return out


def schedule(
    batches: Sequence[Rows], params: LinearParams, features: FeatureProducts, frac_bits: int
) -> tuple[list[Product], list[tuple[tuple[int, ...], int]]]:
    """What one epoch asks for, in order: the feature products ``(rows, transposed)`` and the
    truncations ``(shape, bits)`` of the scores and of the updates."""
    products: list[Product] = []
    truncations: list[tuple[tuple[int, ...], int]] = []
    for t, rows in enumerate(batches):
        scores = rows
        if params.sigmoid == "clamped" and t % params.clamp_refresh == 0:
            scores = join_rows(batches[t : t + params.clamp_refresh])
        products += [(scores, False), (rows, True)]
        if params.sigmoid != "accurate":  # the engine's sigmoid truncates on its own
            truncations.append(((features.count(scores),), frac_bits + 2))
        truncations.append(((features.n_columns,), frac_bits + STEP_BITS))
    return products, truncations


@dataclass
class _Flags:
    """The clamp's 0/1 shares for a block of rows: inside [0, 1), and at or above 1."""

    inside: Share
    above: Share
    offset: int = 0

    def clamp(self, linear: Share) -> Share:
        """``clamp(linear, 0, 1)`` for the block's next ``len(linear)`` rows (one product)."""
        rows = slice(self.offset, self.offset + len(linear))
        self.offset = rows.stop
        return linear * self.inside[rows] + self.above[rows]


class _State:
    """The secret weights and velocity as training goes, and one epoch's steps."""

    def __init__(
        self,
        mpc: MPC,
        features: FeatureProducts,
        labels: Share,
        row_weights: Share | None,
        params: LinearParams,
        decay: np.ndarray,
        zeros: Share,
    ) -> None:
        self.mpc, self.features, self.params = mpc, features, params
        self.labels, self.row_weights, self.decay = labels, row_weights, decay
        self.weights = self.velocity = zeros
        self.truncations = Truncations(mpc)

    def epoch(self, batches: Sequence[Rows]) -> Share | None:
        """One pass over ``batches``; the sum of its iterates when averaging, else None."""
        total: Share | None = None
        flags: _Flags | None = None
        refresh = self.params.clamp_refresh
        for t, rows in enumerate(batches):
            count = self.features.count(rows)
            if self.params.sigmoid == "accurate":
                f = self.mpc.frac_bits
                z = self.features.times_truncated(rows, self.weights, f)
                if z is None:  # the sigmoid truncates it
                    z = self.features.times(rows, self.weights)
                s = self.mpc.sigmoid(z, "accurate")
            elif self.params.sigmoid == "linear":
                s = self._linear(rows)
            else:
                if t % refresh == 0:
                    block = self._linear(join_rows(batches[t : t + refresh]))
                    below, under_one = negative_flags(self.mpc, [block, block - 1.0])
                    flags = _Flags(under_one - below, 1 - under_one)
                    linear = block[:count]
                else:
                    linear = self._linear(rows)
                if flags is None:  # cannot happen: the first step makes them
                    raise ConfigError("the clamp's flags are missing")
                s = flags.clamp(linear)
            error = s - self.labels[rows]
            if self.row_weights is not None:
                error = error * self.row_weights[rows]
            self.velocity = self._velocity(rows, error, count)
            self.weights = self.weights - self.velocity
            if self.params.average:
                total = self.weights if total is None else total + self.weights
        return total

    def _linear(self, rows: Rows) -> Share:
        """``0.5 + z / 4`` at the engine's bits for ``z = X[rows] w``: one product, one
        truncation (by ``f + 2`` bits, which leaves the words of ``z / 4``)."""
        f = self.mpc.frac_bits
        quarter = self.features.times_truncated(rows, self.weights, f + 2)
        if quarter is None:
            z = self.features.times(rows, self.weights)
            quarter = self.truncations.truncate(z, z.frac_bits - f + 2)
        return quarter.with_parts(quarter.parts, frac_bits=f) + 0.5

    def _velocity(self, rows: Rows, error: Share, count: int) -> Share:
        """``momentum v + (learning_rate / count) g + learning_rate l2 w`` for the gradient
        ``g = X[rows]^T e``, truncated once. Plain SGD (no momentum, no L2) scales ``e`` first
        and takes the product truncated, where the engine fuses the two (one round less)."""
        f = self.mpc.frac_bits
        constants = self.params.constants(count, f)
        step = _words(constants.step)
        if not constants.momentum and not constants.decay:
            scaled = error.local_mul(step, frac_bits=error.frac_bits + STEP_BITS)
            fused = self.features.transpose_times_truncated(rows, scaled, f + STEP_BITS)
            if fused is not None:
                return fused
        gradient = self.features.transpose_times(rows, error)
        scale = 2 * f + STEP_BITS
        update = gradient.local_mul(step, frac_bits=scale)
        if constants.momentum:
            momentum = _words(constants.momentum)
            update = update + self.velocity.local_mul(momentum, frac_bits=scale)
        if constants.decay:
            decay = self.decay * _words(constants.decay)
            update = update + self.weights.local_mul(decay, frac_bits=scale)
        return self.truncations.truncate(update, f + STEP_BITS)


def _words(value: int) -> np.ndarray:
    return np.asarray(value, dtype=RING_DTYPE)


def _decay_mask(layout: Layout) -> np.ndarray:
    """1 for each coefficient, 0 for the intercept (which is not penalised)."""
    mask = np.ones(layout.n_weights, dtype=RING_DTYPE)
    if layout.fit_intercept:
        mask[-1] = 0
    return mask
