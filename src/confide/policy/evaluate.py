"""Checking a job spec against the usage policy of one dataset, before any of its data is read.

    decision = evaluate(policy, job, Dataset("bank", "loans", columns), Usage(uses=3), now)
    if not decision.allowed:
        refuse(decision.reasons())

A node calls :func:`evaluate` once for each of its datasets that the job lists; the job may run
only if every decision allows it, and without an operator only if every one auto-approves.

Which steps use the dataset
---------------------------
A step uses the dataset when it reads any of its columns, or comes ``after`` (consumes the
results of) a step that uses it, however far up the DAG: a model trained on the data, and the
scores computed with that model, are both derived from it. The ``components``, ``outputs`` and
``min_group_size`` rules apply to every step that uses the dataset; the ``columns`` rule to the
steps that read it.

The columns a step reads are exactly those its ``reads`` lists, the dataset's id column included:
the node reads exactly these (:meth:`confide.node.DatasetRegistry.read` adds nothing), so the
``columns`` rule sees every column that will be read. A step that needs the ids lists the id
column, and a policy that denies it (or leaves it out of ``allow``) refuses that step.

The rules, each reported as a :class:`Violation` naming the rule and what is at fault:

============== ==================================================================================
rule           refuses when
============== ==================================================================================
parties        a party of the job is not in the policy's ``parties``
components     a step using the dataset runs a component the policy does not allow
columns        a step reads a column outside ``allow``, inside ``deny``, or not in the dataset
outputs        an output derived from the dataset goes to a party not allowed for its kind
min_group_size an aggregate output derived from the dataset declares no minimum group size, or a
               smaller one than the policy's
max_uses       the dataset was already used ``max_uses`` times
expires        ``now`` is at or after the policy's expiry
============== ==================================================================================
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any

from confide.errors import ConfigError
from confide.policy.job import AGGREGATE_KINDS, JobSpec, Step
from confide.policy.rules import Approval, DatasetPolicy

__all__ = ["Dataset", "Decision", "Rule", "Usage", "Violation", "evaluate"]


class Rule(str, Enum):
    """The rules of a usage policy (the YAML keys that set them)."""

    PARTIES = "parties"
    COMPONENTS = "components"
    COLUMNS = "columns"
    OUTPUTS = "outputs"
    MIN_GROUP_SIZE = "min_group_size"
    MAX_USES = "max_uses"
    EXPIRES = "expires"


@dataclass(frozen=True)
class Dataset:
    """A registered dataset: the party that holds it, its name, and its columns."""

    party: str
    name: str
    columns: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.party}/{self.name}"


@dataclass(frozen=True)
class Usage:
    """How many jobs have used the dataset so far (the node counts them)."""

    uses: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.uses, bool) or not isinstance(self.uses, int) or self.uses < 0:
            raise ConfigError(f"uses must be an integer >= 0, got {self.uses!r}")


@dataclass(frozen=True)
class Violation:
    """One broken rule: which, why, and the party, step, component, column or output at fault."""

    rule: Rule
    reason: str
    party: str | None = None
    step: str | None = None
    component: str | None = None
    column: str | None = None
    output: str | None = None

    def __str__(self) -> str:
        return f"rule {self.rule.value!r}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        """The violation as a JSON object, with only the fields that are set."""
        data: dict[str, Any] = {"rule": self.rule.value, "reason": self.reason}
        for name in ("party", "step", "component", "column", "output"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        return data


@dataclass(frozen=True)
class Decision:
    """The verdict of one dataset's policy on one job spec."""

    party: str
    dataset: str
    spec_hash: str
    allowed: bool
    auto_approve: bool
    violations: tuple[Violation, ...]

    def reasons(self) -> list[str]:
        """Each violation as a sentence naming the rule."""
        return [str(violation) for violation in self.violations]

    def to_json(self) -> dict[str, Any]:
        """The decision as a JSON object."""
        return {
            "party": self.party,
            "dataset": self.dataset,
            "spec_hash": self.spec_hash,
            "allowed": self.allowed,
            "auto_approve": self.auto_approve,
            "violations": [violation.to_json() for violation in self.violations],
        }


def _users(job: JobSpec, dataset: Dataset) -> list[Step]:
    """The steps that read ``dataset`` or consume results derived from it, in job order."""
    using = {s.id for s in job.steps if s.reads.get(dataset.party, {}).get(dataset.name)}
    grew = True
    while grew:
        grew = False
        for step in job.steps:
            if step.id not in using and using.intersection(step.after):
                using.add(step.id)
                grew = True
    return [step for step in job.steps if step.id in using]


def _listing(names: frozenset[str]) -> str:
    return ", ".join(sorted(names)) if names else "none"


def _parties(policy: DatasetPolicy, job: JobSpec, dataset: Dataset) -> Iterator[Violation]:
    for party in job.parties:
        if party not in policy.parties:
            yield Violation(
                Rule.PARTIES,
                f"party {party!r} may not take part in a job using dataset {str(dataset)!r} "
                f"(allowed: {_listing(policy.parties)})",
                party=party,
            )


