"""The credit job end to end under ``simulate``: who gets what; bad inputs refused everywhere."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from confide.datasets import vertical_credit
from confide.errors import PartyFailed
from confide.jobs.credit import CreditOutcome, CreditSettings, run_credit
from confide.ml.scorecard import BASE_FEATURE
from confide.runtime import Context, simulate

ROLES = {"dealer": ["compute_helper"]}


def job(settings: CreditSettings) -> Any:
    def run(ctx: Context, frame: pd.DataFrame | None) -> dict[str, Any]:
        return run_credit(ctx, settings, None, frame=frame, emit=None).to_dict()

    return run


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame | None]:
    generated = vertical_credit(4_000, seed=3)
    return {"bank": generated.bank, "platform": generated.platform, "dealer": None}


@pytest.fixture(scope="module")
def outcomes(data: dict[str, pd.DataFrame | None]) -> dict[str, CreditOutcome]:
    results = simulate(job(CreditSettings(split_seed=5)), data, roles=ROLES, timeout=60)
    return {party: CreditOutcome.from_dict(result) for party, result in results.items()}


def test_the_bank_gets_scores_metrics_and_the_whole_scorecard(
    outcomes: dict[str, CreditOutcome],
) -> None:
    bank = outcomes["bank"]
    assert bank.test_scores is not None and bank.test_labels is not None
    assert bank.test_scores.shape == (bank.test_size,) == bank.test_labels.shape
    assert bank.train_size + bank.test_size == bank.intersection == 3_200
    assert bank.metrics["test"]["auc"] > 0.75
    assert set(bank.coefficients) == {"bank", "platform"}
    assert set(bank.scorecard["feature"]) == {BASE_FEATURE, *bank.selected}
    assert bank.test_ids is not None and len(bank.test_ids) == bank.test_size
    # The scorecard ranks as the model does: points fall as the probability rises.
    assert bank.test_points is not None
    order = np.argsort(bank.test_scores)
    assert np.all(np.diff(bank.test_points[order]) <= 1e-9)


def test_owners_learn_their_own_part_and_no_scores(outcomes: dict[str, CreditOutcome]) -> None:
    platform, dealer = outcomes["platform"], outcomes["dealer"]
    assert platform.test_scores is None and platform.train_scores is None
    assert platform.metrics == {} and platform.scorecard == {}
    assert set(platform.coefficients) == {"platform"}
    owned = {f for f, owner in platform.owners.items() if owner == "platform"}
    assert set(platform.coefficients["platform"]) == owned & set(platform.selected)
    assert dealer.test_scores is None and dealer.coefficients == {} and dealer.rows == 0
    assert [s["name"] for s in dealer.stages] == ["check", "woe", "train", "predict", "share"]


def test_every_party_agrees_on_iv_and_selection(outcomes: dict[str, CreditOutcome]) -> None:
    bank = outcomes["bank"]
    for other in ("platform", "dealer"):
        assert outcomes[other].iv == bank.iv
        assert outcomes[other].selected == bank.selected
    assert all(bank.iv[f] >= 0.02 for f in bank.selected)


def test_keeping_the_model_at_home_leaves_the_bank_without_platform_coefficients(
    data: dict[str, pd.DataFrame | None],
) -> None:
    settings = CreditSettings(split_seed=5, share_model_with_label_holder=False, epochs=2)
    bank = CreditOutcome.from_dict(simulate(job(settings), data, roles=ROLES)["bank"])
    assert set(bank.coefficients) == {"bank"}
    assert "platform" not in set(bank.scorecard["owner"])


def test_three_data_parties_run_on_aby3_without_a_dealer() -> None:
    generated = vertical_credit(3_000, seed=4)
    platform = generated.platform
    half = ["id", "age", "income", "employment_type"]
    partner = platform[["id", *[c for c in platform.columns if c not in half]]]
    frames = {"bank": generated.bank, "platform": platform[half], "partner": partner}
    settings = CreditSettings(feature_owners=("platform", "partner"), dealer=None, epochs=3)
    results = simulate(job(settings), frames)
    bank = CreditOutcome.from_dict(results["bank"])
    assert set(bank.coefficients) == {"bank", "platform", "partner"}
    assert bank.metrics["test"]["auc"] > 0.7


def _fails(frames: dict[str, Any], settings: CreditSettings, match: str) -> None:
    with pytest.raises(PartyFailed) as failure:
        simulate(job(settings), frames, roles=ROLES, timeout=20)
    assert set(failure.value.errors) == set(frames)
    assert any(match in error for error in failure.value.errors.values()), failure.value.errors


def test_labels_that_are_not_binary_fail_every_party(data: dict[str, Any]) -> None:
    bank = data["bank"].assign(default=data["bank"]["default"] * 2)
    _fails({**data, "bank": bank}, CreditSettings(), "must hold only 0 and 1")


def test_a_missing_id_column_fails_every_party(data: dict[str, Any]) -> None:
    platform = data["platform"].rename(columns={"id": "customer"})
    _fails({**data, "platform": platform}, CreditSettings(), "no id column 'id'")


def test_no_customer_in_common_fails_every_party(data: dict[str, Any]) -> None:
    platform = data["platform"].assign(id="other-" + data["platform"]["id"])
    _fails({**data, "platform": platform}, CreditSettings(), "no customer in common")


@pytest.mark.filterwarnings("ignore:column .flat. is constant")
def test_only_constant_features_fail_every_party(data: dict[str, Any]) -> None:
    platform = data["platform"][["id"]].assign(flat=1.0)
    _fails({**data, "platform": platform}, CreditSettings(), "can be binned")


def test_a_party_with_other_settings_is_refused(data: dict[str, Any]) -> None:
    def mixed(ctx: Context, frame: pd.DataFrame | None) -> dict[str, Any]:
        settings = CreditSettings(n_bins=5 if ctx.party == "platform" else 10)
        return run_credit(ctx, settings, None, frame=frame, emit=None).to_dict()

    with pytest.raises(PartyFailed, match="other settings"):
        simulate(mixed, data, roles=ROLES, timeout=20)


def test_the_label_column_at_a_feature_owner_is_refused(data: dict[str, Any]) -> None:
    platform = data["platform"].assign(default=0)
    _fails({**data, "platform": platform}, CreditSettings(), "named like the label")
