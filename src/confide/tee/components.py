"""The components an enclave job runs, in plaintext: inside the enclave, and as the twin outside.

A TEE job is an ordinary job spec (:class:`~confide.policy.JobSpec`) whose steps each set the
parameter ``execution: tee``; the same spec without it would ask for MPC execution where the
component has an MPC form. Inside the enclave every dataset of the job is decrypted, the
datasets are joined on their id columns (:func:`join_datasets`: inner join, one row per id, rows
in id order, only the columns some step reads), and the steps run in order on the joined table
(:func:`run_components`). Outside, the same function on the same tables is the plaintext twin
the tests hold the enclave to: it must give the same outputs.

Components (``params`` besides ``execution``; output kinds each makes):

``stats.summary``
    No parameters. ``statistics``: rows, and per column read count, missing, mean, standard
    deviation (ddof 1), minimum and maximum (numeric columns; count and missing for others).
``preprocessing.woe``
    ``label`` (the 0/1 column, read by this step), ``test_fraction`` (0.3), ``split_seed``
    (int; drawn from ``secrets`` when absent, and reported), ``binning`` (``quantile`` or
    ``equal_width``), ``n_bins`` (10), ``min_bin_share`` (0.05), ``iv_threshold`` (0.02),
    ``max_features`` (none). Splits the rows into train and test exactly as the MPC credit job
    (:mod:`confide.jobs.credit`), bins every other column it reads on the training rows
    (:func:`~confide.preprocessing.fit_bins`), computes WOE and IV
    (:func:`~confide.preprocessing.woe_table`) and keeps the features at or above the threshold.
    ``statistics``: the WOE tables, IVs, the selection and the split sizes.
``ml.logistic_regression``
    Comes ``after`` one ``preprocessing.woe`` step; ``epochs`` (10), ``batch_size`` (1024),
    ``learning_rate`` (0.1), ``l2`` (0.001), as the credit job's settings. Trains
    :class:`~confide.ml.linear.PlainLogisticRegression` (the twin of secure LR, seeded with the
    split seed as the MPC job seeds it) on the selected features' WOE values of the training
    rows. ``model_part``: coefficients and intercept; ``scores``: every row's probability and
    which rows are test rows; ``statistics``: train and test metrics (AUC, KS, ...).
``ml.boost``
    Comes ``after`` one ``preprocessing.woe`` step (its split and label); reads its features
    raw (text and categories as sorted category codes, missing as NaN). Parameters: those of
    :class:`~confide.ml.boost.BoostParams` named in :data:`BOOST_PARAMS`. Trains
    :class:`~confide.ml.boost.PlainBoost` (the twin of SecureBoost). Outputs as
    ``ml.logistic_regression``; the model is the whole model (every split and leaf).

``credit.scorecard``, ``credit.boost``
    The node's credit jobs (:mod:`confide.node.components`), run here in plaintext instead of
    by MPC when their step sets ``execution: tee`` (:mod:`confide.tee.credit_jobs`): the same
    ``params`` (``CreditSettings`` / ``BoostJobSettings`` fields), reads and outputs, checked
    by the MPC component's own check. ``scores`` (to the label holder) is the dict the report
    is made from (``CreditOutcome`` / ``BoostOutcome``); each receiver of a ``model_part`` gets
    its own part only (:func:`receiver_value`). The same spec without ``execution: tee`` runs
    by MPC. Such a step must be the job's only step (a job is either all enclave or all MPC).

An output with ``min_group_size`` is refused (the job fails, nothing is released) when it would
describe a smaller group: fewer rows in all for ``stats.summary``, a smaller bin for
``preprocessing.woe``. Errors name steps, columns and counts, never values.
"""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from confide.errors import ConfigError
from confide.jobs.vertical.rows import draw_test_rows
from confide.metrics import summary
from confide.ml.boost import BoostParams, PlainBoost
from confide.ml.linear import LinearParams, PlainLogisticRegression
from confide.net.wire import Value
from confide.policy.job import JobSpec, OutputKind, Step
from confide.preprocessing import (
    BinSpec,
    WoeTable,
    assign_bins,
    check_labels,
    fit_bins,
    select_by_iv,
    woe_table,
    woe_transform,
)
from confide.runtime.disclosure import Disclosure
from confide.tee import credit_jobs
from confide.tee.attestation import SIMULATION_TRUST

