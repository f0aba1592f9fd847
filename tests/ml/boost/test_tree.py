"""Split finding against brute-force enumeration, and the growth rules on a toy problem."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from confide.ml.boost.histogram import CellLayout, plain_histograms, quantize
from confide.ml.boost.params import BoostParams
from confide.ml.boost.sampling import Sampler
from confide.ml.boost.tree import (
    SplitCandidate,
    best_split,
    calc_gain,
    grow_trees,
    leaf_weight,
)

RNG = np.random.default_rng(5)


def _brute_force(
    hist: np.ndarray, layout: CellLayout, g: float, h: float, params: BoostParams
) -> tuple[float, tuple[int, int, bool] | None]:
    """Every (feature, boundary, missing side) in XGBoost's order; the first best wins."""
    lam, mcw = params.reg_lambda, params.min_child_weight

    def gain(a: float, b: float) -> float:
        return a * a / (b + lam) if b >= mcw and b > 0 else 0.0

    best, best_gain = None, -np.inf
    for j in range(layout.n_features):
        start, nb = int(layout.offsets[j]), int(layout.n_bins[j])
        miss = hist[start + nb] if layout.has_missing[j] else np.zeros(2)
        order = [(b, False) for b in range(nb)]
        if layout.has_missing[j] and miss.any():
            order += [(b, True) for b in range(nb - 2, -2, -1)]
        for b, missing_left in order:
            left = hist[start : start + b + 1].sum(axis=0) + (miss if missing_left else 0)
            right = np.array([g, h]) - left
            if left[1] < mcw or right[1] < mcw or left[1] <= 0 or right[1] <= 0:
                continue
            value = gain(*left) + gain(*right) - gain(g, h)
            if value > best_gain:
                best, best_gain = (j, b, missing_left), value
    return best_gain, best


def test_best_split_equals_brute_force() -> None:
    for trial in range(30):
        n_features = int(RNG.integers(1, 5))
        layout = CellLayout(
            ("p",) * n_features,
            np.arange(n_features),
            RNG.integers(1, 7, size=n_features),
            RNG.random(n_features) < 0.5,
        )
        hist = np.stack(
            [RNG.normal(size=layout.total), RNG.uniform(0, 3, size=layout.total)], axis=1
        )
        # A feature's cells hold the node's rows: make every feature sum to the same total.
        g, h = 4.0, 40.0
        for j in range(n_features):
            cells = slice(int(layout.offsets[j]), int(layout.offsets[j + 1]))
            hist[cells] *= np.array([g, h]) / hist[cells].sum(axis=0)
        params = BoostParams(min_child_weight=float(trial % 3), reg_lambda=0.5 + trial % 2)
        found = best_split(hist, layout, np.arange(n_features), g, h, params)
        expected_gain, expected = _brute_force(hist, layout, g, h, params)
        if expected is None:
            assert found is None
        else:
            assert found is not None
            assert (found.feature, found.bin_index, found.missing_left) == expected
            assert found.gain == np.float64(expected_gain) or abs(found.gain - expected_gain) < 1e-9


def test_gain_and_weight_formulas() -> None:
    params = BoostParams(reg_lambda=2.0, min_child_weight=1.0)
    assert calc_gain(3.0, 4.0, params) == 9.0 / 6.0
    assert calc_gain(3.0, 0.5, params) == 0.0  # below min_child_weight
    assert leaf_weight(3.0, 4.0, params) == -0.5
    assert leaf_weight(3.0, 0.5, params) == 0.0


class _Hooks:
    """Plaintext hooks over one party's binned columns (what PlainBoost does, reduced)."""

    def __init__(self, cells: np.ndarray, layout: CellLayout, g: np.ndarray, h: np.ndarray):
        self.cells, self.layout, self.g, self.h = cells, layout, g, h
        self.requests: list[list[tuple[int, int]]] = []

    def histograms(
        self, requests: Sequence[tuple[int, int]], positions: npt.NDArray[np.int32]
    ) -> list[np.ndarray]:
        self.requests.append(list(requests))
        out = []
        for k, node in requests:
            ranks = np.where(positions[k] == node, 0, -1)
            out.append(
                plain_histograms(self.cells, self.layout.n_cells, ranks, 1, self.g, self.h)[0]
            )
        return out

    def partition(
        self,
        splits: Sequence[tuple[int, int, SplitCandidate]],
        positions: npt.NDArray[np.int32],
    ) -> list[npt.NDArray[np.bool_]]:
        return [self.cells[positions[k] == node, s.feature] <= s.bin_index for k, node, s in splits]


def test_depthwise_growth_with_subtraction() -> None:
    n = 400
    cells = np.stack([RNG.integers(0, 8, n), RNG.integers(0, 5, n)], axis=1).astype(np.int32)
    target = (cells[:, 0] >= 4).astype(float) + 0.5 * (cells[:, 1] >= 2)
    layout = CellLayout(("p", "p"), np.arange(2), np.array([8, 5]), np.zeros(2, dtype=bool))
    params = BoostParams(objective="reg:squarederror", max_depth=3)  # type: ignore[arg-type]
    pairs = quantize(-target[:, None], np.ones((n, 1)), 24)
    hooks = _Hooks(cells, layout, pairs.g[:, 0], pairs.h[:, 0])
    rows = np.arange(n, dtype=np.int64)
    (tree,), positions = grow_trees(
        params, hooks, pairs, rows, n, layout, Sampler(params, 2), [np.arange(2)], 0
    )
    # The root splits on feature 0 at bin 3; the children on feature 1 at bin 1.
    assert (tree.feature[0], tree.bin_index[0]) == (0, 3)
    assert {(tree.feature[c], tree.bin_index[c]) for c in (1, 2)} == {(1, 1)}
    # Histogram subtraction: one histogram per split node asked for, never both children.
    assert [len(r) for r in hooks.requests] == [1, 1, 2]
    # Every row's leaf value equals learning rate times its group's mean target.
    values = tree.value[positions[0]]
    for group in np.unique(target):
        assert np.allclose(values[target == group], 0.3 * group * n / (n + 1), atol=0.05)
    assert tree.leaves.tolist() == [int(i) for i in np.flatnonzero(tree.left < 0)]
