"""The components a node runs out of the box: ``psi.ecdh``, ``stats.joint``, ``credit.*``.

Each wraps a protocol of the library as a job component (:mod:`confide.jobs.registry`), with a
spec check that refuses, at proposal and before any data is read, a step the protocol cannot
honour. :func:`default_registry` returns a fresh registry holding them; a node may add its own.

``psi.ecdh``
    Every party that reads in the step reads exactly one column of one dataset: its key. The
    parties align on it with ECDH PSI (:func:`confide.psi.intersect`; two parties, or three
    and more). Its outputs are of kind ``intersection``; their receivers, all among the
    readers, are the parties that learn the intersection. A receiver gets its keys of the
    intersection in the order all receivers agree on, and keeps its matched row positions as
    state (``rows``, ``dataset``) for later steps. Parameter: ``reveal_size`` (bool, default
    false: non-receivers learn the intersection's size).

``stats.joint``
    Horizontally split data: every reading party reads one dataset with the same column names,
    in the same order. The count, sum, mean and sample variance of each column over the union
    of their rows (:func:`confide.stats.joint_statistics`, secure sums) are opened to every
    reader, so each output (kind ``statistics``) must go to exactly the readers. An output with
    a ``min_group_size`` is not released when a column has fewer values than that: the job
    fails instead. No parameters.

``credit.scorecard``
    The credit-scoring job (:mod:`confide.jobs.credit.component`): PSI, WOE binning, IV
    selection, secure logistic regression, scores to the label holder, the scorecard.

``credit.boost``
    The same job with vertical SecureBoost in place of WOE and logistic regression
    (:mod:`confide.jobs.boost.component`): PSI, split, training under the label holder's HE key,
    scores to the label holder, feature importance per owner.

With ``execution: tee`` in its ``params``, a ``credit.scorecard`` or ``credit.boost`` step runs
in an enclave instead (:mod:`confide.tee.credit_jobs`, through :mod:`confide.node.tee_run`),
with the same parameters, reads and outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from confide import psi
from confide.errors import ConfigError
from confide.jobs.boost.component import COMPONENTS as BOOST_COMPONENTS
from confide.jobs.credit.component import COMPONENTS as CREDIT_COMPONENTS
from confide.jobs.registry import (
    ComponentInputs,
    ComponentOutputs,
    ComponentRegistry,
    readers,
)
from confide.net.wire import Value
from confide.policy.job import JobSpec, OutputKind, Step
from confide.runtime.context import Context
from confide.stats import DISCLOSURE as STATS_DISCLOSURE
from confide.stats import joint_statistics

__all__ = ["BUILTIN_NAMES", "default_registry", "psi_ecdh", "stats_joint"]

#: The components every node has.
BUILTIN_NAMES = ("credit.boost", "credit.scorecard", "psi.ecdh", "stats.joint")

_PSI_PARAMS = frozenset({"reveal_size"})


def _check_params(step: Step, known: frozenset[str]) -> None:
    unknown = sorted(set(step.params) - known)
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise ConfigError(f"{step.component} has no parameters {unknown} (it takes: {allowed})")


def _check_outputs(step: Step, kind: OutputKind) -> None:
    if not step.outputs:
        raise ConfigError(f"{step.component} needs at least one output of kind {kind.value!r}")
    for output in step.outputs:
        if output.kind is not kind:
            raise ConfigError(
                f"{step.component} makes outputs of kind {kind.value!r}, not "
                f"{output.kind.value!r} (output {output.name!r})"
            )


def _one_dataset(step: Step, party: str) -> tuple[str, tuple[str, ...]]:
    datasets = step.reads[party]
    if len(datasets) != 1:
        raise ConfigError(f"{step.component}: {party!r} must read exactly one dataset")
    [(name, columns)] = datasets.items()
    return name, columns


def _context_of(ctx: Context, parties: tuple[str, ...]) -> Context:
    """A context of ``parties`` only (the same link and job), or ``ctx`` if they are all."""
    if set(parties) == set(ctx.parties):
        return ctx
    return Context(
        ctx.party,
        ctx.link,
        parties=parties,
        job_id=ctx.job_id,
        roles={p: ctx.roles[p] for p in parties},
        timeout=ctx.timeout,
    )


# -- psi.ecdh ------------------------------------------------------------------------------------


def check_psi_spec(spec: JobSpec, step: Step) -> None:
    """``psi.ecdh``'s spec check (see the module docstring)."""
    _check_params(step, _PSI_PARAMS)
    if not isinstance(step.params.get("reveal_size", False), bool):
        raise ConfigError("psi.ecdh parameter reveal_size must be true or false")
    parties = readers(spec, step)
    if len(parties) < 2:
        raise ConfigError("psi.ecdh needs at least two parties that read a key column")
    for party in parties:
        _, columns = _one_dataset(step, party)
        if len(columns) != 1:
            raise ConfigError(f"psi.ecdh: {party!r} must read exactly one column, its key")
    _check_outputs(step, OutputKind.INTERSECTION)
    for output in step.outputs:
        outsiders = sorted(set(output.receivers) - set(parties))
        if outsiders:
            raise ConfigError(
                f"psi.ecdh output {output.name!r} goes to {outsiders}, who take no part in the "
                "intersection"
            )