__all__ = [
    "BOOST_PARAMS",
    "COMPONENTS",
    "DISCLOSURE",
    "EXECUTION",
    "TEE",
    "check_tee_spec",
    "is_tee_job",
    "join_datasets",
    "receiver_value",
    "run_components",
]

#: The step parameter that selects where a step runs, and its value for the enclave.
EXECUTION = "execution"
TEE = "tee"

#: Parameters of ``ml.boost``, with their defaults (those of :class:`BoostParams`).
BOOST_PARAMS: Mapping[str, object] = {
    "n_estimators": 10,
    "max_depth": 6,
    "learning_rate": 0.3,
    "min_child_weight": 1.0,
    "reg_lambda": 1.0,
    "gamma": 0.0,
    "subsample": 1.0,
    "colsample_bytree": 1.0,
    "max_bin": 32,
    "random_state": 0,
}

_WOE_PARAMS: Mapping[str, object] = {
    "label": None,
    "test_fraction": 0.3,
    "split_seed": None,
    "binning": "quantile",
    "n_bins": 10,
    "min_bin_share": 0.05,
    "iv_threshold": 0.02,
    "max_features": None,
}
_LR_PARAMS: Mapping[str, object] = {
    "epochs": 10,
    "batch_size": 1024,
    "learning_rate": 0.1,
    "l2": 0.001,
}

DISCLOSURE = (
    Disclosure(
        "each receiver of an output",
        "that output's value (statistics, WOE tables, a model, scores) and nothing else",
        "the enclave encrypts each output to its receiver's key only",
    ),
    Disclosure(
        "the enclave host",
        "the job spec, the sealed files' headers, the size of every output and how long each "
        "step took",
        "it relays ciphertexts and runs the process; values stay inside the enclave",
    ),
)

# Joined-table name of the id (never a column of a dataset: datasets' names are checked).
_ID = "\x00id"


@dataclass
class _Woe:
    """What a ``preprocessing.woe`` step hands to the steps after it (inside one run)."""

    label: str
    labels: npt.NDArray[np.int64]
    test: npt.NDArray[np.bool_]
    seed: int
    specs: dict[str, BinSpec]
    tables: dict[str, WoeTable]
    selected: list[str]


@dataclass
class _Workspace:
    table: pd.DataFrame
    owners: dict[str, str]
    frames: Mapping[tuple[str, str], pd.DataFrame]
    id_columns: Mapping[tuple[str, str], str]
    trust: str
    woe: dict[str, _Woe] = field(default_factory=dict)

    def joined(self) -> credit_jobs.Joined:
        return credit_jobs.Joined(self.table, _ID, self.owners, self.frames, self.id_columns)

    def ids(self) -> Value:
        values = self.table[_ID].to_numpy()
        if values.dtype.kind in "iu":
            return values.astype(np.int64)
        text: list[str] = values.astype(str).tolist()
        return text


#: What a step makes: a value per output kind, or per ``(kind, receiver)`` for the kinds whose
#: receivers each get their own value.
Made = dict[OutputKind | tuple[OutputKind, str], Value]
Run = Callable[[_Workspace, JobSpec, Step, Mapping[str, Any]], Made]


@dataclass(frozen=True)
class _Component:
    """One enclave component; ``defaults`` ``None``: its ``check`` reads its parameters."""

    name: str
    defaults: Mapping[str, object] | None
    kinds: frozenset[OutputKind]
    after_woe: bool
    run: Run
    disclosure: tuple[Disclosure, ...]
    check: Callable[[JobSpec, Step], None] | None = None
    per_receiver: frozenset[OutputKind] = frozenset()


