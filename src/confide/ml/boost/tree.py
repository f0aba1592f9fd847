"""Growing regression trees from gradient histograms: split finding and the growth policy.

This is the algorithm itself, written once and run by the label holder of the secure protocol
and by the plaintext twin alike. It never sees feature values: it asks a :class:`GrowHooks`
for the histograms of some nodes and for the left/right partition of the nodes it splits, so
that where the histograms come from (plaintext sums, or decrypted Paillier sums from the
feature owners) is the hooks' business.

XGBoost's ``hist`` rules, followed exactly:

- ``CalcGain(G, H) = G**2 / (H + lambda)`` (0 when ``H < min_child_weight`` or ``H <= 0``);
  a split's gain is ``CalcGain(left) + CalcGain(right) - CalcGain(node)``; candidates need
  ``H >= min_child_weight`` on both sides.
- Per feature: first every bin boundary with missing values to the right (ascending), then, if
  the node has missing values for it, every boundary with them to the left (descending). The
  first largest gain wins; features in global order, so ties go to the lower feature index.
- A split is made only if its gain exceeds 1e-6 and is at least ``gamma``, within
  ``max_depth`` and ``max_leaves``. Leaf weight ``-G / (H + lambda)`` times the learning rate.
- Depthwise growth expands every node of a level (in node order); lossguide expands the node
  with the largest gain, one at a time. Node ids are given in creation order, children of a
  node as ``(left, right)``.

Histogram subtraction: of two children, only the one with fewer sampled rows is asked for; the
other is its parent's histogram minus it (exact: sums are integers).

Several trees (one per class) grow in lockstep, so that each step asks the hooks once for all
of them: this is what lets one encryption per row serve every class of a softmax round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from confide.ml.boost.histogram import CellLayout, GradientPairs
from confide.ml.boost.params import BoostParams, GrowPolicy
from confide.ml.boost.sampling import Sampler

__all__ = ["GrowHooks", "SplitCandidate", "TreeRecord", "best_split", "grow_trees", "leaf_weight"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: XGBoost's ``kRtEps``: a split must gain more than this.
MIN_GAIN = 1e-6


@dataclass(frozen=True)
class SplitCandidate:
    """The best split of a node: rows with ``bin <= bin_index`` go left (and missing values
    if ``missing_left``); ``gain`` is XGBoost's ``loss_chg``."""

    feature: int
    bin_index: int
    missing_left: bool
    gain: float


@dataclass(frozen=True)
class TreeRecord:
    """A grown tree in global terms (the label holder's and the twin's view).

    Arrays indexed by node id: ``left``/``right`` children (-1 at leaves); for splits the
    global ``feature``, ``bin_index``, ``missing_left`` and ``gain``; ``cover`` (hessian sum) of
    every node; ``value`` the leaf values (learning rate applied; 0 for inner nodes).
    """

    class_index: int
    left: npt.NDArray[np.int32]
    right: npt.NDArray[np.int32]
    feature: npt.NDArray[np.int32]
    bin_index: npt.NDArray[np.int32]
    missing_left: npt.NDArray[np.bool_]
    gain: FloatArray
    cover: FloatArray
    value: FloatArray

    @property
    def n_nodes(self) -> int:
        return len(self.left)

    @property
    def leaves(self) -> npt.NDArray[np.int64]:
        """Node ids of the leaves, ascending."""
        return np.flatnonzero(self.left < 0)


class GrowHooks(Protocol):
    """Where histograms and partitions come from (plaintext, or the secure protocol)."""

    def histograms(
        self, requests: Sequence[tuple[int, int]], positions: npt.NDArray[np.int32]
    ) -> list[FloatArray]:
        """Histograms ``(layout.total, 2)`` in integer units of the sampled rows of each
        requested ``(tree, node)``; ``positions[tree]`` is the node of every row."""
        ...

    def partition(
        self,
        splits: Sequence[tuple[int, int, SplitCandidate]],
        positions: npt.NDArray[np.int32],
    ) -> list[npt.NDArray[np.bool_]]:
        """For each ``(tree, node, split)``: which rows of the node (in row order) go left."""
        ...


