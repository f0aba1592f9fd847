"""The boosting job: PSI, split, vertical SecureBoost, prediction, evaluation, importance.

Every party of the job runs :func:`boost_job` (SPMD): the bank (label holder, the active party
of SecureBoost), one or more feature owners (passive parties) and, if the federation names one,
a compute helper (``dealer``), which SecureBoost does not need: it takes part in the settings
check only. Steps, each timed with the bytes it sent
(:class:`~confide.jobs.vertical.stages.StageClock`); steps 1 to 4 are the credit job's
(:mod:`confide.jobs.vertical.rows`):

1. **check**: every party compares the fingerprint of its settings with everyone else's.
2. **load**: each data party reads its own table and encodes its categories as codes, locally
   (:mod:`~confide.jobs.boost.features`).
3. **psi**: the data parties align their rows on the id column (:func:`confide.psi.align`).
4. **split**: the label holder draws the train/test split and sends the test positions.
5. **train**: :class:`~confide.ml.boost.SecureBoost` on the training rows, among the data
   parties only; each party keeps its own :class:`~confide.ml.boost.ModelPart` (thresholds
   stay with their owners, leaf values with the label holder).
6. **predict**: vertical prediction of the train and test rows; the probabilities reach the
   label holder only.
7. **share**: with ``share_feature_names`` each owner sends the label holder its feature
   names (no values, no thresholds), so importance and splits read "owner: feature".
8. **evaluate**: the label holder computes the metrics (:func:`confide.metrics.summary`),
   the feature importance per owner and the first tree's structure.

Each party returns :class:`~confide.jobs.boost.outcome.BoostOutcome` as a dict (wire values
only) with what that party learned. The label holder's is what the report is made of
(:func:`confide.report.boost_job_report`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from confide import psi
from confide.errors import ProtocolError
from confide.jobs.boost.features import numeric_features
from confide.jobs.boost.outcome import BoostOutcome
from confide.jobs.boost.settings import BoostJobSettings
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
from confide.jobs.vertical.tables import PartyTable
from confide.metrics import summary
from confide.ml.boost import ModelPart, SecureBoost
from confide.ml.boost.model import DISCLOSURE as PREDICTION_DISCLOSURE
from confide.ml.boost.secureboost import DISCLOSURE as TRAINING_DISCLOSURE
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "boost_job", "first_tree", "importance_by_name", "run_boost"]

DISCLOSURE = (
    Disclosure(
        "the label holder (with share_feature_names)",
        "the names of each feature owner's features",
        "so that importance and the trees read 'owner: feature'; no value or threshold",
    ),
    Disclosure(
        "the compute helper, if the job has one",
        "the settings (their fingerprint) and nothing else",
        "SecureBoost needs no dealer: it takes part in the settings check only",
    ),
)


def boost_job(ctx: Context, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Run the boosting job as this party; ``inputs``: ``{"settings": ..., "table": ...}``.

    ``settings`` is :meth:`BoostJobSettings.to_dict` (the same at every party); ``table`` is
    this data party's :meth:`PartyTable.to_dict` (``None`` at a compute helper). Progress
    lines go to standard error (:func:`~confide.jobs.vertical.stages.print_progress`).
    """
    settings = BoostJobSettings.from_dict(inputs["settings"])
    return run_boost(ctx, settings, party_table(inputs)).to_dict()


def run_boost(
    ctx: Context,
    settings: BoostJobSettings,
    table: PartyTable | None,
    *,
    emit: Emit | None = print_progress,
    frame: pd.DataFrame | None = None,
) -> BoostOutcome:
    """The job as this party (see the module docstring); ``frame`` replaces reading ``table``."""
    is_data = holds_data(ctx, settings, table, frame)
    clock = StageClock(ctx, emit)
    outcome = BoostOutcome(party=ctx.party, settings=settings.to_dict())
    with ctx.scope("boost"):
        with clock.stage("check"):
            agree_settings(ctx, settings)
        if is_data:
            _run_data_party(ctx, settings, table, frame, clock, outcome)
    outcome.disclosures = disclosure_dicts(_disclosures(settings))
    outcome.stages = [stage.to_dict() for stage in clock.stages]
    return outcome


def _run_data_party(
    ctx: Context,
    settings: BoostJobSettings,
    table: PartyTable | None,
    frame: pd.DataFrame | None,
    clock: StageClock,
    outcome: BoostOutcome,
) -> None:
    me = ctx.party
    local = AlignedRows()
    load_align_split(ctx, settings, local, table, frame, clock, outcome, encode=_encode)
    features = local.table[local.features]
    x_train, x_test = features[~local.test_mask], features[local.test_mask]
    data = _data_context(ctx, settings.data_parties)
    model = SecureBoost(**settings.estimator_params())
    with clock.stage("train"):
        model.fit(data, x_train, local.train_labels)
        clock.say("train", f"{model.model_.n_trees} trees")
    with clock.stage("predict"):
        train_scores = model.predict_proba(data, x_train)
        test_scores = model.predict_proba(data, x_test)
    part = model.model_
    outcome.n_trees = part.n_trees
    outcome.model = part.to_wire()
    with clock.stage("share"):
        names = _share_names(ctx, settings, part)
    if me != settings.label_holder:
        outcome.importance = importance_by_name(part, {me: list(part.feature_names)})
        return
    with clock.stage("evaluate"):
        train_labels = needed(local.train_labels, "the training labels")
        test_labels = needed(local.test_labels, "the test labels")
        outcome.train_scores = needed(train_scores, "the training scores")[:, 1]
        outcome.test_scores = needed(test_scores, "the test scores")[:, 1]
        outcome.train_labels, outcome.test_labels = train_labels, test_labels
        outcome.train_ids, outcome.test_ids = local.ids(settings.id_column)
        outcome.metrics = {
            "train": summary(train_labels, outcome.train_scores),
            "test": summary(test_labels, outcome.test_scores),
        }
        outcome.importance = importance_by_name(part, names)
        outcome.first_tree = first_tree(part, names)
        test = outcome.metrics["test"]
        clock.say("evaluate", f"test AUC {test['auc']:.4f}, KS {test['ks']:.4f}")


