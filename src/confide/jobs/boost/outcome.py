"""What one party of the boosting job ends with, as wire values (:class:`BoostOutcome`).

Each data party's outcome holds only what that party learned (see the disclosure list it
carries): the label holder's has the scores, the metrics, every owner's feature importance
(split count and total gain) and the first tree's structure with each split named
"owner: feature" (never a threshold); a feature owner's has its own model part and its own
split counts. A compute helper's has stage times only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from confide.jobs.vertical.outcome import VerticalOutcome

__all__ = ["IMPORTANCE_COLUMNS", "TREE_COLUMNS", "BoostOutcome"]

#: Columns of :attr:`BoostOutcome.importance` (``total_gain`` at the label holder only).
IMPORTANCE_COLUMNS = ("owner", "feature", "split_count", "total_gain")
#: Columns of :attr:`BoostOutcome.first_tree`, one row per node: children (-1 at leaves), the
#: split as "owner: feature" (empty at leaves), its gain and the leaf value (0 at splits).
TREE_COLUMNS = ("node", "left", "right", "split", "gain", "value")


@dataclass
class BoostOutcome(VerticalOutcome):
    """One party's result of the boosting job (fields empty where the party learned nothing).

    The party, its settings and the sizes of the shared steps come first
    (:class:`~confide.jobs.vertical.VerticalOutcome`), then the boosting job's own fields;
    :meth:`from_dict` turns the scores and labels back into arrays (a node's admin API gives
    lists).
    """

    KIND: ClassVar[str] = "boosting outcome"
    ARRAYS: ClassVar[tuple[str, ...]] = (
        "train_scores",
        "test_scores",
        "train_labels",
        "test_labels",
    )

    #: Trees in the model (one per boosting round for the binary loss).
    n_trees: int = 0
    train_scores: np.ndarray | None = None
    test_scores: np.ndarray | None = None
    train_labels: np.ndarray | None = None
    test_labels: np.ndarray | None = None
    #: The label holder's own ids of its train and test rows, in the order of the scores.
    train_ids: np.ndarray | list[str] | None = None
    test_ids: np.ndarray | list[str] | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    #: Feature importance as columns (:data:`IMPORTANCE_COLUMNS`), largest gain first.
    importance: dict[str, list[Any]] = field(default_factory=dict)
    #: The first tree as columns (:data:`TREE_COLUMNS`), label holder only.
    first_tree: dict[str, list[Any]] = field(default_factory=dict)
    #: This party's own part of the model (:meth:`~confide.ml.boost.ModelPart.to_wire`).
    model: dict[str, Any] | None = None
    disclosures: list[dict[str, str]] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, *, with_model: bool = True) -> dict[str, Any]:
        """Wire values: numbers, strings, arrays, and lists and dicts of these.

        ``with_model=False`` leaves this party's model part out (it travels on its own).
        """
        out = super().to_dict()
        if not with_model:
            out["model"] = None
        return out
