"""The job function over real processes: three parties talking gRPC with mutual TLS."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.ml.linear import PlainLogisticRegression
from confide.ml.linear.jobs import engine, fit_predict_job
from confide.runtime import Role, launch
from tests.ml.linear.helpers import DEALER, dataset

SETTINGS: dict[str, Any] = {"epochs": 2, "batch_size": 128, "random_state": 3}


def test_fit_and_predict_as_three_processes_over_grpc() -> None:
    x, y = dataset(400, 5, seed=6)
    common = {"protocol": "semi2k", "label_holder": "bank", "settings": SETTINGS}
    inputs = {
        "bank": {**common, "X": x[:, :2], "y": y, "X_test": x[:30, :2]},
        "platform": {**common, "X": x[:, 2:], "X_test": x[:30, 2:]},
        DEALER: common,
    }
    results = launch(fit_predict_job, inputs, roles={DEALER: [Role.COMPUTE_HELPER]}, timeout=60)
    twin = PlainLogisticRegression(**SETTINGS).fit(x, y)
    bank, platform = results["bank"], results["platform"]
    np.testing.assert_allclose(bank["proba"], twin.predict_proba(x[:30]), atol=1e-3)
    np.testing.assert_allclose(
        np.concatenate([bank["coef"], platform["coef"], [bank["intercept"]]]),
        np.concatenate([twin.coef_, [twin.intercept_]]),
        atol=3e-4,
    )
    assert platform["proba"] is None and results[DEALER]["proba"] is None
    assert bank["history"] == platform["history"] == results[DEALER]["history"]
    assert bank["fit_seconds"] > 0 and bank["stats"]["bytes_sent"] > 0


def test_unknown_protocol() -> None:
    with pytest.raises(ConfigError, match="protocol must be one of"):
        engine(None, "spdz")  # type: ignore[arg-type]
