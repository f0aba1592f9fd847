"""The node's credit jobs in the enclave: ``credit.scorecard`` and ``credit.boost`` in plaintext.

A step of either component with ``execution: tee`` runs here instead of by MPC: the same
``params`` (:class:`~confide.jobs.credit.CreditSettings` or
:class:`~confide.jobs.boost.BoostJobSettings` fields, read with their ``from_dict``), the same
reads and the same outputs, checked by the MPC component's own spec check
(:func:`~confide.jobs.credit.component.check_credit_spec`,
:func:`~confide.jobs.boost.component.check_boost_spec`). The label holder's ``scores`` output is
the dict its report is made from (:meth:`CreditOutcome.to_dict`, :meth:`BoostOutcome.to_dict`
without the model); each ``model_part`` receiver gets its own part only (its coefficients, or
its :class:`~confide.ml.boost.ModelPart`), as under MPC.

The rows are those of the MPC job, step for step, on the joined table:

1. **align**: the rows every dataset holds (the join), in the order of their ids' PSI digests
   (:func:`confide.psi.digest_keys`), as :class:`~confide.jobs.vertical.rows.AlignedRows` orders
   them after the PSI;
2. **split**: the same draw from ``split_seed`` (a fresh one from :mod:`secrets` when absent);
3. scorecard: **binning** of each owner's features on the training rows, **woe** tables and IVs
   (:func:`~confide.preprocessing.woe_table`), the IV selection, **train**
   (:class:`~confide.ml.linear.PlainLogisticRegression`, the secure estimator's twin, seeded
   as the MPC job seeds it), **predict**, **evaluate** (metrics and scorecard points);
   boost: each owner's columns encoded on its whole table
   (:func:`~confide.jobs.boost.numeric_features`), **train**
   (:class:`~confide.ml.boost.PlainBoost`, which grows SecureBoost's very trees), **predict**,
   **evaluate** (metrics, importance, the first tree).

What differs from MPC is who computes, not what: no party sees another's rows or the split's
positions (the enclave does); the HE and PSI settings (``he``, ``key_bits``, ``psi_protocol``,
``n_jobs``) have nothing to do here and are ignored. The outcome's disclosure list says so and
carries the enclave's trust assumption (its step ``enclave``), which the report shows.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from confide.errors import ConfigError
from confide.jobs.boost.component import check_boost_spec
from confide.jobs.boost.features import numeric_features
from confide.jobs.boost.outcome import BoostOutcome
from confide.jobs.boost.pipeline import first_tree, importance_by_name
from confide.jobs.boost.settings import BoostJobSettings
from confide.jobs.credit.component import check_credit_spec
from confide.jobs.credit.outcome import CreditOutcome, disclosure_dicts, woe_table_dict
from confide.jobs.credit.pipeline import add_scorecard
from confide.jobs.credit.settings import CreditSettings
from confide.jobs.vertical.rows import digest_order, draw_test_rows, wire_ids
from confide.jobs.vertical.tables import labels_of
from confide.metrics import summary
from confide.ml.boost import PlainBoost
from confide.ml.linear import PlainLogisticRegression
from confide.net.wire import Value
from confide.policy.job import JobSpec, OutputKind, Step
from confide.preprocessing import (
    BinSpec,
    WoeTable,
    assign_bins,
    fit_bins,
    resolve_min_rows,
    select_by_iv,
    woe_table,
    woe_transform,
)
from confide.runtime.disclosure import Disclosure

__all__ = [
    "BOOST",
    "DISCLOSURE",
    "SCORECARD",
    "Joined",
    "boost_settings",
    "check_boost_step",
    "check_scorecard_step",
    "credit_settings",
    "run_boost_step",
    "run_scorecard_step",
]

#: The component names, as the node's MPC components.
SCORECARD = "credit.scorecard"
BOOST = "credit.boost"

DISCLOSURE = (
    Disclosure(
        "the label holder",
        "its outcome of the job (scores, metrics, the WOE tables and the whole scorecard, or "
        "the trees' importance and first tree), as under MPC",
        "the enclave computes it on the joined rows and encrypts it to the label holder only",
    ),
    Disclosure(
        "each receiver of a model part",
        "its own part of the model (its coefficients, or its splits) and nothing else",
    ),
    Disclosure(
        "no party",
        "another party's rows, the intersection's ids or the split's positions",
        "the join and the split happen inside the enclave",
    ),
)

_EXECUTION = "execution"


@dataclass(frozen=True)
class Joined:
    """The job's datasets in the enclave: the joined table and where each column came from.

    ``table`` holds the id in column ``id_key`` and every column some step reads; ``owners``
    maps a column to its party; ``frames`` and ``id_columns`` are the datasets as opened
    (keyed ``(party, dataset)``), for what is computed on a party's whole table.
    """

    table: pd.DataFrame
    id_key: str
    owners: Mapping[str, str]
    frames: Mapping[tuple[str, str], pd.DataFrame]
    id_columns: Mapping[tuple[str, str], str]


# -- settings and checks -----------------------------------------------------------------------


def _mpc_step(step: Step) -> Step:
    """``step`` as the MPC component reads it: without ``execution``."""
    params = {k: v for k, v in step.params.items() if k != _EXECUTION}
    return dataclasses.replace(step, params=params)


def credit_settings(step: Step) -> CreditSettings:
    """The :class:`CreditSettings` of a ``credit.scorecard`` step (``execution`` aside)."""
    return CreditSettings.from_dict(dict(_mpc_step(step).params))


def boost_settings(step: Step) -> BoostJobSettings:
    """The :class:`BoostJobSettings` of a ``credit.boost`` step (``execution`` aside)."""
    return BoostJobSettings.from_dict(dict(_mpc_step(step).params))


def check_scorecard_step(spec: JobSpec, step: Step) -> None:
    """Refuse what ``credit.scorecard`` refuses under MPC (:class:`ConfigError`)."""
    check_credit_spec(spec, _mpc_step(step))


def check_boost_step(spec: JobSpec, step: Step) -> None:
    """Refuse what ``credit.boost`` refuses under MPC (:class:`ConfigError`)."""
    check_boost_spec(spec, _mpc_step(step))


# -- the rows both jobs start with -------------------------------------------------------------


class _Clock:
    """Stage times, as the MPC job's :class:`~confide.jobs.vertical.stages.StageClock` keeps
    them (no bytes: nothing is sent)."""

    def __init__(self) -> None:
        self.stages: list[dict[str, Any]] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        self.stages.append({"name": name, "seconds": seconds, "bytes_sent": 0})


@dataclass
class _Rows:
    """The aligned rows of one step: ids, each party's read columns, labels and split."""

    ids: npt.NDArray[Any]
    table: pd.DataFrame
    features: dict[str, list[str]]
    datasets: dict[str, tuple[str, str]]
    labels: npt.NDArray[np.int64]
    test: npt.NDArray[np.bool_]
    seed: int
    rows: int

    @property
    def train_labels(self) -> npt.NDArray[np.int64]:
        return self.labels[~self.test]

    @property
    def test_labels(self) -> npt.NDArray[np.int64]:
        return self.labels[self.test]

    def split_ids(
        self,
    ) -> tuple[npt.NDArray[np.int64] | list[str], npt.NDArray[np.int64] | list[str]]:
        return wire_ids(self.ids[~self.test]), wire_ids(self.ids[self.test])


