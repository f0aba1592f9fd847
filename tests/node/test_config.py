"""The node config file: paths, defaults, refused keys and hosts, the admin token."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from confide.errors import ConfigError
from confide.net.federation import identity_paths, init_federation
from confide.node import NodeConfig, default_database_url, load_config
from confide.node.config import read_or_create_token


def config_data() -> dict[str, Any]:
    return {
        "party": "bank",
        "federation": "fed/federation.yaml",
        "identity": {"key": "fed/bank.key", "certificate": "fed/bank.crt"},
        "state_dir": "state",
        "peer": {"listen": "0.0.0.0:50051"},
    }


def write_config(folder: Path, data: dict[str, Any]) -> Path:
    path = folder / "node.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_a_minimal_config_gets_absolute_paths_and_defaults(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, config_data()))
    assert config.party == "bank"
    assert config.federation_file == tmp_path / "fed" / "federation.yaml"
    assert config.key_file == tmp_path / "fed" / "bank.key"
    assert config.state_dir == tmp_path / "state"
    assert config.database_url == f"sqlite:///{tmp_path / 'state' / 'node.db'}"
    assert config.database_url == default_database_url(tmp_path / "state")
    assert (config.admin_host, config.admin_port) == ("127.0.0.1", 7380)
    assert config.admin_token_file == tmp_path / "state" / "admin.token"
    assert config.peer_listen == "0.0.0.0:50051"


def test_every_key_can_be_given(tmp_path: Path) -> None:
    data = config_data()
    data["database_url"] = "postgresql+psycopg://confide@db.internal/confide"
    data["admin"] = {"host": "::1", "port": 9000, "token_file": "/run/confide/token"}
    config = load_config(write_config(tmp_path, data))
    assert config.database_url == "postgresql+psycopg://confide@db.internal/confide"
    assert (config.admin_host, config.admin_port) == ("::1", 9000)
    assert config.admin_token_file == Path("/run/confide/token")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("party"), r"party: Field required"),
        (lambda d: d["identity"].pop("key"), r"identity.key: Field required"),
        (lambda d: d.pop("peer"), r"peer: Field required"),
        (lambda d: d.update(colour="blue"), r"colour: Extra inputs are not permitted"),
        (lambda d: d["admin"].update(hots="x"), r"admin.hots: Extra inputs are not permitted"),
        (lambda d: d["admin"].update(port=0), r"admin.port: Input should be greater than"),
        (lambda d: d["admin"].update(host="0.0.0.0"), r"'0.0.0.0' is not a loopback address"),
        (lambda d: d["admin"].update(host="10.1.2.3"), r"is not a loopback address"),
        (lambda d: d["admin"].update(host="bank.example"), r"is not a loopback address"),
        (lambda d: d.update(party="Bank!"), r"party name"),
        (lambda d: d["peer"].update(listen="50051"), r"peer.listen '50051' must be HOST:PORT"),
        (lambda d: d["peer"].update(listen="h:99999"), r"must be HOST:PORT"),
        (lambda d: d.update(database_url="mysql://x@y/z"), r"must be SQLite or PostgreSQL"),
        (lambda d: d.update(database_url="sqlite://"), r"must be a SQLite file"),
    ],
)
def test_bad_configs_are_refused_with_the_file_and_key_named(
    tmp_path: Path, change: Any, message: str
) -> None:
    data = config_data()
    data["admin"] = {}
    change(data)
    path = write_config(tmp_path, data)
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(path) in str(caught.value)


def test_a_missing_or_broken_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"node config .* does not exist"):
        load_config(tmp_path / "nope.yaml")
    (tmp_path / "node.yaml").write_text("party: bank\nparty: platform\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="twice"):
        load_config(tmp_path / "node.yaml")


def test_the_admin_token_is_created_private_and_then_reused(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, config_data()))
    token = config.admin_token()
    assert len(token) >= 43  # 32 random bytes in URL-safe base64
    mode = stat.S_IMODE(config.admin_token_file.stat().st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(config.admin_token_file.parent.stat().st_mode) == 0o700
    assert config.admin_token() == token
    assert read_or_create_token(tmp_path / "other.token") != token
    assert [p.name for p in config.admin_token_file.parent.iterdir()] == ["admin.token"]


def test_concurrent_creators_agree_on_one_token(tmp_path: Path) -> None:
    path = tmp_path / "token"
    tokens: list[str] = []
    barrier = threading.Barrier(8)

    def create() -> None:
        barrier.wait()
        tokens.append(read_or_create_token(path))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(tokens) == 8 and len(set(tokens)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["token"]


def test_a_token_others_may_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("abc\n", encoding="ascii")
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match=r"may be read by other users .* chmod 600"):
        read_or_create_token(path)
    os.chmod(path, 0o600)
    assert read_or_create_token(path) == "abc"
    path.write_text("\n", encoding="ascii")
    with pytest.raises(ConfigError, match="is empty"):
        read_or_create_token(path)


def test_federation_and_identity_load_and_must_be_this_partys(tmp_path: Path) -> None:
    fed = init_federation(["bank", "platform"], tmp_path / "fed", ports=[50051, 50052])
    config = load_config(write_config(tmp_path, config_data()))
    assert set(config.load_federation().parties) == {"bank", "platform"}
    assert config.load_identity().party == "bank"
    key, cert = identity_paths(fed, "platform")
    data = config_data()
    data["identity"] = {"key": str(key), "certificate": str(cert)}
    with pytest.raises(
        ConfigError, match="belongs to party 'platform', not to this node's party 'bank'"
    ):
        load_config(write_config(tmp_path, data)).load_identity()
    data = config_data()
    data["party"] = "dealer"
    with pytest.raises(ConfigError, match="has no party 'dealer'"):
        load_config(write_config(tmp_path, data)).load_federation()


def test_the_state_dir_is_created_private(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, config_data()))
    assert config.ensure_state_dir() == tmp_path / "state"
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700


def test_the_dataclass_checks_its_fields_too(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, config_data()))
    fields = {**config.__dict__, "admin_host": "192.168.0.1"}
    with pytest.raises(ConfigError, match="not a loopback address"):
        NodeConfig(**fields)
