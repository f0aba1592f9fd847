"""``credit.scorecard``: the credit job as a node component, and its check of a job spec."""

from __future__ import annotations

from typing import Any

import pytest

from confide.errors import ConfigError
from confide.jobs.credit import CreditOutcome
from confide.jobs.credit.component import COMPONENTS, NAME, check_credit_spec, credit_scorecard
from confide.node.components import default_registry
from tests.jobs import helpers
from tests.jobs.helpers import parse


def spec_dict() -> dict[str, Any]:
    return helpers.spec_dict("credit", "scorecard", NAME, {"split_seed": 3, "epochs": 3})


def test_the_node_registry_holds_the_credit_component() -> None:
    assert NAME in default_registry().names()
    assert COMPONENTS[0].disclosure


def test_a_well_formed_step_passes_the_check() -> None:
    spec = parse(spec_dict())
    check_credit_spec(spec, spec.steps[0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["steps"][0]["outputs"][0].update(to=["bank", "platform"]), "label holder"),
        (lambda s: s["steps"][0]["reads"]["platform"]["features"].append("default"), "only"),
        (lambda s: s["steps"][0]["reads"]["bank"]["loans"].remove("id"), "id column"),
        (lambda s: s["steps"][0]["params"].update(dealer="helper"), "parties"),
        (lambda s: s["steps"][0]["params"].update(n_bins=1), "n_bins"),
        (lambda s: s["steps"][0]["outputs"].pop(0), "scores"),
    ],
)
def test_a_step_the_job_cannot_honour_is_refused(change: Any, message: str) -> None:
    data = spec_dict()
    change(data)
    spec = parse(data)
    with pytest.raises(ConfigError, match=message):
        check_credit_spec(spec, spec.steps[0])


def test_the_component_runs_the_job_and_cuts_outputs_to_their_receivers() -> None:
    results = helpers.run_step(credit_scorecard, parse(spec_dict()), rows=3_000, seed=2)
    assert set(results["bank"]) == {"scores", "model"}
    assert set(results["platform"]) == {"model"} and results["dealer"] == {}
    bank = CreditOutcome.from_dict(results["bank"]["scores"])
    assert bank.metrics["test"]["auc"] > 0.7
    assert set(results["platform"]["model"]) <= {"income", "age", "employment_type"}
