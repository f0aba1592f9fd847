"""Settings: refusals with a sentence, the mapping to scikit-learn's C, the step constants."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.ml.linear.params import STEP_BITS, C_to_l2, LinearParams, l2_to_C


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"epochs": 0}, "epochs must be a positive int"),
        ({"batch_size": 2.5}, "batch_size must be a positive int"),
        ({"learning_rate": 0.0}, "learning_rate must be in (0"),
        ({"momentum": 1.0}, "momentum must be in [0, 1)"),
        ({"l2": -1.0}, "l2 must be in [0"),
        ({"l2": math.nan}, "l2 must be a finite number"),
        ({"validation_fraction": 1.0}, "validation_fraction must be in [0, 1)"),
        ({"sigmoid": "tanh"}, "sigmoid must be one of"),
        ({"reveal": "all"}, "reveal must be one of"),
        ({"class_weight": {0: 1.0}}, "exactly the keys 0 and 1"),
        ({"class_weight": {0: 1.0, 1: -2.0}}, "class_weight[1] must be in (0"),
        ({"class_weight": "auto"}, "class_weight must be None, 'balanced' or a dict"),
        ({"early_stopping": True, "validation_fraction": 0.0}, "needs validation_fraction > 0"),
        ({"random_state": -1}, "random_state must be None or a non-negative int"),
        ({"shuffle": 1}, "shuffle must be True or False"),
    ],
)
def test_refusals(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        LinearParams(**settings)
    assert message in str(info.value)


def test_c_mapping_round_trips() -> None:
    assert l2_to_C(0.0, 100) == math.inf and C_to_l2(math.inf, 100) == 0.0
    assert l2_to_C(1e-3, 2000) == pytest.approx(0.5)
    assert C_to_l2(l2_to_C(3e-4, 777), 777) == pytest.approx(3e-4)
    with pytest.raises(ConfigError):
        l2_to_C(1.0, 0)


def test_step_constants_are_rounded_once_for_both_twins() -> None:
    params = LinearParams(learning_rate=0.3, momentum=0.9, l2=1e-3)
    constants = params.constants(1000, 18)
    assert constants.step == round(0.3 / 1000 * 2**STEP_BITS)
    assert constants.step_value == pytest.approx(0.3 / 1000, rel=2e-3)
    assert constants.momentum_value == pytest.approx(0.9, rel=1e-12)
    assert constants.decay_value == pytest.approx(3e-4, rel=1e-9)
    with pytest.raises(ConfigError, match="below the fixed-point resolution"):
        LinearParams(learning_rate=1e-5).constants(4096, 18)
    with pytest.raises(ConfigError, match="at most 18 fractional bits"):
        params.constants(1000, 20)


def test_row_weights() -> None:
    y = np.array([0, 0, 0, 1])
    assert LinearParams().row_weights(y) is None
    balanced = LinearParams(class_weight="balanced").row_weights(y)
    assert balanced is not None
    np.testing.assert_allclose(balanced, [4 / 6, 4 / 6, 4 / 6, 2.0])
    given = LinearParams(class_weight={0: 1.0, 1: 3.0}).row_weights(y)
    assert given is not None
    np.testing.assert_allclose(given, [1, 1, 1, 3])


def test_canonical_text_tells_settings_apart() -> None:
    assert LinearParams(l2=0.1).canonical() == LinearParams(l2=0.1).canonical()
    assert LinearParams(l2=0.1).canonical() != LinearParams(l2=0.2).canonical()
    weighted = LinearParams(class_weight={0: 1.0, 1: 2.0}).canonical()
    assert '"class_weight": {"0": 1.0, "1": 2.0}' in weighted
