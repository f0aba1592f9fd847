"""The boosting job as a node component: ``credit.boost``, beside ``credit.scorecard``.

A node runs it for a job step laid out as every vertical job's (:mod:`confide.jobs.vertical.spec`
shows one in full), here::

    - id: boost
      component: credit.boost
      params: {label_holder: bank, feature_owners: [platform], dealer: dealer,
               id_column: id, label_column: default, n_estimators: 10, max_depth: 4}

``params`` are :class:`~confide.jobs.boost.BoostJobSettings` fields (the parties' names must be
the spec's parties; ``dealer`` names a compute helper of the spec, if it has one, which only
checks the settings); every data party must read at least one feature column. The ``scores``
output, received by the label holder only, holds its :class:`~confide.jobs.boost.BoostOutcome`
(scores, metrics, importance, the first tree) without its model part; each ``model_part``
receiver gets its own part of the model (:meth:`~confide.ml.boost.ModelPart.to_wire`:
thresholds at their owner, leaf values at the label holder). :func:`check_boost_spec` refuses
any other arrangement when the job is proposed, before any data is read
(:func:`~confide.jobs.vertical.check_vertical_spec`); :func:`credit_boost` runs the job and
cuts its outputs (:func:`~confide.jobs.vertical.run_component`).
"""

from __future__ import annotations

from confide import psi
from confide.jobs.boost.pipeline import DISCLOSURE as JOB_DISCLOSURE
from confide.jobs.boost.pipeline import run_boost
from confide.jobs.boost.settings import BoostJobSettings
from confide.jobs.registry import Component, ComponentInputs, ComponentOutputs
from confide.jobs.vertical.component import run_component, step_settings
from confide.jobs.vertical.rows import SPLIT_DISCLOSURE
from confide.jobs.vertical.spec import check_vertical_spec
from confide.ml.boost.model import DISCLOSURE as PREDICTION_DISCLOSURE
from confide.ml.boost.secureboost import DISCLOSURE as TRAINING_DISCLOSURE
from confide.policy.job import JobSpec, Step
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


def check_boost_spec(spec: JobSpec, step: Step) -> None:
    """Refuse a step the boosting job cannot run as declared (``ConfigError``)."""
    check_vertical_spec(
        NAME,
        spec,
        step,
        step_settings(BoostJobSettings, step),
        parties_hint=" (name a compute helper of the job as dealer)",
        features_required=True,
        model_parts="model parts go to data parties only, each its own",
    )


def credit_boost(ctx: Context, inputs: ComponentInputs) -> ComponentOutputs:
    """Run the boosting job (vertical SecureBoost) for this party on the dataset read for it."""
    return run_component(
        NAME,
        ctx,
        inputs,
        BoostJobSettings,
        run_boost,
        stages=_STAGES,
        scores=lambda outcome: outcome.to_dict(with_model=False),
        model_part=lambda outcome: outcome.model,
    )


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
