"""Data, usage policies and job specs shared by the job-flow tests of the node.

Three parties: ``bank`` (dataset ``loans``: id, income, age, default), ``platform``
(``features``: id, income, age, score) and ``partner`` (``clients``: id, income, age). Their ids
overlap, so a PSI has something to find, and they share the columns ``income`` and ``age``, so
joint statistics over the union of their rows can be checked against the plaintext twin.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from confide.node import DatasetRegistry, NodeStore
from confide.policy import parse_policy

PARTIES = ("bank", "partner", "platform")
DATASETS = {"bank": "loans", "platform": "features", "partner": "clients"}
COMPONENTS = ["psi.ecdh", "stats.joint", "test.hold"]


def frames(rows: int = 60, seed: int = 7) -> dict[str, pd.DataFrame]:
    """Each party's table: ``rows`` rows, ids drawn from ``0..2 rows`` (test data, not secret)."""
    rng = np.random.default_rng(seed)
    made = {}
    for party in PARTIES:
        ids = np.sort(rng.choice(2 * rows, size=rows, replace=False))
        table = pd.DataFrame(
            {
                "id": ids,
                "income": rng.normal(3000.0, 800.0, rows).round(2),
                "age": rng.integers(20, 70, rows),
            }
        )
        if party == "bank":
            table["default"] = rng.integers(0, 2, rows)
        if party == "platform":
            table["score"] = rng.normal(0.0, 1.0, rows).round(4)
        made[party] = table
    return made


def policy_yaml(
    dataset: str,
    *,
    approval: str = "auto",
    deny: Iterable[str] = ("score",),
    max_uses: int | None = None,
    components: Iterable[str] = COMPONENTS,
) -> str:
    """A policy that lets every party of :data:`PARTIES` run the test components."""
    data: dict[str, Any] = {
        "dataset": dataset,
        "parties": list(PARTIES),
        "components": list(components),
        "columns": {"deny": list(deny)},
        "outputs": {"intersection": list(PARTIES), "statistics": list(PARTIES)},
        "min_group_size": 5,
        "approval": approval,
    }
    if not data["columns"]["deny"]:
        del data["columns"]
    if max_uses is not None:
        data["max_uses"] = max_uses
    return yaml.safe_dump(data)


def register(
    store: NodeStore, folder: Path, party: str, table: pd.DataFrame, **policy: Any
) -> None:
    """Write ``party``'s table to a CSV in ``folder``, register it and give it a policy."""
    name = DATASETS[party]
    path = folder / f"{name}.csv"
    table.to_csv(path, index=False)
    DatasetRegistry(store).add(name, path=path, id_column="id")
    store.put_policy(parse_policy(policy_yaml(name, **policy)))


def _roles(parties: Iterable[str], initiator: str) -> dict[str, list[str]]:
    roles = {}
    for party in parties:
        roles[party] = ["data_provider", "result_receiver"]
        if party == initiator:
            roles[party].append("task_initiator")
    return roles


def psi_stats_job(
    name: str = "align-and-stats",
    parties: Iterable[str] = ("bank", "platform"),
    columns: Iterable[str] = ("income", "age"),
    initiator: str = "bank",
) -> str:
    """Align the parties on ``id`` (PSI), then joint statistics of ``columns`` (YAML)."""
    parties = sorted(parties)
    reads_id = {p: {DATASETS[p]: ["id"]} for p in parties}
    reads_cols = {p: {DATASETS[p]: list(columns)} for p in parties}
    spec = {
        "name": name,
        "parties": _roles(parties, initiator),
        "datasets": {p: [DATASETS[p]] for p in parties},
        "steps": [
            {
                "id": "align",
                "component": "psi.ecdh",
                "reads": reads_id,
                "outputs": [{"name": "ids", "kind": "intersection", "to": parties}],
            },
            {
                "id": "stats",
                "component": "stats.joint",
                "after": ["align"],
                "reads": reads_cols,
                "outputs": [
                    {"name": "summary", "kind": "statistics", "to": parties, "min_group_size": 10}
                ],
            },
        ],
    }
    return yaml.safe_dump(spec, sort_keys=False)


def denied_column_job(initiator: str = "bank") -> str:
    """A PSI on the platform's ``score`` column, which its policy denies (YAML)."""
    spec = yaml.safe_load(psi_stats_job(initiator=initiator))
    spec["name"] = "psi-on-a-denied-column"
    spec["steps"] = spec["steps"][:1]
    spec["steps"][0]["reads"]["platform"] = {"features": ["score"]}
    return yaml.safe_dump(spec, sort_keys=False)


def hold_job(seconds: float, parties: Iterable[str] = PARTIES, initiator: str = "bank") -> str:
    """Every party reads its ids and holds in ``test.hold`` for ``seconds`` (YAML)."""
    parties = sorted(parties)
    spec = {
        "name": "hold",
        "parties": _roles(parties, initiator),
        "datasets": {p: [DATASETS[p]] for p in parties},
        "steps": [
            {
                "id": "hold",
                "component": "test.hold",
                "params": {"seconds": seconds},
                "reads": {p: {DATASETS[p]: ["id"]} for p in parties},
            }
        ],
    }
    return yaml.safe_dump(spec, sort_keys=False)


def wait_for(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` until it returns something true; fail naming ``what`` at ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)
