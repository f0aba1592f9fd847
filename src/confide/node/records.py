"""What the node's store hands out: frozen records of datasets, jobs, approvals, results and logs.

The store (:class:`~confide.node.store.NodeStore`) keeps its rows to itself and returns these
records, so callers never hold a database session. A job's life is the table
:data:`TRANSITIONS`::

    proposed ──> approved ──> running ──> finished
        │           │            ├──────> failed
        │           │            └──────> cancelled
        │           └──> failed, cancelled       (before it could start)
        └──────> refused, failed, cancelled      (before every party approved)

Every time is an aware UTC datetime.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from confide.node.errors import StoreError
from confide.policy import JobSpec, OutputKind, parse_job

__all__ = [
    "TERMINAL_STATES",
    "TRANSITIONS",
    "ApprovalRecord",
    "ColumnInfo",
    "DatasetInfo",
    "Decision",
    "JobRecord",
    "JobState",
    "LogLine",
    "ResultRecord",
    "SourceKind",
    "hide_password",
]


class JobState(str, Enum):
    """Where a job is in its life on this node."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REFUSED = "refused"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: The state changes a job may make; any other is an
#: :class:`~confide.node.errors.IllegalTransition`.
TRANSITIONS: Mapping[JobState, frozenset[JobState]] = {
    JobState.PROPOSED: frozenset(
        {JobState.APPROVED, JobState.REFUSED, JobState.FAILED, JobState.CANCELLED}
    ),
    JobState.APPROVED: frozenset({JobState.RUNNING, JobState.FAILED, JobState.CANCELLED}),
    JobState.RUNNING: frozenset({JobState.FINISHED, JobState.FAILED, JobState.CANCELLED}),
    JobState.REFUSED: frozenset(),
    JobState.FINISHED: frozenset(),
    JobState.FAILED: frozenset(),
    JobState.CANCELLED: frozenset(),
}

#: States a job never leaves.
TERMINAL_STATES = frozenset(state for state, nexts in TRANSITIONS.items() if not nexts)


class Decision(str, Enum):
    """A party's answer to a proposed job."""

    APPROVED = "approved"
    REFUSED = "refused"


class SourceKind(str, Enum):
    """Where a dataset's rows come from."""

    CSV = "csv"
    PARQUET = "parquet"
    SQL = "sql"


def hide_password(url: str) -> str:
    """A SQLAlchemy URL with its password replaced by ``***`` (for messages and listings)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a SQLAlchemy URL>"


@dataclass(frozen=True)
class ColumnInfo:
    """One column of a dataset: its name and type (pandas' for files, the database's for tables)."""

    name: str
    dtype: str


@dataclass(frozen=True)
class DatasetInfo:
    """A registered dataset.

    For a file (``csv``, ``parquet``), ``location`` is its absolute path, ``size_bytes`` and
    ``sha256`` fix its content: a file that changed is refused when read. For a SQL table,
    ``location`` is the SQLAlchemy URL (which may hold a password: show :attr:`display_location`)
    and ``table`` its name, ``schema`` its schema if not the default one.
    """

    name: str
    kind: SourceKind
    location: str = field(repr=False)
    id_column: str
    columns: tuple[ColumnInfo, ...]
    rows: int
    registered_at: datetime.datetime
    table: str | None = None
    schema: str | None = None
    size_bytes: int | None = None
    sha256: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        """The names of the columns, in the source's order."""
        return tuple(column.name for column in self.columns)

    @property
    def display_location(self) -> str:
        """The path, or the URL without its password."""
        return self.location if self.kind is not SourceKind.SQL else hide_password(self.location)

    def to_json(self) -> dict[str, Any]:
        """A JSON object for listings and the admin API (no password)."""
        return {
            "name": self.name,
            "kind": self.kind.value,
            "location": self.display_location,
            "table": self.table,
            "schema": self.schema,
            "id_column": self.id_column,
            "columns": [{"name": c.name, "dtype": c.dtype} for c in self.columns],
            "rows": self.rows,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "registered_at": self.registered_at.isoformat(),
        }


@dataclass(frozen=True)
class JobRecord:
    """A job as this node knows it: its spec (YAML and hash), state and history."""

    id: str
    spec_yaml: str = field(repr=False)
    spec_hash: str
    state: JobState
    proposer: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    reason: str | None = None

    @property
    def spec(self) -> JobSpec:
        """The parsed spec; :class:`StoreError` if the stored YAML no longer has its hash."""
        spec = parse_job(self.spec_yaml, f"stored spec of job {self.id!r}")
        if spec.hash != self.spec_hash:
            raise StoreError(
                f"the stored spec of job {self.id!r} does not match its hash: "
                "the database was edited"
            )
        return spec


@dataclass(frozen=True)
class ApprovalRecord:
    """One party's signed decision on a job: ``signature`` is over ``signed_payload``."""

    job_id: str
    party: str
    decision: Decision
    signature: bytes = field(repr=False)
    signed_payload: bytes = field(repr=False)
    at: datetime.datetime


@dataclass(frozen=True)
class ResultRecord:
    """An output of a job kept for one receiver: inline ``payload`` bytes or a file ``path``."""

    job_id: str
    receiver: str
    name: str
    kind: OutputKind
    created_at: datetime.datetime
    payload: bytes | None = field(default=None, repr=False)
    path: str | None = None


@dataclass(frozen=True)
class LogLine:
    """A progress or log line of a job. ``seq`` increases along the store (not per job, and
    with gaps): pass the last one seen as ``after`` to read only newer lines."""

    job_id: str
    seq: int
    at: datetime.datetime
    message: str
    progress: float | None = None
