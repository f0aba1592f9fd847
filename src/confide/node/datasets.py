"""The node's dataset registry: which data this organisation offers to jobs, and reading it.

    registry = DatasetRegistry(store)
    registry.add("loans", path="/data/loans.parquet", id_column="customer_id")
    registry.add_sql("features", url="postgresql+psycopg://reader@db/crm", table="features",
                     id_column="customer_id")
    frame = registry.read("loans", ["customer_id", "income"])   # exactly these two columns

A dataset is registered under a name (letters, digits, ``_``, ``.``, ``-``; unique on the node)
with its source, its id column (the key jobs join on: no empty and no repeated value) and what
registration learned of it (:class:`~confide.node.records.DatasetInfo`): column names and types,
row count and, for a file, its size and SHA-256. Paths and SQLite URLs are stored absolute.
:meth:`DatasetRegistry.read` returns exactly the columns asked for, in that order, refusing a
column the dataset does not have and a file that changed since it was registered.

The id column is a column like any other here: it is returned only when asked for. A job's step
reads exactly the columns its spec lists (``reads``), which are exactly the columns a usage
policy checks (:func:`confide.policy.evaluate`), so a policy that denies or does not allow the id
column is honoured: a step that needs the ids (to align on them, to join) must list the id
column, and is then refused by such a policy. Rows come in the file's order, or ordered by the
id column for a SQL table, whether or not the id column is read.

The data stays where it is: the registry records where it lives and reads it on request, for a
job running on this node. What leaves the node are a job's protocol messages, never these frames.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from confide.audit.log import utc_now
from confide.errors import ConfigError
from confide.node.db import normalize_url
from confide.node.errors import AlreadyExists, NotFound
from confide.node.records import DatasetInfo, SourceKind, hide_password
from confide.node.sources import (
    Inspection,
    file_kind,
    inspect_file,
    inspect_table,
    read_file,
    read_table,
)
from confide.node.store import NodeStore
from confide.policy.job import check_column_name, check_dataset_name
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "DatasetRegistry"]

DISCLOSURE = (
    Disclosure(
        "this node (the process that reads for a job)",
        "exactly the requested columns of the dataset (the id column only when requested)",
        "read locally for a job on this node; nothing is sent to a peer by the registry",
    ),
    Disclosure(
        "this node's operators",
        "each dataset's path or URL, column names and types, row count, size and SHA-256",
        "kept in the node's store at registration",
    ),
)


def _absolute_sql_url(url: str) -> str:
    """``url``, with the path of a SQLite file made absolute (the password kept)."""
    try:
        return normalize_url(url).render_as_string(hide_password=False)
    except ConfigError:
        return url  # not a node-database URL (another backend): taken as given


class DatasetRegistry:
    """Register, list, remove and read the datasets of one node (see the module docstring)."""

    def __init__(
        self, store: NodeStore, *, clock: Callable[[], datetime.datetime] = utc_now
    ) -> None:
        self.store = store
        self._clock = clock

    def _check_new(self, name: str, id_column: str) -> None:
        check_dataset_name(name, "dataset")
        check_column_name(id_column, f"dataset {name!r} id column")
        try:
            self.store.get_dataset(name)
        except NotFound:
            return
        raise AlreadyExists(f"a dataset named {name!r} is already registered")

    def _register(
        self,
        name: str,
        kind: SourceKind,
        location: str,
        id_column: str,
        found: Inspection,
        *,
        table: str | None = None,
        schema: str | None = None,
    ) -> DatasetInfo:
        info = DatasetInfo(
            name=name,
            kind=kind,
            location=location,
            id_column=id_column,
            columns=found.columns,
            rows=found.rows,
            registered_at=self._clock(),
            table=table,
            schema=schema,
            size_bytes=found.size_bytes,
            sha256=found.sha256,
        )
        self.store.add_dataset(info)
        return self.store.get_dataset(name)

    def add(self, name: str, *, path: str | os.PathLike[str], id_column: str) -> DatasetInfo:
        """Register the CSV or Parquet file at ``path`` (by its name's ending) as ``name``."""
        self._check_new(name, id_column)
        resolved = Path(path).expanduser().resolve()
        kind = file_kind(resolved)
        found = inspect_file(resolved, kind, id_column)
        return self._register(name, kind, str(resolved), id_column, found)

    def add_sql(
        self, name: str, *, url: str, table: str, id_column: str, schema: str | None = None
    ) -> DatasetInfo:
        """Register ``table`` (in ``schema``, if given) of the database at SQLAlchemy ``url``."""
        self._check_new(name, id_column)
        if not isinstance(table, str) or not table:
            raise ConfigError(f"dataset {name!r}: give the name of a table")
        location = _absolute_sql_url(url)
        found = inspect_table(location, table, schema, id_column)
        return self._register(
            name, SourceKind.SQL, location, id_column, found, table=table, schema=schema
        )

    def get(self, name: str) -> DatasetInfo:
        """The dataset ``name``; :class:`~confide.node.errors.NotFound` if it is not registered."""
        return self.store.get_dataset(name)

    def list(self) -> list[DatasetInfo]:
        """Every registered dataset, by name."""
        return self.store.list_datasets()

    def remove(self, name: str) -> None:
        """Forget the dataset ``name`` (and its policy); its file or table is left untouched."""
        self.store.remove_dataset(name)

    def read(self, name: str, columns: Sequence[str]) -> pd.DataFrame:
        """Exactly ``columns`` of dataset ``name`` (once each, in that order), one row per record.

        The id column is returned only if ``columns`` names it (see the module docstring).
        :class:`ConfigError` for no columns or a column the dataset does not have;
        :class:`~confide.node.errors.DatasetChanged` for a file whose content changed, or a table
        that lost a column, since registration.
        """
        if isinstance(columns, str):
            raise ConfigError("give the columns to read as a list of names, not one string")
        wanted = list(dict.fromkeys(columns))
        if not wanted:
            raise ConfigError(f"give at least one column of dataset {name!r} to read")
        info = self.store.get_dataset(name)
        known = set(info.column_names)
        unknown = sorted({column for column in columns if column not in known})
        if unknown:
            raise ConfigError(f"dataset {name!r} has no columns {unknown}")
        if info.kind is SourceKind.SQL:
            if info.table is None:
                raise ConfigError(f"dataset {name!r} names no table")
            return read_table(info.location, info.table, info.schema, info.id_column, wanted)
        if info.size_bytes is None or info.sha256 is None:
            raise ConfigError(f"dataset {name!r} has no recorded file hash: register it again")
        return read_file(
            Path(info.location),
            info.kind,
            wanted,
            size_bytes=info.size_bytes,
            sha256=info.sha256,
        )

    def __repr__(self) -> str:
        return f"DatasetRegistry({hide_password(self.store.database.url)!r})"
