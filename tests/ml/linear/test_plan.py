"""The row plan: the same from the same seed, a clean split, every training row once an epoch."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.ml.linear.plan import make_plan


def test_split_is_disjoint_complete_and_reproducible() -> None:
    plan = make_plan(1001, batch_size=100, validation_fraction=0.1, shuffle=True, seed=7)
    again = make_plan(1001, batch_size=100, validation_fraction=0.1, shuffle=True, seed=7)
    other = make_plan(1001, batch_size=100, validation_fraction=0.1, shuffle=True, seed=8)
    assert len(plan.validation) == 101 and len(plan.train) == 900
    assert np.array_equal(np.sort(np.concatenate([plan.train, plan.validation])), np.arange(1001))
    assert np.array_equal(plan.validation, again.validation)
    assert not np.array_equal(plan.validation, other.validation)


def test_each_epoch_visits_every_training_row_once_in_a_new_order() -> None:
    plan = make_plan(1001, batch_size=128, validation_fraction=0.1, shuffle=True, seed=3)
    orders = []
    for epoch in range(2):
        batches = list(plan.batches(epoch))
        assert len(batches) == plan.batches_per_epoch == 8
        assert [len(b) for b in batches if not isinstance(b, slice)][-1] == 900 - 7 * 128
        rows = np.concatenate([np.asarray(b) for b in batches])
        assert np.array_equal(np.sort(rows), plan.train)
        orders.append(rows)
    assert not np.array_equal(orders[0], orders[1])


def test_without_shuffle_or_validation_batches_are_slices_in_order() -> None:
    plan = make_plan(250, batch_size=100, validation_fraction=0.0, shuffle=False, seed=0)
    assert list(plan.batches(0)) == [slice(0, 100), slice(100, 200), slice(200, 250)]


def test_no_training_rows_left() -> None:
    with pytest.raises(ConfigError, match="leave no training rows"):
        make_plan(1, batch_size=10, validation_fraction=0.5, shuffle=False, seed=0)
