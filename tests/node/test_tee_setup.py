"""A node's means for enclave jobs: the ``tee`` config section, its keys, and what it refuses."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from confide.audit import AuditLog, MemoryAuditStore
from confide.errors import ConfigError
from confide.node import DatasetRegistry, NodeStore, load_config
from confide.node.config import TeeConfig
from confide.node.tee_setup import TeeNode, enclave_host, open_tee, tee_problems
from confide.tee import ReceiverKey, SimulatedPlatform
from tests.node.test_config import config_data, write_config
from tests.tee.helpers import job_data, job_of, make_identity, policy_for

MEASUREMENT = "ab" * 32


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    platform = SimulatedPlatform.create(tmp_path / "platform")
    found = {"platform": platform.folder, "quoting_pub": platform.public_key_path}
    for party in ("bank", "platform"):
        ReceiverKey.generate().save(tmp_path / f"{party}.key", tmp_path / f"{party}.pub")
        found[f"{party}_key"] = tmp_path / f"{party}.key"
        found[f"{party}_pub"] = tmp_path / f"{party}.pub"
    return found


def provider_tee(keys: dict[str, Path]) -> dict[str, Any]:
    return {
        "platform_keys": ["platform/quoting.pub"],
        "receiver_keys": {"bank": "bank.pub", "platform": "platform.pub"},
        "output_key": "bank.key",
    }


def test_a_config_without_tee_is_still_valid(tmp_path: Path) -> None:
    assert load_config(write_config(tmp_path, config_data())).tee == TeeConfig()


def test_the_tee_section_resolves_its_paths(tmp_path: Path, keys: dict[str, Path]) -> None:
    data = config_data()
    data["tee"] = {**provider_tee(keys), "enclave": {"image": "img", "platform": "platform"}}
    tee = load_config(write_config(tmp_path, data)).tee
    assert tee.platform_keys == (keys["quoting_pub"],)
    assert tee.receiver_keys == {"bank": keys["bank_pub"], "platform": keys["platform_pub"]}
    assert tee.output_key == keys["bank_key"]
    assert (tee.enclave_image, tee.enclave_platform) == (tmp_path / "img", keys["platform"])
    assert not tee.keep_ciphertexts


def test_keep_ciphertexts_reaches_the_tee_node(tmp_path: Path, keys: dict[str, Path]) -> None:
    data = config_data()
    data["tee"] = {**provider_tee(keys), "keep_ciphertexts": True}
    config = load_config(write_config(tmp_path, data))
    assert config.tee.keep_ciphertexts
    audit = AuditLog(MemoryAuditStore(), make_identity("bank"))
    assert open_tee(
        config.tee, party="bank", audit=audit, work_dir=tmp_path / "tee"
    ).keep_ciphertexts
    assert not open_tee(
        TeeConfig(), party="bank", audit=audit, work_dir=tmp_path / "tee"
    ).keep_ciphertexts


@pytest.mark.parametrize(
    ("tee", "message"),
    [
        ({"enclave": {"image": "img"}}, r"tee.enclave.platform: Field required"),
        ({"platform_key": ["x"]}, r"tee.platform_key: Extra inputs are not permitted"),
        ({"receiver_keys": {"Bad Name!": "x.pub"}}, r"party name"),
        ({"output_key": ""}, r"tee.output_key: String should have at least 1 character"),
        ({"keep_ciphertexts": "yes"}, r"tee.keep_ciphertexts: Input should be a valid boolean"),
    ],
)
def test_bad_tee_sections_are_refused(tmp_path: Path, tee: dict[str, Any], message: str) -> None:
    data = config_data()
    data["tee"] = tee
    with pytest.raises(ConfigError, match=message):
        load_config(write_config(tmp_path, data))


def test_open_tee_loads_the_keys(tmp_path: Path, keys: dict[str, Path]) -> None:
    data = config_data()
    data["tee"] = provider_tee(keys)
    config = load_config(write_config(tmp_path, data))
    audit = AuditLog(MemoryAuditStore(), make_identity("bank"))
    node = open_tee(config.tee, party="bank", audit=audit, work_dir=tmp_path / "tee")
    assert node.release is not None and node.release.party == "bank"
    assert node.output_key is not None
    assert node.output_key.public_key == ReceiverKey.load(keys["bank_key"]).public_key
    assert node.pinned_receivers == {"bank", "platform"} and node.enclave is None
    keys["quoting_pub"].write_text("not a key")
    with pytest.raises(ConfigError, match=r"quoting\.pub cannot be read"):
        open_tee(config.tee, party="bank", audit=audit, work_dir=tmp_path / "tee")


@pytest.mark.parametrize("keep", [False, True])
def test_opening_removes_the_job_folders_a_crashed_run_left(
    tmp_path: Path, keys: dict[str, Path], caplog: pytest.LogCaptureFixture, keep: bool
) -> None:
    data = config_data()
    data["tee"] = {**provider_tee(keys), "keep_ciphertexts": keep}
    config = load_config(write_config(tmp_path, data))
    work_dir = config.state_dir / "tee"  # where the daemon keeps its enclave jobs
    for job in ("job-1", "job-2"):
        (work_dir / job).mkdir(parents=True)
        (work_dir / job / "bank.features.sealed").write_bytes(b"sealed")
    audit = AuditLog(MemoryAuditStore(), make_identity("bank"))
    with caplog.at_level(logging.INFO, logger="confide.node.tee_setup"):
        open_tee(config.tee, party="bank", audit=audit, work_dir=work_dir)
    left = sorted(folder.name for folder in work_dir.iterdir())
    if keep:
        assert left == ["job-1", "job-2"] and "removed" not in caplog.text
    else:
        assert left == [] and "'job-1'" in caplog.text and "'job-2'" in caplog.text


@pytest.fixture
def store(tmp_path: Path) -> Iterator[NodeStore]:
    with NodeStore.open(f"sqlite:///{tmp_path / 'node.db'}") as opened:
        csv = tmp_path / "features.csv"
        pd.DataFrame({"id": [1, 2], "income": [1.0, 2.0]}).to_csv(csv, index=False)
        DatasetRegistry(opened).add("features", path=csv, id_column="id")
        opened.put_policy(policy_for("features", [MEASUREMENT]))
        yield opened


def test_the_enclave_host_is_the_one_compute_helper_without_data() -> None:
    assert enclave_host(job_of(job_data())) == "host"
    data = job_data()
    data["parties"]["host"] = ["result_receiver"]
    with pytest.raises(ConfigError, match="exactly one enclave host"):
        enclave_host(job_of(data))


def test_a_node_without_its_means_refuses_with_reasons(
    store: NodeStore, keys: dict[str, Path], tmp_path: Path
) -> None:
    spec = job_of(job_data())
    bare = TeeNode()
    assert tee_problems(spec, party="host", tee=bare, store=store) == [
        "'host' hosts the job's enclave but its node has no tee.enclave"
    ]
    problems = tee_problems(spec, party="platform", tee=bare, store=store)
    assert any("pinned no enclave platform key" in p for p in problems)
    assert any("no output key (tee.receiver_keys) for the receivers ['bank', 'platform']" in p
               for p in problems)  # fmt: skip
    assert any("has no tee.output_key" in p for p in problems)

    config = TeeConfig(
        platform_keys=(keys["quoting_pub"],),
        receiver_keys={"bank": keys["bank_pub"], "platform": keys["platform_pub"]},
        output_key=keys["platform_key"],
    )
    audit = AuditLog(MemoryAuditStore(), make_identity("platform"))
    ready = open_tee(config, party="platform", audit=audit, work_dir=tmp_path / "tee")
    assert tee_problems(spec, party="platform", tee=ready, store=store) == []
    store.put_policy(policy_for("features", []))
    [problem] = tee_problems(spec, party="platform", tee=ready, store=store)
    assert "lists no enclave measurement" in problem


def test_a_job_with_a_step_outside_the_enclave_is_refused(store: NodeStore) -> None:
    data = job_data()
    del data["steps"][0]["params"]["execution"]
    [problem, *_] = tee_problems(job_of(data), party="host", tee=TeeNode(), store=store)
    assert problem.startswith("the enclave cannot run the job: step 'summary' must set")
