"""Vertical SecureBoost: the label holder and the feature owners grow trees over homomorphic
encryption — Okamoto-Uchiyama (OU) by default, or Paillier (``KeySettings.scheme``).

Rows are aligned beforehand (PSI): row ``i`` is the same customer at every party. The *label
holder* (active party) holds the labels and perhaps features; every other party (*passive*)
holds features. All run :func:`train` with the same settings; the label holder drives, the
passive parties answer its commands. The algorithm — XGBoost's ``hist`` trainer — lives in
:mod:`.tree` and :mod:`.training`; this module supplies its histograms and partitions.

Steps
-----
1. **Hello** (everyone to everyone, 1 round; :mod:`.hello`): row and feature counts,
   settings, label holder, and any local input error. Every party checks the others' and
   stops with the same clear error if anything is off: a :class:`ConfigError` for its own input, a
   :class:`ProtocolError` naming the peer otherwise (missing labels, a party without
   features, different row counts, different settings).
2. **Setup** (1 round): the label holder makes a key pair and sends the public key and
   the validation rows (for early stopping); each passive party bins its features on the
   training rows (:mod:`.binning`) and returns the number of bins of each feature and whether
   it has missing values.
3. **Per round**: the label holder computes ``g`` and ``h`` of every class for the round's
   rows, quantizes them, packs all classes of a row into one plaintext and encrypts it
   (:mod:`.encrypted_histogram`; randomness for the next round is made in the background
   meanwhile), and sends the ciphertexts and each tree's feature sample (``begin``).
4. **Per tree level** (all class trees of the round at once, 2 rounds):

   a. ``hist``: the label holder sends every passive party the node of every row and the
      nodes whose histograms it needs (the smaller child of each split; the larger is the
      parent's histogram minus it). Each passive party sums the encrypted gradients per
      (node, feature, bin), packs the sums, re-randomises them and replies; the label holder
      computes its own features' histograms in the clear meanwhile, then decrypts.
   b. ``split``: the label holder finds every node's best split over all parties' features
      and tells each winning owner which of its (feature, bin) won, and where missing values
      go; the owner looks up its threshold (which never leaves it), and replies with which
      of the node's rows go left.

5. **End of round**: the label holder adds leaf values to the margins, sends the tree shapes
   (``end``), and checks early stopping; at the end it sends ``stop`` with the number of
   rounds kept.

Rounds and bytes, for ``N`` rows, ``d`` levels, ``T`` rounds, ``F`` passive features with
``B`` cells, ``k``-byte ciphertexts (OU-2048: 256; Paillier-2048: 512): the label holder
sends ``T * N * k`` bytes of ciphertexts (one per sampled row and round, whatever the number of
classes) and ``T * d * 4 * N`` bytes of node positions per passive party; a passive party
sends, per built node, ``F * B / c`` ciphertexts (``c`` cells per ciphertext for 100,000 rows at
2048 bits: 8 under OU, 24 under Paillier) and one bit per row of each node it splits.
``2 d + 1`` rounds per boosting round.

Threat model and who learns what
--------------------------------
Semi-honest parties; the label holder holds the only private key. The passive parties see
only ciphertexts of gradients (semantically secure) and what :data:`DISCLOSURE` lists: the
node of every row in every tree (the classic SecureBoost disclosure), the rows and features
sampled, the tree shapes, and which of their own bins won each of their splits. The label holder
sees per-bin gradient sums of the passive features at every node it builds — for softmax the
sums of every class over each class tree's nodes, since one ciphertext carries all classes —
and so the gains of every candidate split, which (feature, bin) of each owner won and the
partitions, but no feature value and no threshold. Each party's ciphertext sums are
re-randomised before they leave it. A malicious party is out of scope; messages are checked
for form (:mod:`.messages`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from confide.crypto import he
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError, ProtocolError
from confide.ml.boost.binning import FeatureBins, fit_bins
from confide.ml.boost.encrypted_histogram import (
    GradientLayout,
    TreeRequest,
    decode_histograms,
    encrypt_gradients,
    encrypted_histograms,
)
from confide.ml.boost.hello import KeySettings, check_inputs
from confide.ml.boost.histogram import CellLayout, GradientPairs, plain_histograms
from confide.ml.boost.inputs import FeatureTable
from confide.ml.boost.messages import read_array, read_dict, read_int
from confide.ml.boost.model import (
    ModelPart,
    OwnSplits,
    TreeShape,
    go_left,
    model_parts,
)
from confide.ml.boost.objective import LabelEncoding
from confide.ml.boost.params import BoostParams
from confide.ml.boost.sampling import validation_split
from confide.ml.boost.training import boost
from confide.ml.boost.tree import SplitCandidate, TreeRecord
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "KeySettings", "TrainOutcome", "train"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

DISCLOSURE = (
    Disclosure(
        "every party",
        "every other party's number of rows and features, and the settings",
        "the hello that checks the inputs",
    ),
    Disclosure(
        "each passive party",
        "the node of every row in every tree (the instance space of each node), the rows of "
        "each round and the validation rows, the features of its own sampled for each tree, "
        "the tree shapes, the number of classes, and which of its own (feature, bin) won each "
        "split it owns",
        "it sums gradients per node and splits its own nodes (classic SecureBoost)",
    ),
    Disclosure(
        "the label holder",
        "each passive feature's number of bins and whether it has missing values; the "
        "per-bin sums of gradients and hessians of the passive features over every node it "
        "builds (for softmax, of every class over each class tree's nodes); hence every "
        "candidate split's gain, which owner's feature and bin wins each split, and the rows "
        "going left and right — never a feature value or a threshold",
        "it finds the best split over all features (classic SecureBoost)",
    ),
    Disclosure(
        "no party but the label holder",
        "labels, gradients, leaf values or predictions",
        "gradients travel under the label holder's OU or Paillier key",
    ),
)

_SCOPE = "secureboost"
#: Randomness made ahead per batch: small enough that a decryption waits little for a worker.
_NOISE_BATCH_PER_WORKER = 256


@dataclass
class TrainOutcome:
    """What :func:`train` returns to one party."""

    part: ModelPart
    classes: np.ndarray | None = None
    evals: list[float] = field(default_factory=list)
    best_iteration: int = -1
    stats: dict[str, Any] = field(default_factory=dict)


def train(
    ctx: Context,
    params: BoostParams,
    keys: KeySettings,
    label_holder: str,
    features: object,
    labels: object = None,
    *,
    pool: WorkerPool | None = None,
) -> TrainOutcome:
    """Train a vertical boosting model; every party calls this (see the module docstring).

    ``features`` is this party's table (None for a label holder without features); ``labels``
    are given at the label holder only. Returns this party's model part and, at the label
    holder, the classes, validation scores and best round. ``outcome.stats`` holds seconds per
    phase, bytes sent and (at the label holder) rounds.
    """
    clock = _Clock()
    start_bytes = _bytes_sent(ctx)
    with ctx.scope(_SCOPE):
        table, encoded, hello = check_inputs(ctx, params, keys, label_holder, features, labels)
        if ctx.party == label_holder:
            if encoded is None:  # pragma: no cover - _hello raised already
                raise ConfigError("labels are missing at the label holder")
            outcome = _LabelHolder(ctx, params, keys, table, encoded, hello, pool, clock).run()
        else:
            outcome = _Passive(ctx, params, keys, label_holder, table, hello, pool, clock).run()
    outcome.stats = {
        "seconds": dict(clock.seconds),
        "bytes_sent": _bytes_sent(ctx) - start_bytes,
        **outcome.stats,
    }
    return outcome


def _bytes_sent(ctx: Context) -> int:
    return int(getattr(ctx.link, "bytes_sent", 0))


class _Clock:
    """Seconds spent per phase, for the benchmark's account of where the time goes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - start