def _rows(
    joined: Joined,
    step: Step,
    settings: CreditSettings | BoostJobSettings,
    clock: _Clock,
) -> _Rows:
    """Align and split as the MPC job does (module docstring, steps 1 and 2)."""
    features: dict[str, list[str]] = {}
    datasets: dict[str, tuple[str, str]] = {}
    reserved = (settings.id_column, settings.label_column)
    for party in settings.data_parties:
        ((name, columns),) = step.reads[party].items()
        datasets[party] = (party, name)
        features[party] = [c for c in dict.fromkeys(columns) if c not in reserved]
    bank = datasets[settings.label_holder]
    with clock.stage("align"):
        labels_of(joined.frames[bank], settings.label_column)  # as the MPC job's load step
        ids = joined.table[joined.id_key]
        table = joined.table.iloc[digest_order(ids)].reset_index(drop=True)
    with clock.stage("split"):
        n = len(table)
        seed = settings.split_seed
        if seed is None:
            seed = secrets.randbits(63)  # not secret: it decides only which rows are test rows
        test = draw_test_rows(n, settings.test_fraction, seed)
        if test.all() or not test.any():
            raise ConfigError("the split leaves no training or no test rows: too few customers")
        labels = labels_of(table, settings.label_column)
        if labels[~test].min() == labels[~test].max():
            raise ConfigError("the training rows hold one class only")
    return _Rows(
        ids=table[joined.id_key].to_numpy(),
        table=table,
        features=features,
        datasets=datasets,
        labels=labels,
        test=test,
        seed=int(seed),
        rows=len(joined.frames[bank]),
    )


