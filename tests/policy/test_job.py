"""Tests of job specs: parsing, the checks, YAML round trips and the spec hash."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from confide.audit.canonical import canonical_json
from confide.errors import ConfigError
from confide.policy import OutputKind, job_to_yaml, load_job, parse_job, spec_hash
from confide.policy.job import SPEC_HASH_CONTEXT
from confide.runtime import Role
from tests.policy.helpers import job_data, job_of


def test_parse() -> None:
    job = job_of(job_data())
    assert job.name == "credit-score"
    assert job.parties["dealer"] == frozenset({Role.COMPUTE_HELPER})
    assert job.datasets == {"bank": ("loans",), "platform": ("features",)}
    lr = job.step("lr")
    assert lr.after == ("align",)
    assert lr.params == {"epochs": 5, "learning_rate": 0.1, "penalty": "l2"}
    assert lr.columns_read("platform", "features") == ("age", "score")
    assert lr.columns_read("bank", "features") == ()
    assert [(s.id, o.name, o.kind) for s, o in job.outputs()] == [
        ("align", "ids", OutputKind.INTERSECTION),
        ("lr", "model", OutputKind.MODEL_PART),
        ("lr", "summary", OutputKind.STATISTICS),
    ]
    assert lr.outputs[1].min_group_size == 50
    with pytest.raises(ConfigError, match="no step 'woe'"):
        job.step("woe")


def test_yaml_round_trip(tmp_path: Path) -> None:
    job = job_of(job_data())
    path = tmp_path / "job.yaml"
    path.write_text(job_to_yaml(job), encoding="utf-8")
    again = load_job(path)
    assert again == job
    assert again.hash == job.hash


def test_hash_is_sha256_of_the_canonical_form() -> None:
    job = job_of(job_data())
    expected = hashlib.sha256(SPEC_HASH_CONTEXT + canonical_json(job.to_dict())).hexdigest()
    assert spec_hash(job) == job.hash == expected


def _reverse_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reverse_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reverse_keys(item) for item in value]
    return value


def test_hash_ignores_key_order_and_the_order_of_sets() -> None:
    base = job_of(job_data()).hash
    assert job_of(_reverse_keys(job_data())).hash == base
    data = job_data()
    data["parties"]["bank"].reverse()  # roles are a set
    data["datasets"]["bank"] = ["loans"]
    data["steps"][1]["outputs"][0]["to"].reverse()  # receivers are a set
    assert job_of(data).hash == base
    text = yaml.safe_dump(job_data(), sort_keys=True, default_flow_style=True)
    assert parse_job(text).hash == base


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "name": _set(("name",), "credit-score-2"),
    "a role": _set(("parties", "dealer"), ["compute_helper", "task_initiator"]),
    "a party": _set(("parties", "insurer"), ["compute_helper"]),
    "a dataset": _set(("datasets", "bank"), ["loans", "history"]),
    "a component": _set(("steps", 1, "component"), "ml.secureboost"),
    "a parameter value": _set(("steps", 1, "params", "epochs"), 6),
    "an int parameter to a float": _set(("steps", 1, "params", "epochs"), 5.0),
    "a float parameter": _set(("steps", 1, "params", "learning_rate"), 0.1000001),
    "a new parameter": _set(("steps", 1, "params", "seed"), 7),
    "a column": _set(("steps", 1, "reads", "bank", "loans"), ["default", "income", "age"]),
    "the column order": _set(("steps", 1, "reads", "bank", "loans"), ["income", "default"]),
    "the DAG": _set(("steps", 1, "after"), []),
    "an output kind": _set(("steps", 1, "outputs", 0, "kind"), "scores"),
    "a receiver": _set(("steps", 1, "outputs", 0, "to"), ["bank"]),
    "a group size": _set(("steps", 1, "outputs", 1, "min_group_size"), 51),
    "an output name": _set(("steps", 1, "outputs", 0, "name"), "weights"),
    "the step order": lambda d: d["steps"].reverse(),
}


@pytest.mark.parametrize("what", list(CHANGES))
def test_hash_changes_with_any_change_of_meaning(what: str) -> None:
    data = job_data()
    CHANGES[what](data)
    assert job_of(data).hash != job_of(job_data()).hash


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set(("parties",), {"bank": ["data_provider"]}), "at least 2 parties, this one has 1"),
        (_set(("parties", "Bank"), ["compute_helper"]), "party name 'Bank'"),
        (_set(("parties", "dealer"), []), "party 'dealer' has no role"),
        (_set(("parties", "dealer"), ["dealer"]), "parties.dealer.0: Input should be"),
        (_set(("datasets", "dealer"), ["x"]), "'dealer' contributes datasets but is not a data_p"),
        (_set(("datasets", "insurer"), ["x"]), "listed for 'insurer', which is not a party"),
        (_set(("datasets", "bank"), ["loans", "loans"]), "a dataset is listed twice for 'bank'"),
        (_set(("datasets", "bank"), ["../etc"]), "dataset name '../etc'"),
        (_set(("steps",), []), "the job has no steps"),
        (_set(("steps", 1, "id"), "align"), r"used more than once: \['align'\]"),
        (_set(("steps", 1, "id"), "Train"), "step id 'Train' must be lowercase"),
        (_set(("steps", 1, "component"), "ML/LR"), "component name 'ML/LR'"),
        (_set(("steps", 1, "after"), ["woe"]), "step 'lr' comes after 'woe', which is not a step"),
        (_set(("steps", 1, "after"), ["lr"]), "step 'lr' cannot come after itself"),
        (_set(("steps", 0, "after"), ["lr"]), "cycle: align after lr after align"),
        (
            _set(("steps", 1, "reads", "bank"), {"history": ["x"]}),
            "reads dataset 'history' of 'bank', which the job does not list under datasets.bank",
        ),
        (_set(("steps", 1, "reads", "insurer"), {"x": ["y"]}), "data of 'insurer', which is not"),
        (_set(("steps", 1, "reads", "bank", "loans"), []), "reads no columns of bank/loans"),
        (_set(("steps", 1, "reads", "bank", "loans"), ["a", "a"]), "lists a column of bank/loans"),
        (_set(("steps", 1, "outputs", 0, "kind"), "weights"), "outputs.0.kind: Input should be"),
        (_set(("steps", 1, "outputs", 0, "to"), ["dealer"]), "'dealer', which is not a result_r"),
        (_set(("steps", 1, "outputs", 0, "to"), ["insurer"]), "'insurer', which is not a party"),
        (_set(("steps", 1, "outputs", 0, "to"), []), "outputs.0.to: List should have at least"),
        (_set(("steps", 1, "outputs", 0, "min_group_size"), 5), "not to model_part"),
        (_set(("steps", 1, "outputs", 1, "min_group_size"), 0), "must be at least 1"),
        (_set(("steps", 1, "outputs", 1, "min_group_size"), "5"), "valid integer"),
        (_set(("steps", 1, "outputs", 1, "name"), "model"), "two outputs with the same name"),
        (_set(("steps", 1, "colums"), {}), "steps.1.colums: Extra inputs are not permitted"),
        (_set(("steps", 1, "params", "start"), "2025-01-01"), None),  # a string is fine
    ],
)
def test_checks(change: Callable[[dict[str, Any]], None], message: str | None) -> None:
    data = job_data()
    change(data)
    if message is None:
        job_of(data)
        return
    with pytest.raises(ConfigError, match=message):
        job_of(data)


def test_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    with pytest.raises(ConfigError, match=f"job spec {path} does not exist"):
        load_job(path)
    path.write_text("name: x\nparties: {bank: [data_provider]\n", encoding="utf-8")
    with pytest.raises(
        ConfigError,
        match=f"job spec {path} is not valid YAML: line 3, column 1: expected ',' or '}}'",
    ):
        load_job(path)
    path.write_text("name: x\nname: y\n", encoding="utf-8")
    with pytest.raises(
        ConfigError,
        match=f"job spec {path} is not valid YAML: line 2, column 1: found the key 'name' twice",
    ):
        load_job(path)
    path.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"job spec {path} is empty"):
        load_job(path)
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"job spec {path} must be a YAML mapping"):
        load_job(path)
    data = job_data()
    data["steps"][1]["params"]["start"] = "DATE"
    path.write_text(yaml.safe_dump(data).replace("DATE", "2025-01-01"), encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"job spec {path} is invalid: steps.1.params.start"):
        load_job(path)
    data = job_data()
    data["steps"][0]["after"] = ["lr"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"job spec {path}: the steps form a cycle"):
        load_job(path)
