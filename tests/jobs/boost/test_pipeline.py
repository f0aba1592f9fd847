"""The boosting job end to end: real processes against the plaintext twin; who gets what.

Stated tolerance: the label holder's test AUC equals the AUC of :class:`PlainBoost` (the same
algorithm in the clear, with the same fixed-point gradients) fitted on the same aligned
training rows within 1e-6. The twin grows the very same trees (SecureBoost's sums of
quantized gradients are exact integers), so the scores agree to rounding, and the bound only
leaves room for float summation order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from confide.datasets import vertical_credit
from confide.errors import PartyFailed
from confide.jobs.boost import (
    BoostJobSettings,
    BoostOutcome,
    boost_job,
    numeric_features,
    run_boost,
)
from confide.jobs.credit import PartyTable
from confide.metrics import auc
from confide.ml.boost import ModelPart, PlainBoost
from confide.runtime import Context, launch, simulate

AUC_TOLERANCE = 1e-6
#: Short keys keep the tests fast; the job's default is a 2048-bit OU key.
TEST_KEY: dict[str, Any] = {"key_bits": 1024, "allow_weak_key": True}
SETTINGS = BoostJobSettings(
    dealer="dealer", split_seed=5, n_estimators=3, max_depth=3, max_bin=16, **TEST_KEY
)
ROLES = {"dealer": ["compute_helper"]}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("boost")
    generated = vertical_credit(2_000, seed=3)
    paths = {"bank": folder / "bank.csv", "platform": folder / "platform.csv"}
    generated.bank.to_csv(paths["bank"], index=False)
    generated.platform.to_csv(paths["platform"], index=False)
    return paths


@pytest.fixture(scope="module")
def results(files: dict[str, Path]) -> dict[str, BoostOutcome]:
    inputs: dict[str, Any] = {
        party: {"settings": SETTINGS.to_dict(), "table": PartyTable(str(path)).to_dict()}
        for party, path in files.items()
    }
    inputs["dealer"] = {"settings": SETTINGS.to_dict(), "table": None}
    found = launch(boost_job, inputs, roles=ROLES, timeout=60)
    return {party: BoostOutcome.from_dict(value) for party, value in found.items()}


def _rows(path: Path, ids: Any, label: str | None) -> pd.DataFrame:
    """The party's table encoded as the job encodes it, cut to ``ids`` in their order."""
    frame = pd.read_csv(path)
    columns = [c for c in frame.columns if c not in ("id", label)]
    encoded = numeric_features(frame, columns).set_index("id")
    rows: pd.DataFrame = encoded.loc[list(ids), columns]
    return rows


def test_the_bank_scores_as_the_plaintext_twin_on_the_same_rows(
    results: dict[str, BoostOutcome], files: dict[str, Path]
) -> None:
    bank = results["bank"]
    assert bank.test_scores is not None and bank.test_labels is not None
    assert bank.train_labels is not None and bank.train_ids is not None
    assert bank.train_size + bank.test_size == bank.intersection == 1_600
    train = {p: _rows(files[p], bank.train_ids, "default") for p in files}
    test = {p: _rows(files[p], bank.test_ids, "default") for p in files}
    twin = PlainBoost("bank", SETTINGS.boost_params()).fit(train, bank.train_labels)
    expected = twin.predict_proba(test)[:, 1]
    assert abs(bank.metrics["test"]["auc"] - auc(bank.test_labels, expected)) <= AUC_TOLERANCE
    np.testing.assert_allclose(bank.test_scores, expected, atol=1e-12)
    assert bank.metrics["test"]["auc"] > 0.7
    assert bank.model is not None
    assert ModelPart.from_wire(bank.model).shape_digest() == twin.parts_["bank"].shape_digest()


def test_the_bank_gets_importance_and_the_first_tree_by_name(
    results: dict[str, BoostOutcome],
) -> None:
    bank = results["bank"]
    assert bank.n_trees == 3
    importance = pd.DataFrame(bank.importance)
    assert set(importance["owner"]) == {"bank", "platform"}
    assert "income" in set(importance["feature"])  # a platform name, shared by the platform
    assert bank.model is not None
    view = ModelPart.from_wire(bank.model).view
    assert view is not None
    assert importance["split_count"].sum() == sum(int((o >= 0).sum()) for o in view.owner)
    assert list(importance["total_gain"]) == sorted(importance["total_gain"], reverse=True)
    splits = [s for s in bank.first_tree["split"] if s]
    assert splits and all(s.split(": ")[0] in {"bank", "platform"} for s in splits)
    inner = np.asarray(bank.first_tree["left"]) >= 0
    assert (np.asarray(bank.first_tree["gain"])[inner] > 0).all()


