"""A usage policy's optional ``enclave_measurements``: none by default, checks, YAML round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from confide.errors import ConfigError
from confide.policy import load_policy, policy_to_yaml
from tests.policy.helpers import policy_data, policy_of

GOOD = "a" * 64
OTHER = "0123456789abcdef" * 4


def test_no_enclave_is_allowed_by_default() -> None:
    policy = policy_of(policy_data())
    assert policy.enclave_measurements == frozenset()
    assert "enclave_measurements" not in policy_to_yaml(policy)


def test_yaml_round_trip(tmp_path: Path) -> None:
    data = policy_data()
    data["enclave_measurements"] = [OTHER, GOOD, GOOD]
    policy = policy_of(data)
    assert policy.enclave_measurements == {GOOD, OTHER}
    path = tmp_path / "loans.yaml"
    path.write_text(policy_to_yaml(policy), encoding="utf-8")
    assert load_policy(path) == policy
    assert policy.to_dict()["enclave_measurements"] == sorted([GOOD, OTHER])


@pytest.mark.parametrize("bad", ["A" * 64, "a" * 63, "g" * 64, "sha256:" + "a" * 64])
def test_measurements_must_be_sha256_hex(bad: str) -> None:
    data = policy_data()
    data["enclave_measurements"] = [bad]
    with pytest.raises(ConfigError, match="is not a SHA-256 measurement"):
        policy_of(data)


def test_a_single_string_is_not_a_list() -> None:
    data = policy_data()
    data["enclave_measurements"] = GOOD
    with pytest.raises(ConfigError, match="enclave_measurements: Input should be a valid list"):
        policy_of(data)
