"""The node's database: its tables (SQLAlchemy 2 ORM), opening it, and one transaction per call.

A node keeps all its state here: datasets, usage policies, jobs, approvals, results, job log
lines and its audit chain. :func:`open_database` accepts two kinds of URL:

- ``sqlite:///ABSOLUTE/PATH/node.db`` (the default, in the node's state folder): the file is
  created with mode 0600 in a folder of mode 0700, in WAL mode with foreign keys on. Writes
  begin with ``BEGIN IMMEDIATE``, so a read-modify-write (a job's state change) never meets a
  concurrent writer half-way; other writers wait up to :data:`SQLITE_BUSY_TIMEOUT_S`.
  Durability: ``synchronous=NORMAL``, except ``FULL`` for a transaction that writes the audit
  chain (see "Durability on SQLite" below).
- ``postgresql+psycopg://USER@HOST/DB`` (``postgresql://`` means the same: psycopg 3 is the
  driver). Rows that a call reads and then changes are locked (``SELECT ... FOR UPDATE``).

Tables are created when missing (``create_all``) and named ``confide_*``, so the node can share
a database with other tables. A :class:`Database` hands out one session per call
(:meth:`Database.read`, :meth:`Database.write`): one transaction, committed when the block ends
and rolled back if it raises; it is safe to use from several threads. Database errors are
translated into :class:`~confide.node.errors.StoreError` (never with the SQL parameters, which
may hold data) at this boundary.

Durability on SQLite
--------------------
In WAL mode every commit appends its pages and a commit frame to the write-ahead log; with
``synchronous=FULL`` SQLite also waits for the log to reach the disk (an ``fdatasync``) before
the commit returns, with ``NORMAL`` only at checkpoints. After a crash or power loss, recovery
replays the log's valid frames up to the last commit frame that reached the disk: the database
is always the state after *some prefix* of the committed transactions, never a torn one, under
either level. What ``NORMAL`` gives up is the last few commits before a power loss (a process
crash loses nothing: the log is in the OS's page cache).

For the node's own bookkeeping (datasets, policies, jobs, approvals, results, job log lines)
losing the last commits is acceptable: it is as if the node had stopped a moment earlier (a job
shows an earlier state, a log line is missing), and every row is still consistent with the
others. The audit chain is different. Its head is signed and sent to the job's peers
(:func:`confide.audit.exchange_heads`), and its entries are the evidence that a dataset was read
or an output released. An entry lost after its head left the node would look like a log
rewritten shorter to a verifier, and a lost ``dataset_read`` would hide a read that happened. So
a transaction that writes the audit table (:data:`DURABLE_TABLES`) runs with ``FULL``: its commit
is on disk before the call returns and before any other connection can see the new head. Because
the log is replayed as a prefix, that one sync also makes every commit before it durable (the
approval a job ran under, its dataset reads). The level is chosen before ``BEGIN`` (SQLite
refuses to change it inside a transaction): a write session becomes durable when its first
statement touches an audit table, or when asked (``Database.write(..., durable=True)``); one that
flushes an audit row without being durable is refused with a :class:`StoreError`. PostgreSQL
keeps its server's setting (``synchronous_commit=on`` by default: every commit durable).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    UOWTransaction,
    mapped_column,
)

from confide.errors import ConfigError
from confide.node.errors import AlreadyExists, StoreError
from confide.params import MAX_NAME_LENGTH, MAX_PARTY_NAME_LENGTH

__all__ = [
    "DURABLE_TABLES",
    "SCHEMA_VERSION",
    "SQLITE_BUSY_TIMEOUT_S",
    "ApprovalRow",
    "AuditRow",
    "Base",
    "Database",
    "DatasetRow",
    "JobLogRow",
    "JobRow",
    "MetaRow",
    "PolicyRow",
    "ResultRow",
    "normalize_url",
    "open_database",
]

#: Version of the table layout; a database written by another version is refused.
SCHEMA_VERSION = 1

#: How long a SQLite writer waits for another one before giving up, in seconds.
SQLITE_BUSY_TIMEOUT_S = 30.0

_UTC = datetime.timezone.utc
_HASH_LENGTH = 64
_NAME = String(MAX_NAME_LENGTH)
_PARTY = String(MAX_PARTY_NAME_LENGTH)
# The execution option that marks a writing transaction (BEGIN IMMEDIATE on SQLite).
_WRITE_OPTION = "confide_write"
# The execution option that makes a SQLite write transaction durable (synchronous=FULL).
_DURABLE_OPTION = "confide_durable"
# Where a session and a pooled SQLite connection keep what they know of their durability.
_DURABLE_KEY = "confide_durable"
_BEGUN_KEY = "confide_begun"
_LEVEL_KEY = "confide_synchronous"
# SQLite makes only an INTEGER PRIMARY KEY an auto-incrementing row id.
_ROW_ID = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime.datetime]):
    """An aware UTC datetime in, an aware UTC datetime out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ConfigError("the node stores aware datetimes only")
        utc = value.astimezone(_UTC)
        return utc if dialect.name == "postgresql" else utc.replace(tzinfo=None)

    def process_result_value(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=_UTC) if value.tzinfo is None else value.astimezone(_UTC)


