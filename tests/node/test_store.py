"""The node store on SQLite and PostgreSQL: datasets, policies, jobs, approvals, results, logs."""

from __future__ import annotations

import datetime
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from confide.errors import ConfigError
from confide.node import (
    AlreadyExists,
    ColumnInfo,
    DatasetInfo,
    Decision,
    IllegalTransition,
    JobState,
    NodeStore,
    NotFound,
    SourceKind,
    StoreError,
)
from confide.policy import OutputKind, job_to_yaml
from tests.policy.helpers import JOB, POLICY, job_data, job_of, policy_data, policy_of

NOW = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)
SPEC = job_of(JOB)

# The lifecycle the node must follow, written out here rather than read from the code.
LEGAL = {
    ("proposed", "approved"),
    ("proposed", "refused"),
    ("proposed", "failed"),
    ("proposed", "cancelled"),
    ("approved", "running"),
    ("approved", "failed"),
    ("approved", "cancelled"),
    ("running", "finished"),
    ("running", "failed"),
    ("running", "cancelled"),
}
# The shortest way to reach each state from a new job.
PATH_TO = {
    "proposed": [],
    "approved": ["approved"],
    "refused": ["refused"],
    "running": ["approved", "running"],
    "finished": ["approved", "running", "finished"],
    "failed": ["approved", "running", "failed"],
    "cancelled": ["approved", "running", "cancelled"],
}


def dataset(name: str = "loans", rows: int = 3) -> DatasetInfo:
    return DatasetInfo(
        name=name,
        kind=SourceKind.CSV,
        location=f"/data/{name}.csv",
        id_column="id",
        columns=(ColumnInfo("id", "int64"), ColumnInfo("income", "float64")),
        rows=rows,
        registered_at=NOW,
        size_bytes=123,
        sha256="a" * 64,
    )


def move(store: NodeStore, job_id: str, states: list[str]) -> None:
    for state in states:
        store.set_job_state(job_id, JobState(state), reason="because")


# -- datasets and policies ----------------------------------------------------------------------


def test_datasets_are_added_listed_and_removed(store: NodeStore) -> None:
    store.add_dataset(dataset("loans"))
    store.add_dataset(dataset("features", rows=7))
    assert store.get_dataset("loans") == dataset("loans")
    assert [d.name for d in store.list_datasets()] == ["features", "loans"]
    with pytest.raises(AlreadyExists, match="'loans' is already registered"):
        store.add_dataset(dataset("loans"))
    store.remove_dataset("loans")
    with pytest.raises(NotFound, match="no dataset is registered as 'loans'"):
        store.get_dataset("loans")
    with pytest.raises(NotFound):
        store.remove_dataset("loans")
    with pytest.raises(ConfigError, match="dataset name"):
        store.add_dataset(dataset("../etc"))


def test_a_policy_belongs_to_a_registered_dataset(store: NodeStore) -> None:
    policy = policy_of(POLICY)
    with pytest.raises(NotFound, match="register it before"):
        store.put_policy(policy)
    store.add_dataset(dataset("loans"))
    assert store.get_policy("loans") is None
    store.put_policy(policy)
    assert store.get_policy("loans") == policy
    stricter = policy_data()
    stricter["approval"] = "manual"
    store.put_policy(policy_of(stricter))
    stored = store.get_policy("loans")
    assert stored is not None and stored.approval.value == "manual"
    store.remove_dataset("loans")  # the policy goes with its dataset
    store.add_dataset(dataset("loans"))
    assert store.get_policy("loans") is None


# -- jobs ---------------------------------------------------------------------------------------


def test_a_job_keeps_its_spec_and_hash(store: NodeStore) -> None:
    job = store.create_job("job-1", SPEC, proposer="bank")
    assert job.state is JobState.PROPOSED and job.proposer == "bank" and job.reason is None
    assert job.spec_hash == SPEC.hash
    again = store.get_job("job-1")
    assert again == job and again.spec == SPEC
    with pytest.raises(AlreadyExists, match="'job-1' already exists"):
        store.create_job("job-1", SPEC, proposer="bank")
    with pytest.raises(ConfigError, match="not a job id"):
        store.create_job("job 2", SPEC, proposer="bank")
    with pytest.raises(NotFound, match="no job 'job-9'"):
        store.get_job("job-9")


