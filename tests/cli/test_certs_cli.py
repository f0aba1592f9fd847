"""Tests of ``confide certs init``, on the sub-app itself and, when it imports, the full app."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from confide.cli.certs import app
from confide.net.federation import Federation, identity_paths

runner = CliRunner()


def _squash(text: str) -> str:
    """The output with all runs of whitespace (line wrapping included) turned into one space."""
    return " ".join(text.split())


def test_init_writes_the_federation(tmp_path: Path) -> None:
    out = tmp_path / "fed"
    result = runner.invoke(app, ["init", "--parties", "bank,platform,dealer", "--out", str(out)])
    assert result.exit_code == 0, result.output
    yaml_path = out / "federation.yaml"
    federation = Federation.load(yaml_path)
    assert list(federation.parties) == ["bank", "platform", "dealer"]
    assert federation.address("dealer") == "127.0.0.1:50053"
    for party in federation.parties:
        key_path, cert_path = identity_paths(yaml_path, party)
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
        assert cert_path.exists()
    output = _squash(result.output)
    assert "federation.yaml" in output
    for party, info in federation.parties.items():
        assert party in output
        assert info.address in output
        assert info.fingerprint[:16] in output


def test_init_options(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "init",
            "--parties",
            " bank , platform ",
            "--out",
            str(tmp_path),
            "--host",
            "localhost",
            "--base-port",
            "6000",
            "--name",
            "demo",
        ],
    )
    assert result.exit_code == 0, result.output
    federation = Federation.load(tmp_path / "federation.yaml")
    assert federation.name == "demo"
    assert federation.address("platform") == "localhost:6001"


def test_init_explicit_ports(tmp_path: Path) -> None:
    args = ["init", "--parties", "bank,platform", "--out", str(tmp_path), "--ports", "7005,7001"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    federation = Federation.load(tmp_path / "federation.yaml")
    assert federation.address("bank") == "127.0.0.1:7005"
    assert federation.address("platform") == "127.0.0.1:7001"


def test_init_bad_ports(tmp_path: Path) -> None:
    args = ["init", "--parties", "bank,platform", "--out", str(tmp_path), "--ports", "1,x"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "--ports must be comma-separated integers" in _squash(result.output)


def test_init_refuses_duplicate_parties(tmp_path: Path) -> None:
    out = tmp_path / "fed"
    result = runner.invoke(app, ["init", "--parties", "bank,platform,bank", "--out", str(out)])
    assert result.exit_code == 2
    output = _squash(result.output)
    assert "error:" in output
    assert "party names must be unique; repeated: bank" in output
    assert not out.exists()


def test_init_refuses_bad_name(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--parties", "Bank,platform", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "party name 'Bank'" in _squash(result.output)


def test_init_refuses_existing_files_unless_overwrite(tmp_path: Path) -> None:
    args = ["init", "--parties", "bank,platform", "--out", str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 0
    before = Federation.load(tmp_path / "federation.yaml")
    again = runner.invoke(app, args)
    assert again.exit_code == 2
    assert "refusing to overwrite" in _squash(again.output)
    assert runner.invoke(app, [*args, "--overwrite"]).exit_code == 0
    after = Federation.load(tmp_path / "federation.yaml")
    assert after.parties["bank"].fingerprint != before.parties["bank"].fingerprint


def test_help_documents_every_option() -> None:
    result = runner.invoke(app, ["init", "--help"])
    assert result.exit_code == 0
    output = _squash(result.output)
    for option in ("--parties", "--out", "--host", "--base-port", "--ports", "--name"):
        assert option in output
    assert "--overwrite" in output
    assert "Comma-separated party names" in output


def test_missing_required_option_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", "--out", str(tmp_path)])
    assert result.exit_code == 2


def _full_app() -> typer.Typer:
    try:
        from confide.cli.app import app as full_app
    except ImportError as exc:  # another sub-command may not exist yet
        pytest.skip(f"confide.cli.app does not import yet: {exc}")
    return full_app


def test_registered_in_the_confide_command(tmp_path: Path) -> None:
    full_app = _full_app()
    result = runner.invoke(
        full_app, ["certs", "init", "--parties", "bank,platform", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "federation.yaml").exists()
