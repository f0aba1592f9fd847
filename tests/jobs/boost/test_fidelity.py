"""Fidelity on real data: the boosting job against XGBoost's ``hist`` trainer (UCI Taiwan data).

The bank and the platform hold the README's vertical split, each a different 91% of the
customers; the job aligns them by PSI, splits, and trains SecureBoost. XGBoost then trains on
the same training rows (both parties' columns pooled in the clear) with the same
hyper-parameters (trees, depth, learning rate, L2, minimum child weight, 32 bins per feature)
and scores the same test rows. Stated tolerance: test AUC within 0.005 (the bins are XGBoost's
own sketch on one side and Confide's quantiles on the other; the algorithm is the same).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

from confide.datasets import taiwan_vertical
from confide.datasets.credit import TAIWAN_LABEL
from confide.jobs.boost import BoostJobSettings, BoostOutcome, run_boost
from confide.metrics import auc
from confide.runtime import Context, simulate
from tests.credit_data import CREDIT_CSV, needs_credit_data

pytestmark = needs_credit_data

AUC_TOLERANCE = 0.005
SETTINGS = BoostJobSettings(
    id_column="ID",
    label_column=TAIWAN_LABEL,
    split_seed=11,
    n_estimators=8,
    max_depth=4,
    max_bin=32,
    key_bits=1024,  # a short key keeps the test quick; the trees do not depend on it
    allow_weak_key=True,
)


def job(ctx: Context, frame: pd.DataFrame | None) -> dict[str, Any]:
    return run_boost(ctx, SETTINGS, None, frame=frame, emit=None).to_dict()


def test_test_auc_is_xgboost_hist_auc_with_the_same_settings() -> None:
    data = taiwan_vertical(CREDIT_CSV, overlap=0.9, seed=2)
    results = simulate(job, {"bank": data.bank, "platform": data.platform}, timeout=120)
    bank = BoostOutcome.from_dict(results["bank"])
    assert bank.train_labels is not None and bank.test_labels is not None
    assert bank.test_scores is not None
    pooled = data.bank.merge(data.platform, on="ID").set_index("ID")
    features = [c for c in pooled.columns if c != TAIWAN_LABEL]
    train = pooled.loc[np.asarray(bank.train_ids), features]
    test = pooled.loc[np.asarray(bank.test_ids), features]
    np.testing.assert_array_equal(
        pooled.loc[np.asarray(bank.train_ids), TAIWAN_LABEL], bank.train_labels
    )
    params = SETTINGS.boost_params()
    booster = xgb.train(
        {
            "objective": "binary:logistic",
            "tree_method": "hist",
            "max_bin": params.max_bin,
            "max_depth": params.max_depth,
            "eta": params.learning_rate,
            "lambda": params.reg_lambda,
            "min_child_weight": params.min_child_weight,
        },
        xgb.DMatrix(train.to_numpy(np.float64), label=bank.train_labels),
        params.n_estimators,
    )
    theirs = auc(bank.test_labels, booster.predict(xgb.DMatrix(test.to_numpy(np.float64))))
    ours = bank.metrics["test"]["auc"]
    assert abs(ours - theirs) <= AUC_TOLERANCE, (ours, theirs)
    assert ours > 0.75