def calc_gain(g: FloatArray | float, h: FloatArray | float, params: BoostParams) -> FloatArray:
    """XGBoost's ``CalcGain``: ``G**2 / (H + lambda)``, 0 below ``min_child_weight``."""
    g_arr = np.asarray(g, dtype=np.float64)
    h_arr = np.asarray(h, dtype=np.float64)
    ok = (h_arr >= params.min_child_weight) & (h_arr > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ok, g_arr * g_arr / (h_arr + params.reg_lambda), 0.0)
    return out


def leaf_weight(g: float, h: float, params: BoostParams) -> float:
    """XGBoost's ``CalcWeight``: ``-G / (H + lambda)``, 0 below ``min_child_weight``."""
    if h < params.min_child_weight or h <= 0:
        return 0.0
    return -g / (h + params.reg_lambda)


def best_split(
    hist: FloatArray,
    layout: CellLayout,
    features: IntArray,
    total_g: float,
    total_h: float,
    params: BoostParams,
) -> SplitCandidate | None:
    """The best split of a node over ``features`` (global indices, ascending), or None.

    ``hist`` is the node's histogram in real units, ``(layout.total, 2)``.
    """
    parent_gain = float(calc_gain(total_g, total_h, params))
    mcw = params.min_child_weight
    offsets, n_bins, has_missing = layout.offsets, layout.n_bins, layout.has_missing
    best: SplitCandidate | None = None
    best_gain = -np.inf
    for j in features.tolist():
        nb = int(n_bins[j])
        start = int(offsets[j])
        g_bins = hist[start : start + nb, 0]
        h_bins = hist[start : start + nb, 1]
        g_miss = float(hist[start + nb, 0]) if has_missing[j] else 0.0
        h_miss = float(hist[start + nb, 1]) if has_missing[j] else 0.0
        # Forward: rows with bin <= b go left, missing values right.
        left_g = np.cumsum(g_bins)
        left_h = np.cumsum(h_bins)
        bins = np.arange(nb)
        missing_left = np.zeros(nb, dtype=bool)
        if has_missing[j] and (g_miss != 0.0 or h_miss != 0.0):
            # Backward: bin <= b and missing values left, for b = nb - 2 down to -1.
            back_bins = np.arange(nb - 2, -2, -1)
            prefix = np.concatenate([[0.0], left_g])[back_bins + 1]
            prefix_h = np.concatenate([[0.0], left_h])[back_bins + 1]
            left_g = np.concatenate([left_g, prefix + g_miss])
            left_h = np.concatenate([left_h, prefix_h + h_miss])
            bins = np.concatenate([bins, back_bins])
            missing_left = np.concatenate([missing_left, np.ones(nb, dtype=bool)])
        right_g = total_g - left_g
        right_h = total_h - left_h
        ok = (left_h >= mcw) & (right_h >= mcw) & (left_h > 0) & (right_h > 0)
        if not ok.any():
            continue
        gains = calc_gain(left_g, left_h, params) + calc_gain(right_g, right_h, params)
        gains = np.where(ok, gains - parent_gain, -np.inf)
        i = int(np.argmax(gains))
        if gains[i] > best_gain:
            best_gain = float(gains[i])
            best = SplitCandidate(j, int(bins[i]), bool(missing_left[i]), best_gain)
    return best


@dataclass
class _Node:
    depth: int
    g: float
    h: float
    count: int
    left: int = -1
    right: int = -1
    split: SplitCandidate | None = None
    hist: FloatArray | None = None


@dataclass
class _Tree:
    k: int
    index: int
    features: IntArray
    nodes: list[_Node] = field(default_factory=list)
    open: list[int] = field(default_factory=list)  # nodes with a candidate split
    leaves: int = 1


