"""Secure vertical WOE/IV against the plaintext twin (semi2k + dealer, aby3, the Taiwan data),
who learns which tables, and bad inputs.

Counts are exact integers under MPC, and the WOE/IV code is the plaintext twin's, so secure and
plaintext counts must be equal and IVs equal to 1e-12.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pytest

from confide.datasets import taiwan_vertical, vertical_credit
from confide.errors import PartyFailed
from confide.mpc import MPC, Aby3, Semi2k, TrustedDealer
from confide.preprocessing import (
    BinSpec,
    WoeResult,
    WoeTable,
    assign_bins,
    fit_bins,
    plain_woe_iv,
    select_by_iv,
    vertical_woe,
    woe_transform,
)
from confide.runtime import Context, Role, simulate
from tests.credit_data import CREDIT_CSV

IV_TOL = 1e-12
ROLES = {"dealer": [Role.COMPUTE_HELPER]}
BANK_FEATURES = ["months_on_book", "utilisation", "past_delinquencies", "payment_ratio"]
PLATFORM_FEATURES = ["age", "income", "employment_type", "inquiries_6m"]
PARTNER_FEATURES = ["region", "credit_line", "online_activity"]

Part = dict[str, Any]


def job(ctx: Context, part: Part) -> WoeResult:
    """One party's call: semi2k with a dealer, or aby3 among three data parties."""
    if part["protocol"] == "semi2k":
        mpc = MPC(ctx, protocol=Semi2k(), provider=TrustedDealer())
    else:
        mpc = MPC(ctx, protocol=Aby3())
    return vertical_woe(
        mpc, part["bins"], part["specs"], part["labels"], label_holder="bank", **part["options"]
    )


def owner_part(
    protocol: str,
    frame: pd.DataFrame | None,
    specs: Mapping[str, BinSpec] | None,
    labels: np.ndarray | None = None,
    **options: Any,
) -> Part:
    bins = None if frame is None or specs is None else assign_bins(frame, specs)
    return {
        "protocol": protocol,
        "bins": bins,
        "specs": specs,
        "labels": labels,
        "options": options,
    }