# -- the spec ----------------------------------------------------------------------------------


def is_tee_job(spec: JobSpec) -> bool:
    """Whether any step of ``spec`` asks for enclave execution (then all must)."""
    return any(step.params.get(EXECUTION) == TEE for step in spec.steps)


def _settings(component: _Component, step: Step) -> dict[str, Any]:
    """The step's parameters over the component's defaults, types checked."""
    params = dict(step.params)
    if params.pop(EXECUTION, None) != TEE:
        raise ConfigError(f"step {step.id!r} must set {EXECUTION}: {TEE} in an enclave job")
    if component.defaults is None:
        return params
    unknown = sorted(set(params) - set(component.defaults))
    if unknown:
        known = ", ".join(sorted(component.defaults)) or "none"
        raise ConfigError(f"{component.name} has no parameters {unknown} (it takes: {known})")
    settings = {**component.defaults, **params}
    for name, value in settings.items():
        default = component.defaults[name]
        if value is None or default is None:
            continue
        if isinstance(default, bool) or isinstance(value, bool):
            wrong = type(value) is not type(default)
        elif isinstance(default, int):
            wrong = not isinstance(value, int)
        elif isinstance(default, float):
            wrong = not isinstance(value, int | float)
        else:
            wrong = not isinstance(value, type(default))
        if wrong:
            raise ConfigError(
                f"step {step.id!r}: parameter {name} must be a {type(default).__name__}"
            )
    return settings


def _woe_step(spec: JobSpec, step: Step) -> Step:
    woe = [spec.step(s) for s in step.after if spec.step(s).component == "preprocessing.woe"]
    if len(woe) != 1:
        raise ConfigError(
            f"step {step.id!r} ({step.component}) must come after exactly one "
            "preprocessing.woe step (its split and label)"
        )
    return woe[0]


def _read_columns(step: Step) -> list[str]:
    return [c for datasets in step.reads.values() for cols in datasets.values() for c in cols]


def check_tee_spec(spec: JobSpec) -> None:
    """Raise :class:`ConfigError` unless every step of ``spec`` can run in the enclave."""
    for step in spec.steps:
        component = COMPONENTS.get(step.component)
        if component is None:
            raise ConfigError(
                f"step {step.id!r}: component {step.component!r} does not run in the enclave "
                f"(it runs: {', '.join(sorted(COMPONENTS))})"
            )
        settings = _settings(component, step)
        if component.check is not None:
            if len(spec.steps) != 1:
                raise ConfigError(
                    f"step {step.id!r}: {component.name} runs in the enclave as a job's only step"
                )
            component.check(spec, step)
            continue
        for output in step.outputs:
            if output.kind not in component.kinds:
                made = ", ".join(sorted(k.value for k in component.kinds))
                raise ConfigError(
                    f"step {step.id!r}: {component.name} makes outputs of kinds {made}, not "
                    f"{output.kind.value!r} (output {output.name!r})"
                )
        if component.after_woe:
            woe = _woe_step(spec, step)
            if _woe_label(woe) in _read_columns(step):
                raise ConfigError(
                    f"step {step.id!r} reads the label, which it takes from step {woe.id!r}"
                )
        if step.component == "preprocessing.woe":
            _check_woe(step, settings)
        elif step.component == "ml.logistic_regression":
            LinearParams(**{**settings, "random_state": 0})
        elif step.component == "ml.boost":
            BoostParams(**settings)
            if not _read_columns(step):
                raise ConfigError(f"step {step.id!r} (ml.boost) reads no feature")


def _woe_label(step: Step) -> str:
    label = step.params.get("label")
    if not isinstance(label, str) or not label:
        raise ConfigError(f"step {step.id!r} (preprocessing.woe) needs the parameter label")
    return label


