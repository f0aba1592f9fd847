"""A node's review of a job spec: refused, approved automatically, or held for its operator."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from confide.net.federation import Federation, init_federation
from confide.node import DatasetRegistry, Decision, JobState, NodeStore
from confide.node.review import Verdict, dataset_uses, review_job
from confide.policy import parse_job, parse_policy
from tests.node.jobkit import PARTIES, frames, policy_yaml, psi_stats_job, register
from tests.node.memory_nodes import registry

NOW = datetime.datetime(2025, 6, 1, tzinfo=datetime.timezone.utc)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[NodeStore]:
    with NodeStore.open(f"sqlite:///{tmp_path / 'node.db'}") as opened:
        register(opened, tmp_path, "platform", frames()["platform"])
        yield opened


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Federation:
    return Federation.load(
        init_federation(PARTIES, tmp_path_factory.mktemp("fed"), ports=[1, 2, 3])
    )


def review(
    store: NodeStore, federation: Federation, spec_yaml: str, party: str = "platform"
) -> Verdict:
    return review_job(
        parse_job(spec_yaml), party=party, store=store, components=registry(),
        federation=federation, now=NOW, job_id="job-under-review",
    )  # fmt: skip


def test_an_allowed_job_is_approved_automatically(store: NodeStore, federation: Federation) -> None:
    verdict = review(store, federation, psi_stats_job())
    assert verdict.allowed and verdict.automatic and verdict.reasons == ()
    assert [d.dataset for d in verdict.decisions] == ["features"]


def test_a_manual_policy_holds_the_job(store: NodeStore, federation: Federation) -> None:
    store.put_policy(parse_policy(policy_yaml("features", approval="manual")))
    verdict = review(store, federation, psi_stats_job())
    assert verdict.allowed and not verdict.automatic
    assert verdict.summary == "the usage policies of ['features'] ask for the operator's approval"


def test_every_problem_is_listed(store: NodeStore, federation: Federation) -> None:
    spec = yaml.safe_load(psi_stats_job())
    spec["steps"][0]["component"] = "psi.kkrt"  # not installed
    spec["steps"][1]["reads"]["platform"]["features"] = ["income", "score"]  # denied column
    spec["steps"][1]["reads"]["bank"]["loans"] = ["income", "age"]
    verdict = review(store, federation, yaml.safe_dump(spec))
    assert not verdict.allowed
    text = verdict.summary
    assert "component 'psi.kkrt' is not installed" in text
    assert "stats.joint: every party must read the same columns" in text
    assert "rule 'columns'" in text and "'score'" in text and "rule 'components'" in text


def test_datasets_without_a_registration_or_a_policy_allow_nothing(
    store: NodeStore, federation: Federation, tmp_path: Path
) -> None:
    spec = yaml.safe_load(psi_stats_job())
    spec["datasets"]["platform"] = ["features", "crm"]
    text = yaml.safe_dump(spec)
    assert review(store, federation, text).summary == (
        "dataset 'crm' is not registered on 'platform''s node"
    )
    DatasetRegistry(store).add("crm", path=tmp_path / "features.csv", id_column="id")
    assert review(store, federation, text).summary == (
        "dataset 'crm' of 'platform' has no usage policy: nothing is allowed"
    )


def test_a_party_outside_the_job_or_the_federation(
    store: NodeStore, federation: Federation
) -> None:
    assert review(store, federation, psi_stats_job(), party="partner").summary == (
        "'partner' is not a party of the job"
    )
    spec = yaml.safe_load(psi_stats_job())
    spec["parties"]["stranger"] = ["result_receiver"]
    assert (
        "parties ['stranger'] are not in federation"
        in review(store, federation, yaml.safe_dump(spec)).summary
    )


def test_a_party_without_data_in_the_job_waits_for_its_operator(
    store: NodeStore, federation: Federation
) -> None:
    spec = yaml.safe_load(psi_stats_job())
    spec["parties"]["partner"] = ["compute_helper"]
    verdict = review(store, federation, yaml.safe_dump(spec), party="partner")
    assert verdict.allowed and not verdict.automatic
    assert "contributes no dataset" in verdict.summary


def test_uses_count_this_nodes_approvals_but_not_refused_jobs(store: NodeStore) -> None:
    spec = parse_job(psi_stats_job())
    decisions = (Decision.APPROVED, Decision.APPROVED, Decision.APPROVED, Decision.REFUSED)
    for number, decision in enumerate(decisions):
        job = store.create_job(f"job-{number}", spec, proposer="bank")
        store.record_approval(job.id, "platform", decision, signature=b"s", signed_payload=b"p")
    store.create_job("job-undecided", spec, proposer="bank")
    assert dataset_uses(store, "platform", "features", exclude=None) == 3
    assert dataset_uses(store, "platform", "features", exclude="job-0") == 2
    store.set_job_state("job-2", JobState.REFUSED, reason="refused by 'bank': no")
    assert dataset_uses(store, "platform", "features", exclude=None) == 2
    assert dataset_uses(store, "platform", "loans", exclude=None) == 0
