"""The plaintext twin of vertical SecureBoost: the same algorithm with every column in one place.

Tests hold the secure protocol to this: given the same parties' tables, labels and settings,
:class:`PlainBoost` bins each party's features as that party would, runs the same boosting loop
and tree grower (:mod:`.training`, :mod:`.tree`) with histograms summed in the clear, and
returns the model parts each party would hold. With ``quantized=True`` (the default) gradients
get the same fixed-point encoding as under encryption, so the secure model must equal the twin's
exactly; with ``quantized=False`` the twin sums float64 gradients, which measures what the
encoding costs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError
from confide.ml.boost.binning import FeatureBins, fit_bins
from confide.ml.boost.histogram import CellLayout, GradientPairs, plain_histograms
from confide.ml.boost.inputs import FeatureTable, as_feature_table
from confide.ml.boost.model import (
    ModelPart,
    combine_leaf_masks,
    go_left,
    leaf_masks,
    model_parts,
)
from confide.ml.boost.objective import encode_labels, transform
from confide.ml.boost.params import BoostParams
from confide.ml.boost.sampling import validation_split
from confide.ml.boost.training import boost
from confide.ml.boost.tree import SplitCandidate, TreeRecord

__all__ = ["PlainBoost"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class PlainBoost:
    """Vertical boosting in plaintext; parameters as :class:`BoostParams`.

    Learned: ``parts_`` (each party's :class:`ModelPart`), ``trees_`` (the global
    :class:`TreeRecord` list), ``classes_``, ``evals_result_``, ``best_iteration_``.
    """

    def __init__(
        self, label_holder: str, params: BoostParams | None = None, *, quantized: bool = True
    ) -> None:
        self.label_holder = label_holder
        self.params = params
        self.quantized = quantized

    def fit(self, tables: Mapping[str, Any], y: npt.ArrayLike) -> PlainBoost:
        """Train on every party's table (``{party: features}``, rows aligned) and the labels."""
        params = self.params if self.params is not None else BoostParams()
        lh = self.label_holder
        order = [lh, *[p for p in tables if p != lh]]
        parsed = {
            p: as_feature_table(tables[p]) if tables.get(p) is not None else None for p in order
        }
        labels = encode_labels(params.objective, y)
        n = len(labels.values)
        empty = FeatureTable(np.zeros((n, 0)), ())
        full = {p: t if t is not None else empty for p, t in parsed.items()}
        for party, table in full.items():
            if table.n_rows != n:
                raise ConfigError(f"{party!r} has {table.n_rows} rows, the labels {n}")
        valid = (
            validation_split(n, params.validation_fraction, params.random_state)
            if params.early_stopping_rounds is not None
            else None
        )
        train = np.ones(n, dtype=bool) if valid is None else ~valid
        bins = {p: fit_bins(t.values[train], params.max_bin) for p, t in full.items()}
        cells = {}
        for p, t in full.items():
            cells[p] = np.zeros((n, t.n_features), dtype=np.int32)
            cells[p][train] = bins[p].transform(t.values[train])
        layout = _layout(order, bins)
        hooks = _PlainHooks(layout, full, bins, cells)
        result = boost(params, hooks, labels, valid, layout, quantized=self.quantized)
        self.trees_: list[TreeRecord] = result.trees
        self.parts_: dict[str, ModelPart] = model_parts(
            result.trees,
            result.base_margin,
            layout,
            bins,
            {p: t.names for p, t in full.items()},
            lh,
            params.objective,
            labels.n_groups,
        )
        self.classes_ = labels.classes
        self.evals_result_ = result.evals
        self.best_iteration_ = result.best_iteration
        return self

    def predict_margin(self, tables: Mapping[str, Any]) -> FloatArray:
        """Margins ``(rows, K)`` of rows given as every party's table."""
        parts = self.parts_
        lh = self.label_holder
        masks = []
        for party in [lh, *[p for p in parts if p != lh]]:
            table = tables.get(party)
            n_features = parts[party].n_features
            if table is None and n_features == 0:
                rows = next(as_feature_table(t).n_rows for t in tables.values() if t is not None)
                values = np.zeros((rows, 0))
            else:
                values = as_feature_table(table).values
            masks.append(leaf_masks(parts[party], values))
        return combine_leaf_masks(parts[lh], masks)

    def predict_proba(self, tables: Mapping[str, Any]) -> FloatArray:
        """Class probabilities ``(rows, classes)``."""
        part = self.parts_[self.label_holder]
        return transform(part.objective, self.predict_margin(tables))


def _layout(order: Sequence[str], bins: Mapping[str, FeatureBins]) -> CellLayout:
    owners: list[str] = []
    local: list[int] = []
    for party in order:
        owners += [party] * bins[party].n_features
        local += list(range(bins[party].n_features))
    n_bins = np.concatenate([bins[p].n_bins for p in order]).astype(np.int64)
    missing = np.concatenate([bins[p].has_missing for p in order]).astype(bool)
    return CellLayout(tuple(owners), np.array(local, dtype=np.int64), n_bins, missing)


class _PlainHooks:
    """Histograms and partitions computed in the clear over every party's columns."""

    def __init__(
        self,
        layout: CellLayout,
        tables: Mapping[str, FeatureTable],
        bins: Mapping[str, FeatureBins],
        cells: Mapping[str, npt.NDArray[np.int32]],
    ) -> None:
        self.layout = layout
        self.tables = tables
        self.bins = bins
        self.cells = cells
        self.rows: IntArray = np.zeros(0, np.int64)
        self.features: list[IntArray] = []
        self.pairs: GradientPairs | None = None

    def start_round(
        self,
        round_index: int,
        rows: IntArray,
        tree_features: Sequence[IntArray],
        pairs: GradientPairs,
    ) -> None:
        self.rows, self.features, self.pairs = rows, list(tree_features), pairs

    def end_round(self, trees: Sequence[TreeRecord]) -> None:
        pass

    def histograms(
        self, requests: Sequence[tuple[int, int]], positions: npt.NDArray[np.int32]
    ) -> list[FloatArray]:
        pairs = self.pairs
        if pairs is None:  # pragma: no cover - the loop starts a round first
            raise RuntimeError("histograms before a round started")
        layout = self.layout
        out = []
        for k, node in requests:
            hist = np.zeros((layout.total, 2))
            ranks = np.where(positions[k, self.rows] == node, 0, -1).astype(np.int64)
            for party in self.tables:
                features = np.intersect1d(self.features[k], layout.features_of(party))
                if not len(features):
                    continue
                part = plain_histograms(
                    self.cells[party][self.rows][:, layout.local[features]],
                    layout.n_cells[features],
                    ranks,
                    1,
                    pairs.g[:, k],
                    pairs.h[:, k],
                )
                hist[layout.cells_of(features)] = part[0]
            out.append(hist)
        return out

    def partition(
        self,
        splits: Sequence[tuple[int, int, SplitCandidate]],
        positions: npt.NDArray[np.int32],
    ) -> list[npt.NDArray[np.bool_]]:
        out = []
        for k, node, split in splits:
            party = self.layout.owners[split.feature]
            feature = int(self.layout.local[split.feature])
            rows = np.flatnonzero(positions[k] == node)
            threshold = self.bins[party].threshold(feature, split.bin_index)
            values = self.tables[party].values[rows, feature]
            out.append(go_left(values, threshold, split.missing_left))
        return out
