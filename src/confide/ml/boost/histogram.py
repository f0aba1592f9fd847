"""Gradient histograms in the clear: the cell layout, fixed-point gradients and bin sums.

A histogram of a tree node holds, for every cell (feature, bin) of the features in play, the sum
of the gradients ``g`` and hessians ``h`` of the node's rows whose value falls in that cell. The
label holder computes those of its own features here, in plaintext; the passive parties'
come encrypted (:mod:`.encrypted_histogram`) and, once decrypted, are the very same integers.

Fixed point. Before a round the label holder scales each class's ``g`` and ``h`` by a power of
two so that the largest magnitude sits just below ``2**(bits - 1)``, and rounds to integers
(:func:`quantize`). All sums — encrypted or not — are then exact integer sums, so the secure
protocol and the plaintext twin (which quantizes alike) see bit-identical histograms and choose
bit-identical splits. With ``bits = 24`` each value keeps the precision of XGBoost's float32
gradients. The twin may also skip quantization (``quantized=False``) to measure its effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError

__all__ = ["CellLayout", "GradientPairs", "plain_histograms", "quantize"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class CellLayout:
    """Where each feature's cells sit in a node histogram that spans every party's features.

    Global feature ``j`` belongs to party ``owners[j]`` as its local feature ``local[j]``; its
    cells are ``offsets[j] .. offsets[j + 1] - 1``: ``n_bins[j]`` value bins, then a missing
    cell if ``has_missing[j]``.
    """

    owners: tuple[str, ...]
    local: npt.NDArray[np.int64]
    n_bins: npt.NDArray[np.int64]
    has_missing: npt.NDArray[np.bool_]

    @property
    def n_features(self) -> int:
        return len(self.owners)

    @property
    def n_cells(self) -> IntArray:
        return self.n_bins + self.has_missing.astype(np.int64)

    @property
    def offsets(self) -> IntArray:
        return np.concatenate([[0], np.cumsum(self.n_cells)]).astype(np.int64)

    @property
    def total(self) -> int:
        return int(self.n_cells.sum())

    def features_of(self, party: str) -> IntArray:
        """Global indices of ``party``'s features, in its local order."""
        return np.flatnonzero(np.array(self.owners, dtype=object) == party).astype(np.int64)

    def cells_of(self, features: npt.ArrayLike) -> IntArray:
        """Global cell indices of ``features`` (in the order given), concatenated."""
        offsets, cells = self.offsets, self.n_cells
        parts = [np.arange(offsets[j], offsets[j] + cells[j]) for j in np.asarray(features)]
        return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


@dataclass(frozen=True)
class GradientPairs:
    """The ``g`` and ``h`` of each sampled row and class, as sums will be taken of them.

    ``g`` and ``h`` are ``(rows, K)`` float64; when ``quantized`` they hold integers, and the
    real value is ``g * scale_g[k]`` (a power of two, per class ``k``). Unquantized, the scales
    are 1.
    """

    g: FloatArray
    h: FloatArray
    scale_g: FloatArray
    scale_h: FloatArray
    quantized: bool
    bits: int


def quantize(g: FloatArray, h: FloatArray, bits: int | None) -> GradientPairs:
    """Scale and round ``g`` and ``h`` (rows x classes) to ``bits``-bit integers per class.

    ``bits=None`` keeps the floats (scales 1). Otherwise ``|g * 2**s| < 2**(bits - 1)`` with the
    largest ``s`` that allows it, the same for ``h``, so that every value is below
    ``2**(bits - 1)`` in magnitude after rounding.
    """
    if g.shape != h.shape or g.ndim != 2:
        raise ConfigError(f"g and h must both be rows x classes, got {g.shape} and {h.shape}")
    ones = np.ones(g.shape[1])
    if bits is None:
        return GradientPairs(g, h, ones, ones, quantized=False, bits=0)
    gi, sg = _quantize_columns(g, bits)
    hi, sh = _quantize_columns(h, bits)
    return GradientPairs(gi, hi, sg, sh, quantized=True, bits=bits)


def _quantize_columns(values: FloatArray, bits: int) -> tuple[FloatArray, FloatArray]:
    out = np.empty_like(values)
    scales = np.empty(values.shape[1])
    for k in range(values.shape[1]):
        column = values[:, k]
        top = float(np.max(np.abs(column))) if len(column) else 0.0
        # top < 2**exponent, so top * 2**(bits - 1 - exponent) < 2**(bits - 1); rounding can
        # reach 2**(bits - 1) at most, still below 2**bits.
        exponent = np.frexp(top)[1] if top > 0 else 0
        shift = bits - 1 - int(exponent)
        out[:, k] = np.rint(np.ldexp(column, shift))
        scales[k] = np.ldexp(1.0, -shift)
    return out, scales


def plain_histograms(
    bins: npt.NDArray[np.integer],
    n_cells: npt.ArrayLike,
    node_rank: npt.NDArray[np.integer],
    n_nodes: int,
    g: FloatArray,
    h: FloatArray,
) -> FloatArray:
    """Histograms ``(n_nodes, sum(n_cells), 2)`` of ``g``, ``h`` per node, feature and cell.

    ``bins`` is rows x features (cell indices), ``node_rank`` the node (0 .. n_nodes - 1) of
    each row, or -1 for a row left out. Sums of integers are exact (below 2**53).
    """
    cells = np.asarray(n_cells, dtype=np.int64)
    total = int(cells.sum())
    keep = node_rank >= 0
    if not keep.any() or total == 0 or n_nodes == 0:
        return np.zeros((n_nodes, total, 2))
    offsets = np.concatenate([[0], np.cumsum(cells)[:-1]])
    ids = node_rank[keep, None].astype(np.int64) * total + offsets[None, :] + bins[keep]
    flat = ids.ravel()
    size = n_nodes * total
    width = bins.shape[1]
    sum_g = np.bincount(flat, weights=np.repeat(g[keep], width), minlength=size)
    sum_h = np.bincount(flat, weights=np.repeat(h[keep], width), minlength=size)
    out: FloatArray = np.stack([sum_g, sum_h], axis=-1).astype(np.float64)
    return out.reshape(n_nodes, total, 2)