def _encode(rows: AlignedRows) -> None:
    """This party's feature columns as numbers (categories as codes), before the PSI."""
    rows.frame = numeric_features(rows.table, rows.features)


def _data_context(ctx: Context, parties: tuple[str, ...]) -> Context:
    """A context of the data parties only (the same link and job), for SecureBoost, which
    takes every party of its context as a data party; ``ctx`` itself if they are all."""
    if set(parties) == set(ctx.parties):
        return ctx
    return Context(
        ctx.party,
        ctx.link,
        parties=[p for p in ctx.parties if p in parties],
        job_id=ctx.job_id,
        roles={p: ctx.roles[p] for p in parties},
        timeout=ctx.timeout,
    )


def _share_names(ctx: Context, settings: BoostJobSettings, part: ModelPart) -> dict[str, list[str]]:
    """Each owner's feature names at the label holder (its own names elsewhere)."""
    names = {ctx.party: list(part.feature_names)}
    if not settings.share_feature_names:
        return names
    bank = settings.label_holder
    if ctx.party != bank:
        ctx.send(bank, "feature_names", list(part.feature_names))
        return names
    for owner in settings.feature_owners:
        received = ctx.recv(owner, "feature_names")
        if (
            not isinstance(received, list)
            or not all(isinstance(name, str) for name in received)
            or len(set(received)) != len(received)
        ):
            raise ProtocolError(f"{owner!r} sent malformed feature names")
        names[owner] = received
    return names


def _feature_name(names: Mapping[str, list[str]], owner: str, index: int) -> str:
    known = names.get(owner, [])
    return known[index] if index < len(known) else f"feature {index}"


def importance_by_name(part: ModelPart, names: Mapping[str, list[str]]) -> dict[str, list[Any]]:
    """Importance per owner and feature as columns, largest gain (or count) first."""
    rows: list[tuple[str, str, int, float]] = []
    for owner, entry in part.importance().items():
        counts = np.asarray(entry["split_count"], dtype=np.int64)
        gains = np.asarray(entry.get("total_gain", np.full(counts.size, np.nan)), np.float64)
        size = max(counts.size, len(names.get(owner, [])))
        counts = np.pad(counts, (0, size - counts.size))
        gains = np.pad(gains, (0, size - gains.size))
        rows.extend(
            (owner, _feature_name(names, owner, j), int(counts[j]), float(gains[j]))
            for j in range(size)
        )
    rows.sort(key=lambda r: (-np.nan_to_num(r[3], nan=0.0), -r[2], r[0], r[1]))
    columns: dict[str, list[Any]] = {
        "owner": [r[0] for r in rows],
        "feature": [r[1] for r in rows],
        "split_count": [r[2] for r in rows],
    }
    if part.view is not None:
        columns["total_gain"] = [r[3] for r in rows]
    return columns


def first_tree(part: ModelPart, names: Mapping[str, list[str]]) -> dict[str, list[Any]]:
    """The first tree's nodes: children, "owner: feature" at splits, gains, leaf values."""
    view = needed(part.view, "the label holder's view of the model")
    if part.n_trees == 0:
        return {}
    shape = part.shapes[0]
    owners, features = view.owner[0].tolist(), view.feature[0].tolist()
    splits = [
        f"{view.parties[o]}: {_feature_name(names, view.parties[o], f)}" if o >= 0 else ""
        for o, f in zip(owners, features, strict=True)
    ]
    leaf = shape.left < 0
    return {
        "node": list(range(len(splits))),
        "left": shape.left.astype(int).tolist(),
        "right": shape.right.astype(int).tolist(),
        "split": splits,
        "gain": np.where(leaf, 0.0, view.gain[0]).astype(float).tolist(),
        "value": np.where(leaf, view.leaf_values[0], 0.0).astype(float).tolist(),
    }


def _disclosures(settings: BoostJobSettings) -> list[tuple[str, Disclosure]]:
    steps: list[tuple[str, tuple[Disclosure, ...]]] = [
        ("psi", psi.disclosure(settings.psi, len(settings.data_parties))),
        ("split", (SPLIT_DISCLOSURE,)),
        ("train", TRAINING_DISCLOSURE),
        ("predict", PREDICTION_DISCLOSURE),
    ]
    if settings.share_feature_names:
        steps.append(("share", DISCLOSURE[:1]))
    if settings.dealer is not None:
        steps.append(("check", DISCLOSURE[1:]))
    return [(step, item) for step, items in steps for item in items]
