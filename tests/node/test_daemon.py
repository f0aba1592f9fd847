"""End to end: three node daemons as processes, gRPC with mTLS, the ``confide`` command.

Every test of this module runs twice, against SQLite and against PostgreSQL, on one cluster of
daemons per backend (``bank``, ``partner``, ``platform``: see ``cluster.py``), started once and
stopped at the end. The tests run in order and each leaves the cluster usable for the next.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from confide.audit import AuditLog, MemoryAuditStore, canonical_json, read_log
from confide.cli.app import app
from confide.net.federation import Identity, identity_paths
from confide.policy import parse_job
from confide.stats import plaintext_statistics
from tests.node.cluster import Cluster
from tests.node.conftest import postgres_url
from tests.node.jobkit import (
    DATASETS,
    denied_column_job,
    frames,
    hold_job,
    policy_yaml,
    psi_stats_job,
    wait_for,
)

runner = CliRunner(env={"CONFIDE_CONFIG": None})


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    base = postgres_url() if request.param == "postgresql" else None
    made = Cluster(tmp_path_factory.mktemp(f"cluster-{request.param}"), request.param, base)
    try:
        made.setup()
        yield made
    finally:
        made.close()


def cli(cluster: Cluster, party: str, *args: str) -> str:
    """Run ``confide ARGS --config <party's config>``; its stdout (it must succeed)."""
    result = runner.invoke(app, [*args, "--config", str(cluster.configs[party])])
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.stdout


def submit(cluster: Cluster, party: str, spec_yaml: str, name: str) -> str:
    path = cluster.folder / f"{name}.yaml"
    path.write_text(spec_yaml)
    return cli(cluster, party, "job", "submit", str(path)).strip()


def audit_entries(cluster: Cluster, party: str, job_id: str | None = None) -> list[dict[str, Any]]:
    out = cluster.folder / f"{party}-audit.jsonl"
    cli(cluster, party, "node", "audit", "--out", str(out))
    entries = [e.to_json() for e in read_log(out)]
    return [e for e in entries if job_id is None or e["job_id"] == job_id]


def test_the_admin_api_wants_the_token(cluster: Cluster) -> None:
    client = cluster.client("bank")
    request = urllib.request.Request(client.base_url + "/v1/node")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    request.add_header("Authorization", "Bearer not-the-token")
    with pytest.raises(urllib.error.HTTPError) as wrong:
        urllib.request.urlopen(request, timeout=10)
    assert wrong.value.code == 401
    status = json.loads(cli(cluster, "bank", "node", "status", "--format", "json"))
    assert status["party"] == "bank" and status["peers"] == ["partner", "platform"]
    assert {"psi.ecdh", "stats.joint", "test.hold"} <= set(status["components"])


def test_a_job_that_breaks_a_policy_is_refused_before_any_dataset_is_read(cluster: Cluster) -> None:
    job_id = submit(cluster, "bank", denied_column_job(), "denied")
    for party in ("bank", "platform"):
        job = cluster.wait_job(party, job_id)
        assert job["state"] == "refused"
        assert job["reason"].startswith("refused by 'platform': rule 'columns'")
        assert "'score'" in job["reason"]
        events = [e["event"] for e in audit_entries(cluster, party, job_id)]
        assert "dataset_read" not in events and "started" not in events
        assert "refused" in events
    status = cli(cluster, "bank", "job", "status", job_id)
    assert "platform: refused" in status


def test_two_jobs_run_at_once_and_match_the_plaintext_twin(cluster: Cluster) -> None:
    pair = submit(cluster, "bank", psi_stats_job(columns=("income",)), "pair")
    three = submit(
        cluster, "partner",
        psi_stats_job(parties=("bank", "partner", "platform"), initiator="partner"), "three",
    )  # fmt: skip
    tables = frames()
    for job_id, parties, columns in (
        (pair, ("bank", "platform"), ["income"]),
        (three, ("bank", "partner", "platform"), ["income", "age"]),
    ):
        plain = plaintext_statistics([tables[p][columns].to_dict("list") for p in parties])
        common = set.intersection(*(set(tables[p]["id"]) for p in parties))
        orders = []
        for party in parties:
            job = cluster.wait_job(party, job_id)
            assert job["state"] == "finished", job["reason"]
            ids = json.loads(cli(cluster, party, "job", "result", job_id, "align.ids"))
            assert sorted(ids) == sorted(common)
            orders.append(ids)
            summary = json.loads(cli(cluster, party, "job", "result", job_id, "stats.summary"))
            assert list(summary) == columns
            np.testing.assert_allclose([summary[c]["mean"] for c in columns], plain.mean, rtol=1e-9)
            np.testing.assert_allclose([summary[c]["var"] for c in columns], plain.var, rtol=1e-9)
            reads = [e["payload"] for e in audit_entries(cluster, party, job_id)
                     if e["event"] == "dataset_read"]  # fmt: skip
            assert [(r["dataset"], r["columns"]) for r in reads] == [
                (DATASETS[party], ["id"]), (DATASETS[party], columns)
            ]  # fmt: skip
        assert all(order == orders[0] for order in orders)  # one agreed order
    # results are kept for their receivers only: the partner took no part in the pair's job
    other = runner.invoke(app, ["job", "result", pair, "--config", str(cluster.configs["partner"])])
    assert other.exit_code != 0 and "no job" in other.output


