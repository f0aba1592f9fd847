"""Which rows train and which validate, and the batches of each epoch: public, the same everywhere.

Rows are aligned across parties (same order at every party after PSI), so a row index means the
same customer at every party. The plan is drawn from a public seed with ``numpy.random``: it is
no secret (every party, the dealer included, knows it), so no cryptographic randomness is
needed. The secure estimator and its plaintext twin draw the same plan from the same seed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError

__all__ = ["Plan", "Rows", "join_rows", "make_plan"]

IndexArray = npt.NDArray[np.int64]
#: A selection of rows: a slice or an array of row indices.
Rows = slice | IndexArray


@dataclass(frozen=True)
class Plan:
    """Training and validation rows, and how each epoch cuts the training rows into batches.

    ``validation`` is empty without early stopping. Batches are consecutive runs of
    ``batch_size`` rows of the epoch's order (the last one shorter); the order is the training
    rows in place, or shuffled afresh each epoch when ``shuffle``.
    """

    train: IndexArray
    validation: IndexArray
    batch_size: int
    shuffle: bool
    seed: int

    @property
    def batches_per_epoch(self) -> int:
        return math.ceil(len(self.train) / self.batch_size)

    def epoch_order(self, epoch: int) -> IndexArray:
        """The training rows in the order epoch ``epoch`` visits them."""
        if not self.shuffle:
            return self.train
        rng = np.random.default_rng([self.seed, epoch + 1])
        order: IndexArray = self.train[rng.permutation(len(self.train))]
        return order

    def batches(self, epoch: int) -> Iterator[Rows]:
        """The row selections of epoch ``epoch``: slices when rows are in place, else indices."""
        order = self.epoch_order(epoch)
        contiguous = not self.shuffle and len(self.validation) == 0
        for start in range(0, len(order), self.batch_size):
            stop = min(start + self.batch_size, len(order))
            yield slice(start, stop) if contiguous else order[start:stop]


def make_plan(
    n_rows: int,
    *,
    batch_size: int,
    validation_fraction: float,
    shuffle: bool,
    seed: int,
) -> Plan:
    """Split ``n_rows`` rows into training and validation (a random ``validation_fraction``,
    at least one row when it is positive) and fix the batching; ``ConfigError`` if either part
    would be empty."""
    n_validation = math.ceil(validation_fraction * n_rows) if validation_fraction > 0 else 0
    if n_rows - n_validation < 1:
        raise ConfigError(
            f"{n_rows} rows leave no training rows after a validation fraction of "
            f"{validation_fraction:g}"
        )
    if n_validation:
        permuted = np.random.default_rng([seed, 0]).permutation(n_rows)
        validation = np.sort(permuted[:n_validation]).astype(np.int64)
        train = np.sort(permuted[n_validation:]).astype(np.int64)
    else:
        validation = np.zeros(0, dtype=np.int64)
        train = np.arange(n_rows, dtype=np.int64)
    return Plan(train, validation, batch_size, shuffle, seed)


def join_rows(selections: Sequence[Rows]) -> Rows:
    """The rows of consecutive selections, in order (one slice if they are adjacent slices)."""
    if all(isinstance(s, slice) for s in selections):
        slices = [s for s in selections if isinstance(s, slice)]
        if all(a.stop == b.start for a, b in itertools.pairwise(slices)):
            return slice(slices[0].start, slices[-1].stop)
    parts = [np.arange(s.start, s.stop) if isinstance(s, slice) else s for s in selections]
    joined: IndexArray = np.concatenate(parts).astype(np.int64)
    return joined
