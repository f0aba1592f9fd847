"""What a job's step reads of a dataset is exactly what its usage policy checked: the id column too.

The node evaluates a dataset's policy on the columns each step lists (``reads``) and then reads
exactly those columns (:meth:`~confide.node.DatasetRegistry.read`): a policy denying the id column
refuses a step that lists it, and a step that does not list it never receives it.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from confide.node import DatasetRegistry, NodeStore
from confide.policy import Dataset, Rule, Usage, evaluate
from tests.policy.helpers import job_data, job_of, policy_data, policy_of

NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)


def _registered(store: NodeStore, folder: Path) -> DatasetRegistry:
    rows = 30
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "id": np.arange(500, 500 + rows),
            "income": rng.normal(50_000, 10_000, rows).round(2),
            "default": rng.integers(0, 2, rows),
        }
    )
    frame.to_csv(folder / "loans.csv", index=False)
    registry = DatasetRegistry(store)
    registry.add("loans", path=folder / "loans.csv", id_column="id")
    return registry


def _deny_id() -> dict[str, object]:
    policy = policy_data()
    policy["columns"] = {"deny": ["id", "national_id"]}
    return policy


def test_a_policy_denying_the_id_column_refuses_a_step_that_reads_it(
    store: NodeStore, tmp_path: Path
) -> None:
    registry = _registered(store, tmp_path)
    dataset = Dataset("bank", "loans", registry.get("loans").column_names)
    decision = evaluate(policy_of(_deny_id()), job_of(job_data()), dataset, Usage(), NOW)
    assert not decision.allowed
    [violation] = decision.violations
    assert violation.rule is Rule.COLUMNS and violation.column == "id"
    assert violation.step == "align"


def test_a_step_not_listing_the_id_column_is_allowed_and_gets_no_ids(
    store: NodeStore, tmp_path: Path
) -> None:
    registry = _registered(store, tmp_path)
    job = job_data()
    job["steps"] = [step for step in job["steps"] if step["id"] != "align"]
    job["steps"][0]["after"] = []
    spec = job_of(job)
    dataset = Dataset("bank", "loans", registry.get("loans").column_names)
    decision = evaluate(policy_of(_deny_id()), spec, dataset, Usage(), NOW)
    assert decision.allowed, decision.reasons()
    [step] = spec.steps
    declared = list(step.columns_read("bank", "loans"))
    frame = registry.read("loans", declared)
    assert list(frame.columns) == declared == ["default", "income"]
    assert "id" not in frame.columns  # what the policy denied is not what the node hands over
