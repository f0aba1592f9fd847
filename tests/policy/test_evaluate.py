"""Tests of policy evaluation: each rule allows what it should and refuses with the right reason."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from confide.errors import ConfigError
from confide.policy import Dataset, Decision, Rule, Usage, Violation, evaluate
from tests.policy.helpers import job_data, job_of, policy_data, policy_of

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 6, 1, tzinfo=UTC)
LOANS = Dataset("bank", "loans", ("id", "default", "income", "national_id", "region"))


def decide(
    job: dict[str, Any] | None = None,
    policy: dict[str, Any] | None = None,
    uses: int = 0,
    now: datetime.datetime = NOW,
) -> Decision:
    return evaluate(
        policy_of(policy or policy_data()),
        job_of(job or job_data()),
        LOANS,
        Usage(uses),
        now,
    )


def only(decision: Decision) -> Violation:
    assert not decision.allowed and not decision.auto_approve
    assert len(decision.violations) == 1, decision.reasons()
    return decision.violations[0]


def test_a_job_within_every_rule_is_allowed() -> None:
    decision = decide()
    assert decision.allowed and decision.auto_approve
    assert decision.violations == ()
    assert (decision.party, decision.dataset) == ("bank", "loans")
    assert decision.spec_hash == job_of(job_data()).hash
    manual = policy_data()
    manual["approval"] = "manual"
    decision = decide(policy=manual)
    assert decision.allowed and not decision.auto_approve


def test_parties() -> None:
    job = job_data()
    job["parties"]["insurer"] = ["compute_helper"]
    violation = only(decide(job))
    assert (violation.rule, violation.party) == (Rule.PARTIES, "insurer")
    assert str(violation) == (
        "rule 'parties': party 'insurer' may not take part in a job using dataset 'bank/loans' "
        "(allowed: bank, dealer, platform)"
    )


def test_components_of_steps_that_read_the_dataset() -> None:
    job = job_data()
    job["steps"][1]["component"] = "ml.secureboost"
    violation = only(decide(job))
    assert (violation.rule, violation.step, violation.component) == (
        Rule.COMPONENTS,
        "lr",
        "ml.secureboost",
    )
    assert "step 'lr' runs component 'ml.secureboost', which reads dataset 'bank/loans'" in str(
        violation
    )
    assert "allows only: ml.secure_lr, psi.ecdh" in violation.reason
    policy = policy_data()
    policy["components"] = ["psi.ecdh", "ml.*"]
    assert decide(job, policy).allowed


def test_components_of_steps_that_use_results_derived_from_the_dataset() -> None:
    job = job_data()
    job["steps"].append({"id": "score", "component": "serving.score", "after": ["lr"]})
    violation = only(decide(job))
    assert (violation.rule, violation.step) == (Rule.COMPONENTS, "score")
    assert "which uses results derived from dataset 'bank/loans'" in violation.reason
    # a step that neither reads the dataset nor comes after one that does is not its concern
    job = job_data()
    job["steps"].append(
        {"id": "eda", "component": "stats.joint", "reads": {"platform": {"features": ["age"]}}}
    )
    assert decide(job).allowed


@pytest.mark.parametrize(
    ("column", "problem"),
    [
        ("region", "which is not among the allowed columns (default, id, income)"),
        ("national_id", "which the policy denies"),
        ("salary", "which the dataset does not have"),
    ],
)
def test_columns(column: str, problem: str) -> None:
    job = job_data()
    job["steps"][1]["reads"]["bank"]["loans"].append(column)
    violation = only(decide(job))
    assert (violation.rule, violation.step, violation.column) == (Rule.COLUMNS, "lr", column)
    assert violation.reason == (
        f"step 'lr' (ml.secure_lr) reads column {column!r} of dataset 'bank/loans', {problem}"
    )


def test_columns_without_an_allow_list() -> None:
    job = job_data()
    job["steps"][1]["reads"]["bank"]["loans"].append("region")
    policy = policy_data()
    del policy["columns"]["allow"]
    assert decide(job, policy).allowed
    job["steps"][1]["reads"]["bank"]["loans"].append("national_id")
    assert only(decide(job, policy)).column == "national_id"


def test_columns_of_another_partys_dataset_of_the_same_name_do_not_count() -> None:
    job = job_data()
    job["datasets"]["platform"].append("loans")
    job["steps"][1]["reads"]["platform"]["loans"] = ["national_id"]
    assert decide(job).allowed


def test_outputs() -> None:
    job = job_data()
    job["steps"][1]["outputs"][1]["to"] = ["bank", "platform"]
    violation = only(decide(job))
    assert (violation.rule, violation.party, violation.output) == (
        Rule.OUTPUTS,
        "platform",
        "lr.summary",
    )
    assert violation.reason == (
        "output 'lr.summary' (statistics, derived from dataset 'bank/loans') may not go to "
        "'platform'; statistics may go to: bank"
    )
    job = job_data()
    job["steps"][1]["outputs"].append({"name": "scores", "kind": "scores", "to": ["bank"]})
    violation = only(decide(job))
    assert violation.reason.endswith("scores may go to: none")


def test_min_group_size() -> None:
    job = job_data()
    del job["steps"][1]["outputs"][1]["min_group_size"]
    violation = only(decide(job))
    assert (violation.rule, violation.output) == (Rule.MIN_GROUP_SIZE, "lr.summary")
    assert "declares no minimum group size; the policy requires at least 20" in violation.reason
    job["steps"][1]["outputs"][1]["min_group_size"] = 19
    assert "declares a minimum group size of 19" in only(decide(job)).reason
    job["steps"][1]["outputs"][1]["min_group_size"] = 20
    assert decide(job).allowed
    policy = policy_data()
    del policy["min_group_size"]
    del job["steps"][1]["outputs"][1]["min_group_size"]
    assert decide(job, policy).allowed


def test_max_uses() -> None:
    assert decide(uses=2).allowed
    violation = only(decide(uses=3))
    assert violation.rule is Rule.MAX_USES
    assert violation.reason == "dataset 'bank/loans' has been used 3 times; the policy allows 3"


def test_expires_at_the_end_of_the_day_given() -> None:
    last_moment = datetime.datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert decide(now=last_moment).allowed
    violation = only(decide(now=last_moment + datetime.timedelta(seconds=1)))
    assert violation.rule is Rule.EXPIRES
    assert violation.reason == (
        "the policy of dataset 'bank/loans' expired at 2027-01-01T00:00:00+00:00"
    )


def test_every_broken_rule_is_reported() -> None:
    job = job_data()
    job["parties"]["insurer"] = ["compute_helper"]
    job["steps"][1]["reads"]["bank"]["loans"].append("national_id")
    job["steps"][1]["outputs"][0]["to"] = ["bank", "platform", "insurer"]
    job["parties"]["insurer"].append("result_receiver")
    decision = decide(job, uses=5, now=datetime.datetime(2030, 1, 1, tzinfo=UTC))
    assert [v.rule for v in decision.violations] == [
        Rule.PARTIES,
        Rule.COLUMNS,
        Rule.OUTPUTS,
        Rule.MAX_USES,
        Rule.EXPIRES,
    ]
    assert decision.to_json()["violations"][1] == {
        "rule": "columns",
        "reason": decision.violations[1].reason,
        "step": "lr",
        "component": "ml.secure_lr",
        "column": "national_id",
    }


def test_arguments_must_fit_together() -> None:
    policy, job = policy_of(policy_data()), job_of(job_data())
    with pytest.raises(ConfigError, match="for dataset 'loans', not for 'features'"):
        evaluate(policy, job, Dataset("platform", "features", ("id",)), Usage(), NOW)
    with pytest.raises(ConfigError, match="does not list dataset 'platform/loans'"):
        evaluate(policy, job, Dataset("platform", "loans", ("id",)), Usage(), NOW)
    with pytest.raises(ConfigError, match="timezone-aware"):
        evaluate(policy, job, LOANS, Usage(), datetime.datetime(2026, 1, 1))
    with pytest.raises(ConfigError, match="uses must be"):
        Usage(-1)
