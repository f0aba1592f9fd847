"""Reading a dataset's source: a CSV or Parquet file, or a table through a SQLAlchemy URL.

Two operations per kind of source: *inspect* (at registration: the columns and their types, the
row count, for a file its size and SHA-256, and a check that the id column identifies every row)
and *read* (the requested columns as a pandas DataFrame). Files are read into memory once and
parsed from that buffer with pandas, so the bytes that are hashed are the bytes that are parsed:
a file that changed since its registration is refused
(:class:`~confide.node.errors.DatasetChanged`) and cannot change between the check and the read.
Column types are pandas' (``int64``, ``float64``, ``str``...) for files, the database's for
tables. A table is read in the order of its id column.

Error messages name files, tables and columns, never a value: parser messages, which may quote
a line of the file, are left to the chained exception.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Column, Engine, MetaData, Table, create_engine, distinct, func, select
from sqlalchemy.exc import (
    ArgumentError,
    NoSuchModuleError,
    NoSuchTableError,
    OperationalError,
    SQLAlchemyError,
)

from confide.errors import ConfigError
from confide.node.errors import DatasetChanged
from confide.node.records import ColumnInfo, SourceKind, hide_password
from confide.policy.job import check_column_name

__all__ = [
    "FILE_SUFFIXES",
    "Inspection",
    "file_kind",
    "inspect_file",
    "inspect_table",
    "read_file",
    "read_table",
]

#: The file name endings the registry reads, and as what.
FILE_SUFFIXES = {".csv": SourceKind.CSV, ".parquet": SourceKind.PARQUET, ".pq": SourceKind.PARQUET}


@dataclass(frozen=True)
class Inspection:
    """What registration learns about a source."""

    columns: tuple[ColumnInfo, ...]
    rows: int
    size_bytes: int | None = None
    sha256: str | None = None


def file_kind(path: Path) -> SourceKind:
    """CSV or Parquet, by the file's name; :class:`ConfigError` for any other ending."""
    kind = FILE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        endings = ", ".join(sorted(FILE_SUFFIXES))
        raise ConfigError(
            f"file {path} is neither CSV nor Parquet (its name must end in {endings})"
        )
    return kind


def _check_names(names: Sequence[str], where: str) -> None:
    seen: set[str] = set()
    for name in names:
        check_column_name(name, where)
        if name in seen:
            raise ConfigError(f"{where}: column {name!r} appears twice")
        seen.add(name)


def _check_ids(ids: pd.Series, id_column: str, where: str) -> None:
    """The id column must identify every row: no empty value, no value twice (counts only)."""
    empty = int(ids.isna().sum())
    if empty:
        raise ConfigError(f"{where}: id column {id_column!r} has {empty} empty values")
    repeated = int(ids.duplicated().sum())
    if repeated:
        raise ConfigError(
            f"{where}: id column {id_column!r} has {repeated} repeated values; "
            "it must identify each row"
        )


# -- files --------------------------------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"file {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"file {path} cannot be read: {exc.strerror}") from exc


def _parse(
    data: bytes, kind: SourceKind, columns: Sequence[str] | None, path: Path
) -> pd.DataFrame:
    wanted = None if columns is None else list(columns)
    try:
        if kind is SourceKind.CSV:
            # low_memory=False: one type per column, whichever columns are read
            frame = pd.read_csv(io.BytesIO(data), usecols=wanted, low_memory=False)
        else:
            frame = pd.read_parquet(io.BytesIO(data), columns=wanted)
    except (ValueError, OSError) as exc:  # pandas' and pyarrow's parse errors are ValueErrors
        raise ConfigError(
            f"file {path} cannot be read as {kind.value} ({type(exc).__name__}): check that it "
            "is well formed, with a header row for CSV"
        ) from exc
    return frame if wanted is None else frame[wanted]


