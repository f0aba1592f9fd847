"""The steps both vertical jobs start with: settings check, load, PSI, a reproducible split."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from confide.datasets import vertical_credit
from confide.errors import PartyFailed
from confide.jobs.credit import CreditSettings
from confide.jobs.credit.rows import AlignedRows, agree_settings, check_parties, wire_ids
from confide.runtime import Context, simulate

SETTINGS = CreditSettings(split_seed=9, dealer=None, feature_owners=("platform", "partner"))


def rows(settings: CreditSettings) -> Any:
    def run(ctx: Context, frame: pd.DataFrame) -> dict[str, Any]:
        check_parties(ctx, settings)
        agree_settings(ctx, settings)
        local = AlignedRows()
        local.load(settings, ctx.party, None, frame)
        local.align(ctx, settings)
        local.split(ctx, settings)
        train, test = local.ids(settings.id_column)
        return {"train": train, "test": test, "features": local.features}

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
