"""The credit-scoring job: PSI, WOE binning, IV selection, secure LR, prediction, scorecard.

Every party of the job runs :func:`credit_job` (SPMD): the bank (label holder), one or two
feature owners (the data platform, a partner) and, with two data parties, the dealer, which
deals the MPC engine's correlated randomness and holds no data. Steps, each timed with the bytes
it sent (:class:`~confide.jobs.vertical.stages.StageClock`); steps 1 to 4 are shared with the
boosting job (:mod:`~confide.jobs.vertical.rows`):

1. **check**: every party compares the fingerprint of its settings with everyone else's.
2. **load**: each data party reads its own table (:mod:`~confide.jobs.vertical.tables`).
3. **psi**: the data parties align their rows on the id column (:func:`confide.psi.align`).
4. **split**: the label holder draws the train/test split and sends the test rows' positions to
   the feature owners (positions in the aligned order, drawn without looking at any value).
5. **binning**: each data party bins its own features on its training rows
   (:func:`~confide.preprocessing.fit_bins`), locally.
6. **woe**: per-bin event counts by MPC (:func:`~confide.preprocessing.vertical_woe`); every
   party learns every feature's IV and keeps those at or above the threshold.
7. **train**: secure logistic regression on the selected features' WOE values
   (:class:`~confide.ml.linear.SecureLogisticRegression`); each owner receives its own
   coefficients.
8. **predict**: probabilities of the train and test rows, revealed to the label holder only.
9. **share**: with ``share_model_with_label_holder`` the feature owners send the label holder
   their coefficients (the WOE tables it already has), so it can assemble the whole scorecard.
10. **evaluate**: the label holder computes the metrics and scorecard points
    (:mod:`confide.metrics`, :mod:`confide.ml.scorecard`).

Each data party returns :class:`~confide.jobs.credit.outcome.CreditOutcome` as a dict (wire
values only), with what that party learned; the dealer returns its stage times. The label
holder's outcome is what the report is made of (:func:`confide.report.credit_job_report`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from confide import psi
from confide.errors import ConfigError, ProtocolError
from confide.jobs.credit.outcome import CreditOutcome, woe_table_dict
from confide.jobs.credit.settings import CreditSettings, PartyTable
from confide.jobs.vertical.outcome import disclosure_dicts
from confide.jobs.vertical.rows import (
    SPLIT_DISCLOSURE,
    AlignedRows,
    agree_settings,
    holds_data,
    load_align_split,
    needed,
    party_table,
)
from confide.jobs.vertical.stages import Emit, StageClock, print_progress
from confide.metrics import summary
from confide.ml.linear import SecureLogisticRegression
from confide.ml.scorecard import Scaling, Scorecard, base_points, owner_points
from confide.mpc import MPC, Aby3, Semi2k, TrustedDealer
from confide.preprocessing import (
    BinSpec,
    WoeResult,
    WoeTable,
    assign_bins,
    fit_bins,
    vertical_woe,
    woe_transform,
)
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "add_scorecard", "credit_job", "run_credit"]


DISCLOSURE = (
    SPLIT_DISCLOSURE,
    Disclosure(
        "the label holder (with share_model_with_label_holder)",
        "each feature owner's coefficients, so it can build the whole scorecard",
        "the owners' bin labels and WOE tables already reach it in the woe step",
    ),
)


def credit_job(ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Run the credit job as this party; ``inputs``: ``{"settings": ..., "table": ...}``.

    ``settings`` is :meth:`CreditSettings.to_dict` (the same at every party); ``table`` is this
    data party's :meth:`PartyTable.to_dict` (``None`` at the dealer). Progress lines go to
    standard error (:func:`~confide.jobs.vertical.stages.print_progress`).
    """
    settings = CreditSettings.from_dict(inputs["settings"])
    return run_credit(ctx, settings, party_table(inputs)).to_dict()


