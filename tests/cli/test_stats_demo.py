"""``confide stats-demo`` runs three processes over gRPC and reports secure equal to plaintext."""

from __future__ import annotations

from typer.testing import CliRunner

from confide.cli.app import app


def test_demo_runs_and_matches_plaintext() -> None:
    result = CliRunner().invoke(app, ["stats-demo", "--rows", "500"])
    assert result.exit_code == 0, result.output
    assert "secure result equals plaintext" in result.output
    assert "income" in result.output
    assert "who learned what" in result.output


def test_demo_refuses_a_bad_party_name() -> None:
    result = CliRunner().invoke(app, ["stats-demo", "--parties", "Bank,x"])
    assert result.exit_code != 0