def test_owners_get_only_their_own_part_and_no_scores(
    results: dict[str, BoostOutcome],
) -> None:
    platform, dealer = results["platform"], results["dealer"]
    assert platform.test_scores is None and platform.train_scores is None
    assert platform.metrics == {} and platform.first_tree == {}
    assert platform.model is not None
    part = ModelPart.from_wire(platform.model)
    assert part.party == "platform" and part.view is None  # no leaf values, no gains
    assert set(platform.importance) == {"owner", "feature", "split_count"}
    assert set(platform.importance["owner"]) == {"platform"}
    assert results["bank"].model is not None
    bank_part = ModelPart.from_wire(results["bank"].model)
    assert not set(bank_part.feature_names) & set(part.feature_names)
    for shape, mine, theirs in zip(bank_part.shapes, part.splits, bank_part.splits, strict=True):
        # Each split lives with its owner only: together they are every inner node, once.
        nodes = np.concatenate([mine.nodes, theirs.nodes])
        np.testing.assert_array_equal(np.sort(nodes), np.flatnonzero(shape.left >= 0))
    assert dealer.model is None and dealer.rows == 0 and dealer.test_scores is None
    assert [s["name"] for s in dealer.stages] == ["check"]
    steps = {d["step"] for d in results["bank"].disclosures}
    assert {"psi", "split", "train", "predict", "share", "check"} <= steps


def job(settings: BoostJobSettings) -> Any:
    def run(ctx: Context, frame: pd.DataFrame | None) -> dict[str, Any]:
        return run_boost(ctx, settings, None, frame=frame, emit=None).to_dict()

    return run


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame | None]:
    generated = vertical_credit(600, seed=1)
    return {"bank": generated.bank, "platform": generated.platform}


def _fails(frames: dict[str, Any], settings: BoostJobSettings, match: str) -> None:
    with pytest.raises(PartyFailed) as failure:
        simulate(job(settings), frames, timeout=20)
    assert set(failure.value.errors) == set(frames)
    assert any(match in error for error in failure.value.errors.values()), failure.value.errors


SMALL = BoostJobSettings(n_estimators=1, max_depth=2, **TEST_KEY)


def test_two_data_parties_without_a_dealer(frames: dict[str, Any]) -> None:
    bank = BoostOutcome.from_dict(simulate(job(SMALL), frames, timeout=30)["bank"])
    assert bank.metrics["test"]["n"] == bank.test_size > 0


def test_labels_at_a_feature_owner_fail_every_party(frames: dict[str, Any]) -> None:
    platform = frames["platform"].assign(default=0)
    _fails({**frames, "platform": platform}, SMALL, "named like the label")


def test_labels_that_are_not_binary_fail_every_party(frames: dict[str, Any]) -> None:
    bank = frames["bank"].assign(default=frames["bank"]["default"] * 2)
    _fails({**frames, "bank": bank}, SMALL, "must hold only 0 and 1")


def test_a_party_with_other_settings_is_refused(frames: dict[str, Any]) -> None:
    def mixed(ctx: Context, frame: pd.DataFrame | None) -> dict[str, Any]:
        depth = 3 if ctx.party == "platform" else 2
        settings = BoostJobSettings(n_estimators=1, max_depth=depth, **TEST_KEY)
        return run_boost(ctx, settings, None, frame=frame, emit=None).to_dict()

    with pytest.raises(PartyFailed, match="other settings"):
        simulate(mixed, frames, timeout=20)


def test_a_dealer_with_a_table_is_refused(frames: dict[str, Any]) -> None:
    settings = BoostJobSettings(dealer="dealer", n_estimators=1, **TEST_KEY)
    with pytest.raises(PartyFailed, match="holds no data"):
        simulate(job(settings), {**frames, "dealer": frames["platform"]}, timeout=20)


def test_three_data_parties_under_paillier(frames: dict[str, Any]) -> None:
    platform = frames["platform"]
    half = ["id", "age", "income", "employment_type"]
    partner = platform[["id", *[c for c in platform.columns if c not in half]]]
    three = {"bank": frames["bank"], "platform": platform[half], "partner": partner}
    settings = BoostJobSettings(
        feature_owners=("platform", "partner"), he="paillier", n_estimators=2, **TEST_KEY
    )
    results = simulate(job(settings), three, timeout=30)
    bank = BoostOutcome.from_dict(results["bank"])
    assert set(bank.importance["owner"]) == {"bank", "platform", "partner"}
    assert bank.metrics["test"]["auc"] > 0.6
    for owner in ("platform", "partner"):
        own = BoostOutcome.from_dict(results[owner])
        assert set(own.importance["owner"]) == {owner} and own.test_scores is None
