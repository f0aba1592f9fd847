"""The job flow between nodes in one process (memory links): policies, signed decisions, runs.

Each node has its own SQLite store, key, audit log and coordinator; only the transport is in
memory. The daemon tests (``test_daemon.py``) run the same flow as processes over gRPC.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from sqlalchemy import text

from confide.audit import EventType, public_key_from_certificate, recorded_heads, verify
from confide.errors import ConfigError
from confide.net.wire import decode
from confide.node import IllegalTransition, JobState
from confide.node.approvals import sign_decision
from confide.node.control import CONTROL_TAG, DecisionMessage, Propose, encode_message
from confide.node.records import Decision
from confide.policy import parse_job
from confide.stats import plaintext_statistics
from tests.node.jobkit import (
    DATASETS,
    denied_column_job,
    frames,
    hold_job,
    psi_stats_job,
    wait_for,
)
from tests.node.memory_nodes import MemoryNode, memory_nodes

TWO = ("bank", "platform")


def events(node: MemoryNode, job_id: str) -> list[EventType]:
    return [e.event for e in node.services.audit.entries() if e.job_id == job_id]


def result_value(node: MemoryNode, job_id: str, name: str) -> Any:
    record = node.store.get_result(job_id, node.services.party, name)
    assert record.payload is not None
    return decode(bytearray(record.payload))


def test_an_allowed_job_runs_everywhere_and_matches_the_plaintext_twin(tmp_path: Path) -> None:
    with memory_nodes(tmp_path, TWO) as nodes:
        job = nodes["bank"].coordinator.submit(psi_stats_job())
        for node in nodes.values():
            assert node.wait(job.id).state is JobState.FINISHED, node.job(job.id).reason
        tables = frames()
        common = set(tables["bank"]["id"]) & set(tables["platform"]["id"])
        ids = {p: result_value(nodes[p], job.id, "align.ids") for p in TWO}
        assert list(ids["bank"]) == list(ids["platform"])  # one agreed order at both
        assert sorted(int(i) for i in ids["bank"]) == sorted(common)
        plain = plaintext_statistics([tables[p][["income", "age"]].to_dict("list") for p in TWO])
        for party in TWO:
            summary = result_value(nodes[party], job.id, "stats.summary")
            assert isinstance(summary, dict)
            np.testing.assert_allclose(
                [summary[c]["mean"] for c in ("income", "age")], plain.mean, rtol=1e-9
            )
            np.testing.assert_allclose(
                [summary[c]["var"] for c in ("income", "age")], plain.var, rtol=1e-9
            )
            assert [summary[c]["count"] for c in ("income", "age")] == list(plain.count)

        bank = nodes["bank"]
        got = events(bank, job.id)
        assert got[:4] == [
            EventType.PROPOSED, EventType.APPROVED, EventType.APPROVED, EventType.STARTED
        ]  # fmt: skip
        assert got[-2:] == [EventType.PEER_HEAD_RECORDED, EventType.FINISHED]
        reads = [e.payload for e in bank.services.audit.entries()
                 if e.job_id == job.id and e.event is EventType.DATASET_READ]  # fmt: skip
        assert [(r["step"], r["columns"], r["rows"]) for r in reads] == [
            ("align", ["id"], 60), ("stats", ["income", "age"], 60)
        ]  # fmt: skip
        [exchanged] = [e.payload for e in bank.services.audit.entries()
                       if e.job_id == job.id and e.event is EventType.BYTES_EXCHANGED]  # fmt: skip
        assert set(exchanged["sent"]) == {"platform"} and exchanged["sent"]["platform"] > 60 * 32
        # each log verifies, and against the head the other recorded for it
        for party, other in (("bank", "platform"), ("platform", "bank")):
            key = public_key_from_certificate(bank.services.federation.parties[party].cert_pem)
            heads = recorded_heads(nodes[other].services.audit.entries(), party)
            assert len(heads) == 1
            assert verify(list(nodes[party].services.audit.entries()), key, heads=heads).ok


def test_a_job_that_breaks_a_policy_is_refused_everywhere_before_any_read(tmp_path: Path) -> None:
    with memory_nodes(tmp_path, TWO) as nodes:
        job = nodes["bank"].coordinator.submit(denied_column_job())
        for node in nodes.values():
            refused = node.wait(job.id)
            assert refused.state is JobState.REFUSED
            assert refused.reason is not None
            assert refused.reason.startswith("refused by 'platform': rule 'columns'")
            assert "'score'" in refused.reason and "which the policy denies" in refused.reason
            assert EventType.DATASET_READ not in events(node, job.id)
            assert EventType.STARTED not in events(node, job.id)


def test_a_manual_policy_holds_the_job_for_the_operator(tmp_path: Path) -> None:
    policies = {"platform": {"approval": "manual"}}
    with memory_nodes(tmp_path, TWO, policies=policies) as nodes:
        bank, platform = nodes["bank"], nodes["platform"]
        first = bank.coordinator.submit(psi_stats_job())
        second = bank.coordinator.submit(psi_stats_job(name="second"))
        wait_for(lambda: len(bank.approvals(second.id)) == 1, 10, "bank's approval")
        assert platform.job(first.id).state is JobState.PROPOSED
        with pytest.raises(ConfigError, match="say why"):
            platform.coordinator.refuse(first.id, "  ")
        platform.coordinator.approve(first.id)
        assert bank.wait(first.id).state is JobState.FINISHED
        platform.coordinator.refuse(second.id, "not this quarter")
        for node in nodes.values():
            assert node.wait(second.id).reason == "refused by 'platform': not this quarter"
        with pytest.raises(IllegalTransition, match="only a proposed job"):
            platform.coordinator.approve(second.id)


def test_a_spec_changed_after_approval_is_refused(tmp_path: Path) -> None:
    """The stored spec of one node is edited after it approved; the next approval, over the
    original spec, no longer matches it, and the job is refused at every node."""
    policies = {"bank": {"approval": "manual"}}
    with memory_nodes(tmp_path, TWO, policies=policies) as nodes:
        bank, platform = nodes["bank"], nodes["platform"]
        job = bank.coordinator.submit(psi_stats_job())
        wait_for(lambda: platform.approvals(job.id), 10, "platform's approval")
        changed = yaml.safe_load(platform.job(job.id).spec_yaml)
        changed["steps"][1]["reads"]["platform"]["features"].append("score")
        spec = parse_job(yaml.safe_dump(changed))
        with platform.store.database.write("editing a job") as session:
            session.execute(
                text("UPDATE confide_jobs SET spec_yaml = :y, spec_hash = :h WHERE id = :i"),
                {"y": yaml.safe_dump(spec.to_dict(), sort_keys=False), "h": spec.hash, "i": job.id},
            )
        bank.coordinator.approve(job.id)
        for node in nodes.values():
            ended = node.wait(job.id)
            assert ended.state is JobState.REFUSED
            assert ended.reason is not None and "changed after it was proposed" in ended.reason
            assert EventType.DATASET_READ not in events(node, job.id)


def test_a_rogue_initiator_cannot_swap_the_spec_nor_replay_an_approval(tmp_path: Path) -> None:
    """The test speaks for the bank itself (its link and key) to the platform's node."""
    with memory_nodes(tmp_path, TWO) as nodes:
        platform = nodes["platform"]
        bank = nodes["bank"]
        bank.coordinator.close()  # the test is the bank from here on
        link, signer = bank.services.link, bank.services.signer
        original = parse_job(psi_stats_job())
        other = parse_job(psi_stats_job(columns=("income",)))

        def send(message: Propose | DecisionMessage) -> None:
            link.send("platform", CONTROL_TAG, encode_message(message))

        send(Propose("job-rogue-1", yaml.safe_dump(original.to_dict(), sort_keys=False)))
        wait_for(lambda: platform.approvals("job-rogue-1"), 10, "platform's approval")
        swapped = sign_decision(signer, "job-rogue-1", other.hash, Decision.APPROVED)
        send(DecisionMessage(swapped))
        refused = platform.wait("job-rogue-1")
        assert refused.state is JobState.REFUSED and refused.reason is not None
        assert "over another spec" in refused.reason

        # the same job id proposed again with another spec: the job is refused
        send(Propose("job-rogue-2", yaml.safe_dump(original.to_dict(), sort_keys=False)))
        wait_for(lambda: platform.approvals("job-rogue-2"), 10, "platform's approval")
        send(Propose("job-rogue-2", yaml.safe_dump(other.to_dict(), sort_keys=False)))
        refused = platform.wait("job-rogue-2")
        assert refused.state is JobState.REFUSED and refused.reason is not None
        assert "again with another spec" in refused.reason
        assert EventType.DATASET_READ not in events(platform, "job-rogue-2")


