"""The built-in components against their plaintext twins, and their spec checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml

from confide.errors import ConfigError, PartyFailed
from confide.jobs.registry import ComponentInputs, ComponentOutputs
from confide.node.components import (
    BUILTIN_NAMES,
    check_psi_spec,
    check_stats_spec,
    default_registry,
    psi_ecdh,
    stats_joint,
)
from confide.policy import JobSpec, parse_job
from confide.runtime import Context, simulate
from confide.stats import plaintext_statistics
from tests.node.jobkit import DATASETS, PARTIES, frames, psi_stats_job

TABLES = frames()


def inputs_of(spec: JobSpec, step_id: str) -> dict[str, ComponentInputs]:
    """Each party's inputs of the step, the columns read as the node reads them."""
    step = spec.step(step_id)
    made = {}
    for party in sorted(spec.parties):
        frames_read = {}
        for dataset, columns in step.reads.get(party, {}).items():
            frames_read[dataset] = TABLES[party][list(dict.fromkeys(["id", *columns]))]
        made[party] = ComponentInputs(party, spec, step, frames=frames_read)
    return made


def run(fn: Any, spec: JobSpec, step_id: str) -> dict[str, ComponentOutputs]:
    def call(ctx: Context, inputs: ComponentInputs) -> ComponentOutputs:
        return fn(ctx, inputs)  # type: ignore[no-any-return]

    return simulate(call, inputs_of(spec, step_id), timeout=30)


def with_partner(spec_yaml: str) -> JobSpec:
    """The spec with ``partner`` as a party that reads nothing."""
    data = yaml.safe_load(spec_yaml)
    data["parties"]["partner"] = ["result_receiver"]
    return parse_job(yaml.safe_dump(data))


def test_the_registry_has_the_builtins() -> None:
    assert default_registry().names() == BUILTIN_NAMES


def test_psi_gives_the_receivers_the_intersection_in_one_order() -> None:
    spec = with_partner(psi_stats_job())
    out = run(psi_ecdh, spec, "align")
    common = sorted(set(TABLES["bank"]["id"]) & set(TABLES["platform"]["id"]))
    bank, platform = out["bank"].values["ids"], out["platform"].values["ids"]
    assert sorted(bank.tolist()) == common and bank.tolist() == platform.tolist()
    for party in ("bank", "platform"):
        rows = out[party].state["rows"]
        assert TABLES[party]["id"].to_numpy()[rows].tolist() == bank.tolist()
        assert out[party].state["dataset"] == DATASETS[party]
    assert out["partner"] == ComponentOutputs()  # it took no part


def test_joint_statistics_match_the_plaintext_twin() -> None:
    spec = parse_job(psi_stats_job(parties=PARTIES))
    out = run(stats_joint, spec, "stats")
    plain = plaintext_statistics([TABLES[p][["income", "age"]].to_dict("list") for p in PARTIES])
    for party in PARTIES:
        summary = out[party].values["summary"]
        assert isinstance(summary, dict)
        np.testing.assert_allclose([summary[c]["mean"] for c in ("income", "age")], plain.mean,
                                   rtol=1e-9)  # fmt: skip
        np.testing.assert_allclose([summary[c]["var"] for c in ("income", "age")], plain.var,
                                   rtol=1e-9)  # fmt: skip


def test_statistics_about_too_few_rows_are_not_released() -> None:
    data = yaml.safe_load(psi_stats_job())
    data["steps"][1]["outputs"][0]["min_group_size"] = 1000
    with pytest.raises(PartyFailed, match="fewer than 1000 values"):
        run(stats_joint, parse_job(yaml.safe_dump(data)), "stats")


def edited(step: int, change: Any) -> JobSpec:
    data = yaml.safe_load(psi_stats_job())
    change(data["steps"][step])
    return parse_job(yaml.safe_dump(data))


@pytest.mark.parametrize(
    ("step", "change", "message"),
    [
        (0, lambda s: s["reads"].pop("platform"), "at least two parties"),
        (0, lambda s: s["reads"]["bank"]["loans"].append("age"), "exactly one column"),
        (0, lambda s: s.update(params={"protocol": "kkrt"}), r"no parameters \['protocol'\]"),
        (0, lambda s: s.update(params={"reveal_size": "yes"}), "true or false"),
        (0, lambda s: s["outputs"][0].update(kind="scores"), "not 'scores'"),
        (0, lambda s: s.update(outputs=[]), "at least one output"),
    ],
)
def test_the_psi_check_refuses_what_it_cannot_do(step: int, change: Any, message: str) -> None:
    spec = edited(step, change)
    with pytest.raises(ConfigError, match=message):
        check_psi_spec(spec, spec.steps[step])


def test_the_psi_check_refuses_receivers_outside_the_intersection() -> None:
    data = yaml.safe_load(psi_stats_job())
    data["parties"]["partner"] = ["result_receiver"]
    data["steps"][0]["outputs"][0]["to"].append("partner")
    spec = parse_job(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=r"goes to \['partner'\], who take no part"):
        check_psi_spec(spec, spec.steps[0])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["reads"]["bank"]["loans"].reverse(), "the same columns in the same order"),
        (lambda s: s["outputs"][0].update(to=["bank"]), "must go to exactly"),
        (lambda s: s.update(params={"ddof": 0}), "no parameters"),
    ],
)
def test_the_stats_check_refuses_what_it_cannot_do(change: Any, message: str) -> None:
    spec = edited(1, change)
    with pytest.raises(ConfigError, match=message):
        check_stats_spec(spec, spec.steps[1])
