"""``SecureBoost``: the scikit-learn-style estimator of vertical SecureBoost, over a context.

Every party builds the same estimator and calls the same methods with its own data::

    def job(ctx, table):
        model = SecureBoost("bank", n_estimators=10, max_depth=5)
        model.fit(ctx, table["X"], table.get("y"))      # y only at the label holder
        return model.predict_proba(ctx, table["X_test"])  # None except at the label holder

    confide.runtime.simulate(job, {"bank": bank_table, "platform": platform_table})

``__init__`` only stores the settings (XGBoost's names); ``fit`` returns the estimator; what it
learns ends in ``_``. ``predict_proba``, ``predict`` and ``predict_margin`` return results at
the label holder and None at the other parties, whose part is to take part. The protocol and
what each party learns are documented in :mod:`.secureboost` and :mod:`.model`.

Deadlines: each receive waits at most the context's timeout, and the longest waits are a
passive party's for the label holder's encryption of a round (per row and core at 2048 bits,
about 0.05 ms under OU and 0.3 ms under Paillier) and the label holder's for the top-level
histograms (about 3 us per row, feature and core): give ``simulate``/``launch`` a ``timeout``
that covers them for large tables.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import numpy.typing as npt

from confide.crypto.he import Scheme
from confide.crypto.parallel import WorkerPool, available_cores
from confide.errors import ConfigError
from confide.ml.boost.inputs import as_feature_table
from confide.ml.boost.model import ModelPart, predict_margin
from confide.ml.boost.objective import transform
from confide.ml.boost.params import BoostParams, Objective
from confide.ml.boost.secureboost import KeySettings, train
from confide.params import OU_KEY_BITS
from confide.runtime.context import Context

__all__ = ["SecureBoost", "secureboost_job"]

FloatArray = npt.NDArray[np.float64]


class SecureBoost:
    """Vertical gradient boosting (XGBoost's ``hist`` algorithm) under homomorphic encryption.

    ``label_holder`` names the party with the labels. The boosting settings mean what they
    mean in XGBoost (see :class:`~confide.ml.boost.params.BoostParams`). ``he`` is the scheme
    of the label holder's key: ``"ou"`` (Okamoto-Uchiyama, the default: several times faster)
    or ``"paillier"``; the trees are the same either way. ``key_bits`` is its modulus
    (``allow_weak_key=True`` admits test keys below 2048 bits, at every party); ``n_jobs`` the
    worker processes for ciphertext work (1: none, this process only; None or -1: every core).

    Learned (every party): ``model_`` (its :class:`ModelPart`), ``n_features_in_``,
    ``feature_names_in_``, ``stats_`` (seconds per phase, bytes sent). At the label holder
    also: ``classes_``, ``n_classes_``, ``evals_result_`` (validation metric per round),
    ``best_iteration_`` and ``feature_importances_`` (per owner: split count and total gain
    per feature; other parties get their own split counts).
    """

    def __init__(
        self,
        label_holder: str,
        *,
        objective: str = "binary:logistic",
        n_estimators: int = 10,
        max_depth: int = 6,
        max_leaves: int = 0,
        grow_policy: str = "depthwise",
        learning_rate: float = 0.3,
        min_child_weight: float = 1.0,
        reg_lambda: float = 1.0,
        gamma: float = 0.0,
        subsample: float = 1.0,
        colsample_bytree: float = 1.0,
        colsample_bylevel: float = 1.0,
        colsample_bynode: float = 1.0,
        max_bin: int = 32,
        base_score: float | None = None,
        early_stopping_rounds: int | None = None,
        validation_fraction: float = 0.1,
        eval_metric: str | None = None,
        random_state: int = 0,
        gradient_bits: int = 24,
        he: str = "ou",
        key_bits: int = OU_KEY_BITS,
        allow_weak_key: bool = False,
        n_jobs: int | None = 1,
    ) -> None:
        self.label_holder = label_holder
        self.objective = objective
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.max_leaves = max_leaves
        self.grow_policy = grow_policy
        self.learning_rate = learning_rate
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.gamma = gamma
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.colsample_bylevel = colsample_bylevel
        self.colsample_bynode = colsample_bynode
        self.max_bin = max_bin
        self.base_score = base_score
        self.early_stopping_rounds = early_stopping_rounds
        self.validation_fraction = validation_fraction
        self.eval_metric = eval_metric
        self.random_state = random_state
        self.gradient_bits = gradient_bits
        self.he = he
        self.key_bits = key_bits
        self.allow_weak_key = allow_weak_key
        self.n_jobs = n_jobs

    # -- scikit-learn conventions -----------------------------------------------------------

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [name for name in signature.parameters if name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The settings given to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> SecureBoost:
        """Change settings; :class:`ConfigError` for an unknown name."""
        names = set(self._param_names())
        for name, value in params.items():
            if name not in names:
                raise ConfigError(f"SecureBoost has no setting {name!r}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        return f"SecureBoost(label_holder={self.label_holder!r}, objective={self.objective!r})"

    def boost_params(self) -> BoostParams:
        """The boosting settings, checked (:class:`ConfigError` if one is invalid)."""
        names = set(BoostParams.names())
        return BoostParams(**{k: v for k, v in self.get_params().items() if k in names})

    # -- training and prediction ------------------------------------------------------------

    def fit(self, ctx: Context, X: Any = None, y: npt.ArrayLike | None = None) -> SecureBoost:
        """Train with every party; ``X`` this party's features, ``y`` the labels (label
        holder only). Raises on every party if any party's input is wrong."""
        params = self.boost_params()
        keys = KeySettings(self.key_bits, self.allow_weak_key, Scheme.parse(self.he))
        pool = _pool(self.n_jobs)
        try:
            outcome = train(ctx, params, keys, self.label_holder, X, y, pool=pool)
        finally:
            if pool is not None:
                pool.close()
        part = outcome.part
        self.model_: ModelPart = part
        self.n_features_in_ = part.n_features
        self.feature_names_in_ = part.feature_names
        self.stats_ = outcome.stats
        self.feature_importances_ = part.importance()
        if ctx.party == self.label_holder:
            self.classes_ = outcome.classes
            self.n_classes_ = 0 if outcome.classes is None else len(outcome.classes)
            self.evals_result_ = {params.metric: outcome.evals}
            self.best_iteration_ = outcome.best_iteration
        return self

    def _model(self) -> ModelPart:
        model = getattr(self, "model_", None)
        if model is None:
            raise ConfigError("this SecureBoost is not fitted yet: call fit first")
        return model  # type: ignore[no-any-return]

    def predict_margin(self, ctx: Context, X: Any = None) -> FloatArray | None:
        """Raw margins ``(rows, K)`` at the label holder; None elsewhere."""
        part = self._model()
        if X is None and part.n_features == 0:
            raise ConfigError("a label holder without features passes the row count as X=n")
        if isinstance(X, int) and not isinstance(X, bool):
            values = np.zeros((X, 0))
        else:
            values = as_feature_table(X).values
        return predict_margin(ctx, part, values)

    def predict_proba(self, ctx: Context, X: Any = None) -> FloatArray | None:
        """Class probabilities ``(rows, classes)`` at the label holder; None elsewhere."""
        part = self._model()
        if part.objective is Objective.REG_SQUAREDERROR:
            raise ConfigError("predict_proba needs a classification objective; use predict")
        margin = self.predict_margin(ctx, X)
        return None if margin is None else transform(part.objective, margin)

    def predict(self, ctx: Context, X: Any = None) -> npt.NDArray[Any] | None:
        """Predicted classes (or values, for regression) at the label holder; None elsewhere."""
        part = self._model()
        margin = self.predict_margin(ctx, X)
        if margin is None:
            return None
        if part.objective is Objective.REG_SQUAREDERROR:
            return transform(part.objective, margin)
        proba = transform(part.objective, margin)
        classes: npt.NDArray[Any] = np.asarray(self.classes_)
        predicted: npt.NDArray[Any] = classes[np.argmax(proba, axis=1)]
        return predicted


def _pool(n_jobs: int | None) -> WorkerPool | None:
    if n_jobs == 1:
        return None
    if n_jobs is None or n_jobs == -1:
        return WorkerPool(available_cores())
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        raise ConfigError(f"n_jobs must be None, -1 or an int >= 1, got {n_jobs!r}")
    return WorkerPool(n_jobs)


def secureboost_job(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    """Fit (and optionally score) with wire-format input and output, for :func:`confide.launch`.

    ``spec``: ``{"params": {SecureBoost settings}, "X": features, "y": labels (label holder
    only), "X_test": features to score (optional)}``. Returns ``{"model": part.to_wire(),
    "stats": ..., "proba" or "prediction": ... (label holder, with X_test)}``.
    """
    params = dict(spec.get("params", {}))
    model = SecureBoost(**params)
    model.fit(ctx, spec.get("X"), spec.get("y"))
    out: dict[str, Any] = {"model": model.model_.to_wire(), "stats": model.stats_}
    if "X_test" in spec:
        if model.model_.objective is Objective.REG_SQUAREDERROR:
            out["prediction"] = model.predict(ctx, spec["X_test"])
        else:
            out["proba"] = model.predict_proba(ctx, spec["X_test"])
    return out
