"""The YAML examples in the module docstrings of ``confide.policy`` parse, and fit together."""

from __future__ import annotations

import datetime
import textwrap

import confide.policy.job as job_module
import confide.policy.rules as rules_module
from confide.policy import Dataset, Rule, Usage, evaluate, parse_job, parse_policy


def _example(doc: str | None, after: str, before: str) -> str:
    assert doc is not None
    return textwrap.dedent(doc.split(after, 1)[1].split(before, 1)[0])


JOB_EXAMPLE = _example(job_module.__doc__, "In YAML::\n", "\nRules checked")
POLICY_EXAMPLE = _example(rules_module.__doc__, "One YAML file per dataset::\n", "\nNothing is")


def test_the_examples_parse_and_fit_together() -> None:
    job = parse_job(JOB_EXAMPLE)
    policy = parse_policy(POLICY_EXAMPLE)
    assert [step.id for step in job.steps] == ["align", "lr"]
    assert policy.allows_component("ml.secure_lr")
    loans = Dataset("bank", "loans", ("id", "income", "default", "national_id"))
    now = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
    decision = evaluate(policy, job, loans, Usage(uses=3), now)
    assert decision.allowed and not decision.auto_approve  # approval: manual
    late = evaluate(policy, job, loans, Usage(uses=10), now.replace(year=2027))
    assert [v.rule for v in late.violations] == [Rule.MAX_USES, Rule.EXPIRES]
