"""``check_vertical_spec``: the layout every vertical job's step must have, and its options."""

from __future__ import annotations

from typing import Any

import pytest

from confide.errors import ConfigError
from confide.jobs.boost import BoostJobSettings
from confide.jobs.credit import CreditSettings
from confide.jobs.vertical import check_vertical_spec
from tests.jobs.helpers import parse, spec_dict

NAME = "credit.any"


def data() -> dict[str, Any]:
    return spec_dict("job", "step", NAME, {})


def check(values: dict[str, Any], **options: Any) -> None:
    spec = parse(values)
    check_vertical_spec(NAME, spec, spec.steps[0], CreditSettings(), **options)


def test_the_usual_layout_passes() -> None:
    check(data())
    check(data(), features_required=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["steps"][0]["outputs"][0].update(to=["bank", "platform"]), "label holder"),
        (lambda s: s["steps"][0]["outputs"].pop(0), "one output of kind scores"),
        (lambda s: s["steps"][0]["outputs"][1].update(kind="statistics"), "scores or model"),
        (lambda s: s["steps"][0]["reads"]["platform"]["features"].append("default"), "only"),
        (lambda s: s["steps"][0]["reads"]["bank"]["loans"].remove("id"), "the id column 'id'"),
        (lambda s: s["steps"][0]["reads"].pop("platform"), "exactly the data parties"),
        (lambda s: s["parties"].pop("dealer"), "are not the step's"),
    ],
)
def test_a_step_off_the_layout_is_refused(change: Any, message: str) -> None:
    values = data()
    change(values)
    with pytest.raises(ConfigError, match=f"^{NAME}: .*{message}"):
        check(values)


def test_the_options_add_a_hint_a_feature_check_and_the_model_part_rule() -> None:
    values = data()
    values["parties"].pop("dealer")
    with pytest.raises(ConfigError, match=r"\['bank', 'platform'\] are not .* \(a hint\)$"):
        check(values, parties_hint=" (a hint)")
    values = data()
    values["steps"][0]["reads"]["platform"]["features"] = ["id"]
    check(values)  # a party without features is the job's own business by default
    with pytest.raises(ConfigError, match="'platform' must read at least one feature column"):
        check(values, features_required=True)
    values = data()
    values["parties"]["dealer"].append("result_receiver")
    values["steps"][0]["outputs"][1]["to"] = ["dealer"]
    with pytest.raises(ConfigError, match=r"model parts go to data parties only$"):
        check(values)
    with pytest.raises(ConfigError, match=r"each its own$"):
        check(values, model_parts="model parts go to data parties only, each its own")


def test_the_settings_decide_the_parties() -> None:
    values = data()
    values["parties"].pop("dealer")
    spec = parse(values)
    check_vertical_spec(NAME, spec, spec.steps[0], BoostJobSettings())
