"""Usage policies and job specs: what a data owner allows, what a job asks for, and the verdict.

A job spec (:class:`JobSpec`, YAML via :func:`load_job`) declares the parties and their roles,
the datasets each contributes, a DAG of components with parameters and the columns each reads,
and who receives each output; :func:`spec_hash` is what approvals sign. A usage policy
(:class:`DatasetPolicy`, YAML via :func:`load_policy`) is one data owner's rules for one dataset.
:func:`evaluate` checks a spec against a policy before any data is read and returns a
:class:`Decision` listing every broken rule.
"""

from confide.policy.evaluate import Dataset, Decision, Rule, Usage, Violation, evaluate
from confide.policy.job import (
    AGGREGATE_KINDS,
    JobSpec,
    Output,
    OutputKind,
    Step,
    job_to_yaml,
    load_job,
    parse_job,
    spec_hash,
)
from confide.policy.rules import (
    Approval,
    DatasetPolicy,
    load_policy,
    parse_policy,
    policy_to_yaml,
)

__all__ = [
    "AGGREGATE_KINDS",
    "Approval",
    "Dataset",
    "DatasetPolicy",
    "Decision",
    "JobSpec",
    "Output",
    "OutputKind",
    "Rule",
    "Step",
    "Usage",
    "Violation",
    "evaluate",
    "job_to_yaml",
    "load_job",
    "load_policy",
    "parse_job",
    "parse_policy",
    "policy_to_yaml",
    "spec_hash",
]
