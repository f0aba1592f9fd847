"""What one party of the credit job ends with, as wire values (:class:`CreditOutcome`).

Each data party's outcome holds only what that party learned (see the job's disclosure list,
which the outcome carries too): the label holder's has the scores, the metrics and, when the
owners share them, everyone's coefficients and the whole scorecard; an owner's has its own
coefficients, the IVs and the WOE tables it learned. The dealer's has stage times only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from confide.jobs.vertical.outcome import VerticalOutcome, disclosure_dicts
from confide.preprocessing import WoeTable

__all__ = ["CreditOutcome", "disclosure_dicts", "woe_table_dict"]


def woe_table_dict(table: WoeTable) -> dict[str, Any]:
    """A WOE table as wire values."""
    return {
        "feature": table.feature,
        "owner": table.owner,
        "labels": list(table.labels),
        "events": np.asarray(table.events, dtype=np.int64),
        "non_events": np.asarray(table.non_events, dtype=np.int64),
        "woe": np.asarray(table.woe, dtype=np.float64),
        "iv": float(table.iv),
    }


@dataclass
class CreditOutcome(VerticalOutcome):
    """One party's result of the credit job (fields empty where the party learned nothing).

    The party, its settings and the sizes of the shared steps come first
    (:class:`~confide.jobs.vertical.VerticalOutcome`), then the credit job's own fields;
    :meth:`from_dict` turns the scores, labels and points back into arrays (a node's admin API
    gives lists).
    """

    KIND: ClassVar[str] = "credit outcome"
    ARRAYS: ClassVar[tuple[str, ...]] = (
        "train_scores",
        "test_scores",
        "train_labels",
        "test_labels",
        "test_points",
    )

    iv: dict[str, float] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    selected: list[str] = field(default_factory=list)
    woe_tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    coefficients: dict[str, dict[str, float]] = field(default_factory=dict)
    intercept: float | None = None
    train_scores: np.ndarray | None = None
    test_scores: np.ndarray | None = None
    train_labels: np.ndarray | None = None
    test_labels: np.ndarray | None = None
    test_points: np.ndarray | None = None
    #: The label holder's own ids of its train and test rows, in the order of the scores.
    train_ids: np.ndarray | list[str] | None = None
    test_ids: np.ndarray | list[str] | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    scorecard: dict[str, list[Any]] = field(default_factory=dict)
    disclosures: list[dict[str, str]] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)
    rounds: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Wire values: numbers, strings, arrays, and lists and dicts of these."""
        out = super().to_dict()
        out["scorecard"] = {k: [_plain(v) for v in vs] for k, vs in self.scorecard.items()}
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value
