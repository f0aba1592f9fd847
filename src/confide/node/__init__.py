"""The per-organisation node: its configuration, its state store and its dataset registry.

Each organisation runs one node beside its data. Its state (datasets, usage policies, jobs,
approvals, results, job logs and the audit chain) lives in one database through SQLAlchemy: a
SQLite file in the node's state folder by default, PostgreSQL when the config gives a URL
(:func:`open_database`); it survives restarts.

- :class:`NodeConfig` / :func:`load_config`: the node's YAML config (:mod:`.config`).
- :class:`NodeStore`: typed, transactional access to the state (:mod:`.store`, tables in
  :mod:`.db`, records and the job lifecycle in :mod:`.records`).
- :class:`SqlAuditStore`: the audit chain in the same database, for
  :class:`~confide.audit.AuditLog` (:mod:`.audit_store`).
- :class:`DatasetRegistry`: registering CSV, Parquet and SQL datasets and reading their columns
  (:mod:`.datasets`, sources in :mod:`.sources`).
"""

from confide.node.audit_store import SqlAuditStore
from confide.node.config import NodeConfig, default_database_url, load_config
from confide.node.datasets import DatasetRegistry
from confide.node.db import Database, open_database
from confide.node.errors import (
    AlreadyExists,
    DatasetChanged,
    IllegalTransition,
    NotFound,
    StoreError,
)
from confide.node.records import (
    TERMINAL_STATES,
    TRANSITIONS,
    ApprovalRecord,
    ColumnInfo,
    DatasetInfo,
    Decision,
    JobRecord,
    JobState,
    LogLine,
    ResultRecord,
    SourceKind,
)
from confide.node.store import NodeStore

__all__ = [
    "TERMINAL_STATES",
    "TRANSITIONS",
    "AlreadyExists",
    "ApprovalRecord",
    "ColumnInfo",
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
    "NodeStore",
    "NotFound",
    "ResultRecord",
    "SourceKind",
    "SqlAuditStore",
    "StoreError",
    "default_database_url",
    "load_config",
    "open_database",
]
