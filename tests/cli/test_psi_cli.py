"""``confide psi``: two real processes against a federation on loopback; bad inputs; no peer."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from confide.cli.app import app
from confide.cli.psi import default_job_id
from confide.net.federation import init_federation
from confide.psi import Protocol
from confide.runtime.launcher import free_ports

COMMAND = [sys.executable, "-m", "confide.cli.app", "psi"]


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A federation of bank and platform on free ports, and a CSV table for each."""
    init_federation(["bank", "platform"], tmp_path / "fed", ports=free_ports(2))
    rng = np.random.default_rng(4)  # test data only
    ids = rng.permutation(np.arange(100_000, 104_000))
    bank = pd.DataFrame({"ID": ids[:2500], "default": rng.integers(0, 2, 2500),
                         "note": [f"n\u00e9{i}" for i in range(2500)]})  # fmt: skip
    platform = pd.DataFrame({"ID": ids[1000:4000], "LIMIT_BAL": rng.integers(1, 9, 3000) * 1e4})
    bank.to_csv(tmp_path / "bank.csv", index=False)
    platform.to_csv(tmp_path / "platform.csv", index=False)
    return tmp_path


def start(world: Path, party: str, *extra: str) -> subprocess.Popen[str]:
    args = ["--federation", str(world / "fed" / "federation.yaml"), "--party", party,
            "--input", str(world / f"{party}.csv"), "--id-column", "ID", *extra]  # fmt: skip
    return subprocess.Popen(
        [*COMMAND, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def finish(processes: Sequence[subprocess.Popen[str]]) -> Iterator[tuple[int, str, str]]:
    try:
        for process in processes:
            out, err = process.communicate(timeout=120)
            yield process.returncode, out, err
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_two_parties_write_aligned_tables(world: Path) -> None:
    bank_out, platform_out = world / "bank.parquet", world / "platform.parquet"
    processes = [
        start(world, "bank", "--output", str(bank_out), "--protocol", "kkrt", "--how", "left",
              "--format", "json"),
        start(world, "platform", "--output", str(platform_out), "--protocol", "kkrt"),
    ]  # fmt: skip
    (code_b, out_b, err_b), (code_p, out_p, err_p) = finish(processes)
    assert code_b == 0, err_b
    assert code_p == 0, err_p
    bank, platform = (
        pd.read_csv(world / "bank.csv", dtype={"ID": str}),
        pd.read_csv(world / "platform.csv", dtype={"ID": str}),
    )
    merged = bank.merge(platform, on="ID")
    left, inner = pd.read_parquet(bank_out), pd.read_parquet(platform_out)
    n = len(merged)
    assert len(inner) == n and len(left) == len(bank)
    assert left["in_intersection"].tolist() == [True] * n + [False] * (len(bank) - n)
    joined = pd.concat([left[:n].drop(columns="in_intersection"), inner.drop(columns="ID")], axis=1)
    expected = merged.set_index("ID").loc[joined["ID"]].reset_index()
    pd.testing.assert_frame_equal(joined, expected[joined.columns])  # row by row
    assert set(left["ID"][n:]) == set(bank["ID"]) - set(platform["ID"])
    summary = json.loads(out_b)
    assert summary["intersection"] == n and summary["output_rows"] == len(bank)
    assert summary["set_sizes"] == {"bank": 2500, "platform": 3000}
    assert summary["job_id"] == "psi-kkrt-confide" and summary["bytes_sent"] > 0
    assert "hashing keys" in err_p and "wrote" in err_p
    assert "intersection" in out_p and f"{n:,}" in out_p  # the text summary


def test_a_party_that_does_not_receive_writes_nothing(world: Path) -> None:
    bank_out = world / "bank.parquet"
    receivers = ["--receivers", "bank", "--reveal-size", "--format", "json", "--no-progress"]
    processes = [
        start(world, "bank", "--output", str(bank_out), *receivers),
        start(world, "platform", "--output", str(world / "never.parquet"), *receivers),
    ]
    (code_b, _, err_b), (code_p, out_p, err_p) = finish(processes)
    assert code_b == 0 and code_p == 0, err_b + err_p
    bank = pd.read_csv(world / "bank.csv", dtype={"ID": str})
    common = set(bank["ID"]) & set(pd.read_csv(world / "platform.csv", dtype={"ID": str})["ID"])
    aligned = pd.read_parquet(bank_out)
    assert set(aligned["ID"]) == common and len(aligned) == len(common)
    assert not (world / "never.parquet").exists()
    summary = json.loads(out_p)
    assert summary["received"] is False and summary["output"] is None
    assert summary["intersection"] == len(common) and summary["protocol"] == "ecdh"
    assert "does not receive the intersection" in err_p


runner = CliRunner()


def invoke(world: Path, *args: str) -> tuple[int, str]:
    base = ["psi", "--federation", str(world / "fed" / "federation.yaml"), "--party", "bank",
            "--id-column", "ID", "--output", str(world / "out.csv"), "--timeout", "1"]  # fmt: skip
    result = runner.invoke(app, [*base, *args])
    return result.exit_code, " ".join(result.output.split())


def test_bad_input_files_are_refused_before_any_peer_is_asked(world: Path) -> None:
    (world / "bank.txt").write_text("ID\n1\n")
    (world / "broken.parquet").write_bytes(b"PAR1 not really")
    for name, message in (
        ("bank.txt", "must be a .csv or .parquet file"),
        ("missing.csv", "does not exist"),
        ("broken.parquet", "cannot read the input"),
    ):
        code, output = invoke(world, "--input", str(world / name))
        assert code == 2 and message in output, output
    code, output = invoke(world, "--input", str(world / "bank.csv"), "--id-column", "CUSTOMER")
    assert code == 2 and "no column 'CUSTOMER'" in output and "default" in output
    code, output = invoke(world, "--input", str(world / "bank.csv"), "--output", "x.json")
    assert code == 2 and "the output x.json must be a .csv or .parquet" in output
    code, output = invoke(world, "--input", str(world / "bank.csv"), "--protocol", "magic")
    assert code == 2 and "magic" in output


def test_a_peer_that_never_comes_is_a_clear_timeout(world: Path) -> None:
    started = time.monotonic()
    process = start(world, "bank", "--output", str(world / "out.csv"), "--timeout", "2")
    ((code, _, err),) = finish([process])
    assert code == 1
    message = " ".join(err.split())
    assert "peer 'platform'" in message and "within 2 s" in message, message
    assert "--job-id" in message
    assert not (world / "out.csv").exists()
    assert time.monotonic() - started < 30


def test_the_default_job_id_is_derived_from_the_federation() -> None:
    assert default_job_id("confide", Protocol.KKRT) == "psi-kkrt-confide"
    assert default_job_id("Bank & Co. / 2024", Protocol.ECDH) == "psi-ecdh-Bank-Co.-2024"
    assert default_job_id("***", Protocol.ECDH) == "psi-ecdh-federation"