def generated(n: int = 800) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Aligned bank and platform tables (the same ids in the same order) and the labels."""
    data = vertical_credit(n, overlap=1.0, seed=7)
    assert data.bank["id"].tolist() == data.platform["id"].tolist()
    return data.bank, data.platform, data.bank["default"].to_numpy()


def assert_matches_plaintext(
    results: Mapping[str, WoeResult], plain: Mapping[str, WoeTable]
) -> None:
    for party, result in results.items():
        assert list(result.iv) == list(plain), party
        for name, table in plain.items():
            assert abs(result.iv[name] - table.iv) <= IV_TOL, (party, name)
        for name, table in result.tables.items():
            np.testing.assert_array_equal(table.events, plain[name].events, err_msg=name)
            np.testing.assert_array_equal(table.non_events, plain[name].non_events, err_msg=name)
            np.testing.assert_allclose(table.woe, plain[name].woe, rtol=0, atol=IV_TOL)
            assert abs(table.iv - plain[name].iv) <= IV_TOL


def test_two_data_parties_and_a_dealer_equal_plaintext() -> None:
    bank, platform, labels = generated()
    bank_specs = fit_bins(bank, BANK_FEATURES)
    platform_specs = fit_bins(platform, PLATFORM_FEATURES)
    options: dict[str, Any] = {"block_rows": 300}  # three blocks, the last one short
    parts = {
        "bank": owner_part("semi2k", bank, bank_specs, labels, **options),
        "platform": owner_part("semi2k", platform, platform_specs, **options),
        "dealer": owner_part("semi2k", None, None, **options),
    }
    results = simulate(job, parts, roles=ROLES, timeout=60)
    plain = {
        **plain_woe_iv(assign_bins(bank, bank_specs), bank_specs, labels, owner="bank"),
        **plain_woe_iv(assign_bins(platform, platform_specs), platform_specs, labels),
    }
    assert_matches_plaintext(results, plain)
    bank_result, platform_result = results["bank"], results["platform"]
    # Who learns which tables: the bank all, the platform its own, the dealer none.
    assert list(bank_result.tables) == BANK_FEATURES + PLATFORM_FEATURES
    assert list(platform_result.tables) == PLATFORM_FEATURES
    assert results["dealer"].tables == {}
    assert bank_result.owners == {
        **dict.fromkeys(BANK_FEATURES, "bank"),
        **dict.fromkeys(PLATFORM_FEATURES, "platform"),
    }
    assert bank_result.tables["age"].labels == platform_specs["age"].labels
    assert bank_result.tables["age"].owner == "platform"
    # The platform transforms its own columns with the tables it learned.
    transformed = woe_transform(platform, platform_specs, platform_result.tables)
    expected = woe_transform(platform, platform_specs, plain)
    pd.testing.assert_frame_equal(transformed, expected, rtol=0, atol=IV_TOL)
    # Every party agrees on the selection.
    chosen = bank_result.selected(0.02)
    assert chosen == select_by_iv(plain_iv(plain), 0.02) and chosen
    assert all(r.selected(0.02) == chosen for r in results.values())
    # Rounds: announce, labels input, 3 blocks x (one-hot input + matmul), one reveal, IVs.
    assert bank_result.rounds == platform_result.rounds == 2 + 1 + 3 * 2 + 1
    assert results["dealer"].rounds == 2
    assert platform_result.bytes_sent > 8 * len(labels) * sum(
        s.n_bins for s in platform_specs.values()
    )


def plain_iv(tables: Mapping[str, WoeTable]) -> dict[str, float]:
    return {name: table.iv for name, table in tables.items()}


def test_three_parties_aby3_equal_plaintext_with_a_receiver_and_hidden_labels() -> None:
    bank, platform, labels = generated(600)
    specs = {
        "bank": fit_bins(bank, BANK_FEATURES),
        "platform": fit_bins(platform, PLATFORM_FEATURES),
        "partner": fit_bins(platform, PARTNER_FEATURES),
    }
    frames = {"bank": bank, "platform": platform, "partner": platform}
    options = {"receivers": ["partner"], "share_bin_labels": False}
    parts = {
        party: owner_part("aby3", frames[party], specs[party],
                          labels if party == "bank" else None, **options)
        for party in ("bank", "platform", "partner")
    }  # fmt: skip
    results = simulate(job, parts, timeout=60)
    plain: dict[str, WoeTable] = {}
    for party in ("bank", "platform", "partner"):
        plain.update(plain_woe_iv(assign_bins(frames[party], specs[party]), specs[party], labels))
    assert_matches_plaintext(results, plain)
    every = BANK_FEATURES + PLATFORM_FEATURES + PARTNER_FEATURES
    assert list(results["bank"].tables) == every
    assert list(results["partner"].tables) == every  # a receiver learns every table
    assert list(results["platform"].tables) == PLATFORM_FEATURES
    # Without share_bin_labels the others see bin numbers, the owner its own labels.
    assert results["bank"].tables["age"].labels[:2] == ("bin 0", "bin 1")
    assert results["partner"].tables["utilisation"].labels[0] == "bin 0"
    assert results["platform"].tables["age"].labels == specs["platform"]["age"].labels
    assert results["partner"].tables["region"].labels == specs["partner"]["region"].labels
    # One reveal per owner other than the bank: 2 + labels + (2 inputs + matmul) + 2 reveals.
    assert results["bank"].rounds == 2 + 1 + 3 + 2


@pytest.mark.data
@pytest.mark.skipif(not CREDIT_CSV.exists(), reason=f"the credit data is not at {CREDIT_CSV}")
def test_taiwan_credit_data_secure_iv_equals_plaintext() -> None:
    data = taiwan_vertical(CREDIT_CSV)
    label = data.label_column
    bank_features = [c for c in data.bank.columns if c not in ("ID", label)]
    platform_features = [c for c in data.platform.columns if c != "ID"]
    # Each side bins its own table, then both keep the shared customers in one order (what
    # confide.psi.align gives; joined in the clear here, as a test may).
    bank_specs = fit_bins(data.bank, bank_features)
    platform_specs = fit_bins(data.platform, platform_features,
                              categorical=["EDUCATION", "MARRIAGE"])  # fmt: skip
    joined = data.bank.merge(data.platform, on="ID")
    labels = joined[label].to_numpy()
    parts = {
        "bank": owner_part("semi2k", joined, bank_specs, labels),
        "platform": owner_part("semi2k", joined, platform_specs),
        "dealer": owner_part("semi2k", None, None),
    }
    results = simulate(job, parts, roles=ROLES, timeout=120)
    plain = {
        **plain_woe_iv(assign_bins(joined, bank_specs), bank_specs, labels),
        **plain_woe_iv(assign_bins(joined, platform_specs), platform_specs, labels),
    }
    assert_matches_plaintext(results, plain)
    iv = results["platform"].iv
    assert max(iv, key=iv.__getitem__) == "PAY_0"  # the repayment status predicts best
    assert "LIMIT_BAL" in results["dealer"].selected(0.02)


def test_only_the_label_holder_has_features_no_mpc_needed() -> None:
    bank, _, labels = generated(300)
    specs = fit_bins(bank, BANK_FEATURES)
    parts = {
        "bank": owner_part("semi2k", bank, specs, labels, receivers=["platform"]),
        "platform": owner_part("semi2k", None, None, receivers=["platform"]),
        "dealer": owner_part("semi2k", None, None, receivers=["platform"]),
    }
    results = simulate(job, parts, roles=ROLES, timeout=30)
    plain = plain_woe_iv(assign_bins(bank, specs), specs, labels)
    assert_matches_plaintext(results, plain)
    assert list(results["platform"].tables) == BANK_FEATURES  # a receiver of the bank's tables
    assert results["platform"].tables["utilisation"].labels == specs["utilisation"].labels
    assert results["bank"].rounds == 2  # the announcement and the IVs


# -- bad inputs ----------------------------------------------------------------------------------


def run_bad(parts: Mapping[str, Part]) -> dict[str, str]:
    """Run a job expected to fail; each failed party's error text."""
    with pytest.raises(PartyFailed) as info:
        simulate(job, parts, roles=ROLES, timeout=10)
    return info.value.errors