def _check_woe(step: Step, settings: Mapping[str, Any]) -> None:
    label = _woe_label(step)
    columns = _read_columns(step)
    if columns.count(label) != 1:
        raise ConfigError(f"step {step.id!r} must read its label column {label!r} exactly once")
    if len(columns) < 2:
        raise ConfigError(f"step {step.id!r} reads no feature besides the label")
    if not 0.0 < float(settings["test_fraction"]) < 1.0:
        raise ConfigError(f"step {step.id!r}: test_fraction must lie in (0, 1)")
    if settings["binning"] not in ("quantile", "equal_width"):
        raise ConfigError(f"step {step.id!r}: binning must be quantile or equal_width")
    if not 0.0 < float(settings["min_bin_share"]) < 0.5:
        raise ConfigError(f"step {step.id!r}: min_bin_share must lie in (0, 0.5)")
    seed = settings["split_seed"]
    if seed is not None and (not isinstance(seed, int) or seed < 0):
        raise ConfigError(f"step {step.id!r}: split_seed must be an int >= 0")
    top = settings["max_features"]
    if top is not None and (not isinstance(top, int) or top < 1):
        raise ConfigError(f"step {step.id!r}: max_features must be an int >= 1")


# -- the join ----------------------------------------------------------------------------------


def join_datasets(
    spec: JobSpec,
    frames: Mapping[tuple[str, str], pd.DataFrame],
    id_columns: Mapping[tuple[str, str], str],
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The job's datasets joined on their ids, and the party owning each column.

    ``frames`` and ``id_columns`` are keyed by ``(party, dataset)`` for every dataset the spec
    lists. Only the columns some step reads are kept; the id goes in a column of its own.
    """
    reads: dict[tuple[str, str], list[str]] = {}
    for step in spec.steps:
        for party, datasets in step.reads.items():
            for name, columns in datasets.items():
                reads.setdefault((party, name), []).extend(columns)
    owners: dict[str, str] = {}
    joined: pd.DataFrame | None = None
    for party in sorted(spec.datasets):
        for name in spec.datasets[party]:
            key = (party, name)
            if key not in frames:
                raise ConfigError(f"dataset {party}/{name} of the job was not given")
            frame, id_column = frames[key], id_columns[key]
            wanted = [c for c in dict.fromkeys(reads.get(key, [])) if c != id_column]
            missing = [c for c in [id_column, *wanted] if c not in frame.columns]
            if missing:
                raise ConfigError(f"dataset {party}/{name} has no columns {missing}")
            taken = [c for c in wanted if c in owners]
            if taken:
                raise ConfigError(f"columns {taken} are read from two datasets: rename one")
            owners.update({c: party for c in wanted})
            ids = frame[id_column]
            if ids.isna().any() or ids.duplicated().any():
                raise ConfigError(f"the id column of {party}/{name} has missing or repeated ids")
            part = frame[[id_column, *wanted]].rename(columns={id_column: _ID})
            joined = part if joined is None else _merge(joined, part, f"{party}/{name}")
    if joined is None:
        raise ConfigError("the job lists no dataset")
    table = joined.sort_values(_ID, kind="stable").reset_index(drop=True)
    if table.empty:
        raise ConfigError("the datasets have no id in common")
    return table, owners


def _merge(left: pd.DataFrame, right: pd.DataFrame, name: str) -> pd.DataFrame:
    try:
        merged: pd.DataFrame = left.merge(right, on=_ID, how="inner", validate="one_to_one")
    except (ValueError, TypeError) as exc:
        raise ConfigError(
            f"the ids of {name} cannot be joined with the others' ({type(exc).__name__}): "
            "are they of one type?"
        ) from None
    return merged


# -- running -----------------------------------------------------------------------------------


def run_components(
    spec: JobSpec,
    frames: Mapping[tuple[str, str], pd.DataFrame],
    id_columns: Mapping[tuple[str, str], str],
    *,
    trust: str = SIMULATION_TRUST,
) -> dict[tuple[str, str], Value]:
    """Join the datasets and run every step; ``(step id, output name) -> value`` (wire values).

    An output whose receivers each get their own value (a ``model_part`` of the credit jobs)
    maps to ``{receiver: value}``: :func:`receiver_value` picks what one receiver gets.
    ``trust`` is the enclave's trust assumption, which the credit jobs' outcomes carry.
    Deterministic given the tables and the spec (with ``split_seed`` set), but for the credit
    jobs' stage times: the enclave and the plaintext twin outside give the same values.
    """
    check_tee_spec(spec)
    table, owners = join_datasets(spec, frames, id_columns)
    space = _Workspace(table, owners, frames, id_columns, trust)
    values: dict[tuple[str, str], Value] = {}
    for step in spec.steps:
        component = COMPONENTS[step.component]
        made = component.run(space, spec, step, _settings(component, step))
        for output in step.outputs:
            if output.kind in component.per_receiver:
                values[(step.id, output.name)] = {
                    r: made[(output.kind, r)] for r in output.receivers
                }
            else:
                values[(step.id, output.name)] = made[output.kind]
    return values


def receiver_value(
    spec: JobSpec, values: Mapping[tuple[str, str], Value], step: str, output: str, receiver: str
) -> Value:
    """What ``receiver`` gets of output ``step.output`` among :func:`run_components`' values."""
    value = values[(step, output)]
    found = next(o for o in spec.step(step).outputs if o.name == output)
    if found.kind not in COMPONENTS[spec.step(step).component].per_receiver:
        return value
    if not isinstance(value, dict):
        raise ConfigError(f"output {step}.{output} holds no value per receiver")
    return value[receiver]


def _features(space: _Workspace, step: Step, skip: str | None = None) -> list[str]:
    columns = [c for c in dict.fromkeys(_read_columns(step)) if c in space.table.columns]
    return [c for c in columns if c != skip]


def _min_group(step: Step, smallest: int, what: str) -> None:
    for output in step.outputs:
        if output.min_group_size is not None and smallest < output.min_group_size:
            raise ConfigError(
                f"step {step.id!r} output {output.name!r}: {what} of {smallest} rows is below "
                f"its min_group_size {output.min_group_size}; nothing is released"
            )


def _run_summary(space: _Workspace, spec: JobSpec, step: Step, settings: Mapping[str, Any]) -> Made:
    table = space.table
    _min_group(step, len(table), "the table")
    columns: dict[str, Value] = {}
    for name in _features(space, step):
        series = table[name]
        stats: dict[str, Value] = {
            "count": int(series.notna().sum()),
            "missing": int(series.isna().sum()),
        }
        if is_numeric_dtype(series.dtype) and not is_bool_dtype(series.dtype):
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
            present = values[~np.isnan(values)]
            if present.size:
                stats["mean"] = float(present.mean())
                stats["std"] = float(present.std(ddof=1)) if present.size > 1 else float("nan")
                stats["min"] = float(present.min())
                stats["max"] = float(present.max())
        columns[name] = stats
    return {OutputKind.STATISTICS: {"rows": len(table), "columns": columns}}


def _woe_dict(table: WoeTable) -> dict[str, Value]:
    return {
        "owner": table.owner,
        "labels": list(table.labels),
        "events": np.asarray(table.events, dtype=np.int64),
        "non_events": np.asarray(table.non_events, dtype=np.int64),
        "woe": np.asarray(table.woe, dtype=np.float64),
        "iv": float(table.iv),
    }


def _run_woe(space: _Workspace, spec: JobSpec, step: Step, settings: Mapping[str, Any]) -> Made:
    label = str(settings["label"])
    table = space.table
    labels = check_labels(table[label].to_numpy(), len(table))
    seed = settings["split_seed"]
    if seed is None:
        seed = secrets.randbits(63)  # not secret: it decides only which rows are test rows
    n = len(table)
    test = draw_test_rows(n, float(settings["test_fraction"]), seed)
    if test.all() or not test.any():
        raise ConfigError("the split leaves no training or no test rows: too few rows")
    features = _features(space, step, skip=label)
    train = table.loc[~test, features]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # dropped columns are reported below
        specs = fit_bins(
            train,
            features,
            method="equal_width" if settings["binning"] == "equal_width" else "quantile",
            n_bins=int(settings["n_bins"]),
            min_rows=float(settings["min_bin_share"]),
            single_bin="drop",
        )
    if not specs:
        raise ConfigError(f"step {step.id!r}: none of the features can be binned")
    bins = assign_bins(train, specs)
    train_labels = labels[~test]
    tables = {
        name: woe_table(bins[:, j], train_labels, spec_, owner=space.owners[name])
        for j, (name, spec_) in enumerate(specs.items())
    }
    smallest = min(int((t.events + t.non_events).min()) for t in tables.values())
    _min_group(step, smallest, "a bin")
    selected = select_by_iv(
        {name: t.iv for name, t in tables.items()},
        float(settings["iv_threshold"]),
        max_features=settings["max_features"],
    )
    if not selected:
        raise ConfigError(
            f"step {step.id!r}: no feature reaches the IV threshold {settings['iv_threshold']}"
        )
    space.woe[step.id] = _Woe(label, labels, test, int(seed), specs, tables, selected)
    return {
        OutputKind.STATISTICS: {
            "label": label,
            "split_seed": int(seed),
            "train_rows": int((~test).sum()),
            "test_rows": int(test.sum()),
            "iv": {name: float(t.iv) for name, t in tables.items()},
            "selected": list(selected),
            "dropped": [name for name in features if name not in specs],
            "tables": {name: _woe_dict(t) for name, t in tables.items()},
        }
    }


def _scored(space: _Workspace, woe: _Woe, scores: npt.NDArray[np.float64]) -> Made:
    test = woe.test
    return {
        OutputKind.SCORES: {"ids": space.ids(), "scores": scores, "test": test.copy()},
        OutputKind.STATISTICS: {
            "train": summary(woe.labels[~test], scores[~test]),
            "test": summary(woe.labels[test], scores[test]),
        },
    }


def _run_lr(space: _Workspace, spec: JobSpec, step: Step, settings: Mapping[str, Any]) -> Made:
    woe = space.woe[_woe_step(spec, step).id]
    names = woe.selected
    specs = {name: woe.specs[name] for name in names}
    x = woe_transform(space.table[names], specs, woe.tables).to_numpy(dtype=np.float64)
    model = PlainLogisticRegression(
        epochs=int(settings["epochs"]),
        batch_size=int(settings["batch_size"]),
        learning_rate=float(settings["learning_rate"]),
        l2=float(settings["l2"]),
        random_state=woe.seed,
    )
    model.fit(x[~woe.test], woe.labels[~woe.test])
    coefficients = np.asarray(model.coef_, dtype=np.float64)
    made = _scored(space, woe, model.predict_proba(x))
    made[OutputKind.MODEL_PART] = {
        "features": list(names),
        "coefficients": dict(zip(names, coefficients.tolist(), strict=True)),
        "intercept": float(model.intercept_),
        "epochs_run": int(model.n_iter_),
    }
    return made


def _boost_matrix(
    table: pd.DataFrame, names: list[str]
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Numeric columns as float64 (NaN for missing); others as codes of their sorted categories."""
    columns: dict[str, npt.NDArray[np.float64]] = {}
    encodings: dict[str, list[str]] = {}
    for name in names:
        series = table[name]
        if is_numeric_dtype(series.dtype) and not is_bool_dtype(series.dtype):
            columns[name] = series.to_numpy(dtype=np.float64, na_value=np.nan)
            continue
        text = series.astype("string")
        categories = sorted(str(v) for v in text.dropna().unique())
        codes = np.asarray(pd.Categorical(text, categories=categories).codes)
        columns[name] = np.where(codes < 0, np.nan, codes.astype(np.float64))
        encodings[name] = categories
    return pd.DataFrame(columns, index=table.index), encodings


def _run_boost(space: _Workspace, spec: JobSpec, step: Step, settings: Mapping[str, Any]) -> Made:
    woe = space.woe[_woe_step(spec, step).id]
    names = _features(space, step)
    matrix, encodings = _boost_matrix(space.table, names)
    holder = space.owners.get(woe.label, "label_holder")
    model = PlainBoost(holder, BoostParams(**settings))
    model.fit({holder: matrix[~woe.test]}, woe.labels[~woe.test])
    scores = np.asarray(model.predict_proba({holder: matrix})[:, -1], dtype=np.float64)
    made = _scored(space, woe, scores)
    made[OutputKind.MODEL_PART] = {
        "features": names,
        "encodings": dict(encodings),
        "model": model.parts_[holder].to_wire(),
    }
    return made


def _run_scorecard(
    space: _Workspace, spec: JobSpec, step: Step, settings: Mapping[str, Any]
) -> Made:
    return credit_jobs.run_scorecard_step(space.joined(), spec, step, space.trust)


def _run_credit_boost(
    space: _Workspace, spec: JobSpec, step: Step, settings: Mapping[str, Any]
) -> Made:
    return credit_jobs.run_boost_step(space.joined(), spec, step, space.trust)


_MODEL_KINDS = frozenset({OutputKind.MODEL_PART, OutputKind.SCORES, OutputKind.STATISTICS})
_CREDIT_KINDS = frozenset({OutputKind.MODEL_PART, OutputKind.SCORES})

COMPONENTS: Mapping[str, _Component] = {
    c.name: c
    for c in (
        _Component(
            "stats.summary",
            {},
            frozenset({OutputKind.STATISTICS}),
            False,
            _run_summary,
            (Disclosure("each receiver", "per-column counts, mean, std, min and max"),),
        ),
        _Component(
            "preprocessing.woe",
            _WOE_PARAMS,
            frozenset({OutputKind.STATISTICS}),
            False,
            _run_woe,
            (
                Disclosure(
                    "each receiver",
                    "every binned feature's bins, per-bin event counts, WOE and IV, and the "
                    "train/test sizes",
                    "bins hold at least min_bin_share of the training rows",
                ),
            ),
        ),
        _Component(
            "ml.logistic_regression",
            _LR_PARAMS,
            _MODEL_KINDS,
            True,
            _run_lr,
            (
                Disclosure(
                    "each receiver",
                    "the whole model (coefficients of every party's features), or the scores "
                    "of every joined row, or the metrics, by output kind",
                ),
            ),
        ),
        _Component(
            "ml.boost",
            BOOST_PARAMS,
            _MODEL_KINDS,
            True,
            _run_boost,
            (
                Disclosure(
                    "each receiver",
                    "the whole model (every split threshold and leaf value), or the scores of "
                    "every joined row, or the metrics, by output kind",
                ),
            ),
        ),
        _Component(
            credit_jobs.SCORECARD,
            None,
            _CREDIT_KINDS,
            False,
            _run_scorecard,
            credit_jobs.DISCLOSURE,
            credit_jobs.check_scorecard_step,
            frozenset({OutputKind.MODEL_PART}),
        ),
        _Component(
            credit_jobs.BOOST,
            None,
            _CREDIT_KINDS,
            False,
            _run_credit_boost,
            credit_jobs.DISCLOSURE,
            credit_jobs.check_boost_step,
            frozenset({OutputKind.MODEL_PART}),
        ),
    )
}
