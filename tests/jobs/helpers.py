"""A job spec with one step of a vertical job's component, and a simulated run of that step.

Both node components (``credit.scorecard``, ``credit.boost``) are tested on the same layout:
a bank, a data platform and a compute helper; the bank reads its loans (id, label, two
features), the platform its features; the scores go to the bank, the model parts to both.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pandas as pd
import yaml

from confide.datasets import vertical_credit
from confide.jobs.registry import ComponentFn, ComponentInputs, Progress
from confide.policy import JobSpec, parse_job
from confide.runtime import Context, simulate

BANK_COLUMNS = ["id", "default", "utilisation", "payment_ratio"]
PLATFORM_COLUMNS = ["id", "income", "age", "employment_type"]
DATASETS = {"bank": "loans", "platform": "features"}


def spec_dict(name: str, step_id: str, component: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """The job ``name`` with the one step ``step_id`` of ``component``, as plain data to vary."""
    return {
        "name": name,
        "parties": {
            "bank": ["data_provider", "task_initiator", "result_receiver"],
            "platform": ["data_provider", "result_receiver"],
            "dealer": ["compute_helper"],
        },
        "datasets": {"bank": ["loans"], "platform": ["features"]},
        "steps": [
            {
                "id": step_id,
                "component": component,
                "params": dict(params),
                "reads": {
                    "bank": {"loans": list(BANK_COLUMNS)},
                    "platform": {"features": list(PLATFORM_COLUMNS)},
                },
                "outputs": [
                    {"name": "scores", "kind": "scores", "to": ["bank"]},
                    {"name": "model", "kind": "model_part", "to": ["bank", "platform"]},
                ],
            }
        ],
    }


def parse(data: dict[str, Any]) -> JobSpec:
    return parse_job(yaml.safe_dump(data))


def run_step(
    fn: ComponentFn, spec: JobSpec, *, rows: int, seed: int, progress: Progress | None = None
) -> dict[str, dict[str, Any]]:
    """Every party's outputs of the spec's first step on ``rows`` synthetic customers."""
    step = spec.steps[0]
    generated = vertical_credit(rows, seed=seed)
    frames: dict[str, pd.DataFrame | None] = {
        "bank": generated.bank[BANK_COLUMNS],
        "platform": generated.platform[PLATFORM_COLUMNS],
        "dealer": None,
    }

    def run(ctx: Context, frame: pd.DataFrame | None) -> dict[str, Any]:
        dataset = DATASETS.get(ctx.party, "")
        inputs = ComponentInputs(
            party=ctx.party,
            spec=spec,
            step=step,
            frames={dataset: frame} if frame is not None else {},
            id_columns={dataset: "id"} if frame is not None else {},
        )
        if progress is not None:
            inputs = dataclasses.replace(inputs, progress=progress)
        return dict(fn(ctx, inputs).values)

    return simulate(run, frames, roles={"dealer": ["compute_helper"]}, timeout=60)