def test_a_job_changed_after_approval_is_refused(cluster: Cluster) -> None:
    manual = cluster.folder / "loans-manual.yaml"
    manual.write_text(policy_yaml("loans", approval="manual"))
    cli(cluster, "bank", "node", "policy", "set", str(manual))
    try:
        job_id = submit(cluster, "bank", psi_stats_job(), "changed")
        wait_for(
            lambda: cluster.job("platform", job_id)["approvals"], 30, "the platform's approval"
        )
        stored = cluster.job("platform", job_id)["spec"]
        changed = yaml.safe_load(stored)
        changed["steps"][1]["reads"]["platform"]["features"].append("score")
        spec = parse_job(yaml.safe_dump(changed))
        engine = create_engine(cluster.urls["platform"])
        try:
            with engine.begin() as connection:
                connection.execute(
                    text("UPDATE confide_jobs SET spec_yaml = :y, spec_hash = :h WHERE id = :i"),
                    {"y": yaml.safe_dump(spec.to_dict()), "h": spec.hash, "i": job_id},
                )
        finally:
            engine.dispose()
        cli(cluster, "bank", "job", "approve", job_id)
        for party in ("bank", "platform"):
            job = cluster.wait_job(party, job_id)
            assert job["state"] == "refused"
            assert "changed after it was proposed" in job["reason"]
            events = [e["event"] for e in audit_entries(cluster, party, job_id)]
            assert "dataset_read" not in events and "started" not in events
    finally:
        auto = cluster.folder / "loans-auto.yaml"
        auto.write_text(policy_yaml("loans"))
        cli(cluster, "bank", "node", "policy", "set", str(auto))


def _verify(cluster: Cluster, log: Path, heads: Path | None = None) -> tuple[int, str]:
    cert = identity_paths(cluster.folder / "federation" / "federation.yaml", "bank")[1]
    args = ["audit", "verify", "--log", str(log), "--certificate", str(cert), "--format", "json"]
    if heads is not None:
        args += ["--heads", str(heads)]
    result = runner.invoke(app, args)
    return result.exit_code, result.stdout


def test_a_tampered_audit_entry_is_caught(cluster: Cluster) -> None:
    bank_log = cluster.folder / "bank-audit.jsonl"
    audit_entries(cluster, "bank")
    platform_log = cluster.folder / "platform-audit.jsonl"
    audit_entries(cluster, "platform")
    heads = cluster.folder / "bank-heads.json"
    heads.write_text(
        runner.invoke(app, ["audit", "heads", "--log", str(platform_log), "--party", "bank"]).stdout
    )
    assert json.loads(heads.read_text()), "the platform recorded no head of the bank"
    code, out = _verify(cluster, bank_log, heads)
    assert code == 0 and json.loads(out)["ok"], out

    # an entry edited in the database: its hash no longer matches
    read = next(e for e in read_log(bank_log) if e.event.value == "dataset_read")
    engine = create_engine(cluster.urls["bank"])
    edit = text("UPDATE confide_audit SET payload = :p WHERE seq = :s")
    edited = canonical_json({**read.payload, "rows": 1}).decode("utf-8")
    try:
        with engine.begin() as connection:
            connection.execute(edit, {"p": edited, "s": read.seq})
        edited_log = cluster.folder / "bank-edited.jsonl"
        cli(cluster, "bank", "node", "audit", "--out", str(edited_log))
        code, out = _verify(cluster, edited_log)
        assert code == 1, out
        assert json.loads(out)["finding"]["kind"] == "hash_mismatch", out
        assert json.loads(out)["finding"]["seq"] == read.seq
    finally:
        with engine.begin() as connection:
            original = canonical_json(read.payload).decode("utf-8")
            connection.execute(edit, {"p": original, "s": read.seq})
        engine.dispose()
    assert _verify(cluster, bank_log, heads)[0] == 0

    # the bank rewrites its whole log with its own key: the chain is good, the peers' heads not
    key, cert = identity_paths(cluster.folder / "federation" / "federation.yaml", "bank")
    forged = AuditLog(MemoryAuditStore(), Identity.load(key, cert))
    for entry in read_log(bank_log):
        payload = dict(entry.payload)
        if entry.seq == read.seq:
            payload["rows"] = 1
        forged.append(entry.event, entry.job_id, payload)
    rewritten = cluster.folder / "bank-rewritten.jsonl"
    rewritten.write_bytes(b"".join(e.to_line() for e in forged.entries()))
    assert _verify(cluster, rewritten)[0] == 0
    code, out = _verify(cluster, rewritten, heads)
    assert code == 1 and json.loads(out)["finding"]["kind"] == "head_mismatch", out


def test_a_killed_node_fails_the_job_everywhere_and_shows_it_after_a_restart(
    cluster: Cluster,
) -> None:
    job_id = submit(cluster, "bank", hold_job(seconds=120), "hold")

    def holding() -> bool:
        lines = cluster.client("platform").logs(job_id)
        return any("holding" in line["message"] for line in lines)

    wait_for(holding, 60, "the platform inside the step")
    killed = time.monotonic()
    cluster.kill("platform")
    for party in ("bank", "partner"):
        job = cluster.wait_job(party, job_id, timeout=30)
        assert job["state"] == "failed" and "'platform'" in job["reason"], job["reason"]
    assert time.monotonic() - killed < 30
    cluster.start("platform")
    cluster.wait_up("platform")
    job = cluster.job("platform", job_id)
    assert job["state"] == "failed"
    assert job["reason"] == "failed at 'platform': this node stopped while the job was running"
    status = cli(cluster, "platform", "job", "status", job_id)
    assert "failed" in status and "stopped while the job was running" in status