def run_credit(
    ctx: Context,
    settings: CreditSettings,
    table: PartyTable | None,
    *,
    emit: Emit | None = print_progress,
    frame: pd.DataFrame | None = None,
) -> CreditOutcome:
    """The job as this party (see the module docstring); ``frame`` replaces reading ``table``."""
    is_data = holds_data(ctx, settings, table, frame)
    me = ctx.party
    clock = StageClock(ctx, emit)
    outcome = CreditOutcome(party=me, settings=settings.to_dict())
    with ctx.scope("credit"):
        with clock.stage("check"):
            agree_settings(ctx, settings)
        local = _Local()
        if is_data:
            load_align_split(ctx, settings, local, table, frame, clock, outcome)
            with clock.stage("binning"):
                local.bin(settings)
        mpc = _engine(ctx, settings)
        with clock.stage("woe"):
            woe = vertical_woe(
                mpc,
                local.train_bins,
                local.specs,
                local.train_labels,
                label_holder=settings.label_holder,
                min_bin_rows=settings.min_bin_share,
            )
            selected = woe.selected(settings.iv_threshold, max_features=settings.max_features)
            if not selected:
                raise ConfigError(
                    f"no feature reaches the IV threshold {settings.iv_threshold}: lower it"
                )
            clock.say("woe", f"{len(selected)} of {len(woe.iv)} features kept by IV")
        outcome.iv = dict(woe.iv)
        outcome.owners = dict(woe.owners)
        outcome.selected = list(selected)
        outcome.woe_tables = {name: woe_table_dict(t) for name, t in woe.tables.items()}
        mine = [f for f in selected if woe.owners[f] == me]
        x_train, x_test = local.woe_features(mine, woe) if is_data else (None, None)
        model = SecureLogisticRegression(
            mpc,
            label_holder=settings.label_holder,
            epochs=settings.epochs,
            batch_size=settings.batch_size,
            learning_rate=settings.learning_rate,
            l2=settings.l2,
            random_state=_model_seed(settings),
        )
        with clock.stage("train"):
            model.fit(x_train, local.train_labels)
            clock.say("train", f"{model.n_iter_} epochs")
        with clock.stage("predict"):
            outcome.train_scores = model.predict_proba(x_train)
            outcome.test_scores = model.predict_proba(x_test)
        if is_data:
            own = np.asarray(model.coef_, dtype=np.float64).tolist()
            outcome.coefficients = {me: dict(zip(mine, own, strict=True))}
        with clock.stage("share"):
            _share_model(ctx, settings, outcome)
        if me == settings.label_holder:
            with clock.stage("evaluate"):
                intercept = float(model.intercept_)
                _evaluate(settings, outcome, local, woe, intercept)
                clock.say("evaluate", _headline(outcome))
        outcome.disclosures = disclosure_dicts(_disclosures(settings, model))
    outcome.stages = [stage.to_dict() for stage in clock.stages]
    outcome.rounds = mpc.rounds
    return outcome


class _Local(AlignedRows):
    """One data party's own data through the job: the shared rows, then its bins."""

    def __init__(self) -> None:
        super().__init__()
        self.specs: dict[str, BinSpec] | None = None
        self.train_bins: np.ndarray | None = None

    def bin(self, settings: CreditSettings) -> None:
        train = self.table.loc[~self.test_mask, self.features]
        self.specs = fit_bins(
            train,
            self.features,
            method=settings.binning,  # type: ignore[arg-type]
            n_bins=settings.n_bins,
            min_rows=settings.min_bin_share,
            single_bin="drop",
        )
        if not self.specs:
            raise ConfigError("none of this party's features can be binned (all constant?)")
        self.train_bins = assign_bins(train, self.specs)

    def woe_features(self, names: list[str], woe: WoeResult) -> tuple[np.ndarray, np.ndarray]:
        fitted = needed(self.specs, "this party's bins")
        specs = {name: fitted[name] for name in names}
        values = woe_transform(self.table[names], specs, woe.tables).to_numpy(dtype=np.float64)
        return values[~self.test_mask], values[self.test_mask]


def _engine(ctx: Context, settings: CreditSettings) -> MPC:
    if settings.dealer is not None:
        return MPC(ctx, Semi2k(), TrustedDealer(dealer=settings.dealer))
    return MPC(ctx, Aby3())


