"""The settings of secure logistic regression, checked once, and their fixed-point constants.

:class:`LinearParams` holds what every party passes to
:class:`~confide.ml.linear.estimator.SecureLogisticRegression` (and to its plaintext twin); they
are public, and every party must pass the same (the parties compare them before training).

Regularisation. Training minimises the mean over the training rows of the (class-weighted) log
loss plus ``l2 / 2 * ||w||^2`` (the intercept is not penalised). scikit-learn's
``LogisticRegression(C=C)`` minimises ``C * sum(loss) + ||w||^2 / 2``, which has the same
minimiser when ``C = 1 / (l2 * n_train)``, with ``n_train`` the rows trained on (after the
validation split): :func:`l2_to_C` and :func:`C_to_l2` convert. ``l2 = 0`` is ``C = inf``
(scikit-learn's ``penalty=None``).

Fixed point. Each SGD step scales the raw gradient ``X_b^T e`` (``2f`` fractional bits, ``f``
the engine's) by ``learning_rate / batch`` encoded with :data:`STEP_BITS` fractional bits, adds
the momentum and L2 terms at the same scale (their constants carry ``f + STEP_BITS`` bits) and
truncates once, by ``f + STEP_BITS``. So ``learning_rate / batch`` is rounded to a multiple of
``2^-21`` (0.1% off for ``learning_rate=0.1`` and batches of 1024), which the plaintext twin
copies (:meth:`LinearParams.constants`). The update of one step must stay below
``2^(61 - 2f - STEP_BITS)`` (16 for ``f = 18``) in magnitude per coefficient, far beyond what a
converging SGD takes; the engine's fractional bits must be at most 18.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from confide.errors import ConfigError
from confide.mpc.encoding import MAX_FRAC_BITS, RING_BITS

__all__ = [
    "REVEAL",
    "SIGMOID_METHODS",
    "STEP_BITS",
    "Constants",
    "LinearParams",
    "C_to_l2",
    "l2_to_C",
]

#: The sigmoid approximations training can use (see :mod:`confide.ml.linear.sgd`).
SIGMOID_METHODS = ("linear", "clamped", "accurate")
#: Where the coefficients go after training: to their owners, or nowhere (secret-shared).
REVEAL = ("owners", "none")
#: Extra fractional bits of the step constants ``learning_rate / batch``, momentum and
#: ``learning_rate * l2``: ``2f + STEP_BITS + 5 <= 62`` (truncation's exact range, 2^62, with
#: room for an update of 16 and its sign) for the default ``f = 18``.
STEP_BITS = 21


def l2_to_C(l2: float, n_train: int) -> float:
    """scikit-learn's ``C`` with the same minimiser as ``l2`` on ``n_train`` training rows."""
    if n_train <= 0:
        raise ConfigError(f"the number of training rows must be positive, got {n_train}")
    return math.inf if l2 == 0 else 1.0 / (l2 * n_train)


def C_to_l2(C: float, n_train: int) -> float:
    """``l2`` with the same minimiser as scikit-learn's ``C`` on ``n_train`` training rows."""
    if n_train <= 0 or not C > 0:
        raise ConfigError("C and the number of training rows must be positive")
    return 0.0 if math.isinf(C) else 1.0 / (C * n_train)


@dataclass(frozen=True)
class Constants:
    """The public ring words of one SGD step on a batch of ``rows`` (see the module docstring).

    ``step`` is ``learning_rate / rows`` with ``STEP_BITS`` fractional bits, ``momentum`` and
    ``decay`` (``learning_rate * l2``) with ``frac_bits + STEP_BITS``; ``*_value`` are the
    reals they stand for, which the plaintext twin uses.
    """

    step: int
    momentum: int
    decay: int
    frac_bits: int

    @property
    def step_value(self) -> float:
        return self.step / 2.0**STEP_BITS

    @property
    def momentum_value(self) -> float:
        return self.momentum / 2.0 ** (self.frac_bits + STEP_BITS)

    @property
    def decay_value(self) -> float:
        return self.decay / 2.0 ** (self.frac_bits + STEP_BITS)


