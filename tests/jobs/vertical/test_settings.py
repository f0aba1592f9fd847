"""``VerticalSettings``: what both jobs' settings share, and the wire form they keep."""

from __future__ import annotations

from dataclasses import fields
from types import MappingProxyType

import pytest

from confide.errors import ConfigError
from confide.jobs.boost import BoostJobSettings
from confide.jobs.credit import CreditSettings
from confide.jobs.vertical import VerticalSettings
from confide.net.wire import decode, encode

SHARED = (
    "label_holder",
    "feature_owners",
    "dealer",
    "id_column",
    "label_column",
    "test_fraction",
    "split_seed",
)
JOBS = [CreditSettings, BoostJobSettings]
Job = type[CreditSettings] | type[BoostJobSettings]


@pytest.mark.parametrize("cls", JOBS)
def test_both_jobs_start_with_the_shared_fields_in_order(cls: type[VerticalSettings]) -> None:
    names = [item.name for item in fields(cls)]
    assert tuple(names[: len(SHARED)]) == SHARED
    assert list(cls().to_dict()) == names  # the wire form keeps the field order


def test_each_job_keeps_its_own_dealer_default() -> None:
    assert CreditSettings().dealer == "dealer" and BoostJobSettings().dealer is None
    assert CreditSettings().parties == ("bank", "platform", "dealer")
    assert BoostJobSettings().parties == ("bank", "platform")


@pytest.mark.parametrize("cls", JOBS)
def test_tuples_travel_as_lists_and_come_back(cls: type[VerticalSettings]) -> None:
    settings = cls(feature_owners=("platform", "partner"), dealer=None, split_seed=4)
    values = settings.to_dict()
    assert values["feature_owners"] == ["platform", "partner"]
    back = cls.from_dict(decode(bytearray(encode(values))))
    assert back == settings and back.fingerprint() == settings.fingerprint()
    assert back.data_parties == ("bank", "platform", "partner")
    assert cls(split_seed=5).fingerprint() != settings.fingerprint()


def test_a_mapping_field_travels_as_a_plain_dict() -> None:
    settings = CreditSettings(extra=MappingProxyType({"note": "x"}))
    assert type(settings.to_dict()["extra"]) is dict
    assert CreditSettings.from_dict(settings.to_dict()).fingerprint() == settings.fingerprint()


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (CreditSettings, "unknown credit settings: \\['zz'\\]"),
        (BoostJobSettings, "unknown boosting job settings: \\['zz'\\]"),
        (VerticalSettings, "unknown job settings: \\['zz'\\]"),
    ],
)
def test_unknown_keys_name_the_job(cls: type[VerticalSettings], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        cls.from_dict({"zz": 1})


@pytest.mark.parametrize(
    ("cls", "job"), [(CreditSettings, "a credit job"), (BoostJobSettings, "a boosting job")]
)
def test_the_shared_checks_name_the_job(cls: Job, job: str) -> None:
    with pytest.raises(ConfigError, match=f"^{job} needs at least one feature owner"):
        cls(feature_owners=())
    with pytest.raises(ConfigError, match="must not be a data party"):
        cls(dealer="platform")
    with pytest.raises(ConfigError, match="KKRT PSI takes two data parties only"):
        cls(feature_owners=("a", "b"), dealer=None, psi_protocol="kkrt")


@pytest.mark.parametrize("cls", JOBS)
def test_auto_psi_is_kkrt_for_two_data_parties_and_ecdh_for_three(cls: Job) -> None:
    assert cls().psi == "kkrt"
    assert cls(feature_owners=("a", "b"), dealer=None).psi == "ecdh"
    assert cls(psi_protocol="ecdh").psi == "ecdh"
