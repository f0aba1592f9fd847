"""The job spec: what a job does, over which datasets, and who receives what; and its hash.

A job is declarative. Every party's node reads the same spec and checks it against its own
usage policies before any data is touched (:func:`confide.policy.evaluate`); approvals are
signatures over :func:`spec_hash`. In YAML::

    name: credit-score
    parties:                          # party -> roles (confide.runtime.Role values)
      bank: [data_provider, task_initiator, result_receiver]
      platform: [data_provider, result_receiver]
      dealer: [compute_helper]
    datasets:                         # party -> the datasets (by name) it contributes
      bank: [loans]
      platform: [features]
    steps:                            # a DAG of components
      - id: align
        component: psi.ecdh
        reads:                        # party -> dataset -> the columns this step reads
          bank: {loans: [id]}
          platform: {features: [id]}
      - id: lr
        component: ml.secure_lr
        after: [align]                # steps whose results this step consumes (the DAG edges)
        params: {epochs: 5, learning_rate: 0.1}
        reads:
          bank: {loans: [default]}
          platform: {features: [income, age]}
        outputs:                      # what is released, of which kind, to whom
          - {name: model, kind: model_part, to: [bank, platform]}
          - {name: summary, kind: statistics, to: [bank], min_group_size: 50}

Rules checked on every spec (:class:`ConfigError` otherwise): at least two parties; only data
providers contribute datasets; a step reads only datasets listed for that party, each column at
most once; ``after`` names other steps and the steps form a DAG; receivers hold the
``result_receiver`` role; ``min_group_size`` is given only on aggregate (``statistics``) outputs,
where it is the smallest group the component releases a figure about.

The hash
--------
:func:`spec_hash` is the SHA-256 (hex) of ``b"confide-job-spec-v1\\x00"`` followed by the
canonical JSON (:mod:`confide.audit.canonical`) of :meth:`JobSpec.to_dict`. That form sorts what
has no order (roles, a party's datasets, ``after``, receivers); keeps what has one (steps,
outputs, the columns a step reads, list parameters); and canonical JSON sorts mapping keys, so
the order of keys in the YAML never changes the hash while any change of meaning does. Party
order therefore carries no meaning in a spec.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StrictInt

from confide.audit.canonical import canonical_json, normalize
from confide.errors import ConfigError
from confide.net.certs import validate_party_name
from confide.params import MAX_NAME_LENGTH
from confide.policy.yamlio import dump_yaml, parse_model, read_text
from confide.runtime.context import Role

__all__ = [
    "AGGREGATE_KINDS",
    "SPEC_HASH_CONTEXT",
    "JobSpec",
    "Output",
    "OutputKind",
    "Step",
    "job_to_yaml",
    "load_job",
    "parse_job",
    "spec_hash",
]

#: Prefix of the bytes hashed by :func:`spec_hash`.
SPEC_HASH_CONTEXT = b"confide-job-spec-v1\x00"

_STEP_ID = re.compile(r"[a-z][a-z0-9_-]*")
_COMPONENT = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
_DATASET = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class OutputKind(str, Enum):
    """What kind of result an output is; policies say who may receive each kind."""

    MODEL_PART = "model_part"
    SCORES = "scores"
    STATISTICS = "statistics"
    INTERSECTION = "intersection"
    ALIGNED_TABLE = "aligned_table"


#: Output kinds that are aggregates over groups of rows, which a minimum group size governs.
AGGREGATE_KINDS = frozenset({OutputKind.STATISTICS})


def check_dataset_name(name: object, where: str) -> str:
    """A dataset name: letters, digits, ``_``, ``.``, ``-``, not starting with ``.`` or ``-``."""
    if not isinstance(name, str) or not _DATASET.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise ConfigError(
            f"{where}: dataset name {name!r} must be 1..{MAX_NAME_LENGTH} letters, digits, "
            "'_', '.' or '-', starting with a letter, digit or '_'"
        )
    return name


def check_component_name(name: object, where: str) -> str:
    """A component name: dotted lowercase identifiers, e.g. ``ml.secure_lr``."""
    if not isinstance(name, str) or not _COMPONENT.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise ConfigError(
            f"{where}: component name {name!r} must be dotted lowercase identifiers, "
            "e.g. 'ml.secure_lr'"
        )
    return name


def check_column_name(name: object, where: str) -> str:
    """A column name: any non-empty printable text."""
    if not isinstance(name, str) or not name or not name.isprintable():
        raise ConfigError(f"{where}: column name {name!r} must be non-empty printable text")
    return name


@dataclass(frozen=True)
class Output:
    """A result a step releases: its name, kind and receivers (sorted)."""

    name: str
    kind: OutputKind
    receivers: tuple[str, ...]
    min_group_size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The YAML form."""
        data: dict[str, Any] = {"name": self.name, "kind": self.kind.value}
        data["to"] = sorted(self.receivers)
        if self.min_group_size is not None:
            data["min_group_size"] = self.min_group_size
        return data