# -- the label holder ----------------------------------------------------------------------


class _NoiseFiller:
    """Makes the next round's encryption randomness in the background, a batch at a time."""

    def __init__(self, noise: he.Noise, pool: WorkerPool | None) -> None:
        self._noise = noise
        self._pool = pool
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def start(self, count: int) -> None:
        self.wait()
        self._stop.clear()
        workers = self._pool.processes if self._pool is not None else 1
        batch = _NOISE_BATCH_PER_WORKER * workers

        def run() -> None:
            made = 0
            try:
                while made < count and not self._stop.is_set():
                    step = min(batch, count - made)
                    self._noise.fill(step, pool=self._pool)
                    made += step
            except BaseException as exc:  # handed to whoever waits
                self._error = exc

        self._thread = threading.Thread(target=run, name="confide-boost-noise", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def stop(self) -> None:
        self._stop.set()
        self.wait()


class _LabelHolder:
    """The label holder's side: drives the rounds and supplies the tree grower's hooks."""

    def __init__(
        self,
        ctx: Context,
        params: BoostParams,
        keys: KeySettings,
        table: FeatureTable,
        labels: LabelEncoding,
        hello: dict[str, dict[str, Any]],
        pool: WorkerPool | None,
        clock: _Clock,
    ) -> None:
        self.ctx = ctx
        self.params = params
        self.keys = keys
        self.table = table
        self.labels = labels
        self.hello = hello
        self.pool = pool
        self.clock = clock
        self.passives = ctx.others
        self.rounds = 1  # the hello
        self.k_groups = labels.n_groups
        # Set in run() and start_round():
        self.secret: he.PrivateKey
        self.own_bins: FeatureBins
        self.layout: CellLayout
        self.bins: npt.NDArray[np.int32]
        self.rows: IntArray = np.zeros(0, np.int64)
        self.pairs: GradientPairs
        self.tree_features: list[IntArray] = []
        self.gradient_layout: GradientLayout

    def _recv(self, peer: str, name: str) -> Any:
        with self.clock("wait"):
            return self.ctx.recv(peer, name)

    def run(self) -> TrainOutcome:
        ctx, params = self.ctx, self.params
        n_rows = self.table.n_rows
        with self.clock("keygen"):
            public, self.secret = he.generate_keypair(
                self.keys.scheme, self.keys.key_bits, allow_weak=self.keys.allow_weak_key
            )
        valid = (
            validation_split(n_rows, params.validation_fraction, params.random_state)
            if params.early_stopping_rounds is not None
            else None
        )
        # Randomness for the first round's encryptions, made while the parties set up.
        self.noise = he.new_noise(self.secret)
        self.filler = _NoiseFiller(self.noise, self.pool)
        train_count = n_rows if valid is None else int((~valid).sum())
        first = GradientLayout.plan(
            self.k_groups, params.gradient_bits, train_count, he.packing_bits(public)
        )
        self.filler.start(round(train_count * params.subsample) * len(first.chunks))
        try:
            self.layout = self._setup(public, valid)
            result = boost(params, self, self.labels, valid, self.layout)
        finally:
            self.filler.stop()
        for peer in self.passives:
            ctx.send(peer, "cmd", {"kind": "stop", "kept": len(result.trees) // self.k_groups})
        part = model_parts(
            result.trees,
            result.base_margin,
            self.layout,
            {ctx.party: self.own_bins},
            {ctx.party: self.table.names},
            ctx.party,
            params.objective,
            self.k_groups,
        )[ctx.party]
        return TrainOutcome(
            part,
            classes=self.labels.classes,
            evals=result.evals,
            best_iteration=result.best_iteration,
            stats={"rounds": self.rounds, "boosting_rounds": result.rounds_run},
        )

    def _setup(self, public: he.PublicKey, valid: npt.NDArray[np.bool_] | None) -> CellLayout:
        """Send the key and validation rows, bin the own features, collect the bin layout."""
        ctx, params = self.ctx, self.params
        n_rows = self.table.n_rows
        valid_rows = np.flatnonzero(valid) if valid is not None else np.zeros(0, np.int64)
        for peer in self.passives:
            ctx.send(peer, "setup", {"public_key": public.to_wire(), "valid_rows": valid_rows})
        train_mask = np.ones(n_rows, bool) if valid is None else ~valid
        with self.clock("binning"):
            own_bins = fit_bins(self.table.values[train_mask], params.max_bin)
            self.own_bins = own_bins
            self.bins = np.zeros((n_rows, self.table.n_features), dtype=np.int32)
            self.bins[train_mask] = own_bins.transform(self.table.values[train_mask])
        owners = [ctx.party] * self.table.n_features
        local = list(range(self.table.n_features))
        n_bins = own_bins.n_bins.tolist()
        missing = own_bins.has_missing.tolist()
        for peer in self.passives:
            count = self.hello[peer]["features"]
            reply = read_dict(
                peer, "bin layout", self._recv(peer, "layout"), {"n_bins", "has_missing"}
            )
            peer_bins = read_array(
                peer,
                "bin counts",
                reply["n_bins"],
                kind="i",
                ndim=1,
                shape=(count,),
                low=1,
                high=params.max_bin,
            )
            peer_missing = read_array(
                peer, "missing flags", reply["has_missing"], kind="b", ndim=1, shape=(count,)
            )
            owners += [peer] * count
            local += list(range(count))
            n_bins += peer_bins.tolist()
            missing += peer_missing.tolist()
        self.rounds += 1
        return CellLayout(
            tuple(owners),
            np.array(local, dtype=np.int64),
            np.array(n_bins, dtype=np.int64),
            np.array(missing, dtype=bool),
        )

    # -- hooks of the boosting loop --------------------------------------------------------

    def start_round(
        self,
        round_index: int,
        rows: IntArray,
        tree_features: Sequence[IntArray],
        pairs: GradientPairs,
    ) -> None:
        self.rows, self.pairs, self.tree_features = rows, pairs, list(tree_features)
        self.gradient_layout = GradientLayout.plan(
            self.k_groups,
            self.params.gradient_bits,
            len(rows),
            he.packing_bits(self.secret.public_key),
        )
        with self.clock("encrypt"):
            self.filler.wait()
            encrypted = encrypt_gradients(
                self.secret, pairs, self.gradient_layout, pool=self.pool, noise=self.noise
            )
        if round_index + 1 < self.params.n_estimators:
            self.filler.start(len(rows) * len(self.gradient_layout.chunks))
        wires = [e.to_wire() for e in encrypted]
        for peer in self.passives:
            self.ctx.send(
                peer,
                "cmd",
                {
                    "kind": "begin",
                    "rows": rows,
                    "features": [self._local(peer, f) for f in self.tree_features],
                    "gradients": wires,
                },
            )

    def _local(self, party: str, features: IntArray) -> IntArray:
        """``party``'s local indices of the global ``features`` that are its own."""
        mine = features[np.array(self.layout.owners, dtype=object)[features] == party]
        local: IntArray = self.layout.local[mine]
        return local

    def histograms(
        self, requests: Sequence[tuple[int, int]], positions: npt.NDArray[np.int32]
    ) -> list[FloatArray]:
        nodes: list[list[int]] = [[] for _ in range(self.k_groups)]
        for k, node in requests:
            nodes[k].append(node)
        node_arrays = [np.array(n, dtype=np.int64) for n in nodes]
        for peer in self.passives:
            self.ctx.send(
                peer, "cmd", {"kind": "hist", "positions": positions, "nodes": node_arrays}
            )
        out = {req: np.zeros((self.layout.total, 2)) for req in requests}
        sampled = positions[:, self.rows]
        with self.clock("own_histograms"):
            own = self.layout.features_of(self.ctx.party)
            for k, tree_nodes in enumerate(nodes):
                if not tree_nodes:
                    continue
                features = np.intersect1d(self.tree_features[k], own)
                if not len(features):
                    continue
                cells = self.layout.n_cells[features]
                hist = plain_histograms(
                    self.bins[self.rows][:, self.layout.local[features]],
                    cells,
                    _ranks(sampled[k], tree_nodes),
                    len(tree_nodes),
                    self.pairs.g[:, k],
                    self.pairs.h[:, k],
                )
                target = self.layout.cells_of(features)
                for i, node in enumerate(tree_nodes):
                    out[(k, node)][target] = hist[i]
        for peer in self.passives:
            reply = self._recv(peer, "hist")
            tree_requests = []
            for k, tree_nodes in enumerate(nodes):
                chunk, slot = self.gradient_layout.locate(k)
                local = self._local(peer, self.tree_features[k])
                cells = self.layout.n_cells[self.layout.features_of(peer)[local]]
                tree_requests.append(TreeRequest(len(tree_nodes), local, cells, chunk, slot))
            with self.clock("decrypt"):
                decoded = decode_histograms(
                    self.secret, reply, tree_requests, self.gradient_layout, pool=self.pool
                )
            for k, tree_nodes in enumerate(nodes):
                target = self.layout.cells_of(
                    self.layout.features_of(peer)[tree_requests[k].features]
                )
                for i, node in enumerate(tree_nodes):
                    out[(k, node)][target] = decoded[k][i]
        self.rounds += 1
        return [out[req] for req in requests]

    def partition(
        self,
        splits: Sequence[tuple[int, int, SplitCandidate]],
        positions: npt.NDArray[np.int32],
    ) -> list[npt.NDArray[np.bool_]]:
        result: list[npt.NDArray[np.bool_] | None] = [None] * len(splits)
        by_owner: dict[str, list[int]] = {}
        for i, (_, _, split) in enumerate(splits):
            by_owner.setdefault(self.layout.owners[split.feature], []).append(i)
        asked = [peer for peer in self.passives if peer in by_owner]
        for peer in asked:
            table = np.array(
                [
                    [
                        splits[i][0],
                        splits[i][1],
                        int(self.layout.local[splits[i][2].feature]),
                        splits[i][2].bin_index,
                        int(splits[i][2].missing_left),
                    ]
                    for i in by_owner[peer]
                ],
                dtype=np.int64,
            )
            self.ctx.send(peer, "cmd", {"kind": "split", "splits": table})
        with self.clock("partition"):
            for i in by_owner.get(self.ctx.party, []):
                k, node, split = splits[i]
                rows = np.flatnonzero(positions[k] == node)
                feature = int(self.layout.local[split.feature])
                threshold = self.own_bins.threshold(feature, split.bin_index)
                result[i] = go_left(self.table.values[rows, feature], threshold, split.missing_left)
        for peer in asked:
            reply = self._recv(peer, "partition")
            indices = by_owner[peer]
            if not isinstance(reply, list) or len(reply) != len(indices):
                raise ProtocolError(f"{peer!r} sent {type(reply).__name__} as partitions")
            for i, packed in zip(indices, reply, strict=True):
                k, node, _ = splits[i]
                count = int((positions[k] == node).sum())
                bits = read_array(
                    peer, "partition", packed, kind="u", ndim=1, shape=(-(-count // 8),)
                )
                result[i] = np.unpackbits(bits.astype(np.uint8), count=count).astype(bool)
        if asked:
            self.rounds += 1
        return [r if r is not None else np.zeros(0, bool) for r in result]

    def end_round(self, trees: Sequence[TreeRecord]) -> None:
        shapes = [[t.left, t.right, t.class_index] for t in trees]
        for peer in self.passives:
            self.ctx.send(peer, "cmd", {"kind": "end", "shapes": shapes})


def _ranks(positions: npt.NDArray[np.int32], nodes: Sequence[int]) -> IntArray:
    """For each row, the index of its node in ``nodes``, or -1."""
    top = max(int(positions.max(initial=0)), max(nodes, default=0)) + 1
    lookup = np.full(top, -1, dtype=np.int64)
    lookup[np.asarray(nodes, dtype=np.int64)] = np.arange(len(nodes))
    return lookup[positions]


# -- a passive party -----------------------------------------------------------------------


class _Passive:
    """A feature owner's side: answers the label holder's commands until ``stop``."""

    def __init__(
        self,
        ctx: Context,
        params: BoostParams,
        keys: KeySettings,
        label_holder: str,
        table: FeatureTable,
        hello: dict[str, dict[str, Any]],
        pool: WorkerPool | None,
        clock: _Clock,
    ) -> None:
        self.ctx = ctx
        self.params = params
        self.keys = keys
        self.lh = label_holder
        self.table = table
        self.pool = pool
        self.clock = clock
        self.k_groups = int(hello[label_holder]["groups"])
        if not 1 <= self.k_groups <= 10_000:
            raise ProtocolError(f"{label_holder!r} announced {self.k_groups} class groups")
        self.shapes: list[TreeShape] = []
        self.splits: list[OwnSplits] = []
        self.round_splits: list[list[tuple[int, int, float, bool]]] = []
        self.positions = np.zeros((self.k_groups, table.n_rows), dtype=np.int32)

    def _recv(self, name: str) -> Any:
        with self.clock("wait"):
            return self.ctx.recv(self.lh, name)

    def run(self) -> TrainOutcome:
        lh, n_rows = self.lh, self.table.n_rows
        setup = read_dict(lh, "setup", self._recv("setup"), {"public_key", "valid_rows"})
        self.public = he.public_key_from_wire(
            setup["public_key"], self.keys.scheme, allow_weak=self.keys.allow_weak_key
        )
        if self.public.bits != self.keys.key_bits:
            raise ProtocolError(
                f"{lh!r} sent a {self.public.bits}-bit key, the settings say {self.keys.key_bits}"
            )
        valid_rows = read_array(
            lh, "validation rows", setup["valid_rows"], kind="i", ndim=1, low=0, high=n_rows - 1
        )
        train = np.ones(n_rows, dtype=bool)
        train[valid_rows] = False
        with self.clock("binning"):
            self.feature_bins: FeatureBins = fit_bins(self.table.values[train], self.params.max_bin)
            self.bins = np.zeros((n_rows, self.table.n_features), dtype=np.int32)
            self.bins[train] = self.feature_bins.transform(self.table.values[train])
        self.ctx.send(
            lh,
            "layout",
            {
                "n_bins": self.feature_bins.n_bins.astype(np.int64),
                "has_missing": self.feature_bins.has_missing,
            },
        )
        while True:
            command = self._recv("cmd")
            if not isinstance(command, dict) or "kind" not in command:
                raise ProtocolError(f"{lh!r} sent a malformed command")
            kind = command["kind"]
            if kind == "begin":
                self._begin(command)
            elif kind == "hist":
                self._histograms(command)
            elif kind == "split":
                self._split(command)
            elif kind == "end":
                self._end(command)
            elif kind == "stop":
                kept = read_int(
                    lh,
                    "rounds kept",
                    read_dict(lh, "stop", command, {"kind", "kept"})["kept"],
                    0,
                    len(self.shapes),
                )
                break
            else:
                raise ProtocolError(f"{lh!r} sent an unknown command {kind!r}")
        count = kept * self.k_groups
        part = ModelPart(
            self.ctx.party,
            lh,
            self.params.objective,
            self.k_groups,
            self.table.names,
            tuple(self.shapes[:count]),
            tuple(self.splits[:count]),
            None,
        )
        return TrainOutcome(part)

    def _begin(self, command: dict[str, Any]) -> None:
        lh = self.lh
        command = read_dict(lh, "begin", command, {"kind", "rows", "features", "gradients"})
        self.rows = read_array(
            lh, "round rows", command["rows"], kind="i", ndim=1, low=0, high=self.table.n_rows - 1
        )
        features = command["features"]
        if not isinstance(features, list) or len(features) != self.k_groups:
            raise ProtocolError(f"{lh!r} sent tree features that are not one list per class")
        self.tree_features = [
            read_array(
                lh, "tree features", f, kind="i", ndim=1, low=0, high=self.table.n_features - 1
            )
            for f in features
        ]
        self.layout = GradientLayout.plan(
            self.k_groups, self.params.gradient_bits, len(self.rows), he.packing_bits(self.public)
        )
        wires = command["gradients"]
        if not isinstance(wires, list) or len(wires) != len(self.layout.chunks):
            raise ProtocolError(f"{lh!r} sent {type(wires).__name__} as encrypted gradients")
        with self.clock("receive_check"):
            self.gradients = [
                he.array_from_wire(self.public, w, count=len(self.rows)) for w in wires
            ]
        self.raw = [w["ciphertexts"] for w in wires]
        self.round_splits = [[] for _ in range(self.k_groups)]
        self.positions = np.zeros((self.k_groups, self.table.n_rows), dtype=np.int32)

    def _histograms(self, command: dict[str, Any]) -> None:
        lh = self.lh
        command = read_dict(lh, "hist", command, {"kind", "positions", "nodes"})
        self.positions = read_array(
            lh,
            "positions",
            command["positions"],
            kind="i",
            ndim=2,
            shape=(self.k_groups, self.table.n_rows),
            low=0,
            high=2**31 - 1,
        ).astype(np.int32)
        nodes = command["nodes"]
        if not isinstance(nodes, list) or len(nodes) != self.k_groups:
            raise ProtocolError(f"{lh!r} sent requested nodes that are not one list per class")
        sampled = self.positions[:, self.rows]
        blocks = []
        with self.clock("histograms"):
            for k in range(self.k_groups):
                tree_nodes = read_array(
                    lh, "requested nodes", nodes[k], kind="i", ndim=1, low=0, high=2**31 - 1
                )
                if not len(tree_nodes):
                    continue
                chunk, slot = self.layout.locate(k)
                features = self.tree_features[k]
                request = TreeRequest(
                    len(tree_nodes),
                    features,
                    self.feature_bins.n_cells[features].astype(np.int64),
                    chunk,
                    slot,
                )
                blocks.append(
                    encrypted_histograms(
                        self.gradients[chunk],
                        self.raw[chunk],
                        self.bins[self.rows][:, features],
                        _ranks(sampled[k], tree_nodes.tolist()),
                        request,
                        self.layout,
                        pool=self.pool,
                    )
                )
        width = self.public.ciphertext_bytes
        rows = np.concatenate(blocks, axis=0) if blocks else np.zeros((0, width), np.uint8)
        self.ctx.send(lh, "hist", {"frac_bits": 0, "ciphertexts": rows})

    def _split(self, command: dict[str, Any]) -> None:
        lh = self.lh
        command = read_dict(lh, "split", command, {"kind", "splits"})
        table = read_array(
            lh,
            "splits",
            command["splits"],
            kind="i",
            ndim=2,
            shape=(None, 5),
            low=-1,
            high=2**31 - 1,
        )
        replies = []
        with self.clock("partition"):
            for k, node, feature, bin_index, missing_left in table.tolist():
                if not 0 <= k < self.k_groups or not 0 <= feature < self.table.n_features:
                    raise ProtocolError(f"{lh!r} named tree {k} or feature {feature}")
                if not -1 <= bin_index < self.feature_bins.n_bins[feature] or missing_left > 1:
                    raise ProtocolError(f"{lh!r} named bin {bin_index} of feature {feature}")
                threshold = self.feature_bins.threshold(feature, bin_index)
                rows = np.flatnonzero(self.positions[k] == node)
                left = go_left(self.table.values[rows, feature], threshold, bool(missing_left))
                replies.append(np.packbits(left))
                self.round_splits[k].append((node, feature, threshold, bool(missing_left)))
        self.ctx.send(lh, "partition", replies)

    def _end(self, command: dict[str, Any]) -> None:
        lh = self.lh
        command = read_dict(lh, "end", command, {"kind", "shapes"})
        shapes = command["shapes"]
        if not isinstance(shapes, list) or len(shapes) != self.k_groups:
            raise ProtocolError(f"{lh!r} sent tree shapes that are not one per class")
        for k, value in enumerate(shapes):
            if not isinstance(value, list) or len(value) != 3 or value[2] != k:
                raise ProtocolError(f"{lh!r} sent a malformed tree shape")
            left = read_array(
                lh, "tree shape", value[0], kind="i", ndim=1, low=-1, high=2**31 - 1
            ).astype(np.int32)
            right = read_array(
                lh,
                "tree shape",
                value[1],
                kind="i",
                ndim=1,
                shape=(len(left),),
                low=-1,
                high=2**31 - 1,
            ).astype(np.int32)
            own = sorted(self.round_splits[k])
            self.shapes.append(TreeShape(left, right, k))
            self.splits.append(
                OwnSplits(
                    np.array([s[0] for s in own], dtype=np.int32),
                    np.array([s[1] for s in own], dtype=np.int32),
                    np.array([s[2] for s in own], dtype=np.float64),
                    np.array([s[3] for s in own], dtype=bool),
                )
            )
        part = ModelPart(
            self.ctx.party,
            lh,
            self.params.objective,
            self.k_groups,
            self.table.names,
            tuple(self.shapes),
            tuple(self.splits),
            None,
        )
        try:
            part.check()
        except ConfigError as exc:
            raise ProtocolError(f"{lh!r} sent tree shapes that do not fit: {exc}") from exc
