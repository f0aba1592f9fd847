"""The hello: every party ends with the same verdict on everyone's inputs and settings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from confide.crypto.he import Scheme
from confide.errors import ConfigError, PartyFailed
from confide.ml.boost.hello import KeySettings, check_inputs
from confide.ml.boost.params import BoostParams
from confide.runtime import Context, simulate

X = np.arange(12.0).reshape(6, 2)
Y = np.array([0, 1, 0, 1, 1, 0])


def hello(ctx: Context, spec: dict[str, Any]) -> Any:
    table, labels, seen = check_inputs(
        ctx, BoostParams(), spec.get("keys", KeySettings()), "bank", spec["X"], spec.get("y")
    )
    return table.n_rows, labels is not None, sorted(seen)


def test_agreement_returns_everyone_s_view() -> None:
    out = simulate(hello, {"bank": {"X": X, "y": Y}, "platform": {"X": X}})
    assert out["bank"] == (6, True, ["bank", "platform"])
    assert out["platform"] == (6, False, ["bank", "platform"])


def test_key_settings_must_agree() -> None:
    weak = KeySettings(1024, allow_weak_key=True)
    with pytest.raises(PartyFailed) as info:
        simulate(hello, {"bank": {"X": X, "y": Y, "keys": weak}, "platform": {"X": X}})
    assert all("different keys" in text for text in info.value.errors.values())


def test_schemes_must_agree() -> None:
    paillier = KeySettings(scheme=Scheme.PAILLIER)
    assert KeySettings().scheme is Scheme.OU
    assert KeySettings(scheme="ou").scheme is Scheme.OU  # type: ignore[arg-type]
    with pytest.raises(PartyFailed) as info:
        simulate(hello, {"bank": {"X": X, "y": Y, "keys": paillier}, "platform": {"X": X}})
    assert all("different keys" in text for text in info.value.errors.values())
    with pytest.raises(ConfigError, match="unknown encryption scheme"):
        KeySettings(scheme="rsa")  # type: ignore[arg-type]


def test_too_few_rows() -> None:
    with pytest.raises(PartyFailed) as info:
        simulate(hello, {"bank": {"X": X, "y": Y}, "platform": {"X": X[:1]}})
    assert "at least 2" in info.value.errors["platform"]
    assert info.value.errors["bank"].startswith("ProtocolError: 'platform' cannot take part")