class Base(DeclarativeBase):
    """The node's tables."""


class MetaRow(Base):
    """Facts about the database itself (the schema version)."""

    __tablename__ = "confide_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DatasetRow(Base):
    """A registered dataset (see :class:`~confide.node.records.DatasetInfo`)."""

    __tablename__ = "confide_datasets"

    name: Mapped[str] = mapped_column(_NAME, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(Text)
    table_name: Mapped[str | None] = mapped_column(Text)
    schema_name: Mapped[str | None] = mapped_column(Text)
    id_column: Mapped[str] = mapped_column(Text)
    columns: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    rows: Mapped[int] = mapped_column(BigInteger)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(_HASH_LENGTH))
    registered_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)


class PolicyRow(Base):
    """The usage policy of one dataset: its YAML and the fields the node filters on."""

    __tablename__ = "confide_policies"

    dataset: Mapped[str] = mapped_column(
        _NAME, ForeignKey(DatasetRow.name, ondelete="CASCADE"), primary_key=True
    )
    yaml_text: Mapped[str] = mapped_column(Text)
    approval: Mapped[str] = mapped_column(String(16))
    max_uses: Mapped[int | None] = mapped_column(BigInteger)
    expires: Mapped[datetime.datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)


class JobRow(Base):
    """A job: its spec, the spec's hash (what approvals sign) and its state."""

    __tablename__ = "confide_jobs"

    id: Mapped[str] = mapped_column(_NAME, primary_key=True)
    spec_yaml: Mapped[str] = mapped_column(Text)
    spec_hash: Mapped[str] = mapped_column(String(_HASH_LENGTH))
    state: Mapped[str] = mapped_column(String(16), index=True)
    proposer: Mapped[str] = mapped_column(_PARTY)
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(Text)


