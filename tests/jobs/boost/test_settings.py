"""``BoostJobSettings``: checked when made, a plain dict on the wire, one fingerprint."""

from __future__ import annotations

from typing import Any

import pytest

from confide.errors import ConfigError
from confide.jobs.boost import BoostJobSettings


def test_defaults_and_round_trip() -> None:
    settings = BoostJobSettings(feature_owners=("platform", "partner"), split_seed=3)
    assert settings.parties == ("bank", "platform", "partner")
    assert settings.psi == "ecdh"
    again = BoostJobSettings.from_dict(settings.to_dict())
    assert again == settings and again.fingerprint() == settings.fingerprint()
    assert BoostJobSettings(max_depth=5).fingerprint() != BoostJobSettings().fingerprint()
    assert BoostJobSettings(dealer="dealer").parties == ("bank", "platform", "dealer")
    assert BoostJobSettings().psi == "kkrt"


def test_the_estimator_gets_the_hyper_parameters() -> None:
    settings = BoostJobSettings(n_estimators=7, max_depth=2, he="paillier")
    params = settings.estimator_params()
    assert params["label_holder"] == "bank" and params["he"] == "paillier"
    assert settings.boost_params().n_estimators == 7
    assert settings.boost_params().max_depth == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"feature_owners": ()}, "at least one feature owner"),
        ({"feature_owners": ("bank",)}, "repeat"),
        ({"dealer": "platform"}, "must not be a data party"),
        ({"label_column": "id"}, "must differ"),
        ({"test_fraction": 1.0}, "test_fraction"),
        ({"psi_protocol": "magic"}, "psi_protocol"),
        ({"psi_protocol": "kkrt", "feature_owners": ("a", "b")}, "KKRT"),
        ({"n_estimators": 0}, "n_estimators"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"subsample": 1.5}, "subsample"),
        ({"he": "rsa"}, "unknown encryption scheme"),
        ({"n_jobs": 0}, "n_jobs"),
    ],
)
def test_bad_settings_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        BoostJobSettings(**change)


def test_unknown_keys_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown boosting job settings"):
        BoostJobSettings.from_dict({"epochs": 3})
