"""The hyperparameters of histogram gradient boosting, checked once, shared by both twins.

:class:`BoostParams` holds what decides the trees (the names and meanings are XGBoost's, so a
risk team can carry settings over): the secure protocol (:mod:`.secureboost`) and its plaintext
twin (:mod:`.plain`) read the same object, so a setting cannot mean two things. Every party of a
secure job builds its own ``BoostParams`` and the parties check that theirs agree before any
data is touched (:meth:`BoostParams.to_wire`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from enum import Enum
from typing import Any

from confide.errors import ConfigError

__all__ = ["BoostParams", "GrowPolicy", "Objective"]

#: Fixed-point bits of each encoded gradient and hessian, by default: |v| < 2**24 after scaling
#: the largest magnitude of the tree just under 2**23, the precision of XGBoost's own float32
#: gradients (24-bit significand).
DEFAULT_GRADIENT_BITS = 24


class Objective(str, Enum):
    """The loss being boosted (XGBoost's names)."""

    BINARY_LOGISTIC = "binary:logistic"
    MULTI_SOFTPROB = "multi:softprob"
    REG_SQUAREDERROR = "reg:squarederror"


class GrowPolicy(str, Enum):
    """How a tree grows: level by level, or always at the leaf with the largest gain."""

    DEPTHWISE = "depthwise"
    LOSSGUIDE = "lossguide"


_METRICS = {
    Objective.BINARY_LOGISTIC: ("logloss", "auc", "error"),
    Objective.MULTI_SOFTPROB: ("mlogloss", "merror"),
    Objective.REG_SQUAREDERROR: ("rmse",),
}


@dataclass(frozen=True)
class BoostParams:
    """Settings of one boosting job; :class:`ConfigError` on construction if one is invalid.

    ``max_depth=0`` means no depth limit (then ``max_leaves`` must bound the tree);
    ``max_leaves=0`` means no leaf limit. ``base_score=None`` estimates it from the labels as
    XGBoost 3 does (the mean label, in probability for the logistic loss; centred log class
    frequencies for softmax). ``early_stopping_rounds`` holds out ``validation_fraction`` of
    the rows (chosen by the label holder) and stops when ``eval_metric`` has not improved for
    that many rounds; the model keeps the best round. ``random_state`` seeds the row and column
    samples and the validation split, which are not secret (see the disclosures).
    ``gradient_bits`` is the fixed-point precision of each gradient and hessian.
    """

    objective: Objective = Objective.BINARY_LOGISTIC
    n_estimators: int = 10
    max_depth: int = 6
    max_leaves: int = 0
    grow_policy: GrowPolicy = GrowPolicy.DEPTHWISE
    learning_rate: float = 0.3
    min_child_weight: float = 1.0
    reg_lambda: float = 1.0
    gamma: float = 0.0
    subsample: float = 1.0
    colsample_bytree: float = 1.0
    colsample_bylevel: float = 1.0
    colsample_bynode: float = 1.0
    max_bin: int = 32
    base_score: float | None = None
    early_stopping_rounds: int | None = None
    validation_fraction: float = 0.1
    eval_metric: str | None = None
    random_state: int = 0
    gradient_bits: int = DEFAULT_GRADIENT_BITS

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "objective", Objective(self.objective))
            object.__setattr__(self, "grow_policy", GrowPolicy(self.grow_policy))
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc
        _int_at_least("n_estimators", self.n_estimators, 1)
        _int_at_least("max_depth", self.max_depth, 0)
        _int_at_least("max_leaves", self.max_leaves, 0)
        if self.max_leaves == 1:
            raise ConfigError("max_leaves must be 0 (no limit) or at least 2")
        if self.max_depth == 0 and self.max_leaves == 0:
            raise ConfigError("max_depth=0 (no depth limit) needs max_leaves > 0")
        _int_at_least("max_bin", self.max_bin, 2)
        _int_at_least("random_state", self.random_state, 0)
        _int_at_least("gradient_bits", self.gradient_bits, 8)
        if self.gradient_bits > 52:
            raise ConfigError(f"gradient_bits must be at most 52, got {self.gradient_bits}")
        _number_in("learning_rate", self.learning_rate, 0.0, math.inf, low_open=True)
        _number_in("min_child_weight", self.min_child_weight, 0.0, math.inf)
        _number_in("reg_lambda", self.reg_lambda, 0.0, math.inf)
        _number_in("gamma", self.gamma, 0.0, math.inf)
        for name in ("subsample", "colsample_bytree", "colsample_bylevel", "colsample_bynode"):
            _number_in(name, getattr(self, name), 0.0, 1.0, low_open=True)
        _number_in(
            "validation_fraction", self.validation_fraction, 0.0, 1.0, low_open=True, high_open=True
        )
        if self.early_stopping_rounds is not None:
            _int_at_least("early_stopping_rounds", self.early_stopping_rounds, 1)
        if self.base_score is not None:
            _number_in("base_score", self.base_score, -math.inf, math.inf)
            if not math.isfinite(self.base_score):
                raise ConfigError(f"base_score must be finite, got {self.base_score!r}")
            if self.objective is Objective.BINARY_LOGISTIC and not 0 < self.base_score < 1:
                raise ConfigError("base_score of binary:logistic is a probability in (0, 1)")
        if self.eval_metric is not None and self.eval_metric not in _METRICS[self.objective]:
            raise ConfigError(
                f"eval_metric {self.eval_metric!r} does not fit {self.objective.value}; "
                f"choose one of {list(_METRICS[self.objective])}"
            )

    @property
    def metric(self) -> str:
        """The validation metric: ``eval_metric``, or XGBoost's default for the objective."""
        return self.eval_metric or _METRICS[self.objective][0]

    def to_wire(self) -> dict[str, Any]:
        """The settings as a wire value (enums as their names), for the parties to compare."""
        out: dict[str, Any] = {}
        for key, value in asdict(self).items():
            out[key] = value.value if isinstance(value, Enum) else value
        return out

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The names of the settings, in order."""
        return tuple(f.name for f in fields(cls))


def _int_at_least(name: str, value: object, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigError(f"{name} must be an int >= {low}, got {value!r}")


def _number_in(
    name: str,
    value: object,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high or (math.isinf(value) and not math.isinf(high)):
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise ConfigError(f"{name} must be in {left}{low:g}, {high:g}{right}, got {value!r}")
