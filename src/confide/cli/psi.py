"""``confide psi``: one party's side of a private set intersection, against a federation.

Every party runs the command at the same time on its own machine, with its own table::

    confide psi --federation fed/federation.yaml --party bank --input bank.csv \\
        --id-column ID --output bank_aligned.parquet --protocol kkrt --how left
    confide psi --federation fed/federation.yaml --party platform --input platform.parquet \\
        --id-column ID --output platform_aligned.parquet --protocol kkrt

Each receiver writes its rows of the intersection, in one order shared by all receivers (row
``i`` is the same customer everywhere), as CSV or Parquet by the output's extension; ``--how
left`` keeps its other rows after them, flagged in the column ``in_intersection``. A party that
is not among ``--receivers`` writes nothing and says what it learned.

The job id: every party must use the same one. By default it is ``psi-<protocol>-<federation
name>`` (letters, digits, ``_.-`` kept, anything else made ``-``), the same at every party of
the federation; give ``--job-id`` to run several intersections in one federation at once.

Keys: a CSV's id column is read as text, exactly as written (``007`` stays ``007``); a
Parquet column as stored. ``--id-type str`` turns integer ids into their decimal text, ``--id-type
int`` parses text ids as integers, so that a CSV party and a Parquet party with integer ids can
match. Every party must read its ids as the same kind: the first round refuses integers against
text.

Output: progress and messages on stderr; the summary (sizes, seconds, bytes) on stdout, as a
table or, with ``--format json``, as one JSON object. Exit codes: 0 done, 1 the run failed (a
peer that never came, aborted or misbehaved), 2 bad input or configuration.
"""

from __future__ import annotations

import json
import os
import re
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from confide.errors import ConfideError, ConfigError, PeerTimeout, PeerUnavailable
from confide.net.federation import Federation
from confide.psi import FLAG_COLUMN, KeyOptions, Protocol, aligned_frame, intersect
from confide.runtime.context import DEFAULT_TIMEOUT_S
from confide.runtime.party import link_bytes, open_party

__all__ = ["default_job_id", "psi", "read_table", "write_table"]

#: What pandas and pyarrow raise for files they cannot read or write (pyarrow's errors derive
#: from these: ArrowInvalid from ValueError, ArrowIOError from OSError, and so on).
_READ_WRITE_ERRORS = (OSError, ValueError, TypeError, NotImplementedError)

_TABLE_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}

_STAGES = {
    "hash": "hashing keys",
    "encrypt": "encrypting own keys",
    "reencrypt": "re-encrypting the peer's keys",
    "ring": "n-party ring",
    "oprf": "OT-extension PSI",
}


class How(str, Enum):
    """Which rows a receiver's aligned table holds."""

    INNER = "inner"
    LEFT = "left"


class IdType(str, Enum):
    """How the id column is read."""

    AUTO = "auto"
    STR = "str"
    INT = "int"


class Format(str, Enum):
    """How the summary is printed."""

    TEXT = "text"
    JSON = "json"


def default_job_id(federation_name: str, protocol: Protocol) -> str:
    """The job id every party derives alike: ``psi-<protocol>-<federation name, cleaned>``."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", federation_name).strip("-")[:40] or "federation"
    return f"psi-{protocol.value}-{slug}"


def _format_of(path: Path, what: str) -> str:
    kind = _TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(
            f"{what} {path} must be a .csv or .parquet file (found {path.suffix or 'no'} extension)"
        )
    return kind


def read_table(path: Path, id_column: str, id_type: IdType = IdType.AUTO) -> pd.DataFrame:
    """Read a CSV (the id column as text) or Parquet file and convert its ids per ``id_type``."""
    kind = _format_of(path, "the input")
    if not path.is_file():
        raise ConfigError(f"the input {path} does not exist or is not a file")
    try:
        if kind == "csv":
            frame = pd.read_csv(path, dtype={id_column: str})
        else:
            frame = pd.read_parquet(path)
    except _READ_WRITE_ERRORS as exc:
        raise ConfigError(f"cannot read the input {path} as {kind}: {exc}") from exc
    if id_column not in frame.columns:
        columns = ", ".join(map(str, frame.columns[:20]))
        raise ConfigError(f"the input {path} has no column {id_column!r} (columns: {columns})")
    if id_type is not IdType.AUTO:
        frame[id_column] = _convert_ids(frame[id_column], id_type)
    return frame


def _convert_ids(column: pd.Series, id_type: IdType) -> pd.Series:
    values = column.tolist()
    for row, value in enumerate(values):
        if id_type is IdType.STR and isinstance(value, int) and not isinstance(value, bool):
            values[row] = str(value)
        elif id_type is IdType.INT and isinstance(value, str):
            try:
                values[row] = int(value.strip())
            except ValueError:
                raise ConfigError(f"the id at row {row} is not an integer") from None
    converted: pd.Series = pd.Series(values, index=column.index, dtype=object, name=column.name)
    return converted


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as CSV or Parquet (by extension), whole or not at all."""
    kind = _format_of(path, "the output")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if kind == "csv":
            frame.to_csv(temporary, index=False)
        else:
            frame.to_parquet(temporary, index=False)
        os.replace(temporary, path)
    except _READ_WRITE_ERRORS as exc:
        temporary.unlink(missing_ok=True)
        raise ConfigError(f"cannot write the output {path}: {exc}") from exc


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [p.strip() for p in text.split(",") if p.strip()]


