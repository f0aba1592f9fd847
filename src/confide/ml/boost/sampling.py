"""Row and column subsampling and the validation split, as XGBoost defines them.

The randomness here is not secret: the parties that follow the protocol learn which rows and
features take part in each tree anyway (see the disclosures), and the plaintext twin must draw
the very same samples to grow the very same trees. So it comes from ``numpy.random`` seeded with
``random_state``, never from ``secrets`` — and is never used for anything that hides data.

- ``subsample``: each training row takes part in a round with that probability (Bernoulli, as
  XGBoost's ``subsample``); every class tree of the round uses the same rows, since one
  encryption per row serves all of them.
- ``colsample_bytree``, ``colsample_bylevel``, ``colsample_bynode``: nested feature subsets of
  ``max(1, floor(fraction * count))`` features each, drawn without replacement per tree, per
  depth of that tree and per node.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from confide.ml.boost.params import BoostParams

__all__ = ["Sampler", "validation_split"]

IntArray = npt.NDArray[np.int64]


def validation_split(n_rows: int, fraction: float, seed: int) -> npt.NDArray[np.bool_]:
    """A mask of ``round(fraction * n_rows)`` (at least one) validation rows, drawn by ``seed``."""
    rng = np.random.default_rng([seed, 1])
    count = min(n_rows - 1, max(1, round(fraction * n_rows)))
    mask = np.zeros(n_rows, dtype=bool)
    mask[rng.choice(n_rows, size=count, replace=False)] = True
    return mask


class Sampler:
    """Draws the rows of each round and the features of each tree, level and node."""

    def __init__(self, params: BoostParams, n_features: int) -> None:
        self._params = params
        self._n_features = n_features
        self._rng = np.random.default_rng([params.random_state, 2])
        self._level: dict[tuple[int, int], IntArray] = {}

    def rows(self, train_rows: IntArray) -> IntArray:
        """The training rows of a new round (all of them unless ``subsample < 1``)."""
        self._level.clear()
        if self._params.subsample >= 1.0:
            return train_rows
        keep = self._rng.random(len(train_rows)) < self._params.subsample
        if not keep.any():  # at least one row, so that the tree has a root
            keep[self._rng.integers(len(train_rows))] = True
        return train_rows[keep]

    def tree_features(self) -> IntArray:
        """Global indices of the features of a new tree (sorted)."""
        return self._choose(np.arange(self._n_features), self._params.colsample_bytree)

    def node_features(self, tree: int, tree_features: IntArray, depth: int) -> IntArray:
        """Features a node of ``tree`` at ``depth`` may split on (by level, then by node)."""
        key = (tree, depth)
        if key not in self._level:
            self._level[key] = self._choose(tree_features, self._params.colsample_bylevel)
        return self._choose(self._level[key], self._params.colsample_bynode)

    def _choose(self, features: IntArray, fraction: float) -> IntArray:
        if fraction >= 1.0 or len(features) <= 1:
            return features
        count = max(1, int(fraction * len(features)))
        return np.sort(self._rng.choice(features, size=count, replace=False))
