"""Fidelity on real data: the secure credit job against its plaintext twin (UCI Taiwan data).

The plaintext twin pools both parties' aligned rows in one place and repeats the job with the
same functions: the same bins (fitted on the same training rows), plaintext WOE and IV, and
scikit-learn's LogisticRegression with the same L2 penalty on the same WOE features. Stated
tolerances: IVs equal to 1e-12 (the secure counts are exact integers); test AUC within 0.005
of scikit-learn's; the scorecard ranks the test rows exactly as the secure model does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from confide.datasets import taiwan_vertical
from confide.datasets.credit import TAIWAN_LABEL
from confide.jobs.credit import CreditOutcome, CreditSettings, run_credit
from confide.metrics import auc
from confide.ml.linear import l2_to_C
from confide.preprocessing import assign_bins, fit_bins, plain_woe_iv, woe_transform
from confide.runtime import Context, simulate
from tests.credit_data import CREDIT_CSV, needs_credit_data

pytestmark = needs_credit_data

AUC_TOLERANCE = 0.005
SETTINGS = CreditSettings(
    id_column="ID", label_column=TAIWAN_LABEL, split_seed=11, epochs=10, l2=0.001
)


def job(ctx: Context, frame: pd.DataFrame | None) -> dict[str, Any]:
    return run_credit(ctx, SETTINGS, None, frame=frame, emit=None).to_dict()


@pytest.fixture(scope="module")
def secure() -> tuple[CreditOutcome, pd.DataFrame, pd.DataFrame]:
    data = taiwan_vertical(CREDIT_CSV, overlap=0.9, seed=2)
    frames = {"bank": data.bank, "platform": data.platform, "dealer": None}
    results = simulate(job, frames, roles={"dealer": ["compute_helper"]}, timeout=120)
    return CreditOutcome.from_dict(results["bank"]), data.bank, data.platform


def test_iv_lr_and_scorecard_equal_the_plaintext_twin(
    secure: tuple[CreditOutcome, pd.DataFrame, pd.DataFrame],
) -> None:
    outcome, bank, platform = secure
    assert outcome.train_ids is not None and outcome.test_ids is not None
    assert outcome.train_labels is not None and outcome.test_labels is not None
    assert outcome.test_scores is not None and outcome.test_points is not None
    train_ids, test_ids = np.asarray(outcome.train_ids), np.asarray(outcome.test_ids)
    plain_iv: dict[str, float] = {}
    woe_train, woe_test = [], []
    for frame, owner in ((bank, "bank"), (platform, "platform")):
        columns = [c for c in frame.columns if c not in ("ID", TAIWAN_LABEL)]
        train = frame.set_index("ID").loc[train_ids, columns].reset_index(drop=True)
        test = frame.set_index("ID").loc[test_ids, columns].reset_index(drop=True)
        specs = fit_bins(
            train,
            columns,
            method=SETTINGS.binning,  # type: ignore[arg-type]
            n_bins=SETTINGS.n_bins,
            min_rows=SETTINGS.min_bin_share,
            single_bin="drop",
        )
        tables = plain_woe_iv(assign_bins(train, specs), specs, outcome.train_labels, owner=owner)
        plain_iv.update({name: table.iv for name, table in tables.items()})
        kept = [name for name in outcome.selected if name in specs]
        kept_specs = {name: specs[name] for name in kept}
        woe_train.append(woe_transform(train[kept], kept_specs, tables))
        woe_test.append(woe_transform(test[kept], kept_specs, tables))
    assert set(plain_iv) == set(outcome.iv)
    for name, value in plain_iv.items():
        assert outcome.iv[name] == pytest.approx(value, abs=1e-12), name

    from sklearn.linear_model import LogisticRegression

    x_train = pd.concat(woe_train, axis=1)[outcome.selected].to_numpy()
    x_test = pd.concat(woe_test, axis=1)[outcome.selected].to_numpy()
    plain = LogisticRegression(C=l2_to_C(SETTINGS.l2, len(x_train)), max_iter=1_000)
    plain.fit(x_train, outcome.train_labels)
    plain_auc = auc(outcome.test_labels, plain.predict_proba(x_test)[:, 1])
    secure_auc = auc(outcome.test_labels, outcome.test_scores)
    print(f"secure test AUC {secure_auc:.4f}, scikit-learn {plain_auc:.4f}")
    assert abs(secure_auc - plain_auc) <= AUC_TOLERANCE, (secure_auc, plain_auc)
    # The scorecard's points are a decreasing function of the secure model's probability.
    order = np.argsort(outcome.test_scores, kind="stable")
    assert np.all(np.diff(outcome.test_points[order]) <= 1e-9)
