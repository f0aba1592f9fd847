"""Losses of gradient boosting: labels, base margin, gradients and hessians, link and metrics.

Pure functions of plaintext arrays, used only by the label holder (who alone sees labels and
margins) and by the plaintext twin. Margins have shape ``(n, K)``: ``K = 1`` for the logistic and
squared-error losses, ``K`` classes for softmax (one tree per class per round). The formulas
are XGBoost's, hessian floors included, so that the same settings grow the same trees:

- ``binary:logistic``: ``p = sigmoid(m)``, ``g = p - y``, ``h = max(p (1 - p), 1e-16)``.
- ``multi:softprob``: ``p = softmax(m)``, ``g_k = p_k - [y = k]``,
  ``h_k = max(2 p_k (1 - p_k), 1e-16)``.
- ``reg:squarederror``: ``g = m - y``, ``h = 1``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError
from confide.ml.boost.params import Objective

__all__ = [
    "LabelEncoding",
    "base_margin",
    "encode_labels",
    "gradients",
    "greater_is_better",
    "metric",
    "transform",
]

FloatArray = npt.NDArray[np.float64]

#: XGBoost's floor on hessians (``kRtEps``-like), so that no leaf divides by zero.
_HESSIAN_FLOOR = 1e-16
#: Probabilities are clipped to [eps, 1 - eps] inside log losses, as XGBoost's metrics do.
_LOG_EPS = 1e-16


class LabelEncoding:
    """Labels as the loss needs them: class indices 0..K-1, or floats for regression."""

    __slots__ = ("classes", "n_groups", "values")

    def __init__(self, values: npt.NDArray[np.float64], classes: np.ndarray | None) -> None:
        self.values = values
        self.classes = classes
        self.n_groups = 1 if classes is None or len(classes) == 2 else len(classes)


def encode_labels(objective: Objective, y: npt.ArrayLike) -> LabelEncoding:
    """Check labels and encode them; :class:`ConfigError` if they do not fit the objective."""
    array = np.asarray(y)
    if array.ndim != 1 or array.size == 0:
        raise ConfigError(f"labels must be a non-empty 1-d array, got shape {array.shape}")
    if objective is Objective.REG_SQUAREDERROR:
        if array.dtype.kind not in "iufb":
            raise ConfigError(f"regression labels must be numbers, got dtype {array.dtype}")
        values = array.astype(np.float64)
        if not np.all(np.isfinite(values)):
            raise ConfigError("regression labels must be finite (no NaN or infinity)")
        return LabelEncoding(values, None)
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ConfigError("class labels must not be NaN or infinite")
    if array.dtype.kind not in "iufbUSO":
        raise ConfigError(f"class labels of dtype {array.dtype} are not supported")
    try:
        classes, codes = np.unique(array, return_inverse=True)
    except TypeError as exc:
        raise ConfigError(f"class labels cannot be ordered: {exc}") from exc
    if objective is Objective.BINARY_LOGISTIC and len(classes) != 2:
        raise ConfigError(f"binary:logistic needs exactly 2 classes, got {len(classes)}")
    if objective is Objective.MULTI_SOFTPROB and len(classes) < 2:
        raise ConfigError(f"multi:softprob needs at least 2 classes, got {len(classes)}")
    encoding = LabelEncoding(codes.astype(np.float64), classes)
    if objective is Objective.MULTI_SOFTPROB:
        encoding.n_groups = len(classes)
    return encoding


def base_margin(
    objective: Objective, labels: FloatArray, n_groups: int, base_score: float | None
) -> FloatArray:
    """The starting margin of every row, shape ``(K,)``.

    With ``base_score`` given: its margin (the logit of a probability for the logistic loss;
    the same value for every class of softmax). Otherwise XGBoost 3's estimate: the logit of the
    mean label, the centred log class frequencies, or the mean label.
    """
    if objective is Objective.BINARY_LOGISTIC:
        p = float(np.mean(labels)) if base_score is None else base_score
        p = min(max(p, 1e-7), 1 - 1e-7)
        return np.array([np.log(p / (1 - p))])
    if objective is Objective.MULTI_SOFTPROB:
        if base_score is not None:
            return np.full(n_groups, float(base_score))
        counts = np.bincount(labels.astype(np.int64), minlength=n_groups).astype(np.float64)
        logs = np.log(np.maximum(counts / counts.sum(), 1e-7))
        return logs - logs.mean()  # type: ignore[no-any-return]
    return np.array([float(np.mean(labels)) if base_score is None else base_score])


def _sigmoid(m: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-m))


def _softmax(m: FloatArray) -> FloatArray:
    e = np.exp(m - m.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def gradients(
    objective: Objective, margin: FloatArray, labels: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """First and second derivatives of the loss at ``margin`` (n, K): ``g`` and ``h``, (n, K)."""
    if objective is Objective.BINARY_LOGISTIC:
        p = _sigmoid(margin[:, 0])
        g = p - labels
        h = np.maximum(p * (1.0 - p), _HESSIAN_FLOOR)
        return g[:, None], h[:, None]
    if objective is Objective.MULTI_SOFTPROB:
        p = _softmax(margin)
        onehot = np.zeros_like(p)
        onehot[np.arange(len(labels)), labels.astype(np.int64)] = 1.0
        return p - onehot, np.maximum(2.0 * p * (1.0 - p), _HESSIAN_FLOOR)
    return margin[:, :1] - labels[:, None], np.ones((len(labels), 1))


def transform(objective: Objective, margin: FloatArray) -> FloatArray:
    """Predictions from margins: probabilities ``(n, 2)`` or ``(n, K)``, or values ``(n,)``."""
    if objective is Objective.BINARY_LOGISTIC:
        p = _sigmoid(margin[:, 0])
        return np.column_stack([1.0 - p, p])
    if objective is Objective.MULTI_SOFTPROB:
        return _softmax(margin)
    values: FloatArray = margin[:, 0].copy()
    return values


def greater_is_better(name: str) -> bool:
    """Whether a larger value of the metric ``name`` is better (AUC) or worse (losses, errors)."""
    return name == "auc"


def metric(name: str, objective: Objective, labels: FloatArray, margin: FloatArray) -> float:
    """The evaluation metric ``name`` (XGBoost's definitions) of ``margin`` against ``labels``."""
    if len(labels) == 0:
        raise ConfigError("cannot evaluate a metric on no rows")
    pred = transform(objective, margin)
    if name == "rmse":
        return float(np.sqrt(np.mean((pred - labels) ** 2)))
    if name == "logloss":
        p = np.clip(pred[:, 1], _LOG_EPS, 1 - _LOG_EPS)
        return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))
    if name == "error":
        return float(np.mean((pred[:, 1] > 0.5) != (labels == 1)))
    if name == "auc":
        return roc_auc(labels, pred[:, 1])
    codes = labels.astype(np.int64)
    if name == "mlogloss":
        p = np.clip(pred[np.arange(len(codes)), codes], _LOG_EPS, 1 - _LOG_EPS)
        return float(-np.mean(np.log(p)))
    if name == "merror":
        return float(np.mean(np.argmax(pred, axis=1) != codes))
    raise ConfigError(f"unknown metric {name!r}")


def roc_auc(labels: FloatArray, scores: FloatArray) -> float:
    """Area under the ROC curve (the Mann-Whitney statistic, ties counted as one half)."""
    positive = labels == 1
    n_pos = int(positive.sum())
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    # Average ranks (1-based) over runs of equal scores.
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[inverse]
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))
