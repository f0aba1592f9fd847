"""Tests of ``confide tee``: platform, image, sealing, keys, opening outputs, and the demo."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from confide.cli.app import app
from confide.tee import DataKey, ReceiverKey, SealedFileError, open_sealed
from confide.tee.outputs import encrypt_output

runner = CliRunner()
TRUST = "simulation: no hardware protection"


def squash(text: str) -> str:
    return " ".join(text.split())


def test_platform_init_says_it_is_a_simulation(tmp_path: Path) -> None:
    made = runner.invoke(app, ["tee", "platform-init", str(tmp_path / "p"), "--format", "json"])
    assert made.exit_code == 0, made.output
    data = json.loads(made.stdout)
    assert data["trust"] == TRUST and len(data["platform"]) == 64
    again = runner.invoke(app, ["tee", "platform-init", str(tmp_path / "p")])
    assert again.exit_code == 2 and "already holds a simulated platform" in squash(again.stderr)
    text = runner.invoke(app, ["tee", "platform-init", str(tmp_path / "q")])
    assert TRUST in text.stderr


def test_seal_a_file_and_keep_the_key(tmp_path: Path) -> None:
    source = tmp_path / "loans.csv"
    pd.DataFrame({"id": [1, 2, 3], "income": [1.5, 2.5, np.nan]}).to_csv(source, index=False)
    out = tmp_path / "loans.sealed"
    args = ["tee", "seal", str(source), "--dataset", "loans", "--id-column", "id"]
    sealed = runner.invoke(app, [*args, "--out", str(out), "--format", "json"])
    assert sealed.exit_code == 0, sealed.output
    data = json.loads(sealed.stdout)
    assert data["rows"] == 3 and data["columns"] == ["id", "income"]
    key = DataKey.load(tmp_path / "loans.key")
    assert open_sealed(out, key)["income"].isna().sum() == 1
    again = runner.invoke(app, [*args, "--out", str(out)])
    assert again.exit_code == 2 and "is never overwritten" in squash(again.stderr)
    missing = runner.invoke(app, [*args[:2], str(tmp_path / "x.csv"), *args[3:], "--out", "y"])
    assert missing.exit_code == 2 and "no dataset file" in squash(missing.stderr)
    out.write_bytes(out.read_bytes()[:-5])
    with pytest.raises(SealedFileError, match="cut short"):
        open_sealed(out, key)


def test_keygen_and_open(tmp_path: Path) -> None:
    made = runner.invoke(app, ["tee", "keygen", "bank", "--out-dir", str(tmp_path)])
    assert made.exit_code == 0, made.output
    key = ReceiverKey.load(tmp_path / "bank.key")
    sealed = encrypt_output(
        key.public_key,
        {"auc": 0.75, "scores": np.array([0.1, 0.9])},
        job_id="job-1",
        spec_hash="ab" * 32,
        step="lr",
        output="metrics",
        kind="statistics",
        receiver="bank",
    )
    (tmp_path / "out.sealed").write_bytes(sealed.to_bytes())
    opened = runner.invoke(
        app, ["tee", "open", str(tmp_path / "out.sealed"), "--key", str(tmp_path / "bank.key")]
    )
    assert opened.exit_code == 0, opened.output
    assert json.loads(opened.stdout) == {"auc": 0.75, "scores": [0.1, 0.9]}
    runner.invoke(app, ["tee", "keygen", "other", "--out-dir", str(tmp_path)])
    refused = runner.invoke(
        app, ["tee", "open", str(tmp_path / "out.sealed"), "--key", str(tmp_path / "other.key")]
    )
    assert refused.exit_code == 1 and "does not open" in squash(refused.stderr)
    twice = runner.invoke(app, ["tee", "keygen", "bank", "--out-dir", str(tmp_path)])
    assert twice.exit_code == 2 and "never overwritten" in squash(twice.stderr)


def test_build_measure_and_demo(tmp_path: Path) -> None:
    built = runner.invoke(app, ["tee", "build", str(tmp_path / "image"), "--format", "json"])
    assert built.exit_code == 0, built.output
    measurement = json.loads(built.stdout)["measurement"]
    measured = runner.invoke(app, ["tee", "measure", str(tmp_path / "image")])
    assert measured.stdout.strip() == measurement and TRUST in measured.stderr
    demo = runner.invoke(
        app, ["tee", "demo", "--rows", "600", "--no-boost", "--workdir", str(tmp_path / "demo")]
    )
    assert demo.exit_code == 0, demo.output
    text = squash(demo.stderr)
    assert TRUST in text and "lr: test AUC" in text
    assert "encrypted output lr.model -> bank, opened by its receiver" in text
