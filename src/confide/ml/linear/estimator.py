"""``SecureLogisticRegression``: the scikit-learn-style estimator of vertical secure LR.

Every party builds the same estimator over its engine and calls the same methods with its own
columns (rows aligned by PSI); the dealer passes ``None``::

    def job(ctx, data):
        mpc = MPC(ctx, Semi2k(), TrustedDealer())          # or MPC(ctx, Aby3()) for three
        model = SecureLogisticRegression(mpc, label_holder="bank", l2=1e-4)
        model.fit(data.get("X"), data.get("y"))           # y only at the bank
        return model.predict_proba(data.get("X_test"))     # at the bank; None elsewhere

    confide.simulate(job, {"bank": {...}, "platform": {...}, "dealer": {}},
                     roles={"dealer": [Role.COMPUTE_HELPER]})

``__init__`` only stores the settings; ``fit`` returns the estimator; what it learns ends in
``_``. The algorithm is in :mod:`.sgd`, the products in :mod:`.masked` (semi2k with a dealer)
and :mod:`.shared` (aby3 and others), prediction in :mod:`.predict`; :data:`DISCLOSURE` says
who learns what.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError
from confide.ml.linear.backend import feature_products
from confide.ml.linear.inputs import (
    Layout,
    check_fit_inputs,
    check_predict_inputs,
    feature_limit,
)
from confide.ml.linear.params import LinearParams
from confide.ml.linear.plain import sigmoid
from confide.ml.linear.plan import make_plan
from confide.ml.linear.predict import scores_from_owners, scores_from_shares
from confide.ml.linear.sgd import train
from confide.mpc import MPC, Share
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "SecureLogisticRegression"]

FloatArray = npt.NDArray[np.float64]

DISCLOSURE = (
    Disclosure(
        "every party, the dealer included",
        "the number of rows, each data party's number of columns, the settings, and the row "
        "plan (which rows validate, the batches' order)",
        "shapes fix the messages; the plan is drawn from a public seed",
    ),
    Disclosure(
        "every party, the dealer included",
        "the validation log loss after each epoch (history_), with early stopping",
        "every party must take the same decision to stop",
    ),
    Disclosure(
        "each data party (reveal='owners')",
        "its own coefficients; the label holder also the intercept",
        "no party learns another's coefficients; with reveal='none' nobody learns any weight",
    ),
    Disclosure(
        "the result receiver of a prediction (the label holder by default)",
        "the score, hence the probability, of every predicted row: so the sum of the other "
        "parties' partial scores, which with two data parties is the other party's partial "
        "score itself",
        "the other parties receive None and learn nothing of the scores",
    ),
    Disclosure(
        "the dealer (semi2k)",
        "a seed from each feature owner, hence the masks of the features, and no masked value",
        "it must not collude with a data party, as every trusted dealer (confide.mpc.dealer)",
    ),
)


class SecureLogisticRegression:
    """Vertical logistic regression by mini-batch SGD on secret shares.

    ``mpc`` is this party's engine: semi2k with a trusted dealer for two (or more) data
    parties, or aby3 for three; ``label_holder`` names the data party with the labels.

    Settings (the same at every party): ``epochs`` (at most), ``batch_size``,
    ``learning_rate``, ``momentum`` (heavy ball; 0 for plain SGD), ``average`` (each epoch's
    model is the mean of its iterates; the defaults, 0.5 with momentum 0.9 and averaging, came
    within 0.003 of scikit-learn's test AUC on the Taiwan credit data and on generated data),
    ``l2`` (mean loss + ``l2 / 2 ||w||^2``, intercept not penalised: scikit-learn's
    ``C = 1 / (l2 * n_train)``, see :func:`~.params.l2_to_C`), ``fit_intercept``,
    ``class_weight`` (None, ``"balanced"`` from all rows' labels, or ``{0: w0, 1: w1}``;
    weights the error of each row), ``validation_fraction`` and ``early_stopping``,
    ``patience`` and ``tol`` (stop after ``patience`` epochs whose validation loss did not
    improve by more than ``tol``; keep the best epoch), ``sigmoid`` (``"linear"``,
    ``"clamped"`` or ``"accurate"``) and ``clamp_refresh`` (steps between the clamp's
    decisions; 1 is the exact clamp): see :mod:`.sgd`; ``reveal`` (``"owners"``: each owner
    learns its coefficients; ``"none"``: the weights stay secret-shared), ``shuffle`` (a new
    batch order each epoch) and ``random_state`` (the public seed of the row plan; drawn by
    the label holder when None).

    Learned: ``n_features_by_party_`` (public), ``n_iter_``, ``history_`` (validation loss per
    epoch), ``best_epoch_``, ``stats_`` (at this party: seconds, rounds and bytes sent during
    ``fit``; SGD steps, and rounds, bytes and seconds per step). With ``reveal="owners"``:
    ``coef_`` (this party's own coefficients, shape ``(d_p,)``) at each data party and
    ``intercept_`` at the label holder; with ``reveal="none"``: ``weights_share_`` (this
    party's share of the weights: each party's coefficients in engine order, then the
    intercept) and no ``coef_``.
    """

    def __init__(
        self,
        mpc: MPC,
        *,
        label_holder: str,
        epochs: int = 10,
        batch_size: int = 1024,
        learning_rate: float = 0.5,
        momentum: float = 0.9,
        average: bool = True,
        l2: float = 0.0,
        fit_intercept: bool = True,
        class_weight: str | dict[int, float] | None = None,
        validation_fraction: float = 0.1,
        early_stopping: bool = True,
        patience: int = 2,
        tol: float = 1e-4,
        sigmoid: str = "clamped",
        clamp_refresh: int = 8,
        reveal: str = "owners",
        shuffle: bool = True,
        random_state: int | None = None,
    ) -> None:
        self.mpc = mpc
        self.label_holder = label_holder
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.average = average
        self.l2 = l2
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.patience = patience
        self.tol = tol
        self.sigmoid = sigmoid
        self.clamp_refresh = clamp_refresh
        self.reveal = reveal
        self.shuffle = shuffle
        self.random_state = random_state

    # -- training --------------------------------------------------------------------------------

    def _params(self) -> LinearParams:
        return LinearParams(
            epochs=self.epochs,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            momentum=self.momentum,
            average=self.average,
            l2=self.l2,
            fit_intercept=self.fit_intercept,
            class_weight=self.class_weight,
            validation_fraction=self.validation_fraction,
            early_stopping=self.early_stopping,
            patience=self.patience,
            tol=self.tol,
            sigmoid=self.sigmoid,
            clamp_refresh=self.clamp_refresh,
            reveal=self.reveal,
            shuffle=self.shuffle,
            random_state=self.random_state,
        )

    def fit(self, X: Any, y: Any = None) -> SecureLogisticRegression:
        """Train on this party's columns ``X`` (``None`` at the dealer) and, at the label
        holder only, the 0/1 labels ``y``. Every party calls it; bad inputs anywhere raise the
        same ``ConfigError`` at every party before any data is shared."""
        mpc = self.mpc
        if not isinstance(mpc, MPC):
            raise ConfigError(f"mpc must be an MPC engine, got {type(mpc).__name__}")
        params: LinearParams | None = None
        problem = None
        try:
            params = self._params()
            _require_pair_truncation(mpc)
        except ConfigError as exc:
            problem = f"invalid settings: {exc}"
        start, rounds, sent = time.perf_counter(), mpc.rounds, mpc.bytes_sent
        with mpc.ctx.scope("linear-fit"):
            inputs = check_fit_inputs(
                mpc,
                self.label_holder,
                X,
                y,
                params_text=params.canonical() if params is not None else "",
                params_problem=problem,
                fit_intercept=params.fit_intercept if params is not None else True,
                random_state=params.random_state if params is not None else None,
                limit=feature_limit(mpc.frac_bits, params.batch_size) if params else np.inf,
            )
            if params is None:  # cannot happen: the problem was raised at every party
                raise ConfigError(problem or "invalid settings")
            layout = inputs.layout
            plan = make_plan(
                layout.n_rows,
                batch_size=params.batch_size,
                validation_fraction=params.validation_fraction if params.early_stopping else 0.0,
                shuffle=params.shuffle,
                seed=inputs.seed,
            )
            products = feature_products(mpc, layout, inputs.features, layout.n_rows)
            holder = self.label_holder
            mine = mpc.ctx.party == holder
            labels = mpc.input(holder, inputs.labels if mine else None, shape=(layout.n_rows,))
            row_weights = None
            if params.weighted:
                given = params.row_weights(inputs.labels) if inputs.labels is not None else None
                row_weights = mpc.input(holder, given, shape=(layout.n_rows,))
            trained = train(mpc, products, labels, row_weights, plan, params, layout)
            self._keep(trained.weights, layout, params)
        self.layout_ = layout
        self.n_features_by_party_ = layout.by_party
        self.n_iter_ = trained.n_iter
        self.best_epoch_ = trained.best_epoch
        self.history_ = trained.history
        self.stats_ = {
            "seconds": time.perf_counter() - start,
            "rounds": mpc.rounds - rounds,
            "bytes_sent": mpc.bytes_sent - sent,
            "steps": trained.steps,
            "rounds_per_step": trained.step_rounds / max(trained.steps, 1),
            "bytes_per_step": trained.step_bytes / max(trained.steps, 1),
            "seconds_per_step": trained.step_seconds / max(trained.steps, 1),
        }
        return self

    def _keep(self, weights: Share, layout: Layout, params: LinearParams) -> None:
        """Reveal each owner's coefficients to it (and the intercept to the label holder), or
        keep the shares."""
        for name in ("coef_", "intercept_", "weights_share_"):
            self.__dict__.pop(name, None)
        self.reveal_ = params.reveal
        if params.reveal == "none":
            self.weights_share_ = weights
            return
        me = self.mpc.ctx.party
        for party in layout.parties:
            span = layout.span(party)
            positions = list(range(span.start, span.stop))
            if layout.fit_intercept and party == layout.label_holder:
                positions.append(layout.n_weights - 1)
            if not positions:
                if party == me:
                    self.coef_ = np.zeros(0)
                continue
            revealed = self.mpc.reveal(weights[np.asarray(positions)], to=party)
            if revealed is not None:
                values = np.asarray(revealed, dtype=np.float64)
                self.coef_ = values[: span.stop - span.start]
                if len(values) > len(self.coef_):
                    self.intercept_ = float(values[-1])
        if me == layout.label_holder and not layout.fit_intercept:
            self.intercept_ = 0.0

    # -- prediction ------------------------------------------------------------------------------

    def decision_function(self, X: Any, *, receiver: str | None = None) -> FloatArray | None:
        """The scores ``X w + b`` of the rows of ``X`` (this party's columns; ``None`` at the
        dealer), at ``receiver`` (default: the label holder); ``None`` at the other parties."""
        layout = self._fitted()
        mpc = self.mpc
        receiver = layout.label_holder if receiver is None else receiver
        if receiver not in mpc.parties:
            raise ConfigError(f"the result receiver {receiver!r} must be a data party")
        with mpc.ctx.scope("linear-predict"):
            n_rows, features = check_predict_inputs(mpc, layout, X)
            if self.reveal_ == "none":
                return scores_from_shares(
                    mpc, layout, n_rows, features, self.weights_share_, receiver
                )
            return scores_from_owners(
                mpc,
                layout,
                n_rows,
                features,
                getattr(self, "coef_", None),
                getattr(self, "intercept_", 0.0),
                receiver,
            )

    def predict_proba(self, X: Any, *, receiver: str | None = None) -> FloatArray | None:
        """The probability of class 1 for each row, shape ``(n,)``, at ``receiver`` only."""
        scores = self.decision_function(X, receiver=receiver)
        return None if scores is None else sigmoid(scores)

    def predict(
        self, X: Any, *, receiver: str | None = None, threshold: float = 0.5
    ) -> npt.NDArray[np.int64] | None:
        """Class labels (probability above ``threshold``) at ``receiver`` only."""
        proba = self.predict_proba(X, receiver=receiver)
        return None if proba is None else (proba > threshold).astype(np.int64)

    @property
    def disclosure(self) -> tuple[Disclosure, ...]:
        """Who learns what: this estimator's disclosures, then its engine's."""
        return DISCLOSURE + self.mpc.disclosure

    def _fitted(self) -> Layout:
        layout = getattr(self, "layout_", None)
        if not isinstance(layout, Layout):
            raise ConfigError("this SecureLogisticRegression is not fitted yet: call fit first")
        return layout

    def __repr__(self) -> str:
        return (
            f"SecureLogisticRegression(party={self.mpc.ctx.party!r}, "
            f"label_holder={self.label_holder!r}, sigmoid={self.sigmoid!r})"
        )


def _require_pair_truncation(mpc: MPC) -> None:
    """``ConfigError`` for local (SecureML) truncation: each SGD step truncates values near
    2^57 ring units, where local truncation fails with probability about 2^-6 per element."""
    truncation = getattr(mpc.protocol, "truncation", None)
    if getattr(truncation, "value", truncation) == "local":
        raise ConfigError("secure logistic regression needs the engine's truncation='pair'")