def inspect_file(path: Path, kind: SourceKind, id_column: str) -> Inspection:
    """Columns, row count, size and SHA-256 of the file; the id column checked."""
    data = _read_bytes(path)
    where = f"file {path}"
    frame = _parse(data, kind, None, path)
    names = [str(name) for name in frame.columns]
    _check_names(names, where)
    if id_column not in names:
        raise ConfigError(f"{where} has no column {id_column!r} (the id column)")
    _check_ids(frame[id_column], id_column, where)
    columns = tuple(
        ColumnInfo(name, str(dtype)) for name, dtype in zip(names, frame.dtypes, strict=True)
    )
    return Inspection(columns, len(frame), len(data), hashlib.sha256(data).hexdigest())


def read_file(
    path: Path, kind: SourceKind, columns: Sequence[str], *, size_bytes: int, sha256: str
) -> pd.DataFrame:
    """The ``columns`` of the file, in that order; :class:`DatasetChanged` unless the file
    still has the registered size and SHA-256."""
    data = _read_bytes(path)
    if len(data) != size_bytes or hashlib.sha256(data).hexdigest() != sha256:
        raise DatasetChanged(
            f"file {path} changed since it was registered (its SHA-256 differs): "
            "register the dataset again to use the new content"
        )
    return _parse(data, kind, columns, path)


# -- SQL tables ---------------------------------------------------------------------------------


@contextmanager
def _table(url: str, table: str, schema: str | None) -> Iterator[tuple[Engine, Table]]:
    """An engine on ``url`` and the reflected ``table``; source errors as :class:`ConfigError`."""
    where = f"table {table!r} of {hide_password(url)}"
    try:
        engine = create_engine(url)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError(f"{hide_password(url)} is not a usable SQLAlchemy URL") from exc
    try:
        yield engine, Table(table, MetaData(), autoload_with=engine, schema=schema)
    except NoSuchTableError:
        raise ConfigError(f"{where} does not exist") from None
    except OperationalError as exc:
        first = str(exc.orig).strip().splitlines()[:1]
        detail = f": {first[0]}" if first else ""
        raise ConfigError(f"{where} cannot be read ({type(exc.orig).__name__}{detail})") from exc
    except SQLAlchemyError as exc:
        raise ConfigError(f"{where} cannot be read ({type(exc).__name__})") from exc
    finally:
        engine.dispose()


def _type_name(engine: Engine, column: Column[Any]) -> str:
    """The column's type as the database writes it (``VARCHAR(20)``), else the type's class."""
    try:
        return str(column.type.compile(dialect=engine.dialect))
    except SQLAlchemyError:
        return type(column.type).__name__


def inspect_table(url: str, table: str, schema: str | None, id_column: str) -> Inspection:
    """Columns (by reflection) and row count of the table; the id column checked."""
    where = f"table {table!r} of {hide_password(url)}"
    with _table(url, table, schema) as (engine, reflected):
        names = [column.name for column in reflected.columns]
        _check_names(names, where)
        if id_column not in names:
            raise ConfigError(f"{where} has no column {id_column!r} (the id column)")
        ids = reflected.c[id_column]
        with engine.connect() as connection:
            counts = connection.execute(
                select(func.count(), func.count(ids), func.count(distinct(ids)))
            ).one()
        rows, filled, unique = (int(value) for value in counts)
        if filled != rows:
            raise ConfigError(f"{where}: id column {id_column!r} has {rows - filled} empty values")
        if unique != rows:
            raise ConfigError(
                f"{where}: id column {id_column!r} has {rows - unique} repeated values; "
                "it must identify each row"
            )
        columns = tuple(ColumnInfo(c.name, _type_name(engine, c)) for c in reflected.columns)
    return Inspection(columns, rows)


def read_table(
    url: str, table: str, schema: str | None, id_column: str, columns: Sequence[str]
) -> pd.DataFrame:
    """The ``columns`` of the table, ordered by its id column; :class:`DatasetChanged` if one
    of them is gone."""
    with _table(url, table, schema) as (engine, reflected):
        missing = [name for name in columns if name not in reflected.c]
        if missing:
            raise DatasetChanged(
                f"table {table!r} of {hide_password(url)} no longer has the columns {missing}: "
                "register the dataset again"
            )
        query = select(*(reflected.c[name] for name in columns)).order_by(reflected.c[id_column])
        with engine.connect() as connection:
            frame: pd.DataFrame = pd.read_sql(query, connection)
        return frame
