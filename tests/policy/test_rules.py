"""Tests of usage policies: the YAML, its checks and its defaults."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from confide.errors import ConfigError
from confide.policy import Approval, OutputKind, load_policy, policy_to_yaml
from tests.policy.helpers import policy_data, policy_of

UTC = datetime.timezone.utc


def test_parse() -> None:
    policy = policy_of(policy_data())
    assert policy.dataset == "loans"
    assert policy.parties == {"bank", "platform", "dealer"}
    assert policy.allow_columns == frozenset({"id", "default", "income"})
    assert policy.deny_columns == {"national_id"}
    assert policy.outputs[OutputKind.STATISTICS] == {"bank"}
    assert (policy.min_group_size, policy.max_uses) == (20, 3)
    assert policy.approval is Approval.AUTO
    # a bare date means through that day, UTC
    assert policy.expires == datetime.datetime(2027, 1, 1, tzinfo=UTC)


def test_defaults_allow_nothing_unnamed() -> None:
    data = {
        "dataset": "loans",
        "parties": ["bank"],
        "components": ["stats.joint"],
        "outputs": {},
    }
    policy = policy_of(data)
    assert policy.approval is Approval.MANUAL
    assert policy.allow_columns is None and policy.deny_columns == frozenset()
    assert policy.outputs == {}
    assert policy.min_group_size is None and policy.max_uses is None
    assert policy.expires is None


def test_expiry_with_a_time_zone() -> None:
    data = policy_data()
    data["expires"] = "2026-12-31T18:00:00+01:00"
    expires = policy_of(data).expires
    assert expires == datetime.datetime(2026, 12, 31, 17, tzinfo=UTC)


def test_component_wildcards() -> None:
    data = policy_data()
    data["components"] = ["psi.*", "stats.joint"]
    policy = policy_of(data)
    assert policy.allows_component("psi.ecdh") and policy.allows_component("psi.kkrt")
    assert policy.allows_component("stats.joint")
    assert not policy.allows_component("psi")
    assert not policy.allows_component("psix.ecdh")
    assert not policy.allows_component("stats.joint_extra")


def test_yaml_round_trip(tmp_path: Path) -> None:
    policy = policy_of(policy_data())
    path = tmp_path / "loans.yaml"
    path.write_text(policy_to_yaml(policy), encoding="utf-8")
    assert load_policy(path) == policy


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colums": {"allow": ["id"]}}, "colums: Extra inputs are not permitted"),
        ({"columns": {"allow": ["id"], "deny": ["id"]}}, r"columns \['id'\] are both allowed"),
        ({"outputs": {"scores": ["insurer"]}}, r"outputs.scores: \['insurer'\] may receive it"),
        ({"outputs": {"weights": ["bank"]}}, "outputs.weights.\\[key\\]: Input should be"),
        ({"parties": []}, "at least one party"),
        ({"parties": ["Bank"]}, "party name 'Bank'"),
        ({"components": ["ml/*"]}, r"component name 'ml/\*'"),
        ({"max_uses": 0}, "max_uses must be at least 1, got 0"),
        ({"min_group_size": -5}, "min_group_size must be at least 1"),
        ({"max_uses": "10"}, "max_uses: Input should be a valid integer"),
        ({"approval": True}, "approval: Input should be 'auto' or 'manual'"),
        ({"expires": "2026-12-31T18:00:00"}, "expires"),
        ({"dataset": ".hidden"}, "dataset name '.hidden'"),
    ],
)
def test_checks(changes: dict[str, Any], message: str) -> None:
    data = policy_data()
    data.update(changes)
    with pytest.raises(ConfigError, match=message):
        policy_of(data)


def test_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "loans.yaml"
    with pytest.raises(ConfigError, match=f"usage policy {path} does not exist"):
        load_policy(path)
    data = policy_data()
    data["max_uses"] = 0
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=f"usage policy {path}: max_uses must be at least 1"):
        load_policy(path)
    path.write_text("dataset: loans\nparties: [bank\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"usage policy {path} is not valid YAML: line 3"):
        load_policy(path)
    path.write_text("dataset: loans\ncomponents: [a]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"usage policy {path} is invalid: parties: Field req"):
        load_policy(path)
