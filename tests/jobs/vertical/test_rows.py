"""The steps both vertical jobs start with: settings check, load, PSI, a reproducible split."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from confide.datasets import vertical_credit
from confide.errors import PartyFailed
from confide.jobs.credit import CreditSettings, PartyTable
from confide.jobs.vertical import VerticalOutcome
from confide.jobs.vertical.rows import (
    AlignedRows,
    agree_settings,
    holds_data,
    load_align_split,
    party_table,
    wire_ids,
)
from confide.jobs.vertical.stages import StageClock
from confide.runtime import Context, simulate

SETTINGS = CreditSettings(split_seed=9, dealer=None, feature_owners=("platform", "partner"))


def rows(settings: CreditSettings) -> Any:
    def run(ctx: Context, frame: pd.DataFrame) -> dict[str, Any]:
        assert holds_data(ctx, settings, None, frame)
        agree_settings(ctx, settings)
        local = AlignedRows()
        clock = StageClock(ctx, emit=None)
        outcome = VerticalOutcome(party=ctx.party, settings=settings.to_dict())
        load_align_split(ctx, settings, local, None, frame, clock, outcome)
        train, test = local.ids(settings.id_column)
        return {
            "train": train,
            "test": test,
            "features": local.features,
            "stages": [stage.name for stage in clock.stages],
            "sizes": (outcome.rows, outcome.intersection, outcome.train_size, outcome.test_size),
        }

    return run


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    data = vertical_credit(800, seed=5)
    platform = data.platform
    return {
        "bank": data.bank,
        "platform": platform[["id", "age", "income"]],
        "partner": platform[["id", "credit_line"]].sample(frac=0.9, random_state=1),
    }


def test_every_party_holds_the_same_rows_and_one_seed_the_same_customers(
    frames: dict[str, pd.DataFrame],
) -> None:
    first = simulate(rows(SETTINGS), frames, timeout=30)
    second = simulate(rows(SETTINGS), frames, timeout=30)
    for party in ("platform", "partner"):
        assert list(first[party]["test"]) == list(first["bank"]["test"])
    assert first["partner"]["features"] == ["credit_line"]
    for party, frame in frames.items():
        assert first[party]["stages"] == ["load", "psi", "split"]
        size, common, train, test = first[party]["sizes"]
        assert size == len(frame)
        assert (train, test) == (len(first[party]["train"]), len(first[party]["test"]))
        assert common == train + test == first["bank"]["sizes"][1] < len(frames["partner"])
    # The PSI's order may change between runs; the customers drawn for the test do not.
    assert set(first["bank"]["test"]) == set(second["bank"]["test"])
    assert not set(first["bank"]["test"]) & set(first["bank"]["train"])
    other = simulate(rows(CreditSettings(**{**SETTINGS.to_dict(), "split_seed": 10})), frames)
    assert set(other["bank"]["test"]) != set(first["bank"]["test"])


def test_parties_other_than_the_settings_are_refused(frames: dict[str, pd.DataFrame]) -> None:
    two = CreditSettings(dealer=None, feature_owners=("platform", "partner"), split_seed=1)
    with pytest.raises(PartyFailed, match="are not the settings'"):
        simulate(rows(two), {p: frames[p] for p in ("bank", "platform")}, timeout=10)


def test_wire_ids() -> None:
    assert wire_ids(np.array(["a", "b"], dtype=object)) == ["a", "b"]
    ids = wire_ids(np.array([3, 4], dtype=np.int32))
    assert isinstance(ids, np.ndarray) and ids.dtype == np.int64


def test_each_party_gives_a_table_exactly_when_it_holds_data() -> None:
    settings = CreditSettings(split_seed=1)
    table = PartyTable("bank.csv")
    assert party_table({"settings": {}, "table": table.to_dict()}) == table
    assert party_table({"settings": {}, "table": None}) is None

    def run(ctx: Context, given: PartyTable | None) -> bool:
        return holds_data(ctx, settings, given, None)

    found = simulate(run, {"bank": table, "platform": table, "dealer": None}, timeout=10)
    assert found == {"bank": True, "platform": True, "dealer": False}
    with pytest.raises(PartyFailed, match="must give its table"):
        simulate(run, {"bank": table, "platform": None, "dealer": None}, timeout=10)
    with pytest.raises(PartyFailed, match="must not give a table"):
        simulate(run, {"bank": table, "platform": table, "dealer": table}, timeout=10)
