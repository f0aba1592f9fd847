"""Encrypted histograms decrypt to exactly the plaintext sums, by every path and under both
schemes (OU and Paillier); bad replies fail."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from confide.crypto import he
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError, ProtocolError
from confide.ml.boost.encrypted_histogram import (
    GradientLayout,
    TreeRequest,
    decode_histograms,
    encrypt_gradients,
    encrypted_histograms,
    packed_count,
    segments,
)
from confide.ml.boost.histogram import plain_histograms, quantize

KeyPair = tuple[he.PublicKey, he.PrivateKey]
PAIRS = {scheme: he.generate_keypair(scheme, 1024, allow_weak=True) for scheme in he.Scheme}


@pytest.fixture(params=list(he.Scheme), ids=[s.value for s in he.Scheme])
def keys(request: pytest.FixtureRequest) -> KeyPair:
    """1024-bit test keys of each scheme."""
    return PAIRS[request.param]


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(2) as workers:
        yield workers


def _round_trip(
    keys: KeyPair,
    n: int,
    cells: list[int],
    n_nodes: int,
    n_classes: int,
    pool: WorkerPool | None = None,
    seed: int = 0,
) -> None:
    """Encrypt, sum per node and bin as the passive party, decode as the label holder, and
    compare every tree's histograms with the plaintext sums of the same integers."""
    pk, sk = keys
    rng = np.random.default_rng(seed)
    pairs = quantize(rng.normal(size=(n, n_classes)), rng.uniform(0, 0.25, (n, n_classes)), 24)
    layout = GradientLayout.plan(n_classes, 24, n, he.packing_bits(pk))
    encrypted = encrypt_gradients(sk, pairs, layout)
    bins = np.stack([rng.integers(0, c, size=n) for c in cells], axis=1).astype(np.int32)
    features = np.arange(len(cells))
    replies, requests, ranks_by_tree = [], [], []
    for k in range(n_classes):
        chunk, slot = layout.locate(k)
        ranks = rng.integers(-1, n_nodes, size=n)
        request = TreeRequest(n_nodes, features, np.array(cells, dtype=np.int64), chunk, slot)
        wire = encrypted[chunk].to_wire()
        replies.append(
            encrypted_histograms(
                encrypted[chunk], wire["ciphertexts"], bins, ranks, request, layout, pool=pool
            )
        )
        requests.append(request)
        ranks_by_tree.append(ranks)
    reply = {"frac_bits": 0, "ciphertexts": np.concatenate(replies, axis=0)}
    decoded = decode_histograms(sk, reply, requests, layout)
    for k in range(n_classes):
        expected = plain_histograms(
            bins, cells, ranks_by_tree[k], n_nodes, pairs.g[:, k], pairs.h[:, k]
        )
        np.testing.assert_array_equal(decoded[k], expected)


def test_single_feature_sums(keys: KeyPair) -> None:
    _round_trip(keys, n=60, cells=[7], n_nodes=3, n_classes=1)


def test_pair_path_on_many_rows(keys: KeyPair) -> None:
    # 400 rows in few (bin, bin) cells: the party sums by pairs first.
    _round_trip(keys, n=400, cells=[3, 4, 2], n_nodes=2, n_classes=1, seed=1)


def test_feature_path_on_many_cells(keys: KeyPair) -> None:
    # Few rows over many pair cells: the party sums feature by feature.
    _round_trip(keys, n=30, cells=[9, 11], n_nodes=4, n_classes=1, seed=2)


def test_all_classes_in_one_ciphertext(keys: KeyPair) -> None:
    _round_trip(keys, n=120, cells=[4, 3], n_nodes=2, n_classes=3, seed=3)


def test_classes_split_over_ciphertexts_and_a_pool(keys: KeyPair, pool: WorkerPool) -> None:
    pk, _ = keys
    layout = GradientLayout.plan(17, 24, 200, he.packing_bits(pk))
    assert len(layout.chunks) > 1  # a 1024-bit key holds 15 classes (Paillier) or 5 (OU)
    _round_trip(keys, n=200, cells=[5, 3, 6], n_nodes=3, n_classes=17, pool=pool, seed=4)


def test_layout_arithmetic() -> None:
    layout = GradientLayout.plan(1, 24, 100_000, 2046)  # Paillier-2048 packs 2046 bits
    assert layout.chunks == ((0,),)
    assert layout.packing(0).slot_bits == 24 + 17 + 1
    assert layout.cells_per_ciphertext(0) == 2046 // 84 == 24
    assert GradientLayout.plan(24, 24, 100_000, 2046).chunks == (tuple(range(24)),)
    assert len(GradientLayout.plan(25, 24, 100_000, 2046).chunks) == 2
    ou_layout = GradientLayout.plan(9, 24, 100_000, 682)  # OU-2048 packs 682 bits
    assert ou_layout.chunks == (tuple(range(8)), (8,))
    assert ou_layout.cells_per_ciphertext(0) == 1 and ou_layout.cells_per_ciphertext(1) == 8
    assert [s.stop - s.start for s in segments(5)] == [2, 2, 1]
    assert packed_count(3, np.array([4, 4, 4]), per=5) == [-(-24 // 5), -(-12 // 5)]
    with pytest.raises(ConfigError, match="2\\*\\*53"):
        GradientLayout.plan(1, 40, 2**20, 2048)
    with pytest.raises(ConfigError, match="cannot hold"):
        GradientLayout.plan(1, 40, 2**10, 64)
    with pytest.raises(ConfigError, match="not in this layout"):
        layout.locate(3)


def test_bad_replies_are_refused(keys: KeyPair) -> None:
    pk, sk = keys
    layout = GradientLayout.plan(1, 24, 10, he.packing_bits(pk))
    request = TreeRequest(1, np.arange(1), np.array([4]), 0, 0)
    good = he.encrypt(
        sk,
        layout.packing(0).stacked(layout.cells_per_ciphertext(0)).pack([5, 7, -3, 2, 0, 0, 1, 1]),
    )
    decoded = decode_histograms(sk, good.to_wire(), [request], layout)
    assert decoded[0][0].tolist() == [[5, 7], [-3, 2], [0, 0], [1, 1]]
    with pytest.raises(ProtocolError, match="expected 1 ciphertexts"):
        decode_histograms(
            sk,
            (good + good).to_wire() | {"ciphertexts": np.zeros((2, pk.ciphertext_bytes), np.uint8)},
            [request],
            layout,
        )
    negative = he.encrypt(
        sk,
        layout.packing(0).stacked(layout.cells_per_ciphertext(0)).pack([5, -7, 0, 0, 0, 0, 0, 0]),
    )
    with pytest.raises(ProtocolError, match="negative"):
        decode_histograms(sk, negative.to_wire(), [request], layout)
    with pytest.raises(ConfigError, match="quantized"):
        encrypt_gradients(sk, quantize(np.ones((2, 1)), np.ones((2, 1)), None), layout)
