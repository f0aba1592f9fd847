"""The credit job as an enclave job spec: join, WOE and IV, logistic regression, boosting.

The MPC credit job (:mod:`confide.jobs.credit`) and this spec take the same settings: the split
(``test_fraction``, ``split_seed``), the binning (``binning``, ``n_bins``, ``min_bin_share``), the
IV selection (``iv_threshold``, ``max_features``) and the SGD of logistic regression
(``epochs``, ``batch_size``, ``learning_rate``, ``l2``), so the same job can be asked of either
execution. Boosting is optional (:data:`~confide.tee.components.BOOST_PARAMS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from confide.policy.job import JobSpec, parse_job
from confide.policy.yamlio import dump_yaml
from confide.tee.components import EXECUTION, TEE

__all__ = ["WOE_SETTINGS", "LR_SETTINGS", "credit_spec"]

#: The settings of the woe step that the MPC credit job's settings carry too.
WOE_SETTINGS = (
    "test_fraction", "split_seed", "binning", "n_bins", "min_bin_share", "iv_threshold",
    "max_features",
)  # fmt: skip
#: The settings of the logistic regression step, likewise.
LR_SETTINGS = ("epochs", "batch_size", "learning_rate", "l2")


def credit_spec(
    features: Mapping[str, Sequence[str]],
    *,
    label_holder: str = "bank",
    host: str = "host",
    datasets: Mapping[str, str] | None = None,
    label: str = "default",
    settings: Mapping[str, Any] | None = None,
    boost: Mapping[str, Any] | None = None,
    name: str = "credit-in-enclave",
) -> JobSpec:
    """The enclave credit job over ``features`` (party -> its feature columns).

    ``settings`` holds any of :data:`WOE_SETTINGS` and :data:`LR_SETTINGS` (unknown keys are
    ignored, so a whole :meth:`CreditSettings.to_dict` may be passed); ``boost`` adds a boosting
    step with these parameters. The label holder receives everything; every other data party
    receives the WOE tables and the metrics. ``datasets`` names each party's dataset (default:
    ``loans`` for the label holder, ``features`` for the others).
    """
    given = dict(settings or {})
    woe = {k: given[k] for k in WOE_SETTINGS if given.get(k) is not None}
    lr = {k: given[k] for k in LR_SETTINGS if k in given}
    names = dict(datasets or {})
    for party in features:
        names.setdefault(party, "loans" if party == label_holder else "features")
    parties: dict[str, list[str]] = {
        party: ["data_provider", "result_receiver"] for party in features
    }
    parties[label_holder] = ["data_provider", "task_initiator", "result_receiver"]
    parties[host] = ["compute_helper"]
    everyone = sorted(features)
    reads = {
        party: {names[party]: ([label] if party == label_holder else []) + list(columns)}
        for party, columns in features.items()
    }
    steps: list[dict[str, Any]] = [
        {
            "id": "woe",
            "component": "preprocessing.woe",
            "params": {EXECUTION: TEE, "label": label, **woe},
            "reads": reads,
            "outputs": [{"name": "tables", "kind": "statistics", "to": everyone}],
        },
        {
            "id": "lr",
            "component": "ml.logistic_regression",
            "after": ["woe"],
            "params": {EXECUTION: TEE, **lr},
            "outputs": [
                {"name": "model", "kind": "model_part", "to": [label_holder]},
                {"name": "scores", "kind": "scores", "to": [label_holder]},
                {"name": "metrics", "kind": "statistics", "to": everyone},
            ],
        },
    ]
    if boost is not None:
        steps.append(
            {
                "id": "boost",
                "component": "ml.boost",
                "after": ["woe"],
                "params": {EXECUTION: TEE, **boost},
                "reads": {
                    party: {names[party]: list(columns)} for party, columns in features.items()
                },
                "outputs": [
                    {"name": "model", "kind": "model_part", "to": [label_holder]},
                    {"name": "scores", "kind": "scores", "to": [label_holder]},
                    {"name": "metrics", "kind": "statistics", "to": everyone},
                ],
            }
        )
    job = {
        "name": name,
        "parties": parties,
        "datasets": {party: [names[party]] for party in features},
        "steps": steps,
    }
    return parse_job(dump_yaml(job), "enclave credit job")