@dataclass(frozen=True)
class Step:
    """One component of the job: what it runs, with which parameters, reading which columns."""

    id: str
    component: str
    params: Mapping[str, Any]
    after: tuple[str, ...]
    reads: Mapping[str, Mapping[str, tuple[str, ...]]]
    outputs: tuple[Output, ...]

    def columns_read(self, party: str, dataset: str) -> tuple[str, ...]:
        """The columns this step reads from ``party``'s ``dataset`` (empty if none)."""
        return self.reads.get(party, {}).get(dataset, ())

    def to_dict(self) -> dict[str, Any]:
        """The YAML form."""
        return {
            "id": self.id,
            "component": self.component,
            "after": sorted(self.after),
            "params": normalize(self.params, f"step {self.id!r} params"),
            "reads": {
                party: {name: list(columns) for name, columns in datasets.items()}
                for party, datasets in self.reads.items()
            },
            "outputs": [output.to_dict() for output in self.outputs],
        }


@dataclass(frozen=True)
class JobSpec:
    """A checked job spec (see the module docstring); build it with :func:`parse_job`."""

    name: str
    parties: Mapping[str, frozenset[Role]]
    datasets: Mapping[str, tuple[str, ...]]
    steps: tuple[Step, ...]

    def __post_init__(self) -> None:
        _check_spec(self)

    def step(self, step_id: str) -> Step:
        """The step with id ``step_id``."""
        for step in self.steps:
            if step.id == step_id:
                return step
        raise ConfigError(f"job {self.name!r} has no step {step_id!r}")

    def outputs(self) -> Iterator[tuple[Step, Output]]:
        """Every output of every step, in order."""
        for step in self.steps:
            for output in step.outputs:
                yield step, output

    def to_dict(self) -> dict[str, Any]:
        """The normalised form: what :func:`job_to_yaml` writes and :func:`spec_hash` hashes."""
        return {
            "name": self.name,
            "parties": {p: sorted(r.value for r in roles) for p, roles in self.parties.items()},
            "datasets": {p: sorted(names) for p, names in self.datasets.items()},
            "steps": [step.to_dict() for step in self.steps],
        }

    @property
    def hash(self) -> str:
        """:func:`spec_hash` of this spec."""
        return spec_hash(self)


def spec_hash(spec: JobSpec) -> str:
    """SHA-256 (hex) of the spec's canonical form: what approvals sign."""
    return hashlib.sha256(
        SPEC_HASH_CONTEXT + canonical_json(spec.to_dict(), "job spec")
    ).hexdigest()


# -- the checks --------------------------------------------------------------------------------


def _check_spec(spec: JobSpec) -> None:
    if not isinstance(spec.name, str) or not spec.name.strip() or not spec.name.isprintable():
        raise ConfigError("the job needs a name of printable text")
    if len(spec.name) > MAX_NAME_LENGTH:
        raise ConfigError(f"the job name is longer than {MAX_NAME_LENGTH} characters")
    if len(spec.parties) < 2:
        raise ConfigError(f"a job needs at least 2 parties, this one has {len(spec.parties)}")
    for party, roles in spec.parties.items():
        validate_party_name(party)
        if not roles:
            raise ConfigError(f"party {party!r} has no role in the job")
    for party, names in spec.datasets.items():
        if party not in spec.parties:
            raise ConfigError(f"datasets are listed for {party!r}, which is not a party of the job")
        if Role.DATA_PROVIDER not in spec.parties[party]:
            raise ConfigError(
                f"party {party!r} contributes datasets but is not a data_provider in the job"
            )
        for name in names:
            check_dataset_name(name, f"datasets of {party!r}")
        if len(set(names)) != len(names):
            raise ConfigError(f"a dataset is listed twice for {party!r}: {list(names)}")
    if not spec.steps:
        raise ConfigError("the job has no steps")
    ids = [step.id for step in spec.steps]
    if len(set(ids)) != len(ids):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise ConfigError(f"step ids must be unique; used more than once: {twice}")
    for step in spec.steps:
        _check_step(spec, step, ids)
    _check_acyclic(spec)