def _progress_bar(console: Console, enabled: bool) -> tuple[Progress, Any]:
    bar = Progress(
        TextColumn("{task.description:<30}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console, disable=not enabled,
    )  # fmt: skip
    tasks: dict[str, Any] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=max(total, 1))
        bar.update(tasks[stage], completed=done, total=max(total, 1))

    return bar, report


def psi(
    federation: Annotated[
        Path, typer.Option("--federation", help="The federation.yaml every party shares.")
    ],
    party: Annotated[str, typer.Option("--party", help="This party's name in the federation.")],
    input_path: Annotated[
        Path, typer.Option("--input", help="This party's table: a .csv or .parquet file.")
    ],
    id_column: Annotated[
        str, typer.Option("--id-column", help="The column holding the customer id to join on.")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Where a receiver writes its aligned table (.csv or .parquet); needed by "
            "receivers, ignored otherwise.",
        ),
    ] = None,
    protocol: Annotated[
        Protocol,
        typer.Option(
            "--protocol",
            help="ecdh (X25519, two or more parties) or kkrt (OT extension, two parties, "
            "several times faster).",
        ),
    ] = Protocol.ECDH,
    receivers: Annotated[
        str | None,
        typer.Option(
            "--receivers",
            help="Comma-separated parties that get the intersection (default: every PSI "
            "party); the others learn only set sizes.",
        ),
    ] = None,
    parties: Annotated[
        str | None,
        typer.Option(
            "--parties",
            help="Comma-separated parties taking part (default: every party of the "
            "federation), e.g. to leave out a compute helper.",
        ),
    ] = None,
    how: Annotated[
        How,
        typer.Option(
            "--how",
            help="inner: the intersection's rows only; left: then this party's other rows, "
            f"flagged in the column {FLAG_COLUMN!r}.",
        ),
    ] = How.INNER,
    job_id: Annotated[
        str | None,
        typer.Option(
            "--job-id",
            help="The same at every party (default: psi-<protocol>-<federation name>).",
        ),
    ] = None,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            min=0.1,
            help="Seconds to wait for each message, and for the other parties to come.",
        ),
    ] = DEFAULT_TIMEOUT_S,
    dedupe: Annotated[
        bool,
        typer.Option("--dedupe", help="Keep the first row of each repeated id instead of failing."),
    ] = False,
    reveal_size: Annotated[
        bool,
        typer.Option(
            "--reveal-size", help="Tell parties that do not receive the intersection's size."
        ),
    ] = False,
    id_type: Annotated[
        IdType,
        typer.Option(
            "--id-type",
            help="auto: CSV ids as text, Parquet as stored; str: integers as text; int: text "
            "as integers.",
        ),
    ] = IdType.AUTO,
    key: Annotated[
        Path | None,
        typer.Option(
            "--key", help="This party's private key (default: <party>.key beside the federation)."
        ),
    ] = None,
    cert: Annotated[
        Path | None,
        typer.Option(
            "--cert", help="This party's certificate (default: <party>.crt beside the federation)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Processes for ECDH curve work (default: every core)."
        ),
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Show a progress bar on stderr.")
    ] = True,
    output_format: Annotated[
        Format, typer.Option("--format", help="Summary on stdout as a table or as JSON.")
    ] = Format.TEXT,
) -> None:
    """Run this party's side of a private set intersection and write its aligned table."""
    err = Console(stderr=True)
    try:
        summary = _run(
            err, federation, party, input_path, id_column, output, protocol, _names(receivers),
            _names(parties), how, job_id, timeout, KeyOptions(dedupe=dedupe), reveal_size,
            id_type, key, cert, workers, progress,
        )  # fmt: skip
    except ConfigError as exc:
        err.print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from exc
    except ConfideError as exc:
        err.print(f"[bold red]failed:[/bold red] {escape(_explain(exc))}", soft_wrap=True)
        raise typer.Exit(1) from exc
    _print_summary(summary, output_format)


