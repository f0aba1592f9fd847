"""``credit.scorecard`` and ``credit.boost`` in the enclave against the same steps by MPC.

The MPC jobs run in memory (:func:`confide.runtime.simulate`) on the same tables as the enclave
components (:func:`confide.tee.run_components`), from one spec with and without
``execution: tee``. Stated tolerances: the same split (identical train and test ids), IVs
within 1e-12 (the secure counts are exact), the same selection; logistic regression
coefficients and intercept within 3e-4 (the secure estimator's fixed-point gap to its twin,
``tests/ml/linear/test_estimator.py``), test AUC within 0.005; boosting: the same trees (equal
shape digests of every party's part) and scores within 1e-9.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from confide.cli.node_demo import Execution, boost_spec, credit_spec
from confide.datasets import vertical_credit
from confide.errors import ConfigError
from confide.jobs.boost import BoostJobSettings, BoostOutcome, run_boost
from confide.jobs.credit import CreditOutcome, CreditSettings, run_credit
from confide.ml.boost import ModelPart
from confide.policy import parse_job
from confide.runtime import Context, simulate
from confide.tee import SIMULATION_TRUST, check_tee_spec, run_components
from confide.tee.components import receiver_value

COEF_TOLERANCE = 3e-4
AUC_TOLERANCE = 0.005
DATA = vertical_credit(1_500, seed=4)
FRAMES = {("bank", "loans"): DATA.bank, ("platform", "features"): DATA.platform}
ID_COLUMNS = dict.fromkeys(FRAMES, DATA.id_column)
READS = {"bank": list(DATA.bank.columns), "platform": list(DATA.platform.columns)}
CREDIT = CreditSettings(split_seed=9, epochs=4)
BOOST = BoostJobSettings(
    dealer="dealer", split_seed=9, n_estimators=3, max_depth=3, key_bits=1024, allow_weak_key=True
)
ROLES = {"dealer": ["compute_helper"]}
TABLES: dict[str, pd.DataFrame | None] = {"bank": DATA.bank, "platform": DATA.platform}


def _mpc(job: Any) -> dict[str, Any]:
    results: dict[str, Any] = simulate(job, {**TABLES, "dealer": None}, roles=ROLES, timeout=120)
    return results


@pytest.fixture(scope="module")
def scorecard() -> tuple[CreditOutcome, dict[str, Any], dict[tuple[str, str], Any]]:
    def job(ctx: Context, frame: pd.DataFrame | None) -> dict[str, Any]:
        return run_credit(ctx, CREDIT, None, frame=frame, emit=None).to_dict()

    mpc = _mpc(job)
    spec = parse_job(credit_spec("c", CREDIT, READS, execution=Execution.TEE), "spec")
    return CreditOutcome.from_dict(mpc["bank"]), mpc, run_components(spec, FRAMES, ID_COLUMNS)


def test_the_scorecard_in_the_enclave_equals_the_mpc_job(
    scorecard: tuple[CreditOutcome, dict[str, Any], dict[tuple[str, str], Any]],
) -> None:
    mpc, _, values = scorecard
    tee = CreditOutcome.from_dict(values[("scorecard", "scores")])
    assert tee.party == "bank" and tee.settings == mpc.settings
    assert (tee.rows, tee.intersection) == (mpc.rows, mpc.intersection) == (1_500, 1_200)
    assert list(tee.train_ids or []) == list(mpc.train_ids or [])
    assert list(tee.test_ids or []) == list(mpc.test_ids or [])
    np.testing.assert_array_equal(np.asarray(tee.test_labels), np.asarray(mpc.test_labels))
    assert tee.owners == mpc.owners and tee.selected == mpc.selected
    for name, iv in mpc.iv.items():
        assert tee.iv[name] == pytest.approx(iv, abs=1e-12), name
    assert set(tee.coefficients) == set(mpc.coefficients) == {"bank", "platform"}
    for party, coefficients in mpc.coefficients.items():
        assert set(tee.coefficients[party]) == set(coefficients)
        for name, value in coefficients.items():
            assert abs(tee.coefficients[party][name] - value) <= COEF_TOLERANCE, name
    assert tee.intercept is not None and mpc.intercept is not None
    assert abs(tee.intercept - mpc.intercept) <= COEF_TOLERANCE
    gap = abs(tee.metrics["test"]["auc"] - mpc.metrics["test"]["auc"])
    assert gap <= AUC_TOLERANCE, (tee.metrics["test"]["auc"], mpc.metrics["test"]["auc"])
    assert tee.scorecard and set(tee.scorecard) == set(mpc.scorecard)
    assert any(SIMULATION_TRUST in d["why"] for d in tee.disclosures)


def test_each_model_part_receiver_gets_its_own_coefficients(
    scorecard: tuple[CreditOutcome, dict[str, Any], dict[tuple[str, str], Any]],
) -> None:
    _, mpc, values = scorecard
    spec = parse_job(credit_spec("c", CREDIT, READS, execution=Execution.TEE), "spec")
    for party in ("bank", "platform"):
        part = receiver_value(spec, values, "scorecard", "model", party)
        mine = CreditOutcome.from_dict(mpc[party]).coefficients[party]
        assert isinstance(part, dict) and set(part) == set(mine)
        assert max(abs(part[k] - v) for k, v in mine.items()) <= COEF_TOLERANCE


def test_boosting_in_the_enclave_grows_the_mpc_jobs_trees() -> None:
    def job(ctx: Context, frame: pd.DataFrame | None) -> dict[str, Any]:
        return run_boost(ctx, BOOST, None, frame=frame, emit=None).to_dict()

    mpc = _mpc(job)
    spec = parse_job(boost_spec("b", BOOST, READS, execution=Execution.TEE), "spec")
    values = run_components(spec, FRAMES, ID_COLUMNS)
    tee = BoostOutcome.from_dict(values[("boost", "scores")])
    bank = BoostOutcome.from_dict(mpc["bank"])
    assert list(tee.test_ids or []) == list(bank.test_ids or [])
    np.testing.assert_allclose(tee.test_scores, bank.test_scores, atol=1e-9)  # type: ignore[arg-type]
    assert abs(tee.metrics["test"]["auc"] - bank.metrics["test"]["auc"]) <= 1e-9
    assert tee.n_trees == bank.n_trees == 3 and tee.model is None
    assert tee.importance["feature"] == bank.importance["feature"]
    assert tee.first_tree["split"] == bank.first_tree["split"]
    for party in ("bank", "platform"):
        part = ModelPart.from_wire(receiver_value(spec, values, "boost", "model", party))
        theirs = ModelPart.from_wire(mpc[party]["model"])
        assert part.party == party and part.shape_digest() == theirs.shape_digest()
        assert part.feature_names == theirs.feature_names
    assert (
        ModelPart.from_wire(receiver_value(spec, values, "boost", "model", "platform")).view is None
    )


def test_the_enclave_refuses_what_the_mpc_component_refuses() -> None:
    text = credit_spec("c", CREDIT, READS, execution=Execution.TEE)
    check_tee_spec(parse_job(text, "spec"))
    with pytest.raises(ConfigError, match="unknown credit settings"):
        check_tee_spec(parse_job(text.replace("epochs:", "epoks:"), "spec"))
    platform_label = dict(READS, platform=[*READS["platform"], "default"])
    bad = credit_spec("c", CREDIT, platform_label, execution=Execution.TEE)
    with pytest.raises(ConfigError, match="only the label holder"):
        check_tee_spec(parse_job(bad, "spec"))
    with pytest.raises(ConfigError, match="execution: tee"):
        check_tee_spec(parse_job(credit_spec("c", CREDIT, READS), "spec"))