def _model_seed(settings: CreditSettings) -> int | None:
    # Every party must shuffle the same way: the seed is part of the agreed settings.
    return settings.split_seed


def _share_model(ctx: Context, settings: CreditSettings, outcome: CreditOutcome) -> None:
    if not settings.share_model_with_label_holder or ctx.party == settings.dealer:
        return
    bank = settings.label_holder
    if ctx.party != bank:
        ctx.send(bank, "coefficients", outcome.coefficients[ctx.party])
        return
    for owner in settings.feature_owners:
        received = ctx.recv(owner, "coefficients")
        if not isinstance(received, dict) or not all(
            isinstance(k, str) and isinstance(v, float) for k, v in received.items()
        ):
            raise ProtocolError(f"{owner!r} sent malformed coefficients")
        unknown = [f for f in received if outcome.owners.get(f) != owner]
        if unknown:
            raise ProtocolError(f"{owner!r} sent coefficients of features it does not own")
        outcome.coefficients[owner] = received


def _evaluate(
    settings: CreditSettings,
    outcome: CreditOutcome,
    local: _Local,
    woe: WoeResult,
    intercept: float,
) -> None:
    train_labels = needed(local.train_labels, "the training labels")
    test_labels = needed(local.test_labels, "the test labels")
    outcome.train_labels, outcome.test_labels = train_labels, test_labels
    outcome.train_ids, outcome.test_ids = local.ids(settings.id_column)
    test_scores = needed(outcome.test_scores, "the test scores")
    outcome.metrics = {
        "train": summary(train_labels, needed(outcome.train_scores, "the training scores")),
        "test": summary(test_labels, test_scores),
    }
    add_scorecard(settings, outcome, woe.tables, intercept)


def add_scorecard(
    settings: CreditSettings,
    outcome: CreditOutcome,
    tables: Mapping[str, WoeTable],
    intercept: float,
) -> None:
    """The scorecard and the test rows' points, at the label holder, from the coefficients it
    holds (``outcome.coefficients``), the WOE tables and the intercept; by MPC or in an enclave.
    """
    outcome.intercept = intercept
    scaling = Scaling(
        pdo=settings.pdo, base_score=settings.base_score, base_odds=settings.base_odds
    )
    parts = [
        owner_points(
            {name: tables[name].woe for name in coefficients},
            {name: list(tables[name].labels) for name in coefficients},
            coefficients,
            scaling,
            owner=owner,
        )
        for owner, coefficients in outcome.coefficients.items()
        if coefficients
    ]
    card = Scorecard(
        scaling, base_points(intercept, scaling), tuple(parts), base_owner=settings.label_holder
    )
    outcome.scorecard = {str(k): list(v) for k, v in card.to_frame().to_dict("list").items()}
    test_scores = needed(outcome.test_scores, "the test scores")
    outcome.test_points = scaling.score(_logit(test_scores))


def _logit(p: np.ndarray) -> np.ndarray:
    clipped = np.clip(p, 1e-12, 1 - 1e-12)
    return np.asarray(np.log(clipped / (1 - clipped)), dtype=np.float64)


def _headline(outcome: CreditOutcome) -> str:
    test = outcome.metrics.get("test", {})
    return f"test AUC {test.get('auc', float('nan')):.4f}, KS {test.get('ks', float('nan')):.4f}"


def _disclosures(
    settings: CreditSettings, model: SecureLogisticRegression
) -> list[tuple[str, Disclosure]]:
    from confide.ml import scorecard
    from confide.preprocessing import vertical

    steps: list[tuple[str, tuple[Disclosure, ...]]] = [
        ("psi", psi.disclosure(settings.psi, len(settings.data_parties))),
        ("split", DISCLOSURE[:1]),
        ("woe", vertical.DISCLOSURE),
        ("train and predict", model.disclosure),
        ("scorecard", scorecard.DISCLOSURE),
    ]
    if settings.share_model_with_label_holder:
        steps.append(("share", DISCLOSURE[1:]))
    return [(step, item) for step, items in steps for item in items]
