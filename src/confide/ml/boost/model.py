"""The split model of vertical boosting, and prediction with every owner's part.

No party holds the whole model. Every party holds a :class:`ModelPart`:

- the shape of every tree (children of each node), which all parties share;
- its own splits: for each node split on one of its features, that feature and the threshold
  (``value < threshold`` goes left, missing values to ``missing_left``) — thresholds never
  leave their owner;
- the label holder alone also holds the leaf values, the base margin, and for every split the
  owner, the owner's feature index, the bin and the gain (but not the thresholds of others).

Prediction (:func:`predict_margin`), after SecretFlow SGB's: each party computes, for every row
and tree, which leaves are consistent with *its own* splits (a row reaches a leaf only if every
split of this party on the path sends it that way; splits of others let it through both ways),
and the passive parties send these leaf masks to the label holder. The AND of all masks leaves
exactly one leaf per row and tree; the label holder adds up the leaf values. Steps:

1. every party broadcasts its row count and a digest of the tree shapes: all must agree
   (:class:`ProtocolError` otherwise);
2. every passive party sends its leaf masks, ``rows x ceil(leaves / 8)`` bytes;
3. the label holder combines them and checks that each row reaches exactly one leaf per tree.

One round, ``rows * leaves / 8`` bytes per passive party. Who learns what: the label holder
learns the margins (and so the scores), and for every row which side of each passive split it
falls on where the side matters for the leaf (inherent in this way of predicting); passive
parties learn the row count and nothing else. Semi-honest parties.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError, ProtocolError
from confide.ml.boost.binning import FeatureBins
from confide.ml.boost.histogram import CellLayout
from confide.ml.boost.params import Objective
from confide.ml.boost.tree import TreeRecord
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = [
    "DISCLOSURE",
    "LabelHolderView",
    "ModelPart",
    "OwnSplits",
    "TreeShape",
    "combine_leaf_masks",
    "go_left",
    "leaf_masks",
    "model_parts",
    "predict_margin",
]

FloatArray = npt.NDArray[np.float64]

DISCLOSURE = (
    Disclosure(
        "the label holder",
        "the prediction margins of every row, and for each row and tree the leaves that each "
        "passive party's own splits allow (which side of those splits the row falls on, where "
        "it matters)",
        "vertical prediction without secret sharing",
    ),
    Disclosure("every party", "the number of rows to score and the tree shapes"),
)


@dataclass(frozen=True)
class TreeShape:
    """The children of every node (-1 at leaves) and the class the tree scores."""

    left: npt.NDArray[np.int32]
    right: npt.NDArray[np.int32]
    class_index: int

    @property
    def leaves(self) -> npt.NDArray[np.int64]:
        return np.flatnonzero(self.left < 0)


@dataclass(frozen=True)
class OwnSplits:
    """One party's splits in one tree: node ids, local features, thresholds, missing side."""

    nodes: npt.NDArray[np.int32]
    features: npt.NDArray[np.int32]
    thresholds: FloatArray
    missing_left: npt.NDArray[np.bool_]


@dataclass(frozen=True)
class LabelHolderView:
    """What only the label holder holds: leaf values, base margin, and who split where.

    ``parties`` is the order of the owners; per tree, ``owner[node]`` indexes it (-1 at
    leaves), ``feature`` is the owner's local feature index, ``bin_index`` the winning bin,
    ``gain`` the split gain.
    """

    base_margin: FloatArray
    leaf_values: tuple[FloatArray, ...]
    parties: tuple[str, ...]
    owner: tuple[npt.NDArray[np.int32], ...]
    feature: tuple[npt.NDArray[np.int32], ...]
    bin_index: tuple[npt.NDArray[np.int32], ...]
    gain: tuple[FloatArray, ...]