def test_an_edited_spec_is_caught_on_reading(store: NodeStore) -> None:
    store.create_job("job-1", SPEC, proposer="bank")
    other = job_data()
    other["steps"][1]["params"]["epochs"] = 500
    with store.database.engine.begin() as connection:
        connection.execute(
            text("UPDATE confide_jobs SET spec_yaml = :y WHERE id = 'job-1'"),
            {"y": job_to_yaml(job_of(other))},
        )
    with pytest.raises(StoreError, match="does not match its hash"):
        _ = store.get_job("job-1").spec


@pytest.mark.parametrize("start", sorted(PATH_TO))
def test_every_transition_is_allowed_or_refused_as_the_lifecycle_says(
    database_url: str, start: str
) -> None:
    with NodeStore.open(database_url) as store:
        for index, target in enumerate(JobState):
            job_id = f"job-{index}"
            store.create_job(job_id, SPEC, proposer="bank")
            move(store, job_id, PATH_TO[start])
            if (start, target.value) in LEGAL:
                moved = store.set_job_state(job_id, target, reason="because")
                assert moved.state is target and store.get_job(job_id).state is target
            else:
                with pytest.raises(IllegalTransition, match=f"is {start}; it cannot become"):
                    store.set_job_state(job_id, target, reason="because")
                assert store.get_job(job_id).state.value == start


def test_refusing_and_failing_need_a_reason(store: NodeStore) -> None:
    store.create_job("job-1", SPEC, proposer="bank")
    with pytest.raises(ConfigError, match="needs a reason"):
        store.set_job_state("job-1", JobState.REFUSED)
    refused = store.set_job_state("job-1", JobState.REFUSED, reason="columns rule broken")
    assert refused.reason == "columns rule broken"
    assert [j.id for j in store.list_jobs(JobState.REFUSED)] == ["job-1"]
    assert store.list_jobs(JobState.RUNNING) == []


def test_times_come_from_the_clock(database_url: str) -> None:
    ticks = iter(NOW + datetime.timedelta(minutes=m) for m in range(10))
    with NodeStore.open(database_url, clock=lambda: next(ticks)) as store:
        store.create_job("job-1", SPEC, proposer="bank")
        job = store.set_job_state("job-1", JobState.APPROVED)
    assert job.created_at == NOW and job.updated_at == NOW + datetime.timedelta(minutes=1)
    assert job.updated_at.tzinfo is not None


def test_of_concurrent_changes_from_one_state_exactly_one_wins(store: NodeStore) -> None:
    store.create_job("job-1", SPEC, proposer="bank")
    store.set_job_state("job-1", JobState.APPROVED)
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(6)

    def start() -> None:
        barrier.wait()
        try:
            store.set_job_state("job-1", JobState.RUNNING)
            outcome = "won"
        except IllegalTransition:
            outcome = "refused"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * 5 + ["won"]


# -- approvals, results, logs -------------------------------------------------------------------


def test_approvals_are_kept_once_per_party(store: NodeStore) -> None:
    with pytest.raises(NotFound):
        store.record_approval(
            "job-1", "bank", Decision.APPROVED, signature=b"s", signed_payload=b"p"
        )
    store.create_job("job-1", SPEC, proposer="bank")
    store.record_approval(
        "job-1", "platform", Decision.APPROVED, signature=b"\x30\x01", signed_payload=b"\x00\xff"
    )
    store.record_approval("job-1", "bank", Decision.REFUSED, signature=b"s2", signed_payload=b"p2")
    with pytest.raises(AlreadyExists, match="'platform' already decided"):
        store.record_approval(
            "job-1", "platform", Decision.REFUSED, signature=b"x", signed_payload=b"y"
        )
    approvals = store.approvals("job-1")
    assert [(a.party, a.decision) for a in approvals] == [
        ("platform", Decision.APPROVED),
        ("bank", Decision.REFUSED),
    ]
    assert approvals[0].signature == b"\x30\x01" and approvals[0].signed_payload == b"\x00\xff"