class ApprovalRow(Base):
    """One party's signed decision on a job; one per party and job."""

    __tablename__ = "confide_approvals"
    __table_args__ = (UniqueConstraint("job_id", "party"),)

    id: Mapped[int] = mapped_column(_ROW_ID, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(_NAME, ForeignKey(JobRow.id, ondelete="CASCADE"))
    party: Mapped[str] = mapped_column(_PARTY)
    decision: Mapped[str] = mapped_column(String(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    signed_payload: Mapped[bytes] = mapped_column(LargeBinary)
    at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)


class ResultRow(Base):
    """An output of a job for one receiver: inline bytes or a path, exactly one of them."""

    __tablename__ = "confide_results"
    __table_args__ = (
        UniqueConstraint("job_id", "receiver", "name"),
        CheckConstraint("(payload IS NULL) <> (path IS NULL)", name="payload_xor_path"),
    )

    id: Mapped[int] = mapped_column(_ROW_ID, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(_NAME, ForeignKey(JobRow.id, ondelete="CASCADE"))
    receiver: Mapped[str] = mapped_column(_PARTY)
    name: Mapped[str] = mapped_column(_NAME)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)


class JobLogRow(Base):
    """A progress or log line of a job; ``seq`` orders all lines of the store."""

    __tablename__ = "confide_job_log"

    seq: Mapped[int] = mapped_column(_ROW_ID, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(
        _NAME, ForeignKey(JobRow.id, ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime.datetime] = mapped_column(UtcDateTime)
    message: Mapped[str] = mapped_column(Text)
    progress: Mapped[float | None] = mapped_column(Float)


class AuditRow(Base):
    """One entry of the node's audit chain, at ``position`` (its place in append order).

    The fields are the entry's (:class:`~confide.audit.entry.AuditEntry`); ``payload`` is its
    canonical JSON. ``position`` equals ``seq`` in an untouched chain: a row moved, removed or
    edited in SQL is what :func:`confide.audit.verify` reports.
    """

    __tablename__ = "confide_audit"

    position: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    timestamp: Mapped[str] = mapped_column(String(32))
    party: Mapped[str] = mapped_column(_PARTY)
    event: Mapped[str] = mapped_column(String(32))
    job_id: Mapped[str] = mapped_column(_NAME, index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(_HASH_LENGTH))
    hash: Mapped[str] = mapped_column(String(_HASH_LENGTH), unique=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)


#: Tables whose writes are durable at commit on SQLite (see "Durability on SQLite" above).
DURABLE_TABLES = frozenset({AuditRow.__tablename__})


# -- durability ---------------------------------------------------------------------------------


class _NodeSession(Session):
    """A session of :class:`Database`; the events below pick its durability on SQLite."""


def _is_durable_table(table: Any) -> bool:
    return getattr(table, "name", None) in DURABLE_TABLES


def _make_durable(session: Session) -> None:
    """Begin ``session``'s transaction with synchronous=FULL; it must not have begun yet."""
    if session.info.get(_DURABLE_KEY):
        return
    if session.info.get(_BEGUN_KEY):
        raise StoreError(
            "the node database writes the audit chain only in a durable transaction: write it "
            "first in its transaction, or ask for Database.write(..., durable=True)"
        )
    session.info[_DURABLE_KEY] = True
    session.connection(execution_options={_DURABLE_OPTION: True})


@event.listens_for(_NodeSession, "after_begin")
def _after_begin(session: Session, _transaction: Any, _connection: Any) -> None:
    session.info[_BEGUN_KEY] = True


@event.listens_for(_NodeSession, "do_orm_execute")
def _on_orm_execute(state: ORMExecuteState) -> None:
    session = state.session
    if not session.info.get(_WRITE_OPTION):
        return
    if any(_is_durable_table(mapper.local_table) for mapper in state.all_mappers):
        _make_durable(session)


@event.listens_for(_NodeSession, "before_flush")
def _before_flush(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    if not session.info.get(_WRITE_OPTION):
        return
    changed = [*session.new, *session.dirty, *session.deleted]
    if any(_is_durable_table(getattr(type(row), "__table__", None)) for row in changed):
        _make_durable(session)


# -- opening ------------------------------------------------------------------------------------


def normalize_url(url: str) -> URL:
    """The parsed URL, with ``postgresql`` pointed at psycopg 3 and a SQLite path made absolute.

    :class:`ConfigError` for anything but a SQLite file or a PostgreSQL server.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("the database URL is not a SQLAlchemy URL") from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:") or parsed.database.startswith("file:"):
            raise ConfigError(
                "the node database must be a SQLite file (sqlite:///PATH), so its state "
                "survives a restart"
            )
        return parsed.set(database=str(Path(parsed.database).expanduser().resolve()))
    raise ConfigError(
        f"the node database must be SQLite or PostgreSQL, not {backend!r} "
        "(sqlite:///PATH or postgresql+psycopg://USER@HOST/DB)"
    )


def _prepare_sqlite_file(path: Path) -> None:
    """Create the folder (0700) and the empty file (0600) before SQLite creates them 0644."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        os.close(fd)
    except OSError as exc:
        raise StoreError(f"the node database {path} cannot be created: {exc.strerror}") from exc


def _sqlite_engine(url: URL) -> Engine:
    _prepare_sqlite_file(Path(url.database or ""))
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions begin in _on_begin, not implicitly
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get(_WRITE_OPTION, False):
            # synchronous may change only outside a transaction: set it for this one here.
            level = "FULL" if options.get(_DURABLE_OPTION, False) else "NORMAL"
            info = connection.connection.info
            if info.get(_LEVEL_KEY, "NORMAL") != level:
                connection.exec_driver_sql(f"PRAGMA synchronous={level}")
                info[_LEVEL_KEY] = level
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")

    return engine


def open_database(url: str) -> Database:
    """Connect to the node database at ``url``, creating the tables that are missing.

    :class:`ConfigError` for a URL that is not SQLite or PostgreSQL, :class:`StoreError` if the
    database cannot be reached or was written by another schema version.
    """
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    database = Database(engine)
    try:
        database.create_tables()
    except BaseException:
        database.close()
        raise
    return database


class Database:
    """An engine on the node database, and its transactions (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = engine.execution_options(**{_WRITE_OPTION: True})

    @property
    def url(self) -> str:
        """The database URL without its password."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def create_tables(self) -> None:
        """Create the missing tables and check (or record) the schema version."""
        try:
            Base.metadata.create_all(self._writer)
        except SQLAlchemyError as exc:
            raise _store_error(exc, f"creating the tables of {self.url}") from exc
        with self.write("checking the schema version") as session:
            row = session.get(MetaRow, "schema_version")
            if row is None:
                session.add(MetaRow(key="schema_version", value=str(SCHEMA_VERSION)))
            elif row.value != str(SCHEMA_VERSION):
                raise StoreError(
                    f"the node database {self.url} has schema version {row.value}; this "
                    f"version of Confide reads version {SCHEMA_VERSION}"
                )

    @contextmanager
    def read(self, doing: str) -> Iterator[Session]:
        """A session for reading, in one transaction; ``doing`` names the call in errors."""
        with self._session(self.engine, doing, None) as session:
            yield session

    @contextmanager
    def write(
        self, doing: str, *, conflict: str | None = None, durable: bool = False
    ) -> Iterator[Session]:
        """A session for changing rows, in one transaction, committed at the end of the block.

        A broken unique constraint raises :class:`AlreadyExists` with the message ``conflict``
        (when given) or a :class:`StoreError`. ``durable``: on SQLite, the commit is on disk
        before the block ends (``synchronous=FULL``); a transaction that writes the audit chain
        is durable without asking (see the module docstring).
        """
        with self._session(self._writer, doing, conflict, write=True, durable=durable) as session:
            yield session

    @contextmanager
    def _session(
        self,
        bind: Engine,
        doing: str,
        conflict: str | None,
        *,
        write: bool = False,
        durable: bool = False,
    ) -> Iterator[Session]:
        try:
            with _NodeSession(bind, expire_on_commit=False) as session, session.begin():
                session.info[_WRITE_OPTION] = write
                if durable:
                    _make_durable(session)
                yield session
        except IntegrityError as exc:
            if conflict is not None:
                raise AlreadyExists(conflict) from exc
            raise _store_error(exc, doing) from exc
        except SQLAlchemyError as exc:
            raise _store_error(exc, doing) from exc

    def close(self) -> None:
        """Close every pooled connection (idempotent)."""
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url!r})"


def _store_error(exc: SQLAlchemyError, doing: str) -> StoreError:
    """A :class:`StoreError` naming what failed, without the statement or its parameters."""
    reason = type(exc).__name__
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        reason = type(exc.orig).__name__
        # Only connection-level messages: others may quote a value of the data.
        first_line = str(exc.orig).strip().splitlines()[:1]
        if isinstance(exc, OperationalError | InterfaceError) and first_line:
            reason = f"{reason}: {first_line[0]}"
    return StoreError(f"the node database failed while {doing} ({reason})")
