"""A credit job for the enclave, the providers' policies and nodes, and small data, to reuse.

The bank holds the label and repayment history, the platform the demographics; ids carry
:data:`MARKER` so that a test can look for them in whatever the host handled.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from confide.audit import AuditLog, MemoryAuditStore
from confide.datasets import vertical_credit
from confide.net.certs import generate_identity
from confide.net.federation import Identity
from confide.policy import DatasetPolicy, JobSpec, parse_job, parse_policy
from confide.tee import (
    DataKey,
    KeyRelease,
    NonceBook,
    Provider,
    ReceiverKey,
    SimulatedPlatform,
    seal_frame,
)

#: Text in every id, to look for in what the host sees.
MARKER = "PLAINTEXT-MARKER-"

BANK_FEATURES = [
    "months_on_book",
    "num_accounts",
    "utilisation",
    "past_delinquencies",
    "payment_ratio",
]
PLATFORM_FEATURES = [
    "age",
    "income",
    "employment_type",
    "region",
    "credit_line",
    "inquiries_6m",
    "online_activity",
]

JOB: dict[str, Any] = {
    "name": "credit-in-enclave",
    "parties": {
        "bank": ["data_provider", "task_initiator", "result_receiver"],
        "platform": ["data_provider", "result_receiver"],
        "host": ["compute_helper"],
    },
    "datasets": {"bank": ["loans"], "platform": ["features"]},
    "steps": [
        {
            "id": "summary",
            "component": "stats.summary",
            "params": {"execution": "tee"},
            "reads": {"bank": {"loans": ["utilisation"]}, "platform": {"features": ["income"]}},
            "outputs": [
                {"name": "stats", "kind": "statistics", "to": ["platform"], "min_group_size": 50}
            ],
        },
        {
            "id": "woe",
            "component": "preprocessing.woe",
            "params": {"execution": "tee", "label": "default", "split_seed": 11, "n_bins": 8},
            "reads": {
                "bank": {"loans": ["default", *BANK_FEATURES]},
                "platform": {"features": PLATFORM_FEATURES},
            },
            "outputs": [{"name": "tables", "kind": "statistics", "to": ["bank"]}],
        },
        {
            "id": "lr",
            "component": "ml.logistic_regression",
            "after": ["woe"],
            "params": {"execution": "tee", "epochs": 5, "batch_size": 256},
            "outputs": [
                {"name": "model", "kind": "model_part", "to": ["bank"]},
                {"name": "scores", "kind": "scores", "to": ["bank"]},
                {"name": "metrics", "kind": "statistics", "to": ["bank", "platform"]},
            ],
        },
        {
            "id": "boost",
            "component": "ml.boost",
            "after": ["woe"],
            "params": {"execution": "tee", "n_estimators": 3, "max_depth": 3, "max_bin": 16},
            "reads": {
                "bank": {"loans": ["utilisation", "past_delinquencies", "payment_ratio"]},
                "platform": {"features": ["age", "income", "employment_type", "inquiries_6m"]},
            },
            "outputs": [{"name": "model", "kind": "model_part", "to": ["bank"]}],
        },
    ],
}


def job_data() -> dict[str, Any]:
    """A fresh copy of :data:`JOB` to change."""
    return copy.deepcopy(JOB)


def job_of(data: Mapping[str, Any]) -> JobSpec:
    return parse_job(yaml.safe_dump(dict(data), sort_keys=False))


def credit_frames(rows: int = 1500, seed: int = 5) -> dict[tuple[str, str], pd.DataFrame]:
    """The bank's and the platform's tables, ids marked with :data:`MARKER`."""
    data = vertical_credit(rows, overlap=0.9, seed=seed)
    frames = {("bank", "loans"): data.bank.copy(), ("platform", "features"): data.platform.copy()}
    for frame in frames.values():
        frame["id"] = MARKER + frame["id"].astype(str)
    return frames


ID_COLUMNS = {("bank", "loans"): "id", ("platform", "features"): "id"}


def policy_for(dataset: str, measurements: list[str], **changes: Any) -> DatasetPolicy:
    """A policy that allows the job in :data:`JOB` in enclaves of ``measurements``."""
    data: dict[str, Any] = {
        "dataset": dataset,
        "parties": ["bank", "platform", "host"],
        "components": ["stats.summary", "preprocessing.woe", "ml.*"],
        "outputs": {
            "statistics": ["bank", "platform"],
            "model_part": ["bank"],
            "scores": ["bank"],
        },
        "enclave_measurements": measurements,
    }
    data.update(changes)
    return parse_policy(yaml.safe_dump(data))


def make_identity(party: str) -> Identity:
    key, cert = generate_identity(party)
    return Identity(party, key, cert)


@dataclass
class Node:
    """One provider's node: its identity's audit log and its key release."""

    audit: AuditLog
    release: KeyRelease


def make_node(
    party: str,
    platform: SimulatedPlatform,
    receivers: Mapping[str, bytes],
    *,
    clock: Any = None,
) -> Node:
    audit = AuditLog(MemoryAuditStore(), make_identity(party))
    extra = {} if clock is None else {"clock": clock}
    release = KeyRelease(
        party,
        platforms=platform.pin(),
        nonces=NonceBook(),
        audit=audit,
        receiver_keys=receivers,
        **extra,
    )
    return Node(audit, release)


@dataclass
class Sealed:
    """The two sealed datasets of :data:`JOB` and their keys."""

    paths: dict[tuple[str, str], Path]
    keys: dict[tuple[str, str], DataKey]


def seal_all(frames: Mapping[tuple[str, str], pd.DataFrame], folder: Path) -> Sealed:
    paths, keys = {}, {}
    for (party, dataset), frame in frames.items():
        path = folder / f"{dataset}.sealed"
        keys[(party, dataset)] = seal_frame(
            frame, path, dataset=dataset, id_column="id", chunk_rows=400
        )
        paths[(party, dataset)] = path
    return Sealed(paths, keys)


def providers(
    sealed: Sealed,
    nodes: Mapping[str, Node],
    measurements: list[str],
) -> list[Provider]:
    """The job's providers, each dataset under a policy allowing ``measurements``."""
    return [
        Provider(
            policy_for(dataset, measurements),
            sealed.keys[(party, dataset)],
            sealed.paths[(party, dataset)],
            nodes[party].release,
        )
        for party, dataset in sorted(sealed.keys)
    ]


def receiver_keys() -> dict[str, ReceiverKey]:
    return {party: ReceiverKey.generate() for party in ("bank", "platform")}


def assert_same(left: Any, right: Any, where: str = "value") -> None:
    """Wire values equal: exactly, except floats to 1e-9."""
    if isinstance(left, dict):
        assert isinstance(right, dict) and set(left) == set(right), where
        for key in left:
            assert_same(left[key], right[key], f"{where}[{key!r}]")
    elif isinstance(left, list):
        assert isinstance(right, list) and len(left) == len(right), where
        for i, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same(a, b, f"{where}[{i}]")
    elif isinstance(left, np.ndarray):
        assert isinstance(right, np.ndarray) and left.shape == right.shape, where
        if left.dtype.kind == "f":
            np.testing.assert_allclose(left, right, rtol=0, atol=1e-9, err_msg=where)
        else:
            np.testing.assert_array_equal(left, right, err_msg=where)
    elif isinstance(left, float):
        assert isinstance(right, float), where
        assert left == right or abs(left - right) <= 1e-9 or (left != left and right != right), (
            where
        )
    else:
        assert left == right, where


UTC = datetime.timezone.utc