def _components(policy: DatasetPolicy, users: list[Step], dataset: Dataset) -> Iterator[Violation]:
    for step in users:
        if not policy.allows_component(step.component):
            how = (
                "reads"
                if step.reads.get(dataset.party, {}).get(dataset.name)
                else "uses results derived from"
            )
            yield Violation(
                Rule.COMPONENTS,
                f"step {step.id!r} runs component {step.component!r}, which {how} dataset "
                f"{str(dataset)!r}; the policy allows only: {_listing(policy.components)}",
                step=step.id,
                component=step.component,
            )


def _columns(policy: DatasetPolicy, job: JobSpec, dataset: Dataset) -> Iterator[Violation]:
    known = set(dataset.columns)
    for step in job.steps:
        for column in step.columns_read(dataset.party, dataset.name):
            problem = None
            if column not in known:
                problem = "which the dataset does not have"
            elif column in policy.deny_columns:
                problem = "which the policy denies"
            elif policy.allow_columns is not None and column not in policy.allow_columns:
                problem = (
                    f"which is not among the allowed columns ({_listing(policy.allow_columns)})"
                )
            if problem is not None:
                yield Violation(
                    Rule.COLUMNS,
                    f"step {step.id!r} ({step.component}) reads column {column!r} of dataset "
                    f"{str(dataset)!r}, {problem}",
                    step=step.id,
                    component=step.component,
                    column=column,
                )


def _outputs(policy: DatasetPolicy, users: list[Step], dataset: Dataset) -> Iterator[Violation]:
    for step in users:
        for output in step.outputs:
            allowed = policy.outputs.get(output.kind, frozenset())
            for receiver in output.receivers:
                if receiver not in allowed:
                    yield Violation(
                        Rule.OUTPUTS,
                        f"output '{step.id}.{output.name}' ({output.kind.value}, derived from "
                        f"dataset {str(dataset)!r}) may not go to {receiver!r}; "
                        f"{output.kind.value} may go to: {_listing(allowed)}",
                        party=receiver,
                        step=step.id,
                        component=step.component,
                        output=f"{step.id}.{output.name}",
                    )


def _group_sizes(policy: DatasetPolicy, users: list[Step], dataset: Dataset) -> Iterator[Violation]:
    minimum = policy.min_group_size
    if minimum is None:
        return
    for step in users:
        for output in step.outputs:
            if output.kind not in AGGREGATE_KINDS:
                continue
            declared = output.min_group_size
            if declared is None or declared < minimum:
                what = (
                    "declares no minimum group size"
                    if declared is None
                    else (f"declares a minimum group size of {declared}")
                )
                yield Violation(
                    Rule.MIN_GROUP_SIZE,
                    f"output '{step.id}.{output.name}' ({output.kind.value}, derived from dataset "
                    f"{str(dataset)!r}) {what}; the policy requires at least {minimum}",
                    step=step.id,
                    component=step.component,
                    output=f"{step.id}.{output.name}",
                )


def _limits(
    policy: DatasetPolicy, dataset: Dataset, usage: Usage, now: datetime.datetime
) -> Iterator[Violation]:
    if policy.max_uses is not None and usage.uses >= policy.max_uses:
        yield Violation(
            Rule.MAX_USES,
            f"dataset {str(dataset)!r} has been used {usage.uses} times; "
            f"the policy allows {policy.max_uses}",
        )
    if policy.expires is not None and now >= policy.expires:
        yield Violation(
            Rule.EXPIRES,
            f"the policy of dataset {str(dataset)!r} expired at {policy.expires.isoformat()}",
        )


def evaluate(
    policy: DatasetPolicy,
    job: JobSpec,
    dataset: Dataset,
    usage_so_far: Usage,
    now: datetime.datetime,
) -> Decision:
    """Check ``job`` against ``policy``, the policy of ``dataset``; every broken rule is reported.

    :class:`ConfigError` if the arguments do not fit together: the policy is for another
    dataset, the job does not list the dataset, or ``now`` has no time zone.
    """
    if policy.dataset != dataset.name:
        raise ConfigError(f"the policy is for dataset {policy.dataset!r}, not for {dataset.name!r}")
    if dataset.name not in job.datasets.get(dataset.party, ()):
        raise ConfigError(f"job {job.name!r} does not list dataset {str(dataset)!r}")
    if now.utcoffset() is None:
        raise ConfigError("now must be a timezone-aware datetime")
    users = _users(job, dataset)
    violations = (
        *_parties(policy, job, dataset),
        *_components(policy, users, dataset),
        *_columns(policy, job, dataset),
        *_outputs(policy, users, dataset),
        *_group_sizes(policy, users, dataset),
        *_limits(policy, dataset, usage_so_far, now),
    )
    allowed = not violations
    return Decision(
        party=dataset.party,
        dataset=dataset.name,
        spec_hash=job.hash,
        allowed=allowed,
        auto_approve=allowed and policy.approval is Approval.AUTO,
        violations=violations,
    )