def test_results_are_kept_per_receiver(store: NodeStore, tmp_path: Path) -> None:
    store.create_job("job-1", SPEC, proposer="bank")
    blob = bytes(range(256)) * 1000
    store.put_result("job-1", "bank", "lr.model", OutputKind.MODEL_PART, payload=blob)
    store.put_result("job-1", "bank", "summary", OutputKind.STATISTICS, path=tmp_path / "s.json")
    store.put_result("job-1", "platform", "lr.model", OutputKind.MODEL_PART, payload=b"")
    bank = store.results("job-1", "bank")
    assert [(r.name, r.kind) for r in bank] == [
        ("lr.model", OutputKind.MODEL_PART),
        ("summary", OutputKind.STATISTICS),
    ]
    assert bank[0].payload == blob and bank[0].path is None
    assert bank[1].payload is None and bank[1].path == str(tmp_path / "s.json")
    assert store.get_result("job-1", "platform", "lr.model").payload == b""
    assert store.results("job-1", "dealer") == []
    with pytest.raises(NotFound):
        store.get_result("job-1", "platform", "summary")
    with pytest.raises(AlreadyExists):
        store.put_result("job-1", "bank", "lr.model", OutputKind.MODEL_PART, payload=b"x")
    with pytest.raises(ConfigError, match="either a payload or a path"):
        store.put_result("job-1", "bank", "x", OutputKind.SCORES)
    with pytest.raises(ConfigError, match="absolute"):
        store.put_result("job-1", "bank", "x", OutputKind.SCORES, path="rel/x.csv")
    with pytest.raises(ConfigError, match="unknown output kind"):
        store.put_result("job-1", "bank", "x", "secrets", payload=b"x")  # type: ignore[arg-type]


def test_job_log_lines_read_back_in_order_and_after_a_cursor(store: NodeStore) -> None:
    store.create_job("job-1", SPEC, proposer="bank")
    store.create_job("job-2", SPEC, proposer="bank")
    first = store.append_log("job-1", "aligning", progress=0.0)
    store.append_log("job-2", "other job")
    second = store.append_log("job-1", "epoch 1/5", progress=0.2)
    third = store.append_log("job-1", "done", progress=1.0)
    lines = store.job_log("job-1")
    assert [(line.message, line.progress) for line in lines] == [
        ("aligning", 0.0),
        ("epoch 1/5", 0.2),
        ("done", 1.0),
    ]
    assert first.seq < second.seq < third.seq
    assert [line.message for line in store.job_log("job-1", after=first.seq)] == [
        "epoch 1/5",
        "done",
    ]
    assert store.job_log("job-1", after=third.seq) == []
    with pytest.raises(ConfigError, match="fraction"):
        store.append_log("job-1", "x", progress=1.5)
    with pytest.raises(NotFound):
        store.append_log("job-9", "x")


def test_log_lines_from_many_threads_are_all_kept(store: NodeStore) -> None:
    store.create_job("job-1", SPEC, proposer="bank")

    def write(worker: int) -> None:
        for i in range(10):
            store.append_log("job-1", f"worker {worker} line {i}")

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    lines = store.job_log("job-1")
    assert len(lines) == 40 and len({line.seq for line in lines}) == 40
    for worker in range(4):  # each thread's lines keep their order
        mine = [line.message for line in lines if line.message.startswith(f"worker {worker} ")]
        assert mine == [f"worker {worker} line {i}" for i in range(10)]


# -- a restart ----------------------------------------------------------------------------------


def test_state_survives_closing_and_reopening(database_url: str, tmp_path: Path) -> None:
    with NodeStore.open(database_url) as store:
        store.add_dataset(dataset("loans"))
        store.put_policy(policy_of(POLICY))
        store.create_job("job-1", SPEC, proposer="bank")
        move(store, "job-1", ["approved", "running"])
        store.record_approval(
            "job-1", "bank", Decision.APPROVED, signature=b"s", signed_payload=b"p"
        )
        store.put_result("job-1", "bank", "lr.model", OutputKind.MODEL_PART, payload=b"model")
        store.append_log("job-1", "epoch 1", progress=0.5)
    with NodeStore.open(database_url) as store:
        assert store.get_dataset("loans") == dataset("loans")
        assert store.get_policy("loans") == policy_of(POLICY)
        job = store.get_job("job-1")
        assert job.state is JobState.RUNNING and job.spec == SPEC
        assert [a.party for a in store.approvals("job-1")] == ["bank"]
        assert store.get_result("job-1", "bank", "lr.model").payload == b"model"
        assert [line.message for line in store.job_log("job-1")] == ["epoch 1"]
        assert store.set_job_state("job-1", JobState.FINISHED).state is JobState.FINISHED
