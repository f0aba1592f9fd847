"""The public names of ``confide.node``, pinned, and the disclosures its modules declare."""

from __future__ import annotations

import confide.node as node
from confide.node import audit_store, datasets, store
from confide.runtime.disclosure import Disclosure


def test_public_names() -> None:
    assert sorted(node.__all__) == sorted(
        [
            "TERMINAL_STATES",
            "TRANSITIONS",
            "AdminClient",
            "AlreadyExists",
            "ApprovalRecord",
            "ColumnInfo",
            "Coordinator",
            "Database",
            "DatasetChanged",
            "DatasetInfo",
            "DatasetRegistry",
            "Decision",
            "IllegalTransition",
            "JobRecord",
            "JobState",
            "LogLine",
            "NodeConfig",
            "NodeDaemon",
            "NodeServices",
            "NodeStore",
            "NodeUnreachable",
            "NotFound",
            "ResultRecord",
            "SourceKind",
            "SqlAuditStore",
            "StoreError",
            "default_database_url",
            "load_config",
            "open_database",
        ]
    )
    for name in node.__all__:
        assert getattr(node, name) is not None


def test_each_part_says_who_learns_what() -> None:
    for module in (store, datasets, audit_store):
        assert module.DISCLOSURE
        assert all(
            isinstance(item, Disclosure) and item.who and item.learns for item in module.DISCLOSURE
        )
