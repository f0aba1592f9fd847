"""``VerticalOutcome``: the fields both jobs' outcomes start with, and their wire form."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.jobs.boost import BoostOutcome
from confide.jobs.credit import CreditOutcome
from confide.jobs.vertical import VerticalOutcome, disclosure_dicts
from confide.net.wire import decode, encode
from confide.runtime.disclosure import Disclosure

SHARED = ("party", "settings", "rows", "intersection", "train_size", "test_size")


@pytest.mark.parametrize("cls", [CreditOutcome, BoostOutcome])
def test_both_outcomes_start_with_the_shared_fields(cls: type[VerticalOutcome]) -> None:
    names = [item.name for item in fields(cls)]
    assert tuple(names[: len(SHARED)]) == SHARED
    outcome = cls(party="bank", settings={"a": 1}, rows=5, intersection=4, test_size=1)
    values = outcome.to_dict()
    assert list(values) == names
    back = cls.from_dict(decode(bytearray(encode(values))))
    assert (back.rows, back.intersection, back.train_size, back.test_size) == (5, 4, 0, 1)


@pytest.mark.parametrize("cls", [CreditOutcome, BoostOutcome])
def test_both_outcomes_turn_lists_back_into_arrays(
    cls: type[CreditOutcome] | type[BoostOutcome],
) -> None:
    values = cls(party="bank", settings={}).to_dict()
    back = cls.from_dict({**values, "test_scores": [0.25, 0.5], "test_labels": [0, 1]})
    scores, labels = back.test_scores, back.test_labels
    assert isinstance(scores, np.ndarray) and scores.tolist() == [0.25, 0.5]
    assert isinstance(labels, np.ndarray) and labels.dtype.kind == "i"
    assert back.train_scores is None  # absent fields stay absent


def test_the_credit_outcome_turns_its_points_into_an_array() -> None:
    back = CreditOutcome.from_dict({"party": "bank", "settings": {}, "test_points": [600, 612]})
    assert isinstance(back.test_points, np.ndarray) and back.test_points.tolist() == [600, 612]
    assert (*BoostOutcome.ARRAYS, "test_points") == CreditOutcome.ARRAYS


def test_the_credit_outcome_writes_scorecard_numbers_as_plain_values() -> None:
    outcome = CreditOutcome(party="bank", settings={}, scorecard={"points": [np.float64(1.5)]})
    [point] = outcome.to_dict()["scorecard"]["points"]
    assert type(point) is float and point == 1.5


def test_the_boosting_outcome_can_leave_its_model_part_out() -> None:
    outcome = BoostOutcome(party="bank", settings={}, model={"trees": 1})
    assert outcome.to_dict()["model"] == {"trees": 1}
    assert outcome.to_dict(with_model=False)["model"] is None


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (CreditOutcome, "unknown credit outcome fields: \\['zz'\\]"),
        (BoostOutcome, "unknown boosting outcome fields: \\['zz'\\]"),
    ],
)
def test_unknown_fields_are_refused(cls: type[VerticalOutcome], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        cls.from_dict({"party": "bank", "settings": {}, "zz": 1})


def test_disclosures_as_wire_values() -> None:
    item = Disclosure("the bank", "the scores", "it receives them")
    assert disclosure_dicts([("predict", item)]) == [
        {"step": "predict", "who": "the bank", "learns": "the scores", "why": "it receives them"}
    ]
