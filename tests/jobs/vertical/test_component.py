"""``run_component``: a job run as a node component, its outputs cut to their receivers.

The job here is a plain function of the frame, on a context that never sends: the runner's
part is the settings, the id column check, the progress lines and the cutting of outputs. Both
real components run end to end in ``tests/jobs/credit/test_component.py`` and
``tests/jobs/boost/test_component.py``.
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from confide.errors import ConfigError
from confide.jobs.credit import CreditSettings
from confide.jobs.registry import ComponentInputs, ComponentOutputs
from confide.jobs.vertical import run_component, step_settings
from confide.jobs.vertical.component import Emit, JobRun
from confide.net.memory import MemoryHub
from confide.runtime import Context
from tests.jobs.helpers import parse, spec_dict

NAME = "credit.any"
PARTIES = ["bank", "platform", "dealer"]
SPEC = parse(spec_dict("job", "step", NAME, {"split_seed": 3}))
FRAME = pd.DataFrame({"id": [1, 2, 3], "income": [1.0, 2.0, 3.0]})


def inputs(party: str, frame: pd.DataFrame | None, id_column: str = "id") -> ComponentInputs:
    return ComponentInputs(
        party=party,
        spec=SPEC,
        step=SPEC.steps[0],
        frames={"data": frame} if frame is not None else {},
        id_columns={"data": id_column} if frame is not None else {},
    )


def run(given: ComponentInputs, job: JobRun[CreditSettings, int]) -> ComponentOutputs:
    return run_component(
        NAME,
        Context(given.party, MemoryHub(PARTIES).link(given.party), parties=PARTIES),
        given,
        CreditSettings,
        job,
        stages={"train": 0.5},
        scores=lambda outcome: {"scores": outcome},
        model_part=lambda outcome: {"part": outcome},
    )


def rows(
    ctx: Context,
    settings: CreditSettings,
    table: None,
    *,
    emit: Emit | None = None,
    frame: pd.DataFrame | None = None,
) -> int:
    assert settings.split_seed == 3 and table is None and emit is not None
    emit(ctx.party, "train", "started")
    emit(ctx.party, "other", "said")
    return 0 if frame is None else len(frame)


def test_each_party_keeps_the_outputs_it_receives() -> None:
    bank = run(inputs("bank", FRAME), rows).values
    assert bank == {"scores": {"scores": 3}, "model": {"part": 3}}
    assert run(inputs("platform", FRAME), rows).values == {"model": {"part": 3}}
    assert run(inputs("dealer", None), rows).values == {}


def test_progress_lines_carry_the_stage_share() -> None:
    seen: list[tuple[float, str]] = []
    given = dataclasses.replace(
        inputs("bank", FRAME), progress=lambda share, line: seen.append((share, line))
    )
    run(given, rows)
    assert seen == [(0.5, "train: started"), (0.0, "other: said")]


def test_a_dataset_keyed_on_another_column_is_refused_before_the_job_runs() -> None:
    seen: list[str] = []
    given = dataclasses.replace(
        inputs("bank", FRAME, id_column="customer"),
        progress=lambda share, line: seen.append(line),
    )
    with pytest.raises(ConfigError, match=r"^credit\.any: the dataset's id column is not"):
        run(given, rows)
    assert seen == []  # the job never started


def test_bad_params_are_refused() -> None:
    step = parse(spec_dict("job", "step", NAME, {"n_bins": 1})).steps[0]
    with pytest.raises(ConfigError, match="n_bins"):
        step_settings(CreditSettings, step)
