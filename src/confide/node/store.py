"""The node's state store: datasets, policies, jobs, approvals, results and job logs.

    store = NodeStore.open("sqlite:////var/lib/confide/node.db")
    job = store.create_job("job-1a2b", spec, proposer="bank")
    store.record_approval(job.id, "platform", Decision.APPROVED, signature=..., signed_payload=...)
    store.set_job_state(job.id, JobState.APPROVED)

Each method is one transaction (:class:`~confide.node.db.Database`) and returns frozen records
(:mod:`confide.node.records`), so a store is shared freely between the threads of a node, and
between processes on the same database (the daemon and the ``confide`` command). A job's state
changes only along :data:`~confide.node.records.TRANSITIONS`; the change reads and writes the job
under a lock, so of two concurrent changes from the same state exactly one wins. The audit
chain lives in the same database, behind :class:`~confide.node.audit_store.SqlAuditStore`.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from sqlalchemy import select
from sqlalchemy.orm import Session

from confide.audit.fields import check_job_id
from confide.audit.log import utc_now
from confide.errors import ConfigError
from confide.net.certs import validate_party_name
from confide.node.db import (
    ApprovalRow,
    Database,
    DatasetRow,
    JobLogRow,
    JobRow,
    PolicyRow,
    ResultRow,
    open_database,
)
from confide.node.errors import AlreadyExists, IllegalTransition, NotFound
from confide.node.records import (
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
from confide.params import MAX_NAME_LENGTH
from confide.policy import (
    DatasetPolicy,
    JobSpec,
    OutputKind,
    job_to_yaml,
    parse_policy,
    policy_to_yaml,
)
from confide.policy.job import check_column_name, check_dataset_name
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "NodeStore"]

DISCLOSURE = (
    Disclosure(
        "this node's operators (whoever can read its database)",
        "the registration of every dataset (path or URL, column names and types, row count), "
        "the usage policies, job specs and states, approvals, the results kept for this party "
        "and the jobs' log lines",
        "the store is local: none of it is sent to a peer except through a job's protocol",
    ),
)

#: States whose change must say why.
_NEEDS_REASON = frozenset({JobState.REFUSED, JobState.FAILED})


def _check_output_name(name: object) -> str:
    name = check_column_name(name, "result name")
    if len(name) > MAX_NAME_LENGTH:
        raise ConfigError(f"a result name is at most {MAX_NAME_LENGTH} characters")
    return name


def _utc(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ConfigError("the store's clock must give aware datetimes")
    return moment.astimezone(datetime.timezone.utc)


# -- rows to records ----------------------------------------------------------------------------


def _dataset_info(row: DatasetRow) -> DatasetInfo:
    return DatasetInfo(
        name=row.name,
        kind=SourceKind(row.kind),
        location=row.location,
        id_column=row.id_column,
        columns=tuple(ColumnInfo(c["name"], c["dtype"]) for c in row.columns),
        rows=row.rows,
        registered_at=row.registered_at,
        table=row.table_name,
        schema=row.schema_name,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
    )


def _job_record(row: JobRow) -> JobRecord:
    return JobRecord(
        id=row.id,
        spec_yaml=row.spec_yaml,
        spec_hash=row.spec_hash,
        state=JobState(row.state),
        proposer=row.proposer,
        created_at=row.created_at,
        updated_at=row.updated_at,
        reason=row.reason,
    )


def _approval_record(row: ApprovalRow) -> ApprovalRecord:
    return ApprovalRecord(
        job_id=row.job_id,
        party=row.party,
        decision=Decision(row.decision),
        signature=row.signature,
        signed_payload=row.signed_payload,
        at=row.at,
    )


def _result_record(row: ResultRow) -> ResultRecord:
    return ResultRecord(
        job_id=row.job_id,
        receiver=row.receiver,
        name=row.name,
        kind=OutputKind(row.kind),
        created_at=row.created_at,
        payload=row.payload,
        path=row.path,
    )


def _log_line(row: JobLogRow) -> LogLine:
    return LogLine(row.job_id, row.seq, row.at, row.message, row.progress)


def _job_row(session: Session, job_id: str, *, lock: bool = False) -> JobRow:
    query = select(JobRow).where(JobRow.id == job_id)
    row = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFound(f"there is no job {job_id!r}")
    return row


class NodeStore:
    """Typed access to one node's database (see the module docstring).

    ``clock`` gives the times the store records (aware datetimes; UTC by default).
    """

    def __init__(
        self, database: Database, *, clock: Callable[[], datetime.datetime] = utc_now
    ) -> None:
        self.database = database
        self._clock = clock

    @classmethod
    def open(cls, url: str, *, clock: Callable[[], datetime.datetime] = utc_now) -> NodeStore:
        """Open (and create, if new) the node database at ``url``: see
        :func:`~confide.node.db.open_database`."""
        return cls(open_database(url), clock=clock)

    def _now(self) -> datetime.datetime:
        return _utc(self._clock())

    # -- datasets -------------------------------------------------------------------------------

    def add_dataset(self, info: DatasetInfo) -> None:
        """Register ``info``; :class:`~confide.node.errors.AlreadyExists` if its name is taken."""
        check_dataset_name(info.name, "dataset")
        row = DatasetRow(
            name=info.name,
            kind=info.kind.value,
            location=info.location,
            table_name=info.table,
            schema_name=info.schema,
            id_column=info.id_column,
            columns=[{"name": c.name, "dtype": c.dtype} for c in info.columns],
            rows=info.rows,
            size_bytes=info.size_bytes,
            sha256=info.sha256,
            registered_at=_utc(info.registered_at),
        )
        conflict = f"a dataset named {info.name!r} is already registered"
        with self.database.write("registering a dataset", conflict=conflict) as session:
            if session.get(DatasetRow, info.name) is not None:
                raise AlreadyExists(conflict)
            session.add(row)

    def get_dataset(self, name: str) -> DatasetInfo:
        """The dataset registered as ``name``; :class:`~confide.node.errors.NotFound` if none."""
        with self.database.read("reading a dataset") as session:
            row = session.get(DatasetRow, name)
            if row is None:
                raise NotFound(f"no dataset is registered as {name!r}")
            return _dataset_info(row)

    def list_datasets(self) -> list[DatasetInfo]:
        """Every registered dataset, by name."""
        with self.database.read("listing datasets") as session:
            rows = session.scalars(select(DatasetRow).order_by(DatasetRow.name))
            return [_dataset_info(row) for row in rows]

    def remove_dataset(self, name: str) -> None:
        """Forget the dataset ``name`` and its policy (the data itself is not touched)."""
        with self.database.write("removing a dataset") as session:
            row = session.get(DatasetRow, name)
            if row is None:
                raise NotFound(f"no dataset is registered as {name!r}")
            session.delete(row)

    # -- policies -------------------------------------------------------------------------------

    def put_policy(self, policy: DatasetPolicy) -> None:
        """Set (or replace) the usage policy of its dataset, which must be registered."""
        with self.database.write("storing a usage policy") as session:
            if session.get(DatasetRow, policy.dataset) is None:
                raise NotFound(
                    f"no dataset is registered as {policy.dataset!r}: register it before "
                    "giving it a policy"
                )
            row = session.get(PolicyRow, policy.dataset)
            if row is None:
                row = PolicyRow(dataset=policy.dataset)
                session.add(row)
            row.yaml_text = policy_to_yaml(policy)
            row.approval = policy.approval.value
            row.max_uses = policy.max_uses
            row.expires = policy.expires
            row.updated_at = self._now()

    def get_policy(self, dataset: str) -> DatasetPolicy | None:
        """The usage policy of ``dataset``, or ``None`` if it has none (nothing is allowed)."""
        with self.database.read("reading a usage policy") as session:
            row = session.get(PolicyRow, dataset)
            text = None if row is None else row.yaml_text
        return None if text is None else parse_policy(text, f"stored policy of {dataset!r}")

    # -- jobs -----------------------------------------------------------------------------------

    def create_job(self, job_id: str, spec: JobSpec, *, proposer: str) -> JobRecord:
        """Record a newly proposed job; :class:`~confide.node.errors.AlreadyExists` if the id is
        taken."""
        check_job_id(job_id, "job id")
        validate_party_name(proposer)
        now = self._now()
        row = JobRow(
            id=job_id,
            spec_yaml=job_to_yaml(spec),
            spec_hash=spec.hash,
            state=JobState.PROPOSED.value,
            proposer=proposer,
            created_at=now,
            updated_at=now,
            reason=None,
        )
        conflict = f"a job with id {job_id!r} already exists"
        with self.database.write("creating a job", conflict=conflict) as session:
            if session.get(JobRow, job_id) is not None:
                raise AlreadyExists(conflict)
            session.add(row)
        return _job_record(row)

    def get_job(self, job_id: str) -> JobRecord:
        """The job ``job_id``; :class:`~confide.node.errors.NotFound` if there is none."""
        with self.database.read("reading a job") as session:
            return _job_record(_job_row(session, job_id))

    def list_jobs(self, state: JobState | None = None) -> list[JobRecord]:
        """Every job (in ``state`` only, if given), oldest first."""
        query = select(JobRow).order_by(JobRow.created_at, JobRow.id)
        if state is not None:
            query = query.where(JobRow.state == JobState(state).value)
        with self.database.read("listing jobs") as session:
            return [_job_record(row) for row in session.scalars(query)]

    def set_job_state(
        self, job_id: str, state: JobState, *, reason: str | None = None
    ) -> JobRecord:
        """Move the job to ``state``; :class:`~confide.node.errors.IllegalTransition` unless
        :data:`~confide.node.records.TRANSITIONS` allows it from the current state.

        ``reason`` says why a job was refused or failed (required then), or cancelled.
        """
        state = JobState(state)
        if state in _NEEDS_REASON and not reason:
            raise ConfigError(f"a job that is {state.value} needs a reason")
        with self.database.write("changing a job's state") as session:
            row = _job_row(session, job_id, lock=True)
            current = JobState(row.state)
            if state not in TRANSITIONS[current]:
                allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none"
                raise IllegalTransition(
                    f"job {job_id!r} is {current.value}; it cannot become {state.value} "
                    f"(allowed: {allowed})"
                )
            row.state = state.value
            row.updated_at = self._now()
            if reason is not None:
                row.reason = reason
            return _job_record(row)

    # -- approvals ------------------------------------------------------------------------------

    def record_approval(
        self,
        job_id: str,
        party: str,
        decision: Decision,
        *,
        signature: bytes,
        signed_payload: bytes,
    ) -> ApprovalRecord:
        """Keep ``party``'s signed decision on the job (one per party: a second is refused).

        The store keeps the signature as given: checking it is the caller's job.
        """
        validate_party_name(party)
        decision = Decision(decision)
        if not isinstance(signature, bytes) or not isinstance(signed_payload, bytes):
            raise ConfigError("an approval's signature and signed payload must be bytes")
        conflict = f"party {party!r} already decided on job {job_id!r}"
        with self.database.write("recording an approval", conflict=conflict) as session:
            _job_row(session, job_id)
            row = ApprovalRow(
                job_id=job_id,
                party=party,
                decision=decision.value,
                signature=signature,
                signed_payload=signed_payload,
                at=self._now(),
            )
            session.add(row)
        return _approval_record(row)

    def approvals(self, job_id: str) -> list[ApprovalRecord]:
        """The decisions recorded on the job, in the order they were recorded."""
        with self.database.read("reading approvals") as session:
            _job_row(session, job_id)
            rows = session.scalars(
                select(ApprovalRow).where(ApprovalRow.job_id == job_id).order_by(ApprovalRow.id)
            )
            return [_approval_record(row) for row in rows]

    # -- results --------------------------------------------------------------------------------

    def put_result(
        self,
        job_id: str,
        receiver: str,
        name: str,
        kind: OutputKind,
        *,
        payload: bytes | None = None,
        path: str | Path | None = None,
    ) -> ResultRecord:
        """Keep output ``name`` of the job for ``receiver``: inline ``payload`` bytes, or the
        absolute ``path`` of a file that holds it (exactly one of the two)."""
        validate_party_name(receiver)
        _check_output_name(name)
        try:
            kind = OutputKind(kind)
        except ValueError:
            raise ConfigError(f"result {name!r}: unknown output kind") from None
        if (payload is None) == (path is None):
            raise ConfigError(f"result {name!r}: give either a payload or a path")
        if payload is not None and not isinstance(payload, bytes):
            raise ConfigError(f"result {name!r}: the payload must be bytes")
        if path is not None and not Path(path).is_absolute():
            raise ConfigError(f"result {name!r}: the path must be absolute")
        conflict = f"job {job_id!r} already has a result {name!r} for {receiver!r}"
        with self.database.write("storing a result", conflict=conflict) as session:
            _job_row(session, job_id)
            row = ResultRow(
                job_id=job_id,
                receiver=receiver,
                name=name,
                kind=kind.value,
                payload=payload,
                path=None if path is None else str(path),
                created_at=self._now(),
            )
            session.add(row)
        return _result_record(row)

    def results(self, job_id: str, receiver: str) -> list[ResultRecord]:
        """The results of the job kept for ``receiver``, in the order they were stored."""
        with self.database.read("reading results") as session:
            _job_row(session, job_id)
            rows = session.scalars(
                select(ResultRow)
                .where(ResultRow.job_id == job_id, ResultRow.receiver == receiver)
                .order_by(ResultRow.id)
            )
            return [_result_record(row) for row in rows]

    def get_result(self, job_id: str, receiver: str, name: str) -> ResultRecord:
        """One result; :class:`~confide.node.errors.NotFound` if there is none."""
        with self.database.read("reading a result") as session:
            row = session.scalars(
                select(ResultRow).where(
                    ResultRow.job_id == job_id,
                    ResultRow.receiver == receiver,
                    ResultRow.name == name,
                )
            ).one_or_none()
            if row is None:
                raise NotFound(f"job {job_id!r} has no result {name!r} for {receiver!r}")
            return _result_record(row)

    # -- job log --------------------------------------------------------------------------------

    def append_log(self, job_id: str, message: str, *, progress: float | None = None) -> LogLine:
        """Add a line to the job's log; ``progress`` is the fraction done, in [0, 1]."""
        if not isinstance(message, str):
            raise ConfigError("a log message must be text")
        if progress is not None and not (math.isfinite(progress) and 0.0 <= progress <= 1.0):
            raise ConfigError("progress must be a fraction in [0, 1]")
        with self.database.write("appending to a job log") as session:
            _job_row(session, job_id)
            row = JobLogRow(
                job_id=job_id,
                at=self._now(),
                message=message,
                progress=None if progress is None else float(progress),
            )
            session.add(row)
            session.flush()  # assigns seq
            return _log_line(row)

    def job_log(self, job_id: str, *, after: int | None = None) -> list[LogLine]:
        """The job's log lines in order; only those with ``seq > after`` if ``after`` is given."""
        query = select(JobLogRow).where(JobLogRow.job_id == job_id)
        if after is not None:
            query = query.where(JobLogRow.seq > after)
        with self.database.read("reading a job log") as session:
            _job_row(session, job_id)
            return [_log_line(row) for row in session.scalars(query.order_by(JobLogRow.seq))]

    # -- lifetime -------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database connections (idempotent)."""
        self.database.close()

    def __enter__(self) -> NodeStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"NodeStore({self.database.url!r})"
