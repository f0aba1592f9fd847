"""The plaintext twin of secure logistic regression: the same SGD in numpy float64, one process.

:class:`PlainLogisticRegression` takes the same settings as
:class:`~confide.ml.linear.estimator.SecureLogisticRegression` (less the engine, the parties
and ``reveal``) and the whole feature matrix (the parties' columns side by side, in engine
order), and runs the same algorithm on the same row plan: the same validation split and batch
order from the same ``random_state``, the same rounded step constants
(:meth:`~confide.ml.linear.params.LinearParams.constants`), the same sigmoid approximation
(``"clamped"`` with the same block-wise decisions; ``"accurate"`` uses the exact sigmoid,
which the secure one approximates within 4e-4), the same averaging and early-stopping rule.
What remains between the two is fixed-point rounding (2^-18 per truncation) and the accurate
sigmoid's error: the tests bound the gap.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError
from confide.ml.linear.params import LinearParams
from confide.ml.linear.plan import join_rows, make_plan
from confide.mpc.encoding import FRAC_BITS

__all__ = ["PlainLogisticRegression", "approximate_sigmoid", "sigmoid"]

FloatArray = npt.NDArray[np.float64]


def sigmoid(z: FloatArray) -> FloatArray:
    """The logistic function, without overflow."""
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * z))
    return out


def approximate_sigmoid(z: FloatArray, method: str) -> FloatArray:
    """The sigmoid that secure training uses for ``method`` (module docstring)."""
    if method == "accurate":
        return sigmoid(z)
    linear: FloatArray = 0.5 + 0.25 * z
    if method == "linear":
        return linear
    if method == "clamped":
        clamped: FloatArray = np.clip(linear, 0.0, 1.0)
        return clamped
    raise ConfigError(f"unknown sigmoid method {method!r}")


class PlainLogisticRegression:
    """Mini-batch SGD logistic regression in float64: the twin of the secure estimator.

    Learned: ``coef_`` (all coefficients), ``intercept_``, ``history_`` (validation log loss per
    epoch, with early stopping), ``n_iter_``, ``best_epoch_``.
    """

    def __init__(self, *, frac_bits: int = FRAC_BITS, **settings: Any) -> None:
        self.frac_bits = frac_bits
        self.settings = settings

    def fit(self, X: Any, y: Any) -> PlainLogisticRegression:
        params = LinearParams(**self.settings)
        if params.random_state is None:
            raise ConfigError("the twin needs the random_state the secure run used")
        features = np.asarray(X, dtype=np.float64)
        labels = np.asarray(y, dtype=np.float64)
        n = len(features)
        if params.fit_intercept:
            features = np.hstack([features, np.ones((n, 1))])
        plan = make_plan(
            n,
            batch_size=params.batch_size,
            validation_fraction=params.validation_fraction if params.early_stopping else 0.0,
            shuffle=params.shuffle,
            seed=params.random_state,
        )
        row_weights = params.row_weights(labels.astype(np.int64))
        decay = np.ones(features.shape[1])
        if params.fit_intercept:
            decay[-1] = 0.0
        weights = np.zeros(features.shape[1])
        velocity = np.zeros_like(weights)
        kept = weights
        self.history_: list[float] = []
        self.best_epoch_ = 0
        best, waited = math.inf, 0
        for epoch in range(params.epochs):
            total = np.zeros_like(weights)
            batches = list(plan.batches(epoch))
            below = above = np.zeros(0, dtype=bool)
            offset = 0
            for t, rows in enumerate(batches):
                xb, yb = features[rows], labels[rows]
                scores = xb @ weights
                if params.sigmoid == "clamped":
                    if t % params.clamp_refresh == 0:  # the clamp's decisions for a block
                        block = 0.5 + 0.25 * (
                            features[join_rows(batches[t : t + params.clamp_refresh])] @ weights
                        )
                        below, above, offset = block < 0, block >= 1, 0
                    linear = 0.5 + 0.25 * scores
                    chosen = slice(offset, offset + len(xb))
                    offset = chosen.stop
                    s = np.where(below[chosen], 0.0, np.where(above[chosen], 1.0, linear))
                else:
                    s = approximate_sigmoid(scores, params.sigmoid)
                error = s - yb
                if row_weights is not None:
                    error = error * row_weights[rows]
                constants = params.constants(len(xb), self.frac_bits)
                velocity = (
                    constants.momentum_value * velocity
                    + constants.step_value * (xb.T @ error)
                    + constants.decay_value * decay * weights
                )
                weights = weights - velocity
                total += weights
            steps = len(batches)
            model = total / steps if params.average else weights
            self.n_iter_ = epoch + 1
            if not params.early_stopping:
                kept, self.best_epoch_ = model, epoch
                continue
            valid = plan.validation
            loss = _log_loss(
                features[valid] @ model,
                labels[valid],
                None if row_weights is None else row_weights[valid],
            )
            self.history_.append(loss)
            if loss < best - params.tol:
                best, waited = loss, 0
                kept, self.best_epoch_ = model, epoch
            else:
                waited += 1
                if waited >= params.patience:
                    break
        if params.fit_intercept:
            self.coef_, self.intercept_ = kept[:-1], float(kept[-1])
        else:
            self.coef_, self.intercept_ = kept, 0.0
        return self

    def decision_function(self, X: Any) -> FloatArray:
        scores: FloatArray = np.asarray(X, dtype=np.float64) @ self.coef_ + self.intercept_
        return scores

    def predict_proba(self, X: Any) -> FloatArray:
        """The probability of class 1 for each row, shape ``(n,)``."""
        return sigmoid(self.decision_function(X))


def _log_loss(z: FloatArray, y: FloatArray, weights: FloatArray | None) -> float:
    losses = np.logaddexp(0.0, (1.0 - 2.0 * y) * z)
    if weights is not None:
        losses = losses * weights
    return float(np.mean(losses))