def _disclosures(trust: str) -> list[dict[str, str]]:
    trusted = Disclosure(
        "every party",
        "that the job ran in an enclave whose measurement its policy lists",
        f"trust assumption: {trust}",
    )
    return disclosure_dicts(("enclave", d) for d in (trusted, *DISCLOSURE))


def _receivers(step: Step, kind: OutputKind) -> list[str]:
    return [r for o in step.outputs if o.kind is kind for r in o.receivers]


# -- credit.scorecard --------------------------------------------------------------------------


def run_scorecard_step(
    joined: Joined, spec: JobSpec, step: Step, trust: str
) -> dict[OutputKind | tuple[OutputKind, str], Value]:
    """The ``credit.scorecard`` step: the label holder's outcome under ``SCORES`` and each
    model part's receiver's coefficients under ``(MODEL_PART, receiver)``."""
    settings = credit_settings(step)
    clock = _Clock()
    rows = _rows(joined, step, settings, clock)
    train = rows.table.loc[~rows.test]
    specs: dict[str, BinSpec] = {}
    tables: dict[str, WoeTable] = {}
    owners: dict[str, str] = {}
    with clock.stage("binning"):
        for party in settings.data_parties:
            fitted = fit_bins(
                train,
                rows.features[party],
                method=settings.binning,  # type: ignore[arg-type]
                n_bins=settings.n_bins,
                min_rows=settings.min_bin_share,
                single_bin="drop",
            )
            if not fitted:
                raise ConfigError(f"none of {party!r}'s features can be binned (all constant?)")
            specs.update(fitted)
            owners.update(dict.fromkeys(fitted, party))
    with clock.stage("woe"):
        bins = assign_bins(train, specs)
        floor = resolve_min_rows(settings.min_bin_share, len(train))
        for j, (name, spec_) in enumerate(specs.items()):
            table = woe_table(bins[:, j], rows.train_labels, spec_, owner=owners[name])
            smallest = int((table.events + table.non_events).min())
            if owners[name] != settings.label_holder and smallest < floor:
                raise ConfigError(
                    f"a bin of {name!r} holds {smallest} training rows, fewer than "
                    f"min_bin_share allows ({floor})"
                )
            tables[name] = table
        iv = {name: float(t.iv) for name, t in tables.items()}
        selected = select_by_iv(iv, settings.iv_threshold, max_features=settings.max_features)
        if not selected:
            raise ConfigError(
                f"no feature reaches the IV threshold {settings.iv_threshold}: lower it"
            )
    mine = {p: [f for f in selected if owners[f] == p] for p in settings.data_parties}
    names = [f for p in settings.data_parties for f in mine[p]]
    x = woe_transform(rows.table[names], {f: specs[f] for f in names}, tables)
    values = x.to_numpy(dtype=np.float64)
    model = PlainLogisticRegression(
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        learning_rate=settings.learning_rate,
        l2=settings.l2,
        random_state=rows.seed,
    )
    with clock.stage("train"):
        model.fit(values[~rows.test], rows.train_labels)
    with clock.stage("predict"):
        scores = np.asarray(model.predict_proba(values), dtype=np.float64)
    weights = dict(zip(names, np.asarray(model.coef_, dtype=np.float64).tolist(), strict=True))
    coefficients = {p: {f: weights[f] for f in mine[p]} for p in settings.data_parties}
    outcome = CreditOutcome(
        party=settings.label_holder,
        settings=settings.to_dict(),
        rows=rows.rows,
        intersection=len(rows.table),
        train_size=int((~rows.test).sum()),
        test_size=int(rows.test.sum()),
        iv=iv,
        owners=owners,
        selected=list(selected),
        woe_tables={name: woe_table_dict(t) for name, t in tables.items()},
    )
    with clock.stage("evaluate"):
        shared = settings.share_model_with_label_holder
        outcome.coefficients = (
            coefficients if shared else {settings.label_holder: coefficients[settings.label_holder]}
        )
        _evaluate(settings, outcome, rows, scores, tables, float(model.intercept_))
    outcome.disclosures = _disclosures(trust)
    outcome.stages = clock.stages
    made: dict[OutputKind | tuple[OutputKind, str], Value] = {OutputKind.SCORES: outcome.to_dict()}
    for receiver in _receivers(step, OutputKind.MODEL_PART):
        made[(OutputKind.MODEL_PART, receiver)] = coefficients.get(receiver, {})
    return made


