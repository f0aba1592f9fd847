"""The boosting job as a node component: ``credit.boost``, beside ``credit.scorecard``.

A node runs it for a job step such as::

    - id: boost
      component: credit.boost
      params: {label_holder: bank, feature_owners: [platform], dealer: dealer,
               id_column: id, label_column: default, n_estimators: 10, max_depth: 4}
      reads:
        bank: {loans: [id, default, utilisation, payment_ratio]}
        platform: {features: [id, income, age]}
      outputs:
        - {name: scores, kind: scores, to: [bank]}
        - {name: model, kind: model_part, to: [bank, platform]}

``params`` are :class:`~confide.jobs.boost.BoostJobSettings` fields (the parties' names must be
the spec's parties; ``dealer`` names a compute helper of the spec, if it has one, which only
checks the settings). Each data party reads exactly one dataset in the step, with its id column
(and, at the label holder, the label column); the columns read are the features. Outputs: one
of kind ``scores``, received by the label holder only, holding its
:class:`~confide.jobs.boost.BoostOutcome` (scores, metrics, importance, the first tree) without
its model part; and optionally outputs of kind ``model_part``, received by data parties, each
receiving its own part of the model (:meth:`~confide.ml.boost.ModelPart.to_wire`: thresholds
at their owner, leaf values at the label holder). :func:`check_boost_spec` refuses any other
arrangement when the job is proposed, before any data is read.
"""

from __future__ import annotations

from typing import Any

from confide import psi
from confide.errors import ConfigError
from confide.jobs.boost.pipeline import DISCLOSURE as JOB_DISCLOSURE
from confide.jobs.boost.pipeline import run_boost
from confide.jobs.boost.settings import BoostJobSettings
from confide.jobs.credit.rows import SPLIT_DISCLOSURE
from confide.jobs.registry import Component, ComponentInputs, ComponentOutputs
from confide.ml.boost.model import DISCLOSURE as PREDICTION_DISCLOSURE
from confide.ml.boost.secureboost import DISCLOSURE as TRAINING_DISCLOSURE
from confide.policy.job import JobSpec, OutputKind, Step
from confide.runtime.context import Context

__all__ = ["COMPONENTS", "DISCLOSURE", "NAME", "check_boost_spec", "credit_boost"]

NAME = "credit.boost"

#: Every step's disclosures (PSI: KKRT for two data parties, ECDH for three or more).
DISCLOSURE = (
    *psi.disclosure("kkrt", 2),
    *psi.disclosure("ecdh", 3),
    SPLIT_DISCLOSURE,
    *TRAINING_DISCLOSURE,
    *PREDICTION_DISCLOSURE,
    *JOB_DISCLOSURE,
)


def _settings(step: Step) -> BoostJobSettings:
    return BoostJobSettings.from_dict(dict(step.params))


def check_boost_spec(spec: JobSpec, step: Step) -> None:
    """Refuse a step the boosting job cannot run as declared (``ConfigError``)."""
    settings = _settings(step)
    parties = set(spec.parties)
    if parties != set(settings.parties):
        raise ConfigError(
            f"{NAME}: the job's parties {sorted(parties)} are not the step's "
            f"{sorted(settings.parties)} (name a compute helper of the job as dealer)"
        )
    reads = {party: datasets for party, datasets in step.reads.items() if datasets}
    if set(reads) != set(settings.data_parties):
        raise ConfigError(f"{NAME}: exactly the data parties {settings.data_parties} must read")
    for party, datasets in reads.items():
        if len(datasets) != 1:
            raise ConfigError(f"{NAME}: {party!r} must read exactly one dataset")
        columns = next(iter(datasets.values()))
        if settings.id_column not in columns:
            raise ConfigError(f"{NAME}: {party!r} must read the id column {settings.id_column!r}")
        holds_label = settings.label_column in columns
        if holds_label != (party == settings.label_holder):
            raise ConfigError(f"{NAME}: only the label holder reads {settings.label_column!r}")
        features = [c for c in columns if c not in (settings.id_column, settings.label_column)]
        if not features:
            raise ConfigError(f"{NAME}: {party!r} must read at least one feature column")
    scores = [o for o in step.outputs if o.kind is OutputKind.SCORES]
    if len(scores) != 1 or list(scores[0].receivers) != [settings.label_holder]:
        raise ConfigError(f"{NAME}: one output of kind scores, received by the label holder only")
    for output in step.outputs:
        if output.kind is OutputKind.SCORES:
            continue
        if output.kind is not OutputKind.MODEL_PART:
            raise ConfigError(f"{NAME}: outputs are of kind scores or model_part only")
        if not set(output.receivers) <= set(settings.data_parties):
            raise ConfigError(f"{NAME}: model parts go to data parties only, each its own")


def credit_boost(ctx: Context, inputs: ComponentInputs) -> ComponentOutputs:
    """Run the boosting job (vertical SecureBoost) for this party on the dataset read for it."""
    settings = _settings(inputs.step)
    frame = next(iter(inputs.frames.values()), None)
    if frame is not None:
        dataset = next(iter(inputs.frames))
        if inputs.id_columns.get(dataset) != settings.id_column:
            raise ConfigError(
                f"{NAME}: the dataset's id column is not the step's id_column "
                f"{settings.id_column!r}"
            )

    def emit(party: str, stage: str, message: str) -> None:
        inputs.progress(_STAGES.get(stage, 0.0), f"{stage}: {message}")

    outcome = run_boost(ctx, settings, None, frame=frame, emit=emit)
    values: dict[str, Any] = {}
    for output in inputs.step.outputs:
        if output.kind is OutputKind.SCORES:
            values[output.name] = outcome.to_dict(with_model=False)
        else:
            values[output.name] = outcome.model
    return ComponentOutputs(values=inputs.received(values))


#: Rough share of the job done when each stage starts, for progress lines.
_STAGES = {
    "check": 0.0,
    "load": 0.02,
    "psi": 0.05,
    "split": 0.25,
    "train": 0.3,
    "predict": 0.85,
    "share": 0.95,
    "evaluate": 0.97,
}

COMPONENTS = (Component(NAME, credit_boost, DISCLOSURE, check_boost_spec),)
