"""``confide certs``: create the keys, certificates and config of a federation.

``confide certs init --parties bank,platform --out DIR`` writes one key and one self-signed
certificate per party and a ``federation.yaml`` that pins them all (see
:mod:`confide.net.federation`). Messages go to stderr; a bad input exits with code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from confide.errors import ConfigError
from confide.net.federation import Federation, init_federation

__all__ = ["app", "init"]

#: How many hex digits of a certificate fingerprint the summary shows.
_FINGERPRINT_PREFIX = 16

app = typer.Typer(
    help="Create and inspect the keys and certificates of a federation.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _certs() -> None:
    """Create and inspect the keys and certificates of a federation."""


def _split(values: str) -> list[str]:
    return [item.strip() for item in values.split(",") if item.strip()]


def _parse_ports(ports: str | None) -> list[int] | None:
    if ports is None:
        return None
    try:
        return [int(item) for item in _split(ports)]
    except ValueError:
        raise ConfigError(f"--ports must be comma-separated integers, got {ports!r}") from None


@app.command()
def init(
    parties: Annotated[
        str,
        typer.Option(
            "--parties",
            help="Comma-separated party names, e.g. bank,platform,dealer (at least 2).",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Folder to write the keys, certificates and federation.yaml into."
        ),
    ],
    host: Annotated[str, typer.Option("--host", help="Host every party listens on.")] = "127.0.0.1",
    base_port: Annotated[
        int,
        typer.Option("--base-port", help="Port of the first party; the next ones count up."),
    ] = 50051,
    ports: Annotated[
        str | None,
        typer.Option(
            "--ports", help="Comma-separated ports, one per party (instead of --base-port)."
        ),
    ] = None,
    name: Annotated[str, typer.Option("--name", help="Name of the federation.")] = "confide",
    overwrite: Annotated[
        bool,
        typer.Option("--overwrite", help="Replace existing keys, certificates and config."),
    ] = False,
) -> None:
    """Generate a key and a self-signed certificate per party, and the federation.yaml."""
    console = Console(stderr=True)
    try:
        yaml_path = init_federation(
            _split(parties),
            out,
            host=host,
            ports=_parse_ports(ports),
            base_port=base_port,
            name=name,
            overwrite=overwrite,
        )
        federation = Federation.load(yaml_path)
    except ConfigError as exc:
        console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(2) from exc

    console.print(
        f"Wrote federation {escape(federation.name)!r} to {escape(str(yaml_path))}", soft_wrap=True
    )
    table = Table("party", "address", "certificate sha256")
    for info in federation.parties.values():
        table.add_row(
            escape(info.name), escape(info.address), info.fingerprint[:_FINGERPRINT_PREFIX] + "…"
        )
    console.print(table)
    console.print(
        "Give each party only its own [bold]<party>.key[/bold] (keep it secret) "
        "and a copy of federation.yaml with all the .crt files.",
        soft_wrap=True,
    )
