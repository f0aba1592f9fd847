"""``confide stats-demo``: joint statistics of three parties, as processes over gRPC with mTLS.

Generates customer tables for each party, runs :func:`confide.stats.joint_statistics` with one
process per party on loopback (fresh keys and pinned certificates), and prints the secure
result beside the plaintext answer computed with all rows in one place.
"""

from __future__ import annotations

import time

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from confide.datasets import horizontal_customers
from confide.errors import ConfideError
from confide.runtime import launch
from confide.stats import DISCLOSURE, JointStatistics, joint_statistics_job, plaintext_statistics

#: The secure result must equal the plaintext one to this relative tolerance (fixed point with
#: 40 fractional bits, float64 local sums).
RELATIVE_TOLERANCE = 1e-9


def stats_demo(
    parties: str = typer.Option(
        "bank,platform,partner", help="Comma-separated party names, one process each."
    ),
    rows: int = typer.Option(20_000, min=1, help="Rows of generated data per party."),
    seed: int = typer.Option(7, help="Seed of the data generator."),
    timeout: float = typer.Option(60.0, min=1.0, help="Receive deadline of each party, seconds."),
) -> None:
    """Run the joint-statistics job on generated data and compare it with plaintext."""
    err = Console(stderr=True)
    out = Console(width=max(Console().width, 110))
    names = [p.strip() for p in parties.split(",") if p.strip()]
    tables = horizontal_customers(names, rows, seed=seed)
    err.print(
        f"[bold]Confide demo[/]: {len(names)} parties ({', '.join(names)}), {rows:,} rows each; "
        "one process per party, gRPC with mutual TLS on loopback."
    )
    started = time.perf_counter()
    try:
        results = launch(joint_statistics_job, tables, timeout=timeout)
    except ConfideError as exc:
        err.print(f"[red]failed:[/] {exc}")
        raise typer.Exit(1) from exc
    elapsed = time.perf_counter() - started
    secure = JointStatistics.from_dict(results[names[0]])
    if any(results[p] != results[names[0]] for p in names):
        err.print("[red]the parties disagree on the result[/]")
        raise typer.Exit(1)
    plain = plaintext_statistics([tables[p] for p in names])
    worst = _print_table(out, secure, plain)
    err.print(f"secure run: {elapsed:.2f} s in all, including process start-up")
    err.print("who learned what:")
    for item in DISCLOSURE:
        err.print(f"  - {item}")
    if worst > RELATIVE_TOLERANCE:
        err.print(f"[red]secure and plaintext differ by {worst:.2e} (> {RELATIVE_TOLERANCE})[/]")
        raise typer.Exit(1)
    err.print(f"[green]secure result equals plaintext[/] (max relative difference {worst:.1e})")


def _relative(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    difference: np.ndarray = np.abs(a - b) / np.maximum(np.abs(b), 1e-300)
    return difference


def _print_table(console: Console, secure: JointStatistics, plain: JointStatistics) -> float:
    table = Table(title="Joint statistics: secure (MPC) vs plaintext (all rows pooled)")
    for header in (
        "column",
        "count",
        "mean (secure)",
        "mean (plain)",
        "var (secure)",
        "var (plain)",
    ):
        table.add_column(header, justify="right")
    worst = 0.0
    for i, column in enumerate(secure.columns):
        if secure.count[i] != plain.count[i]:
            worst = float("inf")
        worst = max(
            worst,
            float(_relative(secure.mean[i : i + 1], plain.mean[i : i + 1])[0]),
            float(_relative(secure.var[i : i + 1], plain.var[i : i + 1])[0]),
        )
        table.add_row(
            column,
            f"{secure.count[i]:,}",
            f"{secure.mean[i]:,.6f}",
            f"{plain.mean[i]:,.6f}",
            f"{secure.var[i]:.9g}",
            f"{plain.var[i]:.9g}",
        )
    console.print(table)
    return worst