@dataclass(frozen=True)
class ModelPart:
    """One party's part of a trained vertical boosting model (see the module docstring)."""

    party: str
    label_holder: str
    objective: Objective
    n_groups: int
    feature_names: tuple[str, ...]
    shapes: tuple[TreeShape, ...]
    splits: tuple[OwnSplits, ...]
    view: LabelHolderView | None

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def n_trees(self) -> int:
        return len(self.shapes)

    def shape_digest(self) -> str:
        """A digest of the tree shapes: parties holding parts of one model agree on it."""
        h = hashlib.sha256()
        for shape in self.shapes:
            h.update(np.int64(shape.class_index).tobytes())
            h.update(shape.left.astype("<i4").tobytes())
            h.update(shape.right.astype("<i4").tobytes())
        return h.hexdigest()

    def split_counts(self) -> npt.NDArray[np.int64]:
        """How many splits each of this party's features makes in the model."""
        counts = np.zeros(self.n_features, dtype=np.int64)
        for own in self.splits:
            np.add.at(counts, own.features, 1)
        return counts

    def importance(self) -> dict[str, dict[str, npt.NDArray[Any]]]:
        """Feature importance per owner: ``{party: {"split_count", "total_gain"}}``.

        The label holder sees every owner's counts and gains (by local feature index); any
        other party sees its own split counts only (gains derive from the labels).
        """
        if self.view is None:
            return {self.party: {"split_count": self.split_counts()}}
        view = self.view
        sizes: dict[str, int] = {}
        for t in range(self.n_trees):
            for p, f in zip(view.owner[t].tolist(), view.feature[t].tolist(), strict=True):
                if p >= 0:
                    name = view.parties[p]
                    sizes[name] = max(sizes.get(name, 0), f + 1)
        sizes[self.party] = self.n_features
        out = {
            name: {"split_count": np.zeros(size, np.int64), "total_gain": np.zeros(size)}
            for name, size in sizes.items()
        }
        for t in range(self.n_trees):
            for node in np.flatnonzero(view.owner[t] >= 0).tolist():
                entry = out[view.parties[view.owner[t][node]]]
                entry["split_count"][view.feature[t][node]] += 1
                entry["total_gain"][view.feature[t][node]] += view.gain[t][node]
        return out

    # -- wire -----------------------------------------------------------------------------

    def to_wire(self) -> dict[str, Any]:
        """The part as a wire value (for :func:`confide.launch` results and storage)."""
        out: dict[str, Any] = {
            "party": self.party,
            "label_holder": self.label_holder,
            "objective": self.objective.value,
            "n_groups": self.n_groups,
            "feature_names": list(self.feature_names),
            "shapes": [[s.left, s.right, s.class_index] for s in self.shapes],
            "splits": [[s.nodes, s.features, s.thresholds, s.missing_left] for s in self.splits],
            "view": None,
        }
        if self.view is not None:
            v = self.view
            out["view"] = {
                "base_margin": v.base_margin,
                "leaf_values": list(v.leaf_values),
                "parties": list(v.parties),
                "owner": list(v.owner),
                "feature": list(v.feature),
                "bin_index": list(v.bin_index),
                "gain": list(v.gain),
            }
        return out

    @classmethod
    def from_wire(cls, value: Any) -> ModelPart:
        """A part from :meth:`to_wire`; :class:`ConfigError` if it is malformed."""
        try:
            shapes = tuple(
                TreeShape(_ints(left), _ints(right), int(k)) for left, right, k in value["shapes"]
            )
            splits = tuple(
                OwnSplits(_ints(n), _ints(f), np.asarray(t, np.float64), np.asarray(m, bool))
                for n, f, t, m in value["splits"]
            )
            view = None
            if value["view"] is not None:
                v = value["view"]
                view = LabelHolderView(
                    np.asarray(v["base_margin"], np.float64),
                    tuple(np.asarray(a, np.float64) for a in v["leaf_values"]),
                    tuple(str(p) for p in v["parties"]),
                    tuple(_ints(a) for a in v["owner"]),
                    tuple(_ints(a) for a in v["feature"]),
                    tuple(_ints(a) for a in v["bin_index"]),
                    tuple(np.asarray(a, np.float64) for a in v["gain"]),
                )
            part = cls(
                str(value["party"]),
                str(value["label_holder"]),
                Objective(value["objective"]),
                int(value["n_groups"]),
                tuple(str(n) for n in value["feature_names"]),
                shapes,
                splits,
                view,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"not a boosting model part: {exc}") from exc
        part.check()
        return part

    def check(self) -> None:
        """Raise :class:`ConfigError` unless the shapes and splits are consistent."""
        _check_part(self)


def _ints(values: Any) -> npt.NDArray[np.int32]:
    array = np.asarray(values)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise ValueError("expected a 1-d integer array")
    return array.astype(np.int32)


