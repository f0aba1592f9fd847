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
- :class:`NodeDaemon`: the running node (:mod:`.daemon`): the peer service, the job flow of
  :class:`Coordinator` (:mod:`.coordinator`: proposals, policy review in :mod:`.review`, signed
  decisions in :mod:`.approvals`, control messages in :mod:`.control`, runs in :mod:`.runner`)
  and the local admin API (:mod:`.admin`), which :class:`AdminClient` calls (:mod:`.client`).
- Enclave (TEE) jobs: the node's keys and enclave and its checks at proposal
  (:mod:`.tee_setup`), and its part in the run, as data provider, enclave host or result
  receiver (:mod:`.tee_run`), which the runner calls for a job whose steps all run in an
  enclave.
"""

from confide.node.audit_store import SqlAuditStore
from confide.node.client import AdminClient, NodeUnreachable
from confide.node.config import NodeConfig, default_database_url, load_config
from confide.node.coordinator import Coordinator
from confide.node.daemon import NodeDaemon
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
from confide.node.services import NodeServices
from confide.node.store import NodeStore

__all__ = [
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
