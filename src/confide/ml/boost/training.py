"""The boosting loop: rounds of gradients, trees, margins and early stopping.

Run by the label holder of the secure protocol and by the plaintext twin, with different
:class:`BoostHooks`. Each round:

1. sample the round's rows and each tree's features (:class:`.sampling.Sampler`);
2. compute ``g`` and ``h`` at the current margins, quantize them (:func:`.histogram.quantize`),
   and hand them to the hooks (the secure hooks encrypt and send them);
3. grow one tree per class (:func:`.tree.grow_trees`), which gives every row's leaf;
4. add the leaf values to the margins of every row, validation rows included;
5. with early stopping, score the validation rows and stop after ``early_stopping_rounds``
   rounds without improvement, keeping the best round's trees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from confide.ml.boost.histogram import CellLayout, GradientPairs, quantize
from confide.ml.boost.objective import (
    LabelEncoding,
    base_margin,
    gradients,
    greater_is_better,
    metric,
)
from confide.ml.boost.params import BoostParams
from confide.ml.boost.sampling import Sampler
from confide.ml.boost.tree import GrowHooks, TreeRecord, grow_trees

__all__ = ["BoostHooks", "BoostResult", "boost"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class BoostHooks(GrowHooks, Protocol):
    """What the loop needs beyond histograms and partitions: round start and end."""

    def start_round(
        self,
        round_index: int,
        rows: IntArray,
        tree_features: Sequence[IntArray],
        pairs: GradientPairs,
    ) -> None:
        """A round begins: its sampled ``rows``, each tree's features and the gradients."""
        ...

    def end_round(self, trees: Sequence[TreeRecord]) -> None:
        """The round's trees are grown."""
        ...


@dataclass(frozen=True)
class BoostResult:
    """The trees kept (``K`` per round), the base margin and the validation scores."""

    trees: list[TreeRecord]
    base_margin: FloatArray
    n_groups: int
    evals: list[float]
    best_iteration: int
    rounds_run: int


def boost(
    params: BoostParams,
    hooks: BoostHooks,
    labels: LabelEncoding,
    valid_mask: npt.NDArray[np.bool_] | None,
    layout: CellLayout,
    quantized: bool = True,
) -> BoostResult:
    """Train ``params.n_estimators`` rounds (fewer with early stopping) over all rows.

    ``labels.values`` covers every row; rows in ``valid_mask`` are held out of training and
    scored each round when ``params.early_stopping_rounds`` is set.
    """
    n_rows = len(labels.values)
    k_groups = labels.n_groups
    train = np.ones(n_rows, dtype=bool) if valid_mask is None else ~valid_mask
    train_rows = np.flatnonzero(train).astype(np.int64)
    base = base_margin(params.objective, labels.values[train], k_groups, params.base_score)
    margin = np.tile(base, (n_rows, 1))
    sampler = Sampler(params, layout.n_features)
    bits = params.gradient_bits if quantized else None
    trees: list[TreeRecord] = []
    evals: list[float] = []
    best_round, best_score = 0, np.nan
    sign = -1.0 if greater_is_better(params.metric) else 1.0
    rounds_run = 0
    for r in range(params.n_estimators):
        rows = sampler.rows(train_rows)
        g, h = gradients(params.objective, margin[rows], labels.values[rows])
        pairs = quantize(g, h, bits)
        features = [sampler.tree_features() for _ in range(k_groups)]
        hooks.start_round(r, rows, features, pairs)
        grown, positions = grow_trees(
            params, hooks, pairs, rows, n_rows, layout, sampler, features, r * k_groups
        )
        for tree in grown:
            margin[:, tree.class_index] += tree.value[positions[tree.class_index]]
        trees.extend(grown)
        hooks.end_round(grown)
        rounds_run = r + 1
        if params.early_stopping_rounds is None or valid_mask is None:
            continue
        score = metric(
            params.metric, params.objective, labels.values[valid_mask], margin[valid_mask]
        )
        evals.append(score)
        if np.isnan(best_score) or sign * score < sign * best_score:
            best_round, best_score = r, score
        elif r - best_round >= params.early_stopping_rounds:
            break
    if params.early_stopping_rounds is None or valid_mask is None:
        best_round = rounds_run - 1
    kept = trees[: (best_round + 1) * k_groups]
    return BoostResult(kept, base, k_groups, evals, best_round, rounds_run)