def _check_part(part: ModelPart) -> None:
    if len(part.splits) != len(part.shapes):
        raise ConfigError("a model part needs one split list per tree")
    for shape, own in zip(part.shapes, part.splits, strict=True):
        n = len(shape.left)
        if len(shape.right) != n or n == 0 or not 0 <= shape.class_index < part.n_groups:
            raise ConfigError("malformed tree shape")
        inner = shape.left >= 0
        if (
            (shape.left[inner] <= np.flatnonzero(inner)).any()
            or (shape.left[inner] >= n).any()
            or (shape.right[inner] != shape.left[inner] + 1).any()
        ):
            raise ConfigError("tree shape children must follow their parent, in (left, right)")
        if (
            len({len(own.nodes), len(own.features), len(own.thresholds), len(own.missing_left)})
            != 1
        ):
            raise ConfigError("split arrays of a tree differ in length")
        if len(own.nodes) and (
            (own.nodes < 0).any()
            or (own.nodes >= n).any()
            or not inner[own.nodes].all()
            or (own.features < 0).any()
            or (own.features >= part.n_features).any()
        ):
            raise ConfigError("a split refers to a leaf or to an unknown feature")


# -- building parts from grown trees -------------------------------------------------------


def model_parts(
    records: Sequence[TreeRecord],
    base: FloatArray,
    layout: CellLayout,
    bins: Mapping[str, FeatureBins],
    names: Mapping[str, tuple[str, ...]],
    label_holder: str,
    objective: Objective,
    n_groups: int,
) -> dict[str, ModelPart]:
    """The part of each party in ``bins`` (its thresholds come from its own bins).

    The label holder builds its own part this way (with only its own bins); the plaintext
    twin builds every party's.
    """
    shapes = tuple(TreeShape(r.left.copy(), r.right.copy(), r.class_index) for r in records)
    parties = tuple(dict.fromkeys(layout.owners))
    out = {}
    for party, party_bins in bins.items():
        splits = tuple(_own_splits(r, layout, party, party_bins) for r in records)
        view = _view(records, base, layout, parties) if party == label_holder else None
        out[party] = ModelPart(
            party, label_holder, objective, n_groups, names[party], shapes, splits, view
        )
    return out


def _own_splits(record: TreeRecord, layout: CellLayout, party: str, bins: FeatureBins) -> OwnSplits:
    owners = np.array(layout.owners, dtype=object)
    inner = np.flatnonzero(record.left >= 0)
    mine = inner[owners[record.feature[inner]] == party] if len(inner) else inner
    local = layout.local[record.feature[mine]]
    thresholds = np.array(
        [bins.threshold(int(f), int(b)) for f, b in zip(local, record.bin_index[mine], strict=True)]
    )
    return OwnSplits(
        mine.astype(np.int32),
        local.astype(np.int32),
        thresholds.astype(np.float64),
        record.missing_left[mine].copy(),
    )


def _view(
    records: Sequence[TreeRecord], base: FloatArray, layout: CellLayout, parties: tuple[str, ...]
) -> LabelHolderView:
    index = {p: i for i, p in enumerate(parties)}
    owner_of = np.array([index[p] for p in layout.owners], dtype=np.int32)
    owners, features = [], []
    for r in records:
        inner = r.left >= 0
        owners.append(np.where(inner, owner_of[np.maximum(r.feature, 0)], -1).astype(np.int32))
        features.append(
            np.where(inner, layout.local[np.maximum(r.feature, 0)], -1).astype(np.int32)
        )
    return LabelHolderView(
        base.copy(),
        tuple(r.value.copy() for r in records),
        parties,
        tuple(owners),
        tuple(features),
        tuple(np.where(r.left >= 0, r.bin_index, -1).astype(np.int32) for r in records),
        tuple(r.gain.copy() for r in records),
    )


# -- prediction ----------------------------------------------------------------------------


def go_left(values: FloatArray, threshold: float, missing_left: bool) -> npt.NDArray[np.bool_]:
    """Which values go left at a split: ``value < threshold``, missing ones as told."""
    with np.errstate(invalid="ignore"):
        left = values < threshold
    return np.where(np.isnan(values), missing_left, left)