@dataclass(frozen=True)
class LinearParams:
    """Checked settings of secure logistic regression (what each means: the estimator's doc)."""

    epochs: int = 10
    batch_size: int = 1024
    learning_rate: float = 0.5
    momentum: float = 0.9
    average: bool = True
    l2: float = 0.0
    fit_intercept: bool = True
    class_weight: str | Mapping[int, float] | None = None
    validation_fraction: float = 0.1
    early_stopping: bool = True
    patience: int = 2
    tol: float = 1e-4
    sigmoid: str = "clamped"
    clamp_refresh: int = 8
    reveal: str = "owners"
    shuffle: bool = True
    random_state: int | None = None

    def __post_init__(self) -> None:
        _positive_int("epochs", self.epochs)
        _positive_int("batch_size", self.batch_size)
        _positive_int("patience", self.patience)
        _positive_int("clamp_refresh", self.clamp_refresh)
        _real("learning_rate", self.learning_rate, low=0.0, low_open=True)
        _real("momentum", self.momentum, low=0.0, high=1.0, high_open=True)
        _real("l2", self.l2, low=0.0)
        _real("tol", self.tol, low=0.0)
        _real("validation_fraction", self.validation_fraction, low=0.0, high=1.0, high_open=True)
        for name in ("fit_intercept", "early_stopping", "shuffle", "average"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"{name} must be True or False")
        if self.sigmoid not in SIGMOID_METHODS:
            raise ConfigError(f"sigmoid must be one of {SIGMOID_METHODS}, got {self.sigmoid!r}")
        if self.reveal not in REVEAL:
            raise ConfigError(f"reveal must be one of {REVEAL}, got {self.reveal!r}")
        if self.early_stopping and self.validation_fraction == 0:
            raise ConfigError("early stopping needs validation_fraction > 0")
        if self.random_state is not None and (
            isinstance(self.random_state, bool)
            or not isinstance(self.random_state, int)
            or self.random_state < 0
        ):
            raise ConfigError("random_state must be None or a non-negative int")
        _class_weights(self.class_weight)

    @property
    def weights_by_class(self) -> tuple[float, float] | None:
        """The weights of classes 0 and 1 from a dict; None for none or ``"balanced"``."""
        return _class_weights(self.class_weight)

    @property
    def weighted(self) -> bool:
        """Whether rows carry class weights."""
        return self.class_weight is not None

    def canonical(self) -> str:
        """The settings as canonical JSON, for the parties to check they agree."""
        data: dict[str, Any] = asdict(self)
        if isinstance(self.class_weight, Mapping):
            data["class_weight"] = {str(k): float(v) for k, v in self.class_weight.items()}
        return json.dumps(data, sort_keys=True)

    def constants(self, rows: int, frac_bits: int) -> Constants:
        """The ring words of one step on ``rows`` rows (``ConfigError`` if they do not fit)."""
        if not 0 < frac_bits <= MAX_FRAC_BITS or 2 * frac_bits + STEP_BITS + 5 > RING_BITS - 2:
            raise ConfigError(
                f"secure logistic regression needs an engine with at most "
                f"{(RING_BITS - 7 - STEP_BITS) // 2} fractional bits, not {frac_bits}"
            )
        step = round(self.learning_rate / rows * 2.0**STEP_BITS)
        if step == 0:
            raise ConfigError(
                f"learning_rate / batch_size is below the fixed-point resolution 2^-{STEP_BITS}"
            )
        scale = 2.0 ** (frac_bits + STEP_BITS)
        return Constants(
            step=step,
            momentum=round(self.momentum * scale),
            decay=round(self.learning_rate * self.l2 * scale),
            frac_bits=frac_bits,
        )

    def row_weights(self, y: np.ndarray) -> np.ndarray | None:
        """Per-row weights from the labels (``"balanced"``: ``n / (2 n_c)``), or None."""
        if self.class_weight is None:
            return None
        given = self.weights_by_class
        if given is not None:
            w0, w1 = given
        else:
            n, n1 = len(y), int(np.sum(y))
            w0, w1 = n / (2.0 * (n - n1)), n / (2.0 * n1)
        return np.where(y == 1, w1, w0).astype(np.float64)


def _positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive int, got {value!r}")


def _real(
    name: str,
    value: Any,
    *,
    low: float,
    high: float = math.inf,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    if value < low or (low_open and value == low) or value > high or (high_open and value == high):
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise ConfigError(f"{name} must be in {left}{low:g}, {high:g}{right}, got {value!r}")


def _class_weights(spec: Any) -> tuple[float, float] | None:
    if spec is None or spec == "balanced":
        return None
    if isinstance(spec, str) or not isinstance(spec, Mapping):
        raise ConfigError("class_weight must be None, 'balanced' or a dict {0: w0, 1: w1}")
    if set(spec) != {0, 1}:
        raise ConfigError("a class_weight dict must have exactly the keys 0 and 1")
    weights = []
    for label in (0, 1):
        weight = spec[label]
        _real(f"class_weight[{label}]", weight, low=0.0, low_open=True)
        weights.append(float(weight))
    return weights[0], weights[1]
