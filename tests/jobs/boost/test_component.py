"""``credit.boost``: the boosting job as a node component, and its check of a job spec."""

from __future__ import annotations

from typing import Any

import pytest

from confide.errors import ConfigError
from confide.jobs.boost import BoostOutcome
from confide.jobs.boost.component import COMPONENTS, NAME, check_boost_spec
from confide.jobs.registry import ComponentRegistry
from confide.ml.boost import ModelPart
from tests.jobs import helpers
from tests.jobs.helpers import parse

PARAMS = {
    "dealer": "dealer",
    "split_seed": 3,
    "n_estimators": 3,
    "max_depth": 3,
    "key_bits": 1024,  # a short key keeps the test quick
    "allow_weak_key": True,
}


def spec_dict() -> dict[str, Any]:
    return helpers.spec_dict("boost", "boost", NAME, PARAMS)


def registry() -> ComponentRegistry:
    return ComponentRegistry(COMPONENTS)


def test_a_well_formed_step_passes_the_check() -> None:
    spec = parse(spec_dict())
    check_boost_spec(spec, spec.steps[0])
    assert registry().problems(spec) == []
    assert COMPONENTS[0].name == NAME and COMPONENTS[0].disclosure


def test_without_a_dealer_the_spec_has_two_parties() -> None:
    data = spec_dict()
    del data["parties"]["dealer"]
    del data["steps"][0]["params"]["dealer"]
    spec = parse(data)
    check_boost_spec(spec, spec.steps[0])


def _model_to_the_dealer(data: dict[str, Any]) -> None:
    data["parties"]["dealer"].append("result_receiver")
    data["steps"][0]["outputs"][1]["to"] = ["dealer"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["steps"][0]["outputs"][0].update(to=["bank", "platform"]), "label holder"),
        (lambda s: s["steps"][0]["outputs"].pop(0), "scores"),
        (_model_to_the_dealer, "data parties only"),
        (lambda s: s["steps"][0]["outputs"][1].update(kind="statistics"), "scores or model"),
        (lambda s: s["steps"][0]["reads"]["platform"]["features"].append("default"), "only"),
        (lambda s: s["steps"][0]["reads"]["bank"]["loans"].remove("default"), "only the label"),
        (lambda s: s["steps"][0]["reads"]["bank"]["loans"].remove("id"), "id column"),
        (lambda s: s["steps"][0]["reads"]["platform"].update(features=["id"]), "feature column"),
        (lambda s: s["steps"][0]["params"].pop("dealer"), "parties"),
        (lambda s: s["steps"][0]["params"].update(max_depth=-1), "max_depth"),
        (lambda s: s["steps"][0]["params"].update(epochs=3), "unknown boosting job settings"),
    ],
)
def test_a_step_the_job_cannot_honour_is_refused(change: Any, message: str) -> None:
    data = spec_dict()
    change(data)
    spec = parse(data)
    with pytest.raises(ConfigError, match=message):
        check_boost_spec(spec, spec.steps[0])
    [problem] = registry().problems(spec)
    assert problem.startswith("step 'boost': ")


def test_the_component_runs_the_job_and_gives_each_owner_its_own_part() -> None:
    component = registry().get(NAME)
    seen: list[str] = []
    results = helpers.run_step(
        component.fn,
        parse(spec_dict()),
        rows=1_500,
        seed=2,
        progress=lambda fraction, message: seen.append(message),
    )
    assert set(results["bank"]) == {"scores", "model"}
    assert set(results["platform"]) == {"model"} and results["dealer"] == {}
    bank = BoostOutcome.from_dict(results["bank"]["scores"])
    assert bank.model is None  # the scores output carries no model part
    assert bank.metrics["test"]["auc"] > 0.6  # a sanity bound: few rows, columns and trees
    assert set(bank.importance["owner"]) == {"bank", "platform"}
    platform = ModelPart.from_wire(results["platform"]["model"])
    assert platform.party == "platform" and platform.view is None
    assert set(platform.feature_names) == {"income", "age", "employment_type"}
    assert ModelPart.from_wire(results["bank"]["model"]).view is not None
    assert any(message.startswith("train: ") for message in seen)
