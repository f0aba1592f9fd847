"""``confide demo`` and ``confide credit``: the credit job as three real processes over mTLS."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from confide.cli.app import app


def test_demo_runs_the_credit_job_and_writes_the_report(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--rows", "3000", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "AUC" in result.output and "KS" in result.output
    report = tmp_path / "credit-report.html"
    assert f"report: {report.resolve()}" in result.output.replace("\n", "")
    text = report.read_text()
    HTMLParser().feed(text)
    assert "Who learned what" in text and "platform" in text
    # The tables the parties read are real files of their own.
    assert len(pd.read_parquet(tmp_path / "bank.parquet")) == 3000


def test_credit_runs_on_the_parties_own_files(tmp_path: Path) -> None:
    data = CliRunner().invoke(app, ["demo", "--rows", "2500", "--out", str(tmp_path / "a")])
    assert data.exit_code == 0, data.output
    bank = pd.read_parquet(tmp_path / "a" / "bank.parquet")
    bank.rename(columns={"id": "customer", "default": "bad"}).to_csv(tmp_path / "b.csv")
    platform = pd.read_parquet(tmp_path / "a" / "platform.parquet")
    platform.rename(columns={"id": "customer"}).to_csv(tmp_path / "p.csv", index=False)
    args = ["credit", "--bank", str(tmp_path / "b.csv"), "--platform", str(tmp_path / "p.csv")]
    args += ["--id-column", "customer", "--label-column", "bad", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "credit-report.html").exists()


def test_credit_reports_a_wrong_label_column_clearly(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": range(50), "x": range(50)})
    frame.to_csv(tmp_path / "b.csv", index=False)
    frame.to_csv(tmp_path / "p.csv", index=False)
    args = ["credit", "--bank", str(tmp_path / "b.csv"), "--platform", str(tmp_path / "p.csv")]
    args += ["--id-column", "id", "--label-column", "default", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(app, [*args, "--timeout", "10"])
    assert result.exit_code == 1
    assert "no label column 'default'" in result.output
