"""Row and column samples: the fractions XGBoost uses, nested, and reproducible by seed."""

from __future__ import annotations

import numpy as np

from confide.ml.boost.params import BoostParams
from confide.ml.boost.sampling import Sampler, validation_split


def test_no_sampling_keeps_everything() -> None:
    sampler = Sampler(BoostParams(), n_features=5)
    rows = np.arange(10)
    assert sampler.rows(rows) is rows
    features = sampler.tree_features()
    assert features.tolist() == [0, 1, 2, 3, 4]
    assert sampler.node_features(0, features, 2).tolist() == [0, 1, 2, 3, 4]


def test_fractions_nesting_and_seed() -> None:
    params = BoostParams(
        subsample=0.5, colsample_bytree=0.8, colsample_bylevel=0.5, colsample_bynode=0.5
    )
    a, b = Sampler(params, 20), Sampler(params, 20)
    rows = a.rows(np.arange(10_000))
    assert 4_700 < len(rows) < 5_300
    np.testing.assert_array_equal(rows, b.rows(np.arange(10_000)))
    tree = a.tree_features()
    assert len(tree) == 16 and set(tree) <= set(range(20))
    level = a.node_features(0, tree, 1)
    assert len(level) == 4 and set(level) <= set(tree)
    np.testing.assert_array_equal(tree, b.tree_features())
    assert len(Sampler(BoostParams(colsample_bytree=0.01), 20).tree_features()) == 1


def test_validation_split() -> None:
    mask = validation_split(1000, 0.2, seed=3)
    assert mask.sum() == 200
    np.testing.assert_array_equal(mask, validation_split(1000, 0.2, seed=3))
    assert not np.array_equal(mask, validation_split(1000, 0.2, seed=4))
    assert validation_split(2, 0.01, seed=0).sum() == 1
