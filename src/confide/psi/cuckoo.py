"""Cuckoo hashing with three hash functions and no stash, and the matching simple hashing.

The receiver of an OT-based PSI places each of its ``n`` items in one of ``bins`` bins, at
most one item per bin, each item in one of its three candidate bins ``h_0(x), h_1(x),
h_2(x)``. The sender needs no table: it evaluates every item at all three candidate bins
(*simple hashing*, :func:`bin_candidates` alone), so a common item meets the receiver's in
whichever bin the receiver chose.

Parameters (statistical security ``sigma`` = :data:`~confide.params.STATISTICAL_SECURITY_BITS`):
without a stash, placement fails with probability ``2**-sigma`` when the table has
``e * n`` bins, ``sigma = 123.5 * e - 130 - log2(n)``: the experimental fit of Pinkas,
Schneider, Tkachenko and Yanai ("Efficient Circuit-Based PSI with Linear Communication",
EUROCRYPT 2019, section 5; extrapolated linearly in ``e`` from measured failure rates, as in
cryptoTools' ``CuckooIndex``). Hence ``e = (sigma + 130 + log2 n) / 123.5``: 1.47 at
``n = 2**12``, 1.54 at ``2**20``, 1.57 at ``2**24``. The fit holds from ``2**12`` items up; a
smaller set gets the table of ``2**12`` items (fewer items in the same bins can only be placed
more easily), which costs nothing worth counting. Bins are rounded up to a multiple of 128.

The hash functions are AES-128 under a fresh random key (from the receiver) applied to the
16-byte item digests: two blocks per item give three 64-bit words, each reduced modulo the
number of bins (bias below ``bins / 2**64``).

Insertion is a vectorised random walk: every unplaced item claims its current candidate bin;
one claimant per bin wins and evicts the bin's previous item; losers and evicted items move on
to one of their two other candidates, chosen with the AES-CTR PRG. It stops when every item
is placed, or raises :class:`~confide.errors.ConfigError` after :data:`MAX_ROUNDS` rounds
(in practice: too few bins, or more than three identical items).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from confide.crypto.ot_extension import FixedKeyAes
from confide.crypto.prg import PRG, new_seed
from confide.errors import ConfigError
from confide.params import SEED_BYTES, STATISTICAL_SECURITY_BITS

__all__ = [
    "DIGEST_BYTES",
    "MAX_ROUNDS",
    "NUM_HASHES",
    "CuckooTable",
    "bin_candidates",
    "cuckoo_place",
    "num_bins",
]

#: Hash functions per item.
NUM_HASHES = 3

#: Bytes of an item digest (canonical key hashes).
DIGEST_BYTES = 16

#: Rounds of the parallel random walk before giving up. At the loads :func:`num_bins` gives
#: (about 0.65 items per bin) a million items settle in a few dozen rounds.
MAX_ROUNDS = 10_000

# The fit sigma = _SLOPE * e - _OFFSET - log2(n) (PSTY19), valid from _MIN_ITEMS items up.
_SLOPE = 123.5
_OFFSET = 130.0
_MIN_ITEMS = 1 << 12
_BIN_MULTIPLE = 128
_CHUNK = 1 << 16  # items hashed at a time


@dataclass(frozen=True)
class CuckooTable:
    """Where each item went: ``item[b]`` is the item in bin ``b`` (-1 if empty) and
    ``function[b]`` the hash function that put it there (-1 if empty)."""

    item: np.ndarray
    function: np.ndarray

    @property
    def occupied(self) -> np.ndarray:
        """The indices of the bins that hold an item, ascending."""
        return np.flatnonzero(self.item >= 0)


def num_bins(items: int, stat_bits: int = STATISTICAL_SECURITY_BITS) -> int:
    """Bins for ``items`` items so that stash-less 3-way cuckoo hashing fails w.p. 2**-stat_bits."""
    if items < 0:
        raise ConfigError(f"cannot hash {items} items")
    if stat_bits <= 0:
        raise ConfigError(f"statistical security must be positive, got {stat_bits}")
    sized = max(items, _MIN_ITEMS)
    expansion = (stat_bits + _OFFSET + math.log2(sized)) / _SLOPE
    bins = math.ceil(expansion * sized)
    return -(-bins // _BIN_MULTIPLE) * _BIN_MULTIPLE


def _check_digests(digests: np.ndarray) -> np.ndarray:
    array = np.asarray(digests)
    if array.dtype != np.uint8 or array.ndim != 2 or array.shape[1] != DIGEST_BYTES:
        raise ConfigError(f"item digests must be an (n, {DIGEST_BYTES}) uint8 array")
    return np.ascontiguousarray(array)


def bin_candidates(digests: np.ndarray, seed: bytes, bins: int) -> np.ndarray:
    """The three candidate bins of every item: a ``(3, n)`` int64 array in ``[0, bins)``.

    ``digests`` is ``(n, 16)`` uint8; ``seed`` the 16-byte key of the hash functions, the same
    on both sides.
    """
    array = _check_digests(digests)
    if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
        raise ConfigError(f"the hash seed must be {SEED_BYTES} bytes")
    if bins <= 0:
        raise ConfigError(f"need at least one bin, got {bins}")
    keys = PRG(seed).bytes(2 * SEED_BYTES)
    prfs = [FixedKeyAes(keys[:SEED_BYTES]), FixedKeyAes(keys[SEED_BYTES:])]
    modulus = np.uint64(bins)
    out = np.empty((NUM_HASHES, array.shape[0]), dtype=np.int64)
    for start in range(0, array.shape[0], _CHUNK):  # in cache-sized chunks
        block = array[start : start + _CHUNK]
        words = [prf(block).view("<u8").reshape(-1, 2) for prf in prfs]
        for h in range(NUM_HASHES):
            out[h, start : start + _CHUNK] = words[h // 2][:, h % 2] % modulus
    return out


def cuckoo_place(candidates: np.ndarray, bins: int, max_rounds: int = MAX_ROUNDS) -> CuckooTable:
    """Place every item in one of its candidate bins, one item per bin; see the module doc."""
    cand = np.asarray(candidates)
    if cand.ndim != 2 or cand.shape[0] != NUM_HASHES or not np.issubdtype(cand.dtype, np.integer):
        raise ConfigError(f"candidates must be a ({NUM_HASHES}, n) integer array")
    items = cand.shape[1]
    if items and (cand.min() < 0 or cand.max() >= bins):
        raise ConfigError(f"candidate bins must lie in [0, {bins})")
    if items > bins:
        raise ConfigError(f"cannot place {items} items in {bins} bins")
    table = np.full(bins, -1, dtype=np.int64)
    used = np.full(bins, -1, dtype=np.int8)
    claim = np.empty(bins, dtype=np.int64)
    walk = PRG(new_seed())
    pending = np.arange(items, dtype=np.int64)  # items still looking for a bin
    tries = np.zeros(items, dtype=np.int8)  # the hash function each pending item tries next
    for _ in range(max_rounds):
        if not pending.size:
            return CuckooTable(item=table, function=used)
        targets = cand[tries, pending]
        # One claimant per bin wins: whichever of the repeated writes numpy keeps.
        ticket = np.arange(pending.size)
        claim[targets] = ticket
        is_winner = claim[targets] == ticket
        won_bins = targets[is_winner]
        evicted = table[won_bins]
        evicted_fn = used[won_bins]
        table[won_bins] = pending[is_winner]
        used[won_bins] = tries[is_winner]
        was_full = evicted >= 0
        losers = pending[~is_winner]
        moved = np.concatenate([losers, evicted[was_full]])
        from_fn = np.concatenate([tries[~is_winner], evicted_fn[was_full]])
        step = 1 + (np.frombuffer(walk.bytes(moved.size), dtype=np.uint8) & 1)
        tries_next = ((from_fn.astype(np.int64) + step) % NUM_HASHES).astype(np.int8)
        pending, tries = moved, tries_next
    raise ConfigError(
        f"cuckoo hashing could not place {pending.size} of {items} items in {bins} bins "
        f"within {max_rounds} rounds: too few bins, or more than {NUM_HASHES} identical items"
    )
