"""``confide audit``: check a node's audit log, and collect the chain heads a peer recorded.

``confide audit verify --log bank.jsonl --certificate bank.crt [--heads HEADS.json]`` checks
the hash chain and every signature of the log against the party's certificate and, with
``--heads``, that the log still holds every head the other parties recorded for it (a log
rewritten or cut short by its own party fails there). It prints OK with the entry count and
the head, or names the first bad entry.

``confide audit heads --log platform.jsonl --party bank`` prints, as a heads file, the heads of
``bank`` that ``platform`` recorded in its log: the ``--heads`` input of ``verify``.

Human messages go to stderr; ``--format json`` prints one JSON object (or array) on stdout.
Exit codes: 0 the log is good, 1 a bad entry was found, 2 bad input (a missing or unreadable
file, a certificate that is not a party's, a heads file that is no evidence for this log).
"""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from cryptography.hazmat.primitives.asymmetric import ec
from rich.console import Console
from rich.markup import escape

from confide.audit import (
    AuditError,
    AuditFormatError,
    SignedHead,
    Verification,
    dump_heads,
    load_heads,
    public_key_from_certificate,
    read_log,
    recorded_heads,
    verify,
)
from confide.errors import ConfigError
from confide.net.certs import certificate_party

__all__ = ["app", "show_heads", "verify_log"]

#: Exit code when the log has a bad entry.
EXIT_BAD = 1
#: Exit code for bad input.
EXIT_USAGE = 2

app = typer.Typer(
    help="Check the tamper-evident audit logs of Confide nodes.",
    no_args_is_help=True,
    add_completion=False,
)


class OutputFormat(str, Enum):
    """How results are printed."""

    TEXT = "text"
    JSON = "json"


@app.callback()
def _audit() -> None:
    """Check the tamper-evident audit logs of Confide nodes."""


def _fail(console: Console, message: str) -> NoReturn:
    console.print(f"[bold red]error:[/bold red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(EXIT_USAGE)


def _read_certificate(path: Path) -> tuple[str, ec.EllipticCurvePublicKey]:
    try:
        cert_pem = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"certificate {path} cannot be read: {exc.strerror or exc}") from exc
    try:
        return certificate_party(cert_pem), public_key_from_certificate(cert_pem)
    except ConfigError as exc:
        raise ConfigError(f"certificate {path}: {exc}") from None


def _heads_for(path: Path, party: str) -> list[SignedHead]:
    every = load_heads(path)
    mine = [head for head in every if head.party == party]
    if every and not mine:
        others = ", ".join(sorted({head.party for head in every}))
        raise ConfigError(
            f"heads file {path} holds no head of {party!r} (only of: {others}); "
            f"it cannot check {party!r}'s log"
        )
    return mine


def _malformed(party: str, heads_checked: int, exc: AuditFormatError) -> dict[str, Any]:
    position = (exc.line or 1) - 1
    return {
        "ok": False,
        "party": party,
        "entries": None,
        "head": None,
        "heads_checked": heads_checked,
        "finding": {
            "kind": "malformed",
            "position": position,
            "seq": position,
            "message": str(exc),
        },
    }


@app.command("verify")
def verify_log(
    log: Annotated[Path, typer.Option("--log", help="The audit log to check (JSON lines).")],
    certificate: Annotated[
        Path,
        typer.Option(
            "--certificate",
            help="PEM certificate of the party that wrote the log (its pinned one).",
        ),
    ],
    heads: Annotated[
        Path | None,
        typer.Option(
            "--heads",
            help="JSON file of this party's signed heads that its peers recorded "
            "(see `confide audit heads`); the log must still hold each one.",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat,
        typer.Option("--format", help="text: a sentence on stderr; json: an object on stdout."),
    ] = OutputFormat.TEXT,
) -> None:
    """Check an audit log's hash chain, signatures and recorded heads; name the first bad entry."""
    err = Console(stderr=True)
    try:
        party, public_key = _read_certificate(certificate)
        recorded = [] if heads is None else _heads_for(heads, party)
    except ConfigError as exc:
        _fail(err, str(exc))
    try:
        entries = read_log(log)
    except AuditFormatError as exc:
        if output_format is OutputFormat.JSON:
            typer.echo(json.dumps({"log": str(log), **_malformed(party, len(recorded), exc)}))
        else:
            err.print(f"[bold red]BAD[/bold red]: {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(EXIT_BAD) from exc
    except AuditError as exc:
        _fail(err, str(exc))
    try:
        result = verify(entries, public_key, party=party, heads=recorded)
    except ConfigError as exc:
        _fail(err, str(exc))
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps({"log": str(log), **result.to_json()}))
    else:
        _print_result(err, log, result)
    if not result.ok:
        raise typer.Exit(EXIT_BAD)


def _print_result(console: Console, log: Path, result: Verification) -> None:
    where = f"audit log {escape(str(log))} of {escape(repr(result.party))}"
    if result.finding is not None:
        finding = result.finding
        line = f" (line {finding.position + 1})" if finding.position < result.count else ""
        console.print(
            f"[bold red]BAD[/bold red]: {where}: entry #{finding.seq}{line}: "
            f"{escape(finding.message)} {escape(f'[{finding.kind.value}]')}",
            soft_wrap=True,
        )
        return
    head = "empty" if result.head is None else f"head #{result.head.seq} {result.head.hash}"
    checked = ""
    if result.heads_checked:
        plural = "s" if result.heads_checked != 1 else ""
        checked = f"; matches {result.heads_checked} head{plural} recorded by its peers"
    console.print(
        f"[bold green]OK[/bold green]: {where}: {result.count} entries, {head}{checked}",
        soft_wrap=True,
    )


@app.command("heads")
def show_heads(
    log: Annotated[
        Path, typer.Option("--log", help="A peer's audit log, holding the heads it recorded.")
    ],
    party: Annotated[
        str | None,
        typer.Option("--party", help="Only the heads of this party (default: every party)."),
    ] = None,
) -> None:
    """Print the signed heads recorded in a log, as the JSON heads file `verify --heads` reads."""
    err = Console(stderr=True)
    try:
        found = recorded_heads(read_log(log), party)
    except AuditError as exc:
        _fail(err, str(exc))
    typer.echo(dump_heads(found), nl=False)
    who = "" if party is None else f" of {escape(repr(party))}"
    err.print(f"{len(found)} recorded head(s){who} in {escape(str(log))}", soft_wrap=True)