def test_max_uses_counts_each_approved_job(tmp_path: Path) -> None:
    policies = {"platform": {"max_uses": 1}}
    with memory_nodes(tmp_path, TWO, policies=policies) as nodes:
        first = nodes["bank"].coordinator.submit(psi_stats_job())
        assert nodes["platform"].wait(first.id).state is JobState.FINISHED
        second = nodes["bank"].coordinator.submit(psi_stats_job())
        refused = nodes["bank"].wait(second.id)
        assert refused.state is JobState.REFUSED and refused.reason is not None
        assert "rule 'max_uses'" in refused.reason and "used 1 times" in refused.reason


def test_two_jobs_run_at_once_without_mixing(tmp_path: Path) -> None:
    with memory_nodes(tmp_path) as nodes:
        jobs = {
            "pair": nodes["bank"].coordinator.submit(psi_stats_job(columns=("income",))),
            "all": nodes["partner"].coordinator.submit(
                psi_stats_job(parties=("bank", "partner", "platform"), initiator="partner")
            ),
        }
        tables = frames()
        for key, job in jobs.items():
            parties = ("bank", "platform") if key == "pair" else ("bank", "partner", "platform")
            columns = ["income"] if key == "pair" else ["income", "age"]
            plain = plaintext_statistics([tables[p][columns].to_dict("list") for p in parties])
            common = set.intersection(*(set(tables[p]["id"]) for p in parties))
            for party in parties:
                assert nodes[party].wait(job.id).state is JobState.FINISHED
                ids = result_value(nodes[party], job.id, "align.ids")
                assert sorted(int(i) for i in ids) == sorted(common)
                summary = result_value(nodes[party], job.id, "stats.summary")
                assert isinstance(summary, dict) and list(summary) == columns
                np.testing.assert_allclose(
                    [summary[c]["mean"] for c in columns], plain.mean, rtol=1e-9
                )


