"""``confide data``: register, list, show and remove the datasets of a node.

    confide data add loans --path loans.csv --id-column id --state-dir /var/lib/confide
    confide data add crm --sql-url postgresql+psycopg://reader@db/crm --table customers \\
        --id-column customer_id --config node.yaml
    confide data list --config node.yaml
    confide data show loans --config node.yaml --format json
    confide data remove loans --config node.yaml

Each command works on the node's store: the one of ``--config`` (a node config file, see
:mod:`confide.node.config`) or the SQLite database in ``--state-dir`` (also read from
``CONFIDE_CONFIG`` and ``CONFIDE_STATE_DIR``). The commands are thin over
:class:`~confide.node.DatasetRegistry`. Human messages go to stderr, listings to stdout, and
``--format json`` prints JSON on stdout. Exit codes: 0 done, 1 the store failed, 2 bad input
(an unknown dataset, a taken name, a file that cannot be read, ...).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from confide.cli.options import FormatOption, OutputFormat
from confide.cli.options import fail as _fail
from confide.errors import ConfideError, ConfigError
from confide.node import (
    DatasetInfo,
    DatasetRegistry,
    NodeStore,
    default_database_url,
    load_config,
)

__all__ = ["add", "app", "list_datasets", "remove", "show"]


app = typer.Typer(
    help="Register and inspect the datasets this node offers to jobs.",
    no_args_is_help=True,
    add_completion=False,
)


StateDirOption = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        envvar="CONFIDE_STATE_DIR",
        help="The node's state folder (its SQLite database is node.db there).",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", envvar="CONFIDE_CONFIG", help="The node's config file (YAML)."),
]


@app.callback()
def _data() -> None:
    """Register and inspect the datasets this node offers to jobs."""


def _database_url(state_dir: Path | None, config: Path | None) -> str:
    if state_dir is not None and config is not None:
        raise ConfigError("give the node's store once: --state-dir DIR or --config FILE")
    if config is not None:
        loaded = load_config(config)
        loaded.ensure_state_dir()
        return loaded.database_url
    if state_dir is None:
        raise ConfigError("give the node's store: either --state-dir DIR or --config FILE")
    try:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"state folder {state_dir} cannot be created: {exc.strerror}") from exc
    return default_database_url(state_dir)


@contextmanager
def _registry(state_dir: Path | None, config: Path | None) -> Iterator[DatasetRegistry]:
    with NodeStore.open(_database_url(state_dir, config)) as store:
        yield DatasetRegistry(store)


def _summary(info: DatasetInfo) -> str:
    return (
        f"dataset {info.name!r} ({info.kind.value}): {info.rows} rows, {len(info.columns)} "
        f"columns, id column {info.id_column!r}, from {info.display_location}"
        + (f" table {info.table!r}" if info.table else "")
    )


def _add(
    registry: DatasetRegistry,
    name: str,
    id_column: str,
    path: Path | None,
    sql_url: str | None,
    table: str | None,
    schema: str | None,
) -> DatasetInfo:
    if path is not None and sql_url is None and table is None:
        return registry.add(name, path=path, id_column=id_column)
    if path is None and sql_url is not None and table is not None:
        return registry.add_sql(name, url=sql_url, table=table, id_column=id_column, schema=schema)
    raise ConfigError("give either --path FILE, or --sql-url URL with --table TABLE")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The dataset's name on this node.")],
    id_column: Annotated[
        str, typer.Option("--id-column", help="The column that identifies each row.")
    ],
    path: Annotated[
        Path | None, typer.Option("--path", help="A CSV or Parquet file (by its ending).")
    ] = None,
    sql_url: Annotated[
        str | None,
        typer.Option(
            "--sql-url",
            help="A SQLAlchemy URL of a database holding the table (prefer a URL without a "
            "password, and the database's own password file).",
        ),
    ] = None,
    table: Annotated[str | None, typer.Option("--table", help="The table, with --sql-url.")] = None,
    schema: Annotated[
        str | None, typer.Option("--schema", help="The table's schema, if not the default.")
    ] = None,
    state_dir: StateDirOption = None,
    config: ConfigOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Register a file (--path) or a SQL table (--sql-url and --table) as a dataset."""
    err = Console(stderr=True)
    try:
        with _registry(state_dir, config) as registry:
            info = _add(registry, name, id_column, path, sql_url, table, schema)
    except ConfideError as exc:
        _fail(err, exc)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(info.to_json()))
    else:
        err.print(f"registered {escape(_summary(info))}", soft_wrap=True)


@app.command("list")
def list_datasets(
    state_dir: StateDirOption = None,
    config: ConfigOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """List the registered datasets."""
    err = Console(stderr=True)
    try:
        with _registry(state_dir, config) as registry:
            found = registry.list()
    except ConfideError as exc:
        _fail(err, exc)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps([info.to_json() for info in found]))
        return
    if not found:
        err.print("no dataset is registered")
        return
    listing = Table("name", "kind", "rows", "columns", "id column", "source")
    for info in found:
        source = info.display_location + (f" ({info.table})" if info.table else "")
        listing.add_row(
            escape(info.name),
            info.kind.value,
            str(info.rows),
            str(len(info.columns)),
            escape(info.id_column),
            escape(source),
        )
    Console().print(listing)


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="The dataset to show.")],
    state_dir: StateDirOption = None,
    config: ConfigOption = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Show a dataset's source, size, hash and columns."""
    err = Console(stderr=True)
    try:
        with _registry(state_dir, config) as registry:
            info = registry.get(name)
    except ConfideError as exc:
        _fail(err, exc)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(info.to_json()))
        return
    out = Console()
    out.print(escape(_summary(info)), soft_wrap=True)
    if info.sha256 is not None:
        out.print(f"{info.size_bytes} bytes, sha256 {info.sha256}", soft_wrap=True)
    out.print(f"registered {info.registered_at.isoformat()}")
    columns = Table("column", "type")
    for column in info.columns:
        columns.add_row(escape(column.name), escape(column.dtype))
    out.print(columns)


@app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The dataset to forget.")],
    state_dir: StateDirOption = None,
    config: ConfigOption = None,
) -> None:
    """Forget a dataset and its policy (the file or table itself is left untouched)."""
    err = Console(stderr=True)
    try:
        with _registry(state_dir, config) as registry:
            registry.remove(name)
    except ConfideError as exc:
        _fail(err, exc)
    err.print(f"removed dataset {escape(repr(name))}", soft_wrap=True)