def _evaluate(
    settings: CreditSettings,
    outcome: CreditOutcome,
    rows: _Rows,
    scores: npt.NDArray[np.float64],
    tables: Mapping[str, WoeTable],
    intercept: float,
) -> None:
    """Metrics and scorecard points at the label holder, as the MPC job's evaluate step."""
    outcome.train_scores, outcome.test_scores = scores[~rows.test], scores[rows.test]
    outcome.train_labels, outcome.test_labels = rows.train_labels, rows.test_labels
    outcome.train_ids, outcome.test_ids = rows.split_ids()
    outcome.metrics = {
        "train": summary(rows.train_labels, outcome.train_scores),
        "test": summary(rows.test_labels, outcome.test_scores),
    }
    add_scorecard(settings, outcome, tables, intercept)


# -- credit.boost ------------------------------------------------------------------------------


def run_boost_step(
    joined: Joined, spec: JobSpec, step: Step, trust: str
) -> dict[OutputKind | tuple[OutputKind, str], Value]:
    """The ``credit.boost`` step: the label holder's outcome (without its model) under
    ``SCORES`` and each model part's receiver's own part under ``(MODEL_PART, receiver)``."""
    settings = boost_settings(step)
    clock = _Clock()
    rows = _rows(joined, step, settings, clock)
    with clock.stage("load"):
        parts: dict[str, pd.DataFrame] = {}
        for party in settings.data_parties:
            key = rows.datasets[party]
            columns = rows.features[party]
            encoded = numeric_features(
                joined.frames[key][[joined.id_columns[key], *columns]], columns
            )
            parts[party] = encoded.set_index(joined.id_columns[key]).loc[rows.ids, columns]
    train = {p: frame[~rows.test] for p, frame in parts.items()}
    test = {p: frame[rows.test] for p, frame in parts.items()}
    model = PlainBoost(settings.label_holder, settings.boost_params())
    with clock.stage("train"):
        model.fit(train, rows.train_labels)
    with clock.stage("predict"):
        train_scores = np.asarray(model.predict_proba(train)[:, 1], dtype=np.float64)
        test_scores = np.asarray(model.predict_proba(test)[:, 1], dtype=np.float64)
    bank = model.parts_[settings.label_holder]
    outcome = BoostOutcome(
        party=settings.label_holder,
        settings=settings.to_dict(),
        rows=rows.rows,
        intersection=len(rows.table),
        train_size=int((~rows.test).sum()),
        test_size=int(rows.test.sum()),
        n_trees=bank.n_trees,
        train_scores=train_scores,
        test_scores=test_scores,
        train_labels=rows.train_labels,
        test_labels=rows.test_labels,
    )
    with clock.stage("evaluate"):
        outcome.train_ids, outcome.test_ids = rows.split_ids()
        outcome.metrics = {
            "train": summary(rows.train_labels, train_scores),
            "test": summary(rows.test_labels, test_scores),
        }
        names = {settings.label_holder: list(bank.feature_names)}
        if settings.share_feature_names:
            names = {p: list(part.feature_names) for p, part in model.parts_.items()}
        outcome.importance = importance_by_name(bank, names)
        outcome.first_tree = first_tree(bank, names)
    outcome.disclosures = _disclosures(trust)
    outcome.stages = clock.stages
    made: dict[OutputKind | tuple[OutputKind, str], Value] = {
        OutputKind.SCORES: outcome.to_dict(with_model=False)
    }
    for receiver in _receivers(step, OutputKind.MODEL_PART):
        made[(OutputKind.MODEL_PART, receiver)] = model.parts_[receiver].to_wire()
    return made
