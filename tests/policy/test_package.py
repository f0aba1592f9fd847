"""The public names of ``confide.policy``, pinned."""

from __future__ import annotations

import confide.policy as policy


def test_public_names() -> None:
    assert sorted(policy.__all__) == sorted(
        [
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
    )
    for name in policy.__all__:
        assert getattr(policy, name) is not None