def _check_step(spec: JobSpec, step: Step, ids: list[str]) -> None:
    if not isinstance(step.id, str) or not _STEP_ID.fullmatch(step.id):
        raise ConfigError(
            f"step id {step.id!r} must be lowercase letters, digits, '_' or '-', "
            "starting with a letter"
        )
    where = f"step {step.id!r}"
    check_component_name(step.component, where)
    normalize(step.params, f"{where} params")
    for before in step.after:
        if before == step.id:
            raise ConfigError(f"{where} cannot come after itself")
        if before not in ids:
            raise ConfigError(f"{where} comes after {before!r}, which is not a step of the job")
    for party, datasets in step.reads.items():
        if party not in spec.parties:
            raise ConfigError(f"{where} reads data of {party!r}, which is not a party of the job")
        for dataset, columns in datasets.items():
            if dataset not in spec.datasets.get(party, ()):
                raise ConfigError(
                    f"{where} reads dataset {dataset!r} of {party!r}, which the job does not "
                    f"list under datasets.{party}"
                )
            if not columns:
                raise ConfigError(f"{where} reads no columns of {party}/{dataset}")
            for column in columns:
                check_column_name(column, f"{where} reads of {party}/{dataset}")
            if len(set(columns)) != len(columns):
                raise ConfigError(f"{where} lists a column of {party}/{dataset} twice")
    names = [output.name for output in step.outputs]
    if len(set(names)) != len(names):
        raise ConfigError(f"{where} has two outputs with the same name")
    for output in step.outputs:
        _check_output(spec, where, output)


def _check_output(spec: JobSpec, where: str, output: Output) -> None:
    if not isinstance(output.name, str) or not _STEP_ID.fullmatch(output.name):
        raise ConfigError(
            f"{where}: output name {output.name!r} must be lowercase letters, digits, '_' or '-'"
        )
    where = f"{where} output {output.name!r}"
    if not output.receivers:
        raise ConfigError(f"{where} has no receivers")
    for receiver in output.receivers:
        if receiver not in spec.parties:
            raise ConfigError(f"{where} goes to {receiver!r}, which is not a party of the job")
        if Role.RESULT_RECEIVER not in spec.parties[receiver]:
            raise ConfigError(
                f"{where} goes to {receiver!r}, which is not a result_receiver in the job"
            )
    if output.min_group_size is not None:
        if output.kind not in AGGREGATE_KINDS:
            raise ConfigError(
                f"{where}: min_group_size applies to aggregate outputs "
                f"({', '.join(sorted(k.value for k in AGGREGATE_KINDS))}), "
                f"not to {output.kind.value}"
            )
        if output.min_group_size < 1:
            raise ConfigError(f"{where}: min_group_size must be at least 1")


def _check_acyclic(spec: JobSpec) -> None:
    """Raise naming a cycle of ``after`` edges, if there is one (Kahn's algorithm)."""
    after = {step.id: set(step.after) for step in spec.steps}
    done: set[str] = set()
    while ready := [s for s in after if s not in done and after[s] <= done]:
        done.update(ready)
    waiting = [s for s in after if s not in done]
    if not waiting:
        return
    # every waiting step comes after another waiting step: follow those edges to a repeat
    path = [waiting[0]]
    while (following := min(after[path[-1]] - done)) not in path:
        path.append(following)
    cycle = [*path[path.index(following) :], following]
    raise ConfigError(f"the steps form a cycle: {' after '.join(cycle)}")


# -- YAML (pydantic models at the edge) --------------------------------------------------------


class _OutputModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: OutputKind
    to: list[str] = Field(min_length=1)
    min_group_size: StrictInt | None = None


class _StepModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    component: str
    after: list[str] = []
    params: dict[str, JsonValue] = {}
    reads: dict[str, dict[str, list[str]]] = {}
    outputs: list[_OutputModel] = []


class _JobModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    parties: dict[str, list[Role]]
    datasets: dict[str, list[str]] = {}
    steps: list[_StepModel]


def _from_model(model: _JobModel) -> JobSpec:
    return JobSpec(
        name=model.name,
        parties={party: frozenset(roles) for party, roles in model.parties.items()},
        datasets={party: tuple(sorted(names)) for party, names in model.datasets.items()},
        steps=tuple(
            Step(
                id=step.id,
                component=step.component,
                params=normalize(step.params, f"step {step.id!r} params"),
                after=tuple(sorted(step.after)),
                reads={
                    party: {name: tuple(columns) for name, columns in datasets.items()}
                    for party, datasets in step.reads.items()
                },
                outputs=tuple(
                    Output(
                        name=output.name,
                        kind=output.kind,
                        receivers=tuple(sorted(set(output.to))),
                        min_group_size=output.min_group_size,
                    )
                    for output in step.outputs
                ),
            )
            for step in model.steps
        ),
    )


def parse_job(text: str, source: str = "job spec") -> JobSpec:
    """A job spec from YAML ``text``; errors start with ``source`` (say which file it is)."""
    model = parse_model(text, _JobModel, source)
    try:
        return _from_model(model)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def load_job(path: str | os.PathLike[str]) -> JobSpec:
    """Read a job spec YAML file; every error names the file."""
    return parse_job(read_text(path, "job spec"), f"job spec {path}")


def job_to_yaml(spec: JobSpec) -> str:
    """The spec as YAML; :func:`parse_job` reads it back to an equal spec with the same hash."""
    return dump_yaml(spec.to_dict())