def small_parts(**changes: Any) -> dict[str, Part]:
    bank, platform, labels = generated(300)
    bank_specs = fit_bins(bank, BANK_FEATURES[:2])
    platform_specs = fit_bins(platform, PLATFORM_FEATURES[:2])
    parts = {
        "bank": owner_part("semi2k", bank, bank_specs, labels),
        "platform": owner_part("semi2k", platform, platform_specs),
        "dealer": owner_part("semi2k", None, None),
    }
    for key, value in changes.items():
        party, field = key.split("__")
        parts[party][field] = value
    return parts


def test_labels_that_are_not_binary_are_refused() -> None:
    parts = small_parts()
    parts["bank"]["labels"] = np.where(parts["bank"]["labels"] == 1, 2, 0)
    errors = run_bad(parts)
    assert "ConfigError" in errors["bank"] and "0 or 1" in errors["bank"]


def test_labels_from_a_party_that_does_not_hold_them_are_refused() -> None:
    parts = small_parts()
    parts["platform"]["labels"] = parts["bank"]["labels"]
    errors = run_bad(parts)
    assert "only the label holder 'bank' passes labels" in errors["platform"]


def test_different_row_counts_fail_on_every_party() -> None:
    parts = small_parts()
    parts["platform"]["bins"] = parts["platform"]["bins"][:-1]
    errors = run_bad(parts)
    assert set(errors) == {"bank", "platform", "dealer"}
    for text in errors.values():
        assert "ProtocolError" in text and "different numbers of rows" in text
        assert "bank: 300, platform: 299" in text


def test_different_settings_fail_on_every_party() -> None:
    parts = small_parts(platform__options={"smoothing": 1.0})
    errors = run_bad(parts)
    assert set(errors) == {"bank", "platform", "dealer"}
    assert all("ProtocolError" in text and "other settings" in text for text in errors.values())


def test_a_feature_announced_twice_fails_on_every_party() -> None:
    parts = small_parts()
    bank_specs = parts["bank"]["specs"]
    parts["platform"]["specs"] = bank_specs
    parts["platform"]["bins"] = parts["bank"]["bins"]
    errors = run_bad(parts)
    assert set(errors) == {"bank", "platform", "dealer"}
    assert all("is announced by 'bank' and 'platform'" in text for text in errors.values())


def test_bins_below_the_minimum_are_refused_by_their_owner() -> None:
    parts = small_parts(platform__options={"min_bin_rows": 40},
                        bank__options={"min_bin_rows": 40},
                        dealer__options={"min_bin_rows": 40})  # fmt: skip
    bins = parts["platform"]["bins"].copy()
    bins[:5, 0] = 0
    bins[5:, 0] = 1  # bin 0 of the first feature holds 5 rows
    parts["platform"]["bins"] = bins
    errors = run_bad(parts)
    assert "fewer than 40 of the aligned rows" in errors["platform"]
    assert "'age'" in errors["platform"]


def test_the_dealer_passes_no_data() -> None:
    parts = small_parts()
    parts["dealer"]["labels"] = parts["bank"]["labels"]
    errors = run_bad(parts)
    assert "holds no shares" in errors["dealer"]
