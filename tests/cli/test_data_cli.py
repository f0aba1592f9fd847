"""Tests of ``confide data add|list|show|remove`` on a real node store."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from confide.cli.app import app
from confide.node import DatasetRegistry, NodeStore, default_database_url

runner = CliRunner(env={"CONFIDE_CONFIG": None, "CONFIDE_STATE_DIR": None})


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def loans_csv(tmp_path: Path) -> Path:
    path = tmp_path / "loans.csv"
    pd.DataFrame({"id": [3, 1, 2], "income": [10.5, 20.0, 30.25], "default": [0, 1, 0]}).to_csv(
        path, index=False
    )
    return path


def test_add_list_show_remove_with_a_state_dir(tmp_path: Path, loans_csv: Path) -> None:
    state = ["--state-dir", str(tmp_path / "state")]
    added = runner.invoke(
        app, ["data", "add", "loans", "--path", str(loans_csv), "--id-column", "id", *state]
    )
    assert added.exit_code == 0, added.output
    assert "registered dataset 'loans' (csv): 3 rows, 3 columns" in squash(added.stderr)

    listed = runner.invoke(app, ["data", "list", *state, "--format", "json"])
    assert listed.exit_code == 0
    [entry] = json.loads(listed.stdout)
    assert entry["name"] == "loans" and entry["rows"] == 3 and entry["location"] == str(loans_csv)

    table = runner.invoke(app, ["data", "list", *state])
    assert "loans" in table.stdout and "csv" in table.stdout

    shown = runner.invoke(app, ["data", "show", "loans", *state])
    assert shown.exit_code == 0
    assert "income" in shown.stdout and "float64" in shown.stdout and "sha256" in shown.stdout

    # what the command registered is in the node's store
    with NodeStore.open(default_database_url(tmp_path / "state")) as store:
        frame = DatasetRegistry(store).read("loans", ["id", "default"])
    assert list(frame["id"]) == [3, 1, 2] and list(frame["default"]) == [0, 1, 0]

    removed = runner.invoke(app, ["data", "remove", "loans", *state])
    assert removed.exit_code == 0 and "removed dataset 'loans'" in removed.stderr
    empty = runner.invoke(app, ["data", "list", *state, "--format", "json"])
    assert json.loads(empty.stdout) == []


def test_the_store_of_a_node_config(tmp_path: Path, loans_csv: Path) -> None:
    config = tmp_path / "node.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "party": "bank",
                "federation": "federation.yaml",
                "identity": {"key": "bank.key", "certificate": "bank.crt"},
                "state_dir": "bank-state",
                "peer": {"listen": "127.0.0.1:50051"},
            }
        ),
        encoding="utf-8",
    )
    where = ["--config", str(config)]
    added = runner.invoke(
        app,
        [
            "data",
            "add",
            "loans",
            "--path",
            str(loans_csv),
            "--id-column",
            "id",
            *where,
            "--format",
            "json",
        ],
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.stdout)["columns"][1] == {"name": "income", "dtype": "float64"}
    assert (tmp_path / "bank-state" / "node.db").exists()
    shown = runner.invoke(
        app, ["data", "show", "loans", "--format", "json"], env={"CONFIDE_CONFIG": str(config)}
    )
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id_column"] == "id"


def test_a_sql_table(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'crm.db'}"
    pd.DataFrame({"customer": ["a", "b"], "age": [30, 40]}).to_sql("people", source, index=False)
    added = runner.invoke(
        app,
        [
            "data",
            "add",
            "crm",
            "--sql-url",
            source,
            "--table",
            "people",
            "--id-column",
            "customer",
            "--state-dir",
            str(tmp_path / "state"),
        ],
    )
    assert added.exit_code == 0, added.output
    assert "from sqlite:///" in squash(added.stderr) and "table 'people'" in squash(added.stderr)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["data", "list"], "either --state-dir DIR or --config FILE"),
        (["data", "show", "loans", "--state-dir", "{tmp}/s"], "no dataset is registered as"),
        (
            ["data", "add", "loans", "--id-column", "id", "--state-dir", "{tmp}/s"],
            "give either --path FILE, or --sql-url URL with --table TABLE",
        ),
        (
            [
                "data",
                "add",
                "loans",
                "--path",
                "{tmp}/none.csv",
                "--id-column",
                "id",
                "--state-dir",
                "{tmp}/s",
            ],
            "does not exist",
        ),
        (
            ["data", "list", "--state-dir", "{tmp}/s", "--config", "{tmp}/node.yaml"],
            "give the node's store once",
        ),
        (["data", "list", "--config", "{tmp}/node.yaml"], "node config"),
    ],
)
def test_bad_input_exits_2_with_a_message(tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, [arg.replace("{tmp}", str(tmp_path)) for arg in args])
    assert result.exit_code == 2
    assert message in squash(result.stderr)
