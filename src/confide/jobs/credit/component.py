"""The credit job as a node component: ``credit.scorecard``.

A node runs it for a job step such as::

    - id: scorecard
      component: credit.scorecard
      params: {label_holder: bank, feature_owners: [platform], dealer: dealer,
               id_column: id, label_column: default, epochs: 10}
      reads:
        bank: {loans: [id, default, utilisation, payment_ratio]}
        platform: {features: [id, income, age]}
      outputs:
        - {name: scores, kind: scores, to: [bank]}
        - {name: model, kind: model_part, to: [bank, platform]}

``params`` are :class:`~confide.jobs.credit.CreditSettings` fields (the parties' names must be
the spec's parties). Each data party reads exactly one dataset in the step, with its id column
(and, at the label holder, the label column); the columns read are the features. Outputs: one
of kind ``scores``, received by the label holder only, holding its
:class:`~confide.jobs.credit.CreditOutcome` (scores, metrics, scorecard); and optionally one of
kind ``model_part``, received by data parties, each receiving its own coefficients.
:func:`check_credit_spec` refuses any other arrangement when the job is proposed, before any
data is read.
"""

from __future__ import annotations

from typing import Any

from confide import psi
from confide.errors import ConfigError
from confide.jobs.credit.pipeline import DISCLOSURE as JOB_DISCLOSURE
from confide.jobs.credit.pipeline import run_credit
from confide.jobs.credit.settings import CreditSettings
from confide.jobs.registry import Component, ComponentInputs, ComponentOutputs
from confide.ml import scorecard
from confide.ml.linear import DISCLOSURE as LINEAR_DISCLOSURE
from confide.mpc.engine import DISCLOSURE as MPC_DISCLOSURE
from confide.policy.job import JobSpec, OutputKind, Step
from confide.preprocessing.vertical import DISCLOSURE as WOE_DISCLOSURE
from confide.runtime.context import Context

__all__ = ["COMPONENTS", "DISCLOSURE", "NAME", "check_credit_spec", "credit_scorecard"]

NAME = "credit.scorecard"

#: Every step's disclosures (PSI: KKRT for two data parties, ECDH for three).
DISCLOSURE = (
    *psi.disclosure("kkrt", 2),
    *psi.disclosure("ecdh", 3),
    JOB_DISCLOSURE[0],
    *WOE_DISCLOSURE,
    *LINEAR_DISCLOSURE,
    *MPC_DISCLOSURE,
    *scorecard.DISCLOSURE,
    JOB_DISCLOSURE[1],
)


def _settings(step: Step) -> CreditSettings:
    params = dict(step.params)
    if "feature_owners" in params and isinstance(params["feature_owners"], list):
        params["feature_owners"] = tuple(params["feature_owners"])
    return CreditSettings.from_dict(params)


def check_credit_spec(spec: JobSpec, step: Step) -> None:
    """Refuse a step the credit job cannot run as declared (``ConfigError``)."""
    settings = _settings(step)
    parties = set(spec.parties)
    if parties != set(settings.parties):
        raise ConfigError(
            f"{NAME}: the job's parties {sorted(parties)} are not the step's "
            f"{sorted(settings.parties)}"
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
    kinds = {output.name: output for output in step.outputs}
    scores = [o for o in kinds.values() if o.kind is OutputKind.SCORES]
    if len(scores) != 1 or list(scores[0].receivers) != [settings.label_holder]:
        raise ConfigError(f"{NAME}: one output of kind scores, received by the label holder only")
    for output in kinds.values():
        if output.kind is OutputKind.SCORES:
            continue
        if output.kind is not OutputKind.MODEL_PART:
            raise ConfigError(f"{NAME}: outputs are of kind scores or model_part only")
        if not set(output.receivers) <= set(settings.data_parties):
            raise ConfigError(f"{NAME}: model parts go to data parties only")


def credit_scorecard(ctx: Context, inputs: ComponentInputs) -> ComponentOutputs:
    """Run the credit job for this party on the dataset the node read for it."""
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

    outcome = run_credit(ctx, settings, None, frame=frame, emit=emit)
    values: dict[str, Any] = {}
    for output in inputs.step.outputs:
        if output.kind is OutputKind.SCORES:
            values[output.name] = outcome.to_dict()
        else:
            values[output.name] = outcome.coefficients.get(ctx.party, {})
    return ComponentOutputs(values=inputs.received(values))


#: Rough share of the job done when each stage starts, for progress lines.
_STAGES = {
    "check": 0.0,
    "load": 0.02,
    "psi": 0.05,
    "split": 0.3,
    "binning": 0.32,
    "woe": 0.35,
    "train": 0.5,
    "predict": 0.9,
    "share": 0.95,
    "evaluate": 0.97,
}

COMPONENTS = (Component(NAME, credit_scorecard, DISCLOSURE, check_credit_spec),)