def _explain(exc: ConfideError) -> str:
    text = str(exc)
    if isinstance(exc, (PeerTimeout, PeerUnavailable)):
        text += (
            f". Is `confide psi` running for {exc.peer!r}, with the same --job-id, --protocol, "
            "--parties and --receivers, within --timeout of this one?"
        )
    return text


def _run(
    err: Console,
    federation_yaml: Path,
    party: str,
    input_path: Path,
    id_column: str,
    output: Path | None,
    protocol: Protocol,
    receivers: list[str] | None,
    parties: list[str] | None,
    how: How,
    job_id: str | None,
    timeout: float,
    options: KeyOptions,
    reveal_size: bool,
    id_type: IdType,
    key: Path | None,
    cert: Path | None,
    workers: int | None,
    show_progress: bool,
) -> dict[str, Any]:
    fed = Federation.load(federation_yaml)
    members = parties if parties is not None else list(fed.parties)
    receiving = receivers if receivers is not None else members
    job = job_id if job_id is not None else default_job_id(fed.name, protocol)
    receives = party in receiving
    if receives:
        if output is None:
            raise ConfigError(f"{party!r} receives the intersection: give --output")
        _format_of(output, "the output")
        if output.resolve() == input_path.resolve():
            raise ConfigError("the output must not be the input file")
    frame = read_table(input_path, id_column, id_type)
    if receives and how is How.LEFT and FLAG_COLUMN in frame.columns:
        raise ConfigError(f"the input already has a column {FLAG_COLUMN!r}, which --how left adds")
    err.print(
        f"[bold]confide psi[/]: {escape(party)} in federation {escape(fed.name)!r}, job "
        f"{escape(job)}, {protocol.value}, {len(frame):,} rows",
        soft_wrap=True,
    )
    bar, report = _progress_bar(err, show_progress)
    started = time.perf_counter()
    with open_party(
        federation_yaml, party, job_id=job, key=key, cert=cert, parties=members, timeout=timeout
    ) as ctx, bar:  # fmt: skip
        result = intersect(
            ctx, frame[id_column], receivers=receiving, protocol=protocol, parties=members,
            reveal_size=reveal_size, options=options, workers=workers, progress=report,
        )  # fmt: skip
        sent, received = link_bytes(ctx)
    seconds = time.perf_counter() - started
    rows_out: int | None = None
    if result.received and output is not None:
        aligned = aligned_frame(frame, result, how=how.value)
        write_table(aligned, output)
        rows_out = len(aligned)
        err.print(f"wrote {rows_out:,} aligned rows to {escape(str(output))}", soft_wrap=True)
    else:
        learned = ", ".join(f"{p}: {n:,}" for p, n in result.set_sizes.items())
        size = "" if result.size is None else f", and the intersection's size {result.size:,}"
        err.print(
            f"{escape(party)} does not receive the intersection: it learned the set sizes "
            f"({escape(learned)}){size}; no table written",
            soft_wrap=True,
        )
    return {
        "party": party,
        "job_id": job,
        "protocol": protocol.value,
        "receivers": list(result.receivers),
        "received": result.received,
        "input_rows": len(frame),
        "set_sizes": dict(result.set_sizes),
        "intersection": result.size,
        "output": str(output) if rows_out is not None else None,
        "output_rows": rows_out,
        "seconds": round(seconds, 3),
        "bytes_sent": sent,
        "bytes_received": received,
    }


def _print_summary(summary: dict[str, Any], output_format: Format) -> None:
    if output_format is Format.JSON:
        typer.echo(json.dumps(summary))
        return
    table = Table("", "", show_header=False, title="private set intersection")
    for name, value in summary.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v:,}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:,}"
        table.add_row(name.replace("_", " "), escape("-" if value is None else str(value)))
    Console().print(table)
