"""Gradient histograms under additively homomorphic encryption: packed gradients in, packed
encrypted bin sums out. Either scheme of :mod:`confide.crypto.he` serves: Paillier or
Okamoto-Uchiyama (OU), chosen by the label holder's key.

The three steps of SecureBoost's inner loop that touch ciphertexts:

1. :func:`encrypt_gradients` (label holder, once per round): each sampled row's ``(g, h)`` of
   every class, as fixed-point integers, packed side by side in one plaintext
   (:class:`~confide.crypto.encoding.Packing`, two slots per class) and encrypted — one
   ciphertext per row for up to ``capacity_bits // (2 * slot_bits)`` classes, where
   ``capacity_bits`` (:func:`~confide.crypto.he.packing_bits`) is 2046 for Paillier-2048 and 682
   for OU-2048: 24 or 8 classes for 100,000 rows, so a softmax round costs no more encryptions
   than a binary one while its classes fit.
2. :func:`encrypted_histograms` (passive party, per level): for every requested node and every
   feature, the encrypted sum of the packed gradients of the node's rows per bin, joined
   ``per`` cells to a ciphertext (:meth:`~confide.crypto.he.HEArray.pack`) and
   re-randomised. Features go in *segments* of two consecutive features; for a segment the
   party may first sum by (bin of feature 1, bin of feature 2) pairs and then sum the pair
   cells into each feature's bins: ``m + 2 G`` ciphertext multiplications for ``m`` rows and
   ``G`` non-empty pair cells, instead of ``2 m``, which nearly halves the work at the top of a
   tree (``G`` is bounded by the square of the bins, ``m`` by the rows). The party chooses per
   segment from its own data; the output is the same either way. Work spreads over a
   :class:`~confide.crypto.parallel.WorkerPool` by segment.
3. :func:`decode_histograms` (label holder): decrypt, unpack, and keep each tree's class slots.

Cell order of a segment's output: node by node, feature by feature, cell by cell. Both sides
derive every count from public quantities (rows of the round, classes, key length, bins per
feature, requested nodes), and :func:`decode_histograms` checks the count it receives.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from confide.crypto import he
from confide.crypto.encoding import Packing
from confide.crypto.parallel import WorkerPool, split
from confide.errors import ConfigError, ProtocolError
from confide.ml.boost.histogram import GradientPairs

__all__ = [
    "GradientLayout",
    "TreeRequest",
    "decode_histograms",
    "encrypt_gradients",
    "encrypted_histograms",
    "segments",
]

IntArray = npt.NDArray[np.int64]

#: Features per segment (see the module docstring). Fixed, so both sides agree on the layout.
SEGMENT_FEATURES = 2

#: Histogram sums are handled as float64 integers, exact below 2**53.
_EXACT_FLOAT_BITS = 53


@dataclass(frozen=True)
class GradientLayout:
    """How the ``(g, h)`` of ``n_classes`` classes are packed into ciphertexts for one round.

    ``chunks[c]`` lists the classes of ciphertext ``c`` of each row (one chunk unless the key
    is too short for all classes). Every slot has room for ``n_rows`` sums of ``bits``-bit
    values. ``capacity_bits`` is the most bits a packed plaintext may span under the key
    (:func:`~confide.crypto.he.packing_bits`).
    """

    n_classes: int
    bits: int
    n_rows: int
    capacity_bits: int
    chunks: tuple[tuple[int, ...], ...]

    @classmethod
    def plan(cls, n_classes: int, bits: int, n_rows: int, capacity_bits: int) -> GradientLayout:
        """The layout for these sizes; :class:`ConfigError` if not even one class fits a key."""
        if bits - 1 + max(1, n_rows).bit_length() > _EXACT_FLOAT_BITS:
            raise ConfigError(
                f"{n_rows} rows of {bits}-bit gradients could sum beyond 2**53, where float64 "
                "stops being exact: lower gradient_bits"
            )
        slot = Packing(bits, max(1, n_rows), 1).slot_bits
        per_chunk = capacity_bits // (2 * slot)
        if per_chunk < 1:
            raise ConfigError(
                f"a key whose plaintexts hold {capacity_bits} bits cannot hold two {slot}-bit "
                "gradient slots; use a longer key or fewer gradient_bits"
            )
        classes = list(range(n_classes))
        chunks = tuple(tuple(classes[i : i + per_chunk]) for i in range(0, n_classes, per_chunk))
        return cls(n_classes, bits, n_rows, capacity_bits, chunks)

    def packing(self, chunk: int) -> Packing:
        """The slot layout of ciphertext ``chunk``: ``(g, h)`` of each of its classes."""
        return Packing(self.bits, max(1, self.n_rows), 2 * len(self.chunks[chunk]))

    def cells_per_ciphertext(self, chunk: int) -> int:
        """How many histogram cells of ``chunk`` one packed ciphertext carries."""
        return max(1, self.capacity_bits // self.packing(chunk).total_bits)

    def locate(self, k: int) -> tuple[int, int]:
        """``(chunk, position)`` of class ``k``."""
        for c, classes in enumerate(self.chunks):
            if k in classes:
                return c, classes.index(k)
        raise ConfigError(f"class {k} is not in this layout")


@dataclass(frozen=True)
class TreeRequest:
    """The histograms wanted from one passive party for one tree at one step.

    ``n_nodes`` requested nodes; ``features`` the party's local feature indices in play for
    the tree (sorted), ``cells`` the cells of each of them; ``chunk`` and ``slot`` place the
    tree's class in the gradient layout.
    """

    n_nodes: int
    features: IntArray
    cells: IntArray
    chunk: int
    slot: int


def segments(n_features: int) -> list[slice]:
    """Positions (into a tree's feature list) of each segment: consecutive pairs."""
    return [
        slice(i, min(i + SEGMENT_FEATURES, n_features))
        for i in range(0, n_features, SEGMENT_FEATURES)
    ]


def packed_count(n_nodes: int, cells: IntArray, per: int) -> list[int]:
    """Ciphertexts of each segment of a tree: ``ceil(n_nodes * cells_of_segment / per)``."""
    return [-(-n_nodes * int(cells[s].sum()) // per) for s in segments(len(cells))]


# -- label holder: encryption --------------------------------------------------------------


def encrypt_gradients(
    key: he.PrivateKey,
    pairs: GradientPairs,
    layout: GradientLayout,
    *,
    pool: WorkerPool | None = None,
    noise: he.Noise | None = None,
) -> list[he.EncryptedArray]:
    """One encrypted array per chunk of classes, one ciphertext per row (see the module)."""
    if not pairs.quantized:
        raise ConfigError("only quantized gradients can be encrypted")
    out = []
    for c, classes in enumerate(layout.chunks):
        slots = np.empty((pairs.g.shape[0], 2 * len(classes)), dtype=np.int64)
        slots[:, 0::2] = pairs.g[:, classes]
        slots[:, 1::2] = pairs.h[:, classes]
        plaintexts = layout.packing(c).pack(slots)
        out.append(he.encrypt(key, plaintexts, pool=pool, noise=noise))
    return out


# -- passive party: encrypted bin sums -----------------------------------------------------


def encrypted_histograms(
    gradients: he.HEArray,
    ciphertext_rows: npt.NDArray[np.uint8],
    bins: npt.NDArray[np.int32],
    node_rank: npt.NDArray[np.int64],
    request: TreeRequest,
    layout: GradientLayout,
    *,
    pool: WorkerPool | None = None,
) -> npt.NDArray[np.uint8]:
    """The packed, re-randomised bin sums of one tree as ciphertext rows (uint8, count x width).

    ``gradients`` (and the same ciphertexts as raw rows, ``ciphertext_rows``) hold the chunk
    of the tree's class, one per sampled row; ``bins`` the cells of the tree's features for
    the sampled rows (columns in ``request.features`` order); ``node_rank`` the requested node
    of each sampled row, -1 for rows in no requested node.
    """
    width = gradients.public_key.ciphertext_bytes
    if request.n_nodes == 0 or len(request.features) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    chosen = np.flatnonzero(node_rank >= 0)
    ranks = node_rank[chosen]
    per = layout.cells_per_ciphertext(request.chunk)
    shift = layout.packing(request.chunk).total_bits
    parts = [
        (bins[chosen, s], tuple(int(c) for c in request.cells[s]))
        for s in segments(len(request.features))
    ]
    if pool is None or len(chosen) == 0:
        subset = gradients[chosen]
        blocks = [
            _packed_segment(subset, ranks, request.n_nodes, b, c, per, shift) for b, c in parts
        ]
    else:
        rows = np.ascontiguousarray(ciphertext_rows[chosen])
        key = tuple(sorted(gradients.public_key.to_wire().items()))
        groups = split(len(parts), pool.processes)
        tasks = [(key, rows, ranks, request.n_nodes, parts[g], per, shift) for g in groups]
        blocks = [block for result in pool.map(_work_segments, tasks) for block in result]
    return np.concatenate(blocks, axis=0) if blocks else np.zeros((0, width), dtype=np.uint8)


@functools.lru_cache(maxsize=4)
def _worker_public_key(key: tuple[tuple[str, Any], ...]) -> he.PublicKey:
    # The parent process of the same party already checked this key against its own policy.
    wire = dict(key)
    return he.public_key_from_wire(wire, wire["scheme"], allow_weak=True)


def _work_segments(task: tuple[Any, ...]) -> list[npt.NDArray[np.uint8]]:
    """Pool task: packed sums of some segments of one tree (runs in a worker process)."""
    key, rows, ranks, n_nodes, parts, per, shift = task
    pub = _worker_public_key(key)
    subset = he.array_from_own_rows(pub, rows)  # checked by this party's main process
    return [_packed_segment(subset, ranks, n_nodes, b, c, per, shift) for b, c in parts]


def _packed_segment(
    gradients: he.HEArray,
    ranks: IntArray,
    n_nodes: int,
    bins: npt.NDArray[np.int32],
    cells: tuple[int, ...],
    per: int,
    shift: int,
) -> npt.NDArray[np.uint8]:
    sums = _segment_sums(gradients, ranks, n_nodes, bins, cells)
    packed = sums.pack(per, shift)
    wire = packed.to_wire()  # re-randomises the sums
    return wire["ciphertexts"]  # type: ignore[no-any-return]


def _segment_sums(
    gradients: he.HEArray,
    ranks: IntArray,
    n_nodes: int,
    bins: npt.NDArray[np.int32],
    cells: tuple[int, ...],
) -> he.HEArray:
    """Encrypted sums in the order node, feature, cell (``n_nodes * sum(cells)`` of them)."""
    ranks = ranks.astype(np.int64)
    if len(cells) == 2:
        c1, c2 = cells
        pair = ranks * (c1 * c2) + bins[:, 0].astype(np.int64) * c2 + bins[:, 1]
        present = np.unique(pair)
        if 2 * len(present) < len(ranks):
            return _sums_by_pairs(gradients, pair, present, n_nodes, c1, c2)
    # Feature by feature: column j groups row i into node * cells[j] + bin.
    top = max(cells)
    table = ranks[:, None] * np.array(cells, dtype=np.int64)[None, :] + bins
    sums = gradients.group_sum(table, max(1, n_nodes * top))
    index = [
        j * n_nodes * top + node * cells[j] + b
        for node in range(n_nodes)
        for j in range(len(cells))
        for b in range(cells[j])
    ]
    return sums[index]


def _sums_by_pairs(
    gradients: he.HEArray,
    pair: IntArray,
    present: IntArray,
    n_nodes: int,
    c1: int,
    c2: int,
) -> he.HEArray:
    """Sum rows by (node, bin 1, bin 2) first, then each pair cell into both features' bins."""
    size = n_nodes * c1 * c2
    joint = gradients.group_sum(pair, size)
    node, rest = np.divmod(np.arange(size, dtype=np.int64), c1 * c2)
    b1, b2 = np.divmod(rest, c2)
    stride = c1 + c2
    targets = np.stack([node * stride + b1, node * stride + c1 + b2], axis=1)
    empty = np.ones(size, dtype=bool)
    empty[present] = False
    targets[empty] = -1  # empty pair cells (ciphertext 1) add nothing: skip them
    marginals = joint.group_sum(targets, n_nodes * stride)
    # Column 0 holds feature 1's cells, column 1 feature 2's, each at its final position.
    total = n_nodes * stride
    index = [(0 if (t % stride) < c1 else total) + t for t in range(total)]
    return marginals[index]


# -- label holder: decryption --------------------------------------------------------------


def decode_histograms(
    key: he.PrivateKey,
    wire: object,
    requests: Sequence[TreeRequest],
    layout: GradientLayout,
    *,
    pool: WorkerPool | None = None,
) -> list[npt.NDArray[np.float64]]:
    """Each tree's histograms ``(n_nodes, sum(cells), 2)`` from a passive party's reply.

    Raises :class:`ProtocolError` if the reply has the wrong number of ciphertexts, a slot
    overflows, or a hessian sum is negative.
    """
    counts = []
    for request in requests:
        per = layout.cells_per_ciphertext(request.chunk)
        counts.append(packed_count(request.n_nodes, request.cells, per))
    expected = sum(sum(c) for c in counts)
    array = he.array_from_wire(key.public_key, wire, count=expected)
    ints = he.decrypt_ints(key, array, pool=pool) if expected else []
    out = []
    start = 0
    for request, segment_counts in zip(requests, counts, strict=True):
        per = layout.cells_per_ciphertext(request.chunk)
        packing = layout.packing(request.chunk)
        blocks = []
        for s, count in zip(segments(len(request.features)), segment_counts, strict=True):
            n_cells = int(request.cells[s].sum())
            slots = packing.stacked(per).unpack(
                ints[start : start + count], count=request.n_nodes * n_cells * packing.slots
            )
            start += count
            values = np.array(slots, dtype=np.float64).reshape(
                request.n_nodes, n_cells, packing.slots // 2, 2
            )
            blocks.append(values[:, :, request.slot, :])
        total = int(request.cells.sum())
        hist = np.concatenate(blocks, axis=1) if blocks else np.zeros((request.n_nodes, total, 2))
        if (hist[:, :, 1] < 0).any():
            raise ProtocolError("a decrypted hessian sum is negative: not a valid histogram")
        out.append(hist)
    return out
