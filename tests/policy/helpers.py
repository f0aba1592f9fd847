"""A job spec and a usage policy that fit each other, as plain data to vary in each test."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from confide.policy import DatasetPolicy, JobSpec, parse_job, parse_policy

JOB: dict[str, Any] = {
    "name": "credit-score",
    "parties": {
        "bank": ["data_provider", "task_initiator", "result_receiver"],
        "platform": ["data_provider", "result_receiver"],
        "dealer": ["compute_helper"],
    },
    "datasets": {"bank": ["loans"], "platform": ["features"]},
    "steps": [
        {
            "id": "align",
            "component": "psi.ecdh",
            "reads": {"bank": {"loans": ["id"]}, "platform": {"features": ["id"]}},
            "outputs": [{"name": "ids", "kind": "intersection", "to": ["bank", "platform"]}],
        },
        {
            "id": "lr",
            "component": "ml.secure_lr",
            "after": ["align"],
            "params": {"epochs": 5, "learning_rate": 0.1, "penalty": "l2"},
            "reads": {
                "bank": {"loans": ["default", "income"]},
                "platform": {"features": ["age", "score"]},
            },
            "outputs": [
                {"name": "model", "kind": "model_part", "to": ["bank", "platform"]},
                {"name": "summary", "kind": "statistics", "to": ["bank"], "min_group_size": 50},
            ],
        },
    ],
}

POLICY: dict[str, Any] = {
    "dataset": "loans",
    "parties": ["bank", "platform", "dealer"],
    "components": ["psi.ecdh", "ml.secure_lr"],
    "columns": {"allow": ["id", "default", "income"], "deny": ["national_id"]},
    "outputs": {
        "intersection": ["bank", "platform"],
        "model_part": ["bank", "platform"],
        "statistics": ["bank"],
    },
    "min_group_size": 20,
    "max_uses": 3,
    "expires": "2026-12-31",
    "approval": "auto",
}


def job_data() -> dict[str, Any]:
    """A fresh copy of :data:`JOB` to change."""
    return copy.deepcopy(JOB)


def policy_data() -> dict[str, Any]:
    """A fresh copy of :data:`POLICY` to change."""
    return copy.deepcopy(POLICY)


def job_of(data: dict[str, Any]) -> JobSpec:
    """The spec parsed from ``data`` written as YAML."""
    return parse_job(yaml.safe_dump(data, sort_keys=False))


def policy_of(data: dict[str, Any]) -> DatasetPolicy:
    """The policy parsed from ``data`` written as YAML."""
    return parse_policy(yaml.safe_dump(data, sort_keys=False))
