"""``confide demo-nodes``: the credit job through three real node daemons, and a refused job."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from confide.audit import EventType, read_log
from confide.cli.app import app
from confide.cli.node_demo import (
    DENIED_COLUMN,
    PARTIES,
    Execution,
    boost_spec,
    credit_spec,
    dataset_policy,
)
from confide.jobs.boost import BoostJobSettings
from confide.jobs.credit import CreditSettings
from confide.node import AdminClient, NodeUnreachable, load_config
from confide.policy import Dataset, Usage, evaluate, parse_job, parse_policy
from confide.tee import SIMULATION_TRUST, is_tee_job

_PLATFORM = ["id", "age", "income", DENIED_COLUMN]


def test_the_policies_allow_the_credit_job_and_refuse_the_denied_column() -> None:
    policy = parse_policy(dataset_policy("features", deny=(DENIED_COLUMN,)))
    reads = {"bank": ["id", "default", "utilisation"], "platform": ["id", "age", "income"]}
    now = datetime.now(timezone.utc)
    dataset = Dataset("platform", "features", tuple(_PLATFORM))
    allowed = parse_job(credit_spec("ok", CreditSettings(), reads))
    assert evaluate(policy, allowed, dataset, Usage(0), now).allowed
    forbidden = parse_job(credit_spec("no", CreditSettings(), dict(reads, platform=_PLATFORM)))
    decision = evaluate(policy, forbidden, dataset, Usage(0), now)
    assert not decision.allowed
    assert any(DENIED_COLUMN in reason for reason in decision.reasons())


def test_the_policies_allow_the_boosting_job_and_refuse_the_denied_column() -> None:
    policy = parse_policy(dataset_policy("features", deny=(DENIED_COLUMN,)))
    reads = {"bank": ["id", "default", "utilisation"], "platform": ["id", "age", "income"]}
    now = datetime.now(timezone.utc)
    dataset = Dataset("platform", "features", tuple(_PLATFORM))
    settings = BoostJobSettings(dealer="dealer")
    allowed = parse_job(boost_spec("ok", settings, reads))
    assert evaluate(policy, allowed, dataset, Usage(0), now).allowed
    forbidden = parse_job(boost_spec("no", settings, dict(reads, platform=_PLATFORM)))
    assert not evaluate(policy, forbidden, dataset, Usage(0), now).allowed


def test_the_enclave_job_is_the_same_spec_with_execution_tee() -> None:
    reads = {"bank": ["id", "default", "utilisation"], "platform": ["id", "age", "income"]}
    mpc = parse_job(credit_spec("j", CreditSettings(), reads))
    tee = parse_job(credit_spec("j", CreditSettings(), reads, execution=Execution.TEE))
    assert not is_tee_job(mpc) and is_tee_job(tee)
    assert {k: v for k, v in tee.steps[0].params.items() if k != "execution"} == dict(
        mpc.steps[0].params
    )
    assert tee.steps[0].reads == mpc.steps[0].reads and tee.parties == mpc.parties
    policy = parse_policy(dataset_policy("features", measurements=("ab" * 32,)))
    assert policy.enclave_measurements == frozenset({"ab" * 32})


def test_demo_nodes_runs_the_job_in_the_dealers_enclave(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo-nodes", "--execution", "tee", "--rows", "2000", "--epochs", "3"]
    result = CliRunner().invoke(app, [*args, "--timeout", "30", "--out", str(out)])
    text = result.output.replace("\n", " ")
    assert result.exit_code == 0, result.output
    summary = re.search(r"^AUC (\S+)  KS (\S+)  Gini", result.output, re.MULTILINE)
    assert summary is not None, result.output
    assert 0.6 < float(summary.group(1)) <= 1.0
    assert re.search(r"^1,600 customers in common;", result.output, re.MULTILINE)
    page = (out / "credit-report.html").read_text()
    HTMLParser().feed(page)
    assert SIMULATION_TRUST in page and "Who learned what" in page
    assert "trust assumption" in page  # stated with the run's data, not only in the title
    # The dealer's node deleted the job's ciphertexts when the job ended (its config does not
    # keep them); each provider released its key once.
    work_dir = out / "dealer" / "state" / "tee"
    assert work_dir.is_dir() and not list(work_dir.iterdir())
    for party in ("bank", "platform"):
        events = [e.event for e in read_log(out / party / "audit.jsonl")]
        assert events.count(EventType.KEY_RELEASED) == 1, party
    assert text.count(f"reads column '{DENIED_COLUMN}'") == len(PARTIES)
    for party in PARTIES:
        client = AdminClient.from_config(load_config(out / party / "node.yaml"), timeout=2.0)
        with pytest.raises(NodeUnreachable):
            client.node()


def test_demo_nodes_runs_the_boosting_job(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    args = ["demo-nodes", "--model", "boost", "--rows", "2000", "--trees", "3", "--depth", "3"]
    result = CliRunner().invoke(app, [*args, "--timeout", "30", "--out", str(out)])
    text = result.output.replace("\n", " ")
    assert result.exit_code == 0, result.output
    report = out / "boost-report.html"
    assert f"report: {report.resolve()}" in text
    page = report.read_text()
    HTMLParser().feed(page)
    assert "Feature importance by owner" in page and "The first tree" in page
    assert "platform: " in page  # a split or an importance bar of the platform's features
    summary = re.search(r"^AUC (\S+)  KS (\S+)  Gini", result.output, re.MULTILINE)
    assert summary is not None, result.output
    assert 0.6 < float(summary.group(1)) <= 1.0
    assert re.search(r"^1,600 customers in common; 3 trees;", result.output, re.MULTILINE)
    assert text.count(f"reads column '{DENIED_COLUMN}'") == len(PARTIES)
    for party in PARTIES:
        client = AdminClient.from_config(load_config(out / party / "node.yaml"), timeout=2.0)
        with pytest.raises(NodeUnreachable):
            client.node()


def test_demo_nodes_runs_the_job_refuses_the_second_and_stops_every_node(
    tmp_path: Path,
) -> None:
    out = tmp_path / "demo"
    args = ["demo-nodes", "--rows", "2000", "--epochs", "3", "--timeout", "30", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    text = result.output.replace("\n", " ")
    assert result.exit_code == 0, result.output
    report = out / "credit-report.html"
    assert f"report: {report.resolve()}" in text
    page = report.read_text()
    HTMLParser().feed(page)
    assert "Who learned what" in page
    # The summary line, not the nodes' progress lines (also in the output, on stderr).
    summary = re.search(r"^AUC (\S+)  KS (\S+)  Gini", result.output, re.MULTILINE)
    assert summary is not None, result.output
    auc = float(summary.group(1))
    assert 0.6 < auc <= 1.0
    # The second job is refused at every node, with the platform's policy as the reason.
    for party in PARTIES:
        assert f"{party}: job " in text
    assert text.count(f"reads column '{DENIED_COLUMN}'") == len(PARTIES)
    assert "which the policy denies" in text
    # Nothing is left running: no admin API answers any more.
    for party in PARTIES:
        client = AdminClient.from_config(load_config(out / party / "node.yaml"), timeout=2.0)
        with pytest.raises(NodeUnreachable):
            client.node()
    # Each node's exported audit log verifies against its certificate.
    for party in PARTIES:
        log = out / party / "audit.jsonl"
        cert = out / "federation" / f"{party}.crt"
        assert f"--log {log}" in text
        checked = CliRunner().invoke(
            app, ["audit", "verify", "--log", str(log), "--certificate", str(cert)]
        )
        assert checked.exit_code == 0, checked.output


def test_an_interrupted_demo_stops_every_node(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    command = [sys.executable, "-m", "confide.cli.app", "demo-nodes", "--rows", "2000"]
    demo = subprocess.Popen(
        [*command, "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        assert demo.stderr is not None
        seen = ""
        for raw in demo.stderr:  # until the nodes are up and the job is submitted
            seen += raw.decode(errors="replace")
            if "submits the credit job" in seen:
                break
        assert "submits the credit job" in seen, seen
        demo.send_signal(signal.SIGINT)  # the demo only: its nodes must be stopped by it
        rest = demo.communicate(timeout=60)[1].decode(errors="replace")
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 130, seen + rest
    assert "stopping the three nodes" in rest
    for party in PARTIES:
        client = AdminClient.from_config(load_config(out / party / "node.yaml"), timeout=2.0)
        with pytest.raises(NodeUnreachable):
            client.node()