def _key_value(keys: pd.Series) -> Value:
    """Keys as a wire value: a numeric array, or a list of strings."""
    if pd.api.types.is_integer_dtype(keys.dtype) or pd.api.types.is_bool_dtype(keys.dtype):
        return keys.to_numpy()
    return keys.astype(str).tolist()


def psi_ecdh(ctx: Context, inputs: ComponentInputs) -> ComponentOutputs:
    """Align the reading parties on their key column by ECDH PSI."""
    step = inputs.step
    parties = inputs.readers
    if ctx.party not in parties:
        return ComponentOutputs()
    receivers = sorted({p for output in step.outputs for p in output.receivers})
    dataset, (column,) = _one_dataset(step, ctx.party)
    keys = inputs.frames[dataset][column]
    inputs.progress(0.0, f"intersecting {len(keys):,} keys with {len(parties) - 1} part(ies)")
    result = psi.intersect(
        ctx,
        keys,
        receivers=receivers,
        parties=parties,
        protocol=psi.Protocol.ECDH,
        reveal_size=bool(step.params.get("reveal_size", False)),
    )
    if result.rows is None:
        return ComponentOutputs(state={"size": result.size})
    rows = np.asarray(result.rows, dtype=np.int64)
    aligned = _key_value(keys.iloc[rows].reset_index(drop=True))
    inputs.progress(1.0, f"{len(rows):,} keys in common")
    values = inputs.received({output.name: aligned for output in step.outputs})
    return ComponentOutputs(values=values, state={"rows": rows, "dataset": dataset})


# -- stats.joint ---------------------------------------------------------------------------------


def check_stats_spec(spec: JobSpec, step: Step) -> None:
    """``stats.joint``'s spec check (see the module docstring)."""
    _check_params(step, frozenset())
    parties = readers(spec, step)
    if len(parties) < 2:
        raise ConfigError("stats.joint needs at least two parties that read data")
    columns = {party: _one_dataset(step, party)[1] for party in parties}
    first = columns[parties[0]]
    for party in parties[1:]:
        if columns[party] != first:
            raise ConfigError(
                f"stats.joint: every party must read the same columns in the same order; "
                f"{parties[0]!r} reads {list(first)}, {party!r} reads {list(columns[party])}"
            )
    _check_outputs(step, OutputKind.STATISTICS)
    for output in step.outputs:
        if set(output.receivers) != set(parties):
            raise ConfigError(
                f"stats.joint opens its totals to every reading party, so output "
                f"{output.name!r} must go to exactly {list(parties)}"
            )


def _too_small(statistics: Mapping[str, Mapping[str, float]], minimum: int) -> list[str]:
    return [name for name, figures in statistics.items() if figures["count"] < minimum]


def stats_joint(ctx: Context, inputs: ComponentInputs) -> ComponentOutputs:
    """Count, sum, mean and variance of each column over the rows of every reading party."""
    step = inputs.step
    parties = inputs.readers
    if ctx.party not in parties:
        return ComponentOutputs()
    dataset, columns = _one_dataset(step, ctx.party)
    frame = inputs.frames[dataset]
    table: dict[str, Any] = {}
    for column in columns:
        series = frame[column]
        if not pd.api.types.is_numeric_dtype(series.dtype):
            raise ConfigError(f"stats.joint: column {column!r} of {dataset!r} is not numeric")
        table[column] = series.to_numpy(dtype=np.float64, na_value=np.nan)
    inputs.progress(0.0, f"secure sums over {len(frame):,} rows and {len(columns)} column(s)")
    among = _context_of(ctx, parties)
    with among.scope("step", step.id, "readers"):  # a new context's tags need the step too
        result = joint_statistics(among, table).to_dict()
    for output in step.outputs:
        if output.min_group_size is not None:
            small = _too_small(result, output.min_group_size)
            if small:
                raise ConfigError(
                    f"output {output.name!r} is not released: columns {small} have fewer than "
                    f"{output.min_group_size} values (its minimum group size)"
                )
    values = inputs.received({output.name: result for output in step.outputs})
    return ComponentOutputs(values=values, state={"statistics": result})


# -- the registry --------------------------------------------------------------------------------

_PSI_DISCLOSURE = tuple(
    dict.fromkeys(psi.disclosure(psi.Protocol.ECDH, 2) + psi.disclosure(psi.Protocol.ECDH, 3))
)


def default_registry() -> ComponentRegistry:
    """A new registry holding the built-in components."""
    registry = ComponentRegistry()
    for component in (*CREDIT_COMPONENTS, *BOOST_COMPONENTS):
        registry.add(component)
    registry.register("psi.ecdh", disclosure=_PSI_DISCLOSURE, check=check_psi_spec)(psi_ecdh)
    registry.register("stats.joint", disclosure=STATS_DISCLOSURE, check=check_stats_spec)(
        stats_joint
    )
    return registry
