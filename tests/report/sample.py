"""A credit report from generated numbers: two owners, quantile bins, WOE and a scorecard.

Plain numbers, computed the way the secure pipeline's plaintext twin would (quantile bins, WOE
from the counts, a logistic model on the WOE values), so the report's charts and tables hold
realistic shapes. ``numpy.random`` is fine here: nothing is secret.
"""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np
import numpy.typing as npt
import pandas as pd

from confide.ml import scorecard
from confide.report import (
    CreditReport,
    DisclosureRow,
    PartyInfo,
    RunMetadata,
    StageInfo,
    credit_report,
    disclosure_rows,
)

#: A feature name and a bin label that would run script if not escaped.
HOSTILE_FEATURE = "<script>alert(1)</script>"
HOSTILE_BIN = "\"'><img src=x onerror=alert(2)>&amp;"

#: The true effect of each feature on the logit of default, by owner.
EFFECTS = {
    "bank": {"utilisation": 0.9, "delinquencies": 0.8, "months_on_book": -0.3},
    "platform": {"income": -0.6, "age": -0.25, "inquiries": 0.5},
}


def sample_report(
    n_rows: int = 4000,
    *,
    seed: int = 0,
    hostile: bool = False,
    n_bins: int = 6,
    with_points: bool = True,
) -> CreditReport:
    """A report over ``n_rows`` generated rows (70% train, 30% test).

    With ``hostile``, a platform feature, one of its bins, the title and a party note carry
    HTML that must come out escaped.
    """
    rng = np.random.default_rng(seed)
    effects = {owner: dict(features) for owner, features in EFFECTS.items()}
    if hostile:
        effects["platform"][HOSTILE_FEATURE] = 0.4
    names = [name for features in effects.values() for name in features]
    raw = rng.normal(size=(n_rows, len(names)))
    weights = np.array([w for features in effects.values() for w in features.values()])
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-(-1.9 + raw @ weights)))).astype(np.int64)
    train = np.arange(n_rows) < int(0.7 * n_rows)

    bins: dict[str, npt.NDArray[np.int64]] = {}
    woe_tables: dict[str, pd.DataFrame] = {}
    for j, name in enumerate(names):
        cuts = np.quantile(raw[train, j], np.arange(1, n_bins) / n_bins)
        bins[name] = np.searchsorted(cuts, raw[:, j]).astype(np.int64)
        woe_tables[name] = woe_table(bins[name][train], y[train], cuts)
    if hostile:
        labels = woe_tables[HOSTILE_FEATURE]["bin"].tolist()
        labels[0] = HOSTILE_BIN
        woe_tables[HOSTILE_FEATURE]["bin"] = labels

    coefficients = {name: -float(abs(w)) for name, w in zip(names, weights, strict=True)}
    intercept = -1.9
    scaling = scorecard.Scaling(pdo=20, base_score=600, base_odds=50)
    parts = tuple(
        scorecard.owner_points(
            {name: woe_tables[name]["woe"].to_numpy() for name in features},
            {name: woe_tables[name]["bin"].tolist() for name in features},
            {name: coefficients[name] for name in features},
            scaling,
            owner=owner,
            round_points=True,
        )
        for owner, features in effects.items()
    )
    card = scorecard.Scorecard(
        scaling,
        scorecard.base_points(intercept, scaling, round_points=True),
        parts,
        base_owner="bank",
    )
    logit = intercept + sum(
        coefficients[name] * woe_tables[name]["woe"].to_numpy()[bins[name]] for name in names
    )
    probability = 1 / (1 + np.exp(-logit))
    points = card.score(bins)

    iv = pd.DataFrame(
        {
            "feature": names,
            "owner": [owner for owner, features in effects.items() for _ in features],
            "iv": [float(woe_tables[name]["iv"].sum()) for name in names],
        }
    )
    test = ~train
    metadata = RunMetadata(
        parties=(
            PartyInfo("bank", ("data provider", "task initiator", "result receiver"), n_rows),
            PartyInfo("platform", ("data provider",), int(n_rows * 1.2)),
            PartyInfo("dealer", ("compute helper",)),
        ),
        started_at=datetime(2025, 3, 14, 9, 30, 5, tzinfo=timezone.utc),
        stages=(
            StageInfo("private set intersection", 1.8, 2_400_000, "ecdh-psi"),
            StageInfo("WOE binning", 4.2, 18_500_000, "paillier"),
            StageInfo("logistic regression", 61.5, 920_000_000, "semi2k"),
            StageInfo("scoring", 0.9, 3_100_000, "semi2k"),
        ),
        intersection_size=n_rows,
        train_size=int(train.sum()),
        test_size=int(test.sum()),
        job_id="credit-2025-03-14",
        report_owner="bank",
    )
    disclosures = (
        DisclosureRow("private set intersection", "bank", "the size of the intersection"),
        DisclosureRow("private set intersection", "platform", "the size of the intersection"),
        DisclosureRow(
            "WOE binning",
            "platform",
            "event and non-event counts per bin of its own features",
            "needed to compute its WOE" + (" <b>bold?</b>" if hostile else ""),
        ),
        DisclosureRow("logistic regression", "each owner", "the coefficients of its features"),
        DisclosureRow("logistic regression", "bank", "the intercept"),
        DisclosureRow("scoring", "bank", "the predicted probability of each row"),
        *disclosure_rows("scorecard", scorecard.DISCLOSURE),
    )
    bank_features = effects["bank"]
    return credit_report(
        f"Credit model {'<b>hostile</b> ' if hostile else ''}\u2013 bank \u00d7 platform",
        metadata,
        test_labels=y[test],
        test_scores=probability[test],
        train_labels=y[train],
        train_scores=probability[train],
        iv=iv,
        woe_tables=woe_tables,
        coefficients={
            "bank": {"(intercept)": intercept} | {n: coefficients[n] for n in bank_features},
            "platform": None,
        },
        disclosures=disclosures,
        scorecard=card.to_frame(),
        test_points=points[test] if with_points else None,
    )


def woe_table(
    index: npt.NDArray[np.int64], y: npt.NDArray[np.int64], cuts: npt.NDArray[np.float64]
) -> pd.DataFrame:
    """Bin label, events, non-events, WOE and IV contribution of each bin."""
    k = cuts.size + 1
    events = np.bincount(index, weights=y, minlength=k)
    non_events = np.bincount(index, weights=1 - y, minlength=k)
    event_share = events / events.sum()
    non_event_share = non_events / non_events.sum()
    woe = np.log(non_event_share / event_share)
    edges = ["-inf", *(f"{c:.2f}" for c in cuts), "inf"]
    table: pd.DataFrame = pd.DataFrame(
        {
            "bin": [f"({edges[i]}, {edges[i + 1]}]" for i in range(k)],
            "events": events.astype(np.int64),
            "non_events": non_events.astype(np.int64),
            "woe": woe,
            "iv": (non_event_share - event_share) * woe,
        }
    )
    return table
