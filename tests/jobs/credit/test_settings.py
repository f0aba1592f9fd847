"""Credit job settings: checked when made, the same through the wire, one fingerprint."""

from __future__ import annotations

from typing import Any

import pytest

from confide.errors import ConfigError
from confide.jobs.credit import CreditSettings, PartyTable
from confide.net.wire import decode, encode


def test_round_trip_through_the_wire_keeps_settings_and_fingerprint() -> None:
    settings = CreditSettings(n_bins=7, split_seed=3, feature_owners=("platform",))
    back = CreditSettings.from_dict(decode(bytearray(encode(settings.to_dict()))))
    assert back == settings
    assert back.fingerprint() == settings.fingerprint()
    assert CreditSettings(n_bins=8).fingerprint() != CreditSettings(n_bins=7).fingerprint()


def test_parties_and_psi_protocol() -> None:
    two = CreditSettings()
    assert two.parties == ("bank", "platform", "dealer")
    assert two.psi == "kkrt"
    three = CreditSettings(feature_owners=("platform", "partner"), dealer=None)
    assert three.parties == ("bank", "platform", "partner")
    assert three.psi == "ecdh"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"feature_owners": ()}, "at least one feature owner"),
        ({"feature_owners": ("bank",)}, "repeat"),
        ({"dealer": None}, "need a dealer"),
        ({"feature_owners": ("a", "b"), "dealer": "d"}, "without a dealer"),
        ({"feature_owners": ("a", "b", "c"), "dealer": None}, "two or three"),
        ({"dealer": "platform"}, "must not be a data party"),
        ({"label_column": "id"}, "must differ"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"binning": "kmeans"}, "binning"),
        ({"n_bins": 1}, "n_bins"),
        ({"epochs": 0}, "epochs"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"l2": -1.0}, "l2"),
        ({"psi_protocol": "rsa"}, "psi_protocol"),
        ({"feature_owners": ("a", "b"), "dealer": None, "psi_protocol": "kkrt"}, "KKRT"),
    ],
)
def test_bad_settings_are_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        CreditSettings(**changes)


def test_unknown_keys_are_refused() -> None:
    values = CreditSettings().to_dict()
    values["n_trees"] = 3
    with pytest.raises(ConfigError, match="unknown credit settings"):
        CreditSettings.from_dict(values)


def test_party_table_round_trip() -> None:
    table = PartyTable("/data/bank.csv", ("a", "b"))
    assert PartyTable.from_dict(table.to_dict()) == table
    assert PartyTable.from_dict(PartyTable("/x.csv").to_dict()).features is None
