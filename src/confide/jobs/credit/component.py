"""The credit job as a node component: ``credit.scorecard``.

A node runs it for a job step laid out as every vertical job's (:mod:`confide.jobs.vertical.spec`
shows one in full), here::

    - id: scorecard
      component: credit.scorecard
      params: {label_holder: bank, feature_owners: [platform], dealer: dealer,
               id_column: id, label_column: default, epochs: 10}

``params`` are :class:`~confide.jobs.credit.CreditSettings` fields (the parties' names must be
the spec's parties). The ``scores`` output, received by the label holder only, holds its
:class:`~confide.jobs.credit.CreditOutcome` (scores, metrics, scorecard); each ``model_part``
receiver gets its own coefficients. :func:`check_credit_spec` refuses any other arrangement
when the job is proposed, before any data is read
(:func:`~confide.jobs.vertical.check_vertical_spec`); :func:`credit_scorecard` runs the job
and cuts its outputs (:func:`~confide.jobs.vertical.run_component`).
"""

from __future__ import annotations

from confide import psi
from confide.jobs.credit.pipeline import DISCLOSURE as JOB_DISCLOSURE
from confide.jobs.credit.pipeline import run_credit
from confide.jobs.credit.settings import CreditSettings
from confide.jobs.registry import Component, ComponentInputs, ComponentOutputs
from confide.jobs.vertical.component import run_component, step_settings
from confide.jobs.vertical.spec import check_vertical_spec
from confide.ml import scorecard
from confide.ml.linear import DISCLOSURE as LINEAR_DISCLOSURE
from confide.mpc.engine import DISCLOSURE as MPC_DISCLOSURE
from confide.policy.job import JobSpec, Step
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


def check_credit_spec(spec: JobSpec, step: Step) -> None:
    """Refuse a step the credit job cannot run as declared (``ConfigError``)."""
    check_vertical_spec(NAME, spec, step, step_settings(CreditSettings, step))


def credit_scorecard(ctx: Context, inputs: ComponentInputs) -> ComponentOutputs:
    """Run the credit job for this party on the dataset the node read for it."""
    return run_component(
        NAME,
        ctx,
        inputs,
        CreditSettings,
        run_credit,
        stages=_STAGES,
        scores=lambda outcome: outcome.to_dict(),
        model_part=lambda outcome: outcome.coefficients.get(ctx.party, {}),
    )


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
