"""The split model: leaf masks, their combination, the prediction protocol, the wire form."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from confide.errors import ConfigError, PartyFailed, ProtocolError
from confide.ml.boost.model import (
    LabelHolderView,
    ModelPart,
    OwnSplits,
    TreeShape,
    combine_leaf_masks,
    go_left,
    leaf_masks,
    predict_margin,
)
from confide.ml.boost.params import Objective
from confide.runtime import Context, simulate

# One tree: node 0 splits on the bank's x < 1 (missing left); node 2 on the platform's
# z < 5 (missing right). Leaves 1, 3, 4 with values 10, 20, 30; base margin 0.5.
SHAPE = TreeShape(np.array([1, -1, 3, -1, -1]), np.array([2, -1, 4, -1, -1]), 0)


def _parts() -> dict[str, ModelPart]:
    view = LabelHolderView(
        np.array([0.5]),
        (np.array([0.0, 10.0, 0.0, 20.0, 30.0]),),
        ("bank", "platform"),
        (np.array([0, -1, 1, -1, -1], dtype=np.int32),),
        (np.array([0, -1, 0, -1, -1], dtype=np.int32),),
        (np.array([3, -1, 7, -1, -1], dtype=np.int32),),
        (np.array([2.0, 0, 1.5, 0, 0]),),
    )
    bank = ModelPart(
        "bank",
        "bank",
        Objective.BINARY_LOGISTIC,
        1,
        ("x",),
        (SHAPE,),
        (OwnSplits(np.array([0]), np.array([0]), np.array([1.0]), np.array([True])),),
        view,
    )
    platform = ModelPart(
        "platform",
        "bank",
        Objective.BINARY_LOGISTIC,
        1,
        ("z",),
        (SHAPE,),
        (OwnSplits(np.array([2]), np.array([0]), np.array([5.0]), np.array([False])),),
        None,
    )
    return {"bank": bank, "platform": platform}


X_BANK = np.array([[0.0], [np.nan], [2.0], [2.0], [3.0]])
Z_PLATFORM = np.array([[9.0], [9.0], [4.0], [np.nan], [5.0]])
EXPECTED = np.array([10.0, 10.0, 20.0, 30.0, 30.0]) + 0.5


def test_leaf_masks_and_combination() -> None:
    parts = _parts()
    bank = leaf_masks(parts["bank"], X_BANK)
    platform = leaf_masks(parts["platform"], Z_PLATFORM)
    # Leaves (1, 3, 4): the bank decides leaf 1 against {3, 4}; the platform 3 against 4.
    assert bank.tolist()[0] == [True, False, False] and bank.tolist()[2] == [False, True, True]
    assert platform.tolist()[2] == [True, True, False]
    margin = combine_leaf_masks(parts["bank"], [bank, platform])
    np.testing.assert_array_equal(margin[:, 0], EXPECTED)
    with pytest.raises(ProtocolError, match="one leaf"):
        combine_leaf_masks(parts["bank"], [bank, ~platform])
    with pytest.raises(ConfigError, match="label holder"):
        combine_leaf_masks(parts["platform"], [bank])
    with pytest.raises(ConfigError, match="1 features"):
        leaf_masks(parts["bank"], np.ones((2, 3)))
    assert go_left(np.array([0.0, 2.0, np.nan]), 1.0, True).tolist() == [True, False, True]


def _score(ctx: Context, values: np.ndarray) -> Any:
    return predict_margin(ctx, _parts()[ctx.party], values)


def test_prediction_protocol() -> None:
    out = simulate(_score, {"bank": X_BANK, "platform": Z_PLATFORM})
    assert out["platform"] is None
    np.testing.assert_array_equal(out["bank"][:, 0], EXPECTED)
    with pytest.raises(PartyFailed) as info:
        simulate(_score, {"bank": X_BANK, "platform": Z_PLATFORM[:3]}, timeout=10)
    assert all("row counts differ" in e for e in info.value.errors.values())


def _score_other_model(ctx: Context, values: np.ndarray) -> Any:
    part = _parts()[ctx.party]
    if ctx.party == "platform":
        grown = TreeShape(np.array([1, -1, -1]), np.array([2, -1, -1]), 0)
        part = ModelPart(
            part.party,
            part.label_holder,
            part.objective,
            1,
            part.feature_names,
            (grown,),
            (OwnSplits(*(np.zeros(0, np.int32),) * 2, np.zeros(0), np.zeros(0, bool)),),
            None,
        )
    return predict_margin(ctx, part, values)


def test_parts_of_different_models_are_refused() -> None:
    with pytest.raises(PartyFailed) as info:
        simulate(_score_other_model, {"bank": X_BANK, "platform": Z_PLATFORM}, timeout=10)
    assert all("another model" in e for e in info.value.errors.values())


def test_wire_round_trip_and_checks() -> None:
    for part in _parts().values():
        again = ModelPart.from_wire(part.to_wire())
        assert again.to_wire().keys() == part.to_wire().keys()
        assert again.shape_digest() == part.shape_digest()
        np.testing.assert_array_equal(leaf_masks(again, X_BANK), leaf_masks(part, X_BANK))
    wire = _parts()["platform"].to_wire()
    wire["splits"][0][0] = np.array([1])  # a split on a leaf
    with pytest.raises(ConfigError, match="leaf"):
        ModelPart.from_wire(wire)
    wire = _parts()["platform"].to_wire()
    wire["shapes"][0][1] = np.array([3, -1, 4, -1, -1])  # right child not next to left
    with pytest.raises(ConfigError, match="children"):
        ModelPart.from_wire(wire)
    with pytest.raises(ConfigError, match="not a boosting model part"):
        ModelPart.from_wire({"party": "x"})


def test_importance_per_owner() -> None:
    parts = _parts()
    lh = parts["bank"].importance()
    assert lh["bank"]["split_count"].tolist() == [1] and lh["bank"]["total_gain"].tolist() == [2]
    assert lh["platform"]["split_count"].tolist() == [1]
    assert lh["platform"]["total_gain"].tolist() == [1.5]
    assert parts["platform"].importance() == {"platform": {"split_count": np.array([1])}}
