"""Running a vertical job as a node component: one runner for every job's component function.

A node calls a component with the frame it read for this party (none at a compute helper).
:func:`run_component` reads the job's settings from the step's ``params``, checks that the
dataset's id column is the step's, runs the job's ``run`` function (``run_credit``,
``run_boost``) with progress lines mapped to a share of the work done (each job gives its table
of stages), and cuts the outcome into the step's outputs: the ``scores`` output gets what the
job's ``scores`` function makes of the label holder's outcome, every ``model_part`` output what
its ``model_part`` function makes of this party's outcome (its own part only), and each party
keeps only the outputs it receives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

import pandas as pd

from confide.errors import ConfigError
from confide.jobs.registry import ComponentInputs, ComponentOutputs
from confide.jobs.vertical.settings import VerticalSettings
from confide.policy.job import OutputKind, Step
from confide.runtime.context import Context

__all__ = ["JobRun", "run_component", "step_settings"]

S = TypeVar("S", bound=VerticalSettings)
S_contra = TypeVar("S_contra", bound=VerticalSettings, contravariant=True)
Out = TypeVar("Out")
Out_co = TypeVar("Out_co", covariant=True)

#: A job's progress callback, ``emit(party, stage, message)`` (as in :mod:`.stages`).
Emit = Callable[[str, str, str], None]


class JobRun(Protocol[S_contra, Out_co]):
    """A job as this party: ``run_credit`` and ``run_boost`` (no table: the node gives
    ``frame``)."""

    def __call__(
        self,
        ctx: Context,
        settings: S_contra,
        table: None,
        *,
        emit: Emit | None = ...,
        frame: pd.DataFrame | None = ...,
    ) -> Out_co: ...


def step_settings(cls: type[S], step: Step) -> S:
    """The job's settings from the step's ``params`` (:class:`ConfigError` if they are bad)."""
    return cls.from_dict(dict(step.params))


def run_component(
    name: str,
    ctx: Context,
    inputs: ComponentInputs,
    settings_class: type[S],
    run: JobRun[S, Out],
    *,
    stages: Mapping[str, float],
    scores: Callable[[Out], Any],
    model_part: Callable[[Out], Any],
) -> ComponentOutputs:
    """Run the job for this party and cut its outcome into the step's outputs.

    ``name`` is the component's (it starts each error); ``stages``: the share of the job done
    when each stage starts, for progress lines (0 for a stage not listed).
    """
    settings = step_settings(settings_class, inputs.step)
    frame = next(iter(inputs.frames.values()), None)
    if frame is not None:
        dataset = next(iter(inputs.frames))
        if inputs.id_columns.get(dataset) != settings.id_column:
            raise ConfigError(
                f"{name}: the dataset's id column is not the step's id_column "
                f"{settings.id_column!r}"
            )

    def emit(party: str, stage: str, message: str) -> None:
        inputs.progress(stages.get(stage, 0.0), f"{stage}: {message}")

    outcome = run(ctx, settings, None, frame=frame, emit=emit)
    values: dict[str, Any] = {}
    for output in inputs.step.outputs:
        if output.kind is OutputKind.SCORES:
            values[output.name] = scores(outcome)
        else:
            values[output.name] = model_part(outcome)
    return ComponentOutputs(values=inputs.received(values))
