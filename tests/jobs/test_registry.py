"""The component registry: registering, looking up, spec checks, and the inputs' helpers."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from confide.errors import ConfigError
from confide.jobs.registry import (
    Component,
    ComponentInputs,
    ComponentOutputs,
    ComponentRegistry,
    readers,
)
from confide.policy import parse_job
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

SAYS = (Disclosure("every party", "nothing"),)

SPEC = parse_job(
    yaml.safe_dump(
        {
            "name": "two steps",
            "parties": {
                "bank": ["data_provider", "task_initiator", "result_receiver"],
                "platform": ["data_provider"],
                "dealer": ["compute_helper"],
            },
            "datasets": {"bank": ["loans"], "platform": ["features"]},
            "steps": [
                {
                    "id": "one",
                    "component": "test.echo",
                    "reads": {"platform": {"features": ["age"]}, "bank": {"loans": ["id"]}},
                    "outputs": [
                        {"name": "a", "kind": "statistics", "to": ["bank"]},
                        {"name": "b", "kind": "scores", "to": ["bank"]},
                    ],
                },
                {"id": "two", "component": "test.other", "after": ["one"]},
            ],
        }
    )
)


def echo(ctx: Context, inputs: ComponentInputs) -> ComponentOutputs:
    """Echo the parameters.

    More text.
    """
    return ComponentOutputs(values=dict(inputs.params))


def refuse_everything(spec: object, step: object) -> None:
    raise ConfigError("this component takes no job")


def test_register_returns_the_function_and_get_finds_it() -> None:
    registry = ComponentRegistry()
    decorated = registry.register("test.echo", disclosure=SAYS)(echo)
    assert decorated is echo
    component = registry.get("test.echo")
    assert component.fn is echo and component.disclosure == SAYS
    assert component.summary == "Echo the parameters."
    assert "test.echo" in registry and len(registry) == 1
    assert registry.names() == ("test.echo",) and list(registry) == [component]


def test_names_are_unique_and_checked() -> None:
    registry = ComponentRegistry([Component("test.echo", echo, SAYS)])
    with pytest.raises(ConfigError, match="already registered"):
        registry.register("test.echo", disclosure=SAYS)(echo)
    with pytest.raises(ConfigError, match="dotted lowercase"):
        Component("Test Echo", echo, SAYS)
    with pytest.raises(ConfigError, match="who learns what"):
        Component("test.silent", echo, ())


def test_an_unknown_component_names_the_installed_ones() -> None:
    registry = ComponentRegistry([Component("test.echo", echo, SAYS)])
    with pytest.raises(ConfigError, match=r"'test.nope' is not installed .*installed: test.echo"):
        registry.get("test.nope")


def test_problems_lists_unknown_components_and_failed_checks_per_step() -> None:
    registry = ComponentRegistry([Component("test.echo", echo, SAYS, check=refuse_everything)])
    assert registry.problems(SPEC) == [
        "step 'one': this component takes no job",
        "step 'two': component 'test.other' is not installed on this node (installed: test.echo)",
    ]


def test_inputs_know_the_readers_and_cut_values_to_what_this_party_receives() -> None:
    step = SPEC.step("one")
    assert readers(SPEC, step) == ("bank", "platform")
    frame = pd.DataFrame({"id": [1, 2]})
    bank = ComponentInputs("bank", SPEC, step, frames={"loans": frame})
    platform = ComponentInputs("platform", SPEC, step)
    assert bank.readers == ("bank", "platform") and bank.params == {}
    assert bank.receives(step.outputs[0]) and not platform.receives(step.outputs[0])
    assert bank.received({"a": 1, "b": 2}) == {"a": 1, "b": 2}
    assert platform.received({"a": 1, "b": 2}) == {}
    bank.progress(0.5, "halfway")  # the default progress callback does nothing
