"""Running secure logistic regression in tests: parties as threads over memory links.

``run`` builds the engine each party asks for (semi2k with a dealer, or aby3), fits
:class:`SecureLogisticRegression` on the party's columns and predicts the test rows; it returns
each party's learned state and prediction. Data sets are small (a few thousand rows) so that
every run takes about a second.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_classification

from confide.errors import PartyFailed
from confide.ml.linear import SecureLogisticRegression
from confide.ml.linear.jobs import engine
from confide.mpc import MPC, Semi2k, TrustedDealer
from confide.runtime import Context, Role, simulate

DEALER = "dealer"
ROLES = {DEALER: [Role.COMPUTE_HELPER]}


def dataset(
    rows: int = 2400, columns: int = 8, seed: int = 0, **kwargs: Any
) -> tuple[np.ndarray, np.ndarray]:
    """A generated binary problem, features standardised (as the estimator expects)."""
    informative = min(5, columns)
    x, y = make_classification(
        rows, columns, n_informative=informative, n_redundant=min(2, columns - informative),
        random_state=seed, **kwargs,
    )  # fmt: skip
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return x, y.astype(np.int64)


def fit_job(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    """One party: fit, then (if asked) predict; what it learned and predicted."""
    if spec["protocol"] == "semi2k-local":  # SecureML's local truncation, to be refused
        mpc = MPC(ctx, Semi2k("local"), TrustedDealer())
    else:
        mpc = engine(ctx, spec["protocol"])
    model = SecureLogisticRegression(mpc, label_holder=spec["label_holder"], **spec["settings"])
    model.fit(spec.get("X"), spec.get("y"))
    out: dict[str, Any] = {"model": model}
    if spec.get("predict"):
        out["proba"] = model.predict_proba(spec.get("X_test"), receiver=spec.get("receiver"))
    return out


def run(
    blocks: Mapping[str, np.ndarray | None],
    y: np.ndarray,
    *,
    protocol: str = "semi2k",
    label_holder: str = "bank",
    tests: dict[str, np.ndarray] | None = None,
    receiver: str | None = None,
    **settings: Any,
) -> dict[str, dict[str, Any]]:
    """Fit on the data parties' ``blocks`` (plus a dealer for semi2k); predict ``tests``."""
    inputs: dict[str, dict[str, Any]] = {}
    for party, block in blocks.items():
        spec: dict[str, Any] = {
            "protocol": protocol,
            "label_holder": label_holder,
            "settings": settings,
            "X": block,
            "receiver": receiver,
            "predict": tests is not None,
        }
        if tests is not None:
            spec["X_test"] = tests[party]
        inputs[party] = spec
    inputs[label_holder]["y"] = y
    roles = None
    if protocol == "semi2k":
        inputs[DEALER] = {
            "protocol": protocol,
            "label_holder": label_holder,
            "settings": settings,
            "receiver": receiver,
            "predict": tests is not None,
        }
        roles = ROLES
    return simulate(fit_job, inputs, roles=roles, timeout=60)


def failures(
    blocks: dict[str, Any],
    y: Any,
    *,
    at: str = "bank",
    label_holder: str = "bank",
    protocol: str = "semi2k",
    overrides: dict[str, dict[str, Any]] | None = None,
    **settings: Any,
) -> dict[str, str]:
    """The error text of every party (semi2k with a dealer) when fitting must fail.

    ``blocks`` are the parties' features (the dealer's too, if given), the labels go to
    ``at``, and ``overrides`` changes one party's settings.
    """
    inputs: dict[str, dict[str, Any]] = {}
    for party in [*blocks, *([] if DEALER in blocks else [DEALER])]:
        inputs[party] = {
            "protocol": protocol,
            "label_holder": label_holder,
            "settings": {**settings, **(overrides or {}).get(party, {})},
            "X": blocks.get(party),
        }
    inputs[at]["y"] = y
    with pytest.raises(PartyFailed) as info:
        simulate(fit_job, inputs, roles=ROLES, timeout=30)
    return info.value.errors
