"""What one party of the credit job ends with, as wire values (:class:`CreditOutcome`).

Each data party's outcome holds only what that party learned (see the job's disclosure list,
which the outcome carries too): the label holder's has the scores, the metrics and, when the
owners share them, everyone's coefficients and the whole scorecard; an owner's has its own
coefficients, the IVs and the WOE tables it learned. The dealer's has stage times only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from confide.errors import ConfigError
from confide.preprocessing import WoeTable
from confide.runtime.disclosure import Disclosure

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


def disclosure_dicts(items: Iterable[tuple[str, Disclosure]]) -> list[dict[str, str]]:
    """``(step, disclosure)`` pairs as wire values."""
    return [{"step": step, "who": d.who, "learns": d.learns, "why": d.why} for step, d in items]


@dataclass
class CreditOutcome:
    """One party's result of the credit job (fields empty where the party learned nothing)."""

    party: str
    settings: dict[str, Any]
    rows: int = 0
    intersection: int = 0
    train_size: int = 0
    test_size: int = 0
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
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "scorecard":
                value = {k: [_plain(v) for v in vs] for k, vs in value.items()}
            out[item.name] = value
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> CreditOutcome:
        """The inverse of :meth:`to_dict`; unknown keys are an error."""
        known = {item.name for item in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown credit outcome fields: {unknown}")
        return cls(**dict(values))


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value
