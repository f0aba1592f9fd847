"""The runner: the order of the steps, and a component that breaks its contract."""

from __future__ import annotations

from pathlib import Path

import yaml

from confide.audit import EventType
from confide.jobs.registry import Component, ComponentInputs, ComponentOutputs
from confide.node import JobState
from confide.node.runner import step_order
from confide.policy import parse_job
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure
from tests.node.jobkit import psi_stats_job
from tests.node.memory_nodes import memory_nodes


def test_steps_run_after_the_steps_they_consume() -> None:
    data = yaml.safe_load(psi_stats_job())
    align, stats = data["steps"]
    extra = {**stats, "id": "again", "after": ["stats", "align"]}
    data["steps"] = [extra, stats, align]
    order = step_order(parse_job(yaml.safe_dump(data)))
    assert [step.id for step in order] == ["align", "stats", "again"]


def leaky(ctx: Context, inputs: ComponentInputs) -> ComponentOutputs:
    """Gives every party a value for every output, receiver or not."""
    return ComponentOutputs(values={o.name: 1 for o in inputs.step.outputs})


def test_a_value_for_a_party_that_does_not_receive_it_fails_the_job(tmp_path: Path) -> None:
    data = yaml.safe_load(psi_stats_job())
    data["steps"] = data["steps"][1:]
    data["steps"][0].pop("after")
    data["steps"][0]["component"] = "test.leaky"
    data["steps"][0]["outputs"][0].update(to=["bank"], kind="statistics")
    component = Component("test.leaky", leaky, (Disclosure("every party", "everything"),))
    policy = {"components": ["test.leaky"]}
    policies = {"bank": policy, "platform": policy}
    with memory_nodes(tmp_path, ("bank", "platform"), policies=policies,
                      components=[component]) as nodes:  # fmt: skip
        job = nodes["bank"].coordinator.submit(yaml.safe_dump(data))
        platform = nodes["platform"].wait(job.id)
        assert platform.state is JobState.FAILED and platform.reason is not None
        assert "gave 'platform' a value for output 'summary'" in platform.reason
        assert nodes["platform"].store.results(job.id, "platform") == []
        bank = nodes["bank"].wait(job.id)
        assert bank.state is JobState.FAILED and bank.reason is not None
        assert "failed at 'platform': ConfigError" in bank.reason
        failed = [e for e in nodes["bank"].services.audit.entries() if e.event is EventType.FAILED]
        assert failed and failed[-1].job_id == job.id