def leaf_masks(part: ModelPart, values: FloatArray) -> npt.NDArray[np.bool_]:
    """Rows x (all leaves of all trees): leaves this party's splits allow each row to reach."""
    if values.ndim != 2 or values.shape[1] != part.n_features:
        raise ConfigError(
            f"{part.party!r} scores with {part.n_features} features, got shape {values.shape}"
        )
    n = values.shape[0]
    columns = []
    for shape, own in zip(part.shapes, part.splits, strict=True):
        splits = {
            int(node): (int(f), float(t), bool(m))
            for node, f, t, m in zip(
                own.nodes, own.features, own.thresholds, own.missing_left, strict=True
            )
        }
        reach: list[npt.NDArray[np.bool_] | None] = [None] * len(shape.left)
        reach[0] = np.ones(n, dtype=bool)
        for node in range(len(shape.left)):
            here = reach[node]
            left = int(shape.left[node])
            if left < 0 or here is None:
                continue
            if node in splits:
                feature, threshold, missing_left = splits[node]
                to_left = go_left(values[:, feature], threshold, missing_left)
                reach[left] = here & to_left
                reach[left + 1] = here & ~to_left
            else:
                reach[left] = here
                reach[left + 1] = here
        for leaf in shape.leaves.tolist():
            mask = reach[leaf]
            columns.append(mask if mask is not None else np.zeros(n, dtype=bool))
    if not columns:
        return np.zeros((n, 0), dtype=bool)
    return np.stack(columns, axis=1)


def combine_leaf_masks(part: ModelPart, masks: Sequence[npt.NDArray[np.bool_]]) -> FloatArray:
    """The label holder's margins ``(rows, K)`` from every party's leaf masks (its own too).

    Raises :class:`ProtocolError` unless every row reaches exactly one leaf of every tree.
    """
    if part.view is None:
        raise ConfigError("only the label holder's part holds leaf values")
    combined = masks[0].copy()
    for mask in masks[1:]:
        if mask.shape != combined.shape:
            raise ProtocolError(f"leaf masks of shape {mask.shape}, expected {combined.shape}")
        combined &= mask
    n = combined.shape[0]
    margin = np.tile(part.view.base_margin, (n, 1))
    start = 0
    for shape, values in zip(part.shapes, part.view.leaf_values, strict=True):
        leaves = shape.leaves
        block = combined[:, start : start + len(leaves)]
        start += len(leaves)
        if not (block.sum(axis=1) == 1).all():
            raise ProtocolError("leaf masks do not single out one leaf per row and tree")
        margin[:, shape.class_index] += values[leaves][np.argmax(block, axis=1)]
    return margin


def predict_margin(ctx: Context, part: ModelPart, values: FloatArray) -> FloatArray | None:
    """Score rows with the split model (see the module docstring): every party calls this.

    Returns the margins ``(rows, K)`` at the label holder and None elsewhere.
    """
    lh = part.label_holder
    if lh not in ctx.parties:
        raise ConfigError(f"the label holder {lh!r} is not a party of this job")
    with ctx.scope("boost_predict"):
        mine = {"rows": int(values.shape[0]), "shapes": part.shape_digest()}
        ctx.broadcast("hello", mine)
        for peer, theirs in ctx.gather("hello").items():
            if not isinstance(theirs, dict) or set(theirs) != {"rows", "shapes"}:
                raise ProtocolError(f"{peer!r} sent a malformed prediction hello")
            if theirs["shapes"] != mine["shapes"]:
                raise ProtocolError(f"{peer!r} holds a part of another model (tree shapes differ)")
            if theirs["rows"] != mine["rows"]:
                raise ProtocolError(
                    f"row counts differ: {ctx.party!r} has {mine['rows']}, "
                    f"{peer!r} has {theirs['rows']}"
                )
        masks = leaf_masks(part, values)
        if ctx.party != lh:
            ctx.send(lh, "leaves", np.packbits(masks, axis=1))
            return None
        all_masks = [masks]
        for peer in ctx.others:
            packed = ctx.recv(peer, "leaves")
            width = masks.shape[1]
            if (
                not isinstance(packed, np.ndarray)
                or packed.dtype != np.uint8
                or packed.shape != (masks.shape[0], -(-width // 8))
            ):
                raise ProtocolError(f"{peer!r} sent leaf masks of the wrong type or shape")
            all_masks.append(np.unpackbits(packed, axis=1, count=width).astype(bool))
        return combine_leaf_masks(part, all_masks)
