"""Cuckoo hashing: table sizes, candidate bins, every item placed, and a clear failure."""

from __future__ import annotations

import math
import secrets

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.psi.cuckoo import NUM_HASHES, bin_candidates, cuckoo_place, num_bins

RNG = np.random.default_rng(7)  # test data only


def random_digests(n: int) -> np.ndarray:
    return RNG.integers(0, 256, size=(n, 16), dtype=np.uint8)


def test_table_sizes_follow_the_fit() -> None:
    assert num_bins(0) == num_bins(1) == num_bins(4096)  # small sets share the 2**12 table
    for n in (4096, 100_000, 2**20, 10**7):
        expansion = (40 + 130 + math.log2(n)) / 123.5
        bins = num_bins(n)
        assert bins % 128 == 0
        assert expansion * n <= bins < expansion * n + 128
    assert 1.53 < num_bins(2**20) / 2**20 < 1.55
    assert num_bins(10**6, stat_bits=60) > num_bins(10**6)
    with pytest.raises(ConfigError):
        num_bins(-1)


def test_candidates_are_keyed_and_in_range() -> None:
    digests = random_digests(5000)
    seed = secrets.token_bytes(16)
    first = bin_candidates(digests, seed, 7777)
    assert first.shape == (NUM_HASHES, 5000) and first.dtype == np.int64
    assert first.min() >= 0 and first.max() < 7777
    np.testing.assert_array_equal(first, bin_candidates(digests.copy(), seed, 7777))
    other = bin_candidates(digests, secrets.token_bytes(16), 7777)
    assert np.mean(first == other) < 0.01
    counts = np.bincount(first[0], minlength=7777)
    assert counts.max() < 12  # about 0.64 per bin: no clustering


@pytest.mark.parametrize("n", [0, 1, 2, 1000, 50_000])
def test_every_item_is_placed_once_in_one_of_its_bins(n: int) -> None:
    digests = random_digests(n)
    bins = num_bins(n)
    candidates = bin_candidates(digests, secrets.token_bytes(16), bins)
    table = cuckoo_place(candidates, bins)
    occupied = table.occupied
    assert occupied.size == n
    np.testing.assert_array_equal(np.sort(table.item[occupied]), np.arange(n))
    functions = table.function[occupied]
    assert np.all((functions >= 0) & (functions < NUM_HASHES))
    np.testing.assert_array_equal(candidates[functions, table.item[occupied]], occupied)
    empty = table.item < 0
    assert np.all(table.function[empty] == -1)


def test_a_full_table_still_works_near_the_threshold() -> None:
    n = 20_000
    candidates = bin_candidates(random_digests(n), secrets.token_bytes(16), int(1.2 * n))
    table = cuckoo_place(candidates, int(1.2 * n))
    assert table.occupied.size == n


def test_failure_raises_a_clear_error() -> None:
    n = 20_000
    bins = int(1.03 * n)  # above the 3-way threshold of 0.918 items per bin
    candidates = bin_candidates(random_digests(n), secrets.token_bytes(16), bins)
    with pytest.raises(ConfigError, match=r"could not place \d+ of 20000 items"):
        cuckoo_place(candidates, bins, max_rounds=300)


def test_identical_items_cannot_all_be_placed() -> None:
    digests = np.repeat(random_digests(1), 4, axis=0)
    candidates = bin_candidates(digests, secrets.token_bytes(16), 6144)
    with pytest.raises(ConfigError, match="identical items"):
        cuckoo_place(candidates, 6144, max_rounds=50)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ConfigError, match="in 5 bins"):
        cuckoo_place(np.zeros((3, 6), dtype=np.int64), 5)
    with pytest.raises(ConfigError):
        cuckoo_place(np.zeros((2, 6), dtype=np.int64), 10)
    with pytest.raises(ConfigError):
        cuckoo_place(np.full((3, 2), 10, dtype=np.int64), 10)
    with pytest.raises(ConfigError):
        bin_candidates(np.zeros((3, 15), dtype=np.uint8), bytes(16), 10)
    with pytest.raises(ConfigError):
        bin_candidates(random_digests(3), bytes(15), 10)
    with pytest.raises(ConfigError):
        bin_candidates(random_digests(3), bytes(16), 0)