def grow_trees(
    params: BoostParams,
    hooks: GrowHooks,
    pairs: GradientPairs,
    sampled: IntArray,
    n_rows: int,
    layout: CellLayout,
    sampler: Sampler,
    tree_features: Sequence[IntArray],
    first_tree: int,
) -> tuple[list[TreeRecord], npt.NDArray[np.int32]]:
    """Grow one tree per class column of ``pairs`` and return them with every row's leaf.

    ``sampled`` are the rows (out of ``n_rows``) whose gradients ``pairs`` holds; all
    ``n_rows`` rows follow the splits (so that rows left out of the sample, and validation
    rows, get their leaves too). ``tree_features[k]`` are tree ``k``'s features (global),
    ``first_tree`` the index of tree 0 for the sampler.
    """
    n_trees = pairs.g.shape[1]
    positions = np.zeros((n_trees, n_rows), dtype=np.int32)
    scales = np.stack([pairs.scale_g, pairs.scale_h], axis=1)  # (K, 2)
    trees = [
        _Tree(k, first_tree + k, np.asarray(tree_features[k], dtype=np.int64))
        for k in range(n_trees)
    ]
    for tree in trees:
        g = float(pairs.g[:, tree.k].sum() * pairs.scale_g[tree.k])
        h = float(pairs.h[:, tree.k].sum() * pairs.scale_h[tree.k])
        tree.nodes.append(_Node(0, g, h, len(sampled)))
    roots = [(t.k, 0) for t in trees if _may_split(t, 0, params)]
    _build(params, hooks, trees, roots, [], positions, layout, sampler, scales)
    while True:
        expansions = [(t, node) for t in trees for node in _pop(t, params)]
        if not expansions:
            break
        go_left = hooks.partition(
            [(t.k, node, _split_of(t, node)) for t, node in expansions], positions
        )
        requests: list[tuple[int, int]] = []
        derived: list[tuple[_Tree, int, int, int]] = []  # (tree, parent, built child, other)
        for (tree, node), left_mask in zip(expansions, go_left, strict=True):
            children = _apply(tree, node, left_mask, positions, pairs, sampled)
            wanted = [c for c in children if _may_split(tree, c, params)]
            if not wanted:
                continue
            left, right = children
            small, large = (
                (left, right)
                if tree.nodes[left].count <= tree.nodes[right].count
                else (right, left)
            )
            requests.append((tree.k, small))
            if large in wanted:
                derived.append((tree, node, small, large))
        _build(params, hooks, trees, requests, derived, positions, layout, sampler, scales)
        for tree, node in expansions:
            tree.nodes[node].hist = None
    return [_record(t, params) for t in trees], positions


def _may_split(tree: _Tree, node: int, params: BoostParams) -> bool:
    """Whether a node can still be split: depth and leaf limits, rows and hessian enough."""
    n = tree.nodes[node]
    if params.max_depth > 0 and n.depth >= params.max_depth:
        return False
    if params.max_leaves > 0 and tree.leaves >= params.max_leaves:
        return False
    return n.count >= 2 and n.h >= 2 * params.min_child_weight and n.h > 0


def _build(
    params: BoostParams,
    hooks: GrowHooks,
    trees: list[_Tree],
    requests: list[tuple[int, int]],
    derived: list[tuple[_Tree, int, int, int]],
    positions: npt.NDArray[np.int32],
    layout: CellLayout,
    sampler: Sampler,
    scales: FloatArray,
) -> None:
    """Get the requested histograms, derive the siblings, and find each node's best split."""
    if not requests:
        return
    hists = hooks.histograms(requests, positions)
    by_tree = {t.k: t for t in trees}
    for (k, node), hist in zip(requests, hists, strict=True):
        by_tree[k].nodes[node].hist = hist
    for tree, parent, built, other in derived:
        parent_hist = tree.nodes[parent].hist
        built_hist = tree.nodes[built].hist
        if parent_hist is None or built_hist is None:  # pragma: no cover - by construction
            raise RuntimeError("histogram subtraction without a parent histogram")
        tree.nodes[other].hist = parent_hist - built_hist
    evaluate = [(by_tree[k], node) for k, node in requests]
    for tree, _, _, other in derived:
        evaluate.append((tree, other))
    evaluate.sort(key=lambda item: (item[0].k, item[1]))
    for tree, node in evaluate:
        n = tree.nodes[node]
        if not _may_split(tree, node, params) or n.hist is None:
            continue
        features = sampler.node_features(tree.index, tree.features, n.depth)
        real = n.hist * scales[tree.k][None, :]
        n.split = best_split(real, layout, features, n.g, n.h, params)
        if n.split is not None:
            tree.open.append(node)


