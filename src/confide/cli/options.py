"""What the node-side commands (``node``, ``job``, ``data``, ``tee``) share.

Exit codes, the ``--format`` and ``--config`` options, and how a Confide error ends a command:
its message on the console (never a traceback) and exit code 2 for bad input
(:class:`~confide.errors.ConfigError`), 1 for anything else.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from confide.errors import ConfideError, ConfigError

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "ConfigOption", "FormatOption", "OutputFormat", "fail"]

#: Exit code when the node, its store or the operation fails.
EXIT_FAILED = 1
#: Exit code for bad input.
EXIT_USAGE = 2


class OutputFormat(str, Enum):
    """How results are printed."""

    TEXT = "text"
    JSON = "json"


ConfigOption = Annotated[
    Path,
    typer.Option("--config", envvar="CONFIDE_CONFIG", help="The node's config file (YAML)."),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", help="text: for people; json: one JSON value on stdout."),
]


def fail(console: Console, exc: ConfideError) -> NoReturn:
    """End the command with ``exc``'s message and its exit code."""
    code = EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILED
    console.print(f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(code) from exc