def test_cancel_stops_a_running_job_at_every_node(tmp_path: Path) -> None:
    with memory_nodes(tmp_path) as nodes:
        job = nodes["bank"].coordinator.submit(hold_job(seconds=60))
        for node in nodes.values():
            node.wait(job.id, JobState.RUNNING)
        nodes["platform"].coordinator.cancel(job.id, "wrong quarter")
        for node in nodes.values():
            ended = node.wait(job.id, timeout=10)
            assert ended.state is JobState.CANCELLED
            assert ended.reason == "cancelled by 'platform': wrong quarter"
            assert EventType.FINISHED not in events(node, job.id)


def test_a_peer_that_goes_away_fails_the_job_everywhere(tmp_path: Path) -> None:
    with memory_nodes(tmp_path) as nodes:
        job = nodes["bank"].coordinator.submit(hold_job(seconds=60))
        for node in nodes.values():
            node.wait(job.id, JobState.RUNNING)
        platform_log = nodes["platform"].store.job_log
        wait_for(
            lambda: any("holding" in line.message for line in platform_log(job.id)),
            10,
            "platform inside the step",
        )
        nodes["platform"].coordinator.close()
        nodes["platform"].services.link.close()
        for party in ("bank", "partner"):
            ended = nodes[party].wait(job.id, timeout=15)
            assert ended.state is JobState.FAILED and ended.reason is not None
            assert "'platform'" in ended.reason
        platform = nodes["platform"].job(job.id)
        assert platform.state is JobState.FAILED
        assert platform.reason == "failed at 'platform': the node was stopped"


def test_only_datasets_listed_and_columns_declared_are_read(tmp_path: Path) -> None:
    with memory_nodes(tmp_path, TWO) as nodes:
        job = nodes["bank"].coordinator.submit(psi_stats_job(columns=("age",)))
        assert nodes["bank"].wait(job.id).state is JobState.FINISHED
        reads = [
            (e.payload["dataset"], e.payload["columns"])
            for e in nodes["platform"].services.audit.entries()
            if e.event is EventType.DATASET_READ
        ]
        assert reads == [(DATASETS["platform"], ["id"]), (DATASETS["platform"], ["age"])]