def _valid(tree: _Tree, node: int, params: BoostParams) -> bool:
    split = tree.nodes[node].split
    if split is None or split.gain <= MIN_GAIN or split.gain < params.gamma:
        return False
    return not (params.max_leaves > 0 and tree.leaves >= params.max_leaves)


def _pop(tree: _Tree, params: BoostParams) -> list[int]:
    """The nodes to split now (see the module docstring), counting the leaves they add."""
    if not tree.open:
        return []
    if params.grow_policy is GrowPolicy.LOSSGUIDE:
        best = min(tree.open, key=lambda n: (-_gain(tree, n), n))
        tree.open.remove(best)
        if not _valid(tree, best, params):
            tree.open.clear()
            return []
        tree.leaves += 1
        return [best]
    depth = min(tree.nodes[n].depth for n in tree.open)
    level = sorted(n for n in tree.open if tree.nodes[n].depth == depth)
    tree.open = [n for n in tree.open if tree.nodes[n].depth != depth]
    chosen = []
    for node in level:
        if _valid(tree, node, params):
            tree.leaves += 1
            chosen.append(node)
    return chosen


def _gain(tree: _Tree, node: int) -> float:
    split = tree.nodes[node].split
    return split.gain if split is not None else -np.inf


def _split_of(tree: _Tree, node: int) -> SplitCandidate:
    split = tree.nodes[node].split
    if split is None:  # pragma: no cover - only nodes with a split are popped
        raise RuntimeError("a node without a split was chosen for splitting")
    return split


def _apply(
    tree: _Tree,
    node: int,
    left_mask: npt.NDArray[np.bool_],
    positions: npt.NDArray[np.int32],
    pairs: GradientPairs,
    sampled: IntArray,
) -> tuple[int, int]:
    """Create the two children of ``node``, move its rows, and sum their gradients."""
    parent = tree.nodes[node]
    left, right = len(tree.nodes), len(tree.nodes) + 1
    row_pos = positions[tree.k]
    rows = np.flatnonzero(row_pos == node)
    row_pos[rows] = np.where(left_mask, left, right)
    sampled_pos = row_pos[sampled]
    k = tree.k
    for child in (left, right):
        mine = sampled_pos == child
        g = float(pairs.g[mine, k].sum() * pairs.scale_g[k])
        h = float(pairs.h[mine, k].sum() * pairs.scale_h[k])
        tree.nodes.append(_Node(parent.depth + 1, g, h, int(mine.sum())))
    parent.left, parent.right = left, right
    return left, right


def _record(tree: _Tree, params: BoostParams) -> TreeRecord:
    count = len(tree.nodes)
    left = np.full(count, -1, dtype=np.int32)
    right = np.full(count, -1, dtype=np.int32)
    feature = np.full(count, -1, dtype=np.int32)
    bin_index = np.zeros(count, dtype=np.int32)
    missing_left = np.zeros(count, dtype=bool)
    gain = np.zeros(count)
    cover = np.zeros(count)
    value = np.zeros(count)
    for i, n in enumerate(tree.nodes):
        cover[i] = n.h
        if n.left >= 0 and n.split is not None:
            left[i], right[i] = n.left, n.right
            feature[i] = n.split.feature
            bin_index[i] = n.split.bin_index
            missing_left[i] = n.split.missing_left
            gain[i] = n.split.gain
        else:
            value[i] = params.learning_rate * leaf_weight(n.g, n.h, params)
    return TreeRecord(tree.k, left, right, feature, bin_index, missing_left, gain, cover, value)
