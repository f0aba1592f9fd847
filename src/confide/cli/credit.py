"""``confide demo`` and ``confide credit``: the credit-scoring job as three processes over mTLS.

``confide demo`` generates built-in vertical credit data (a bank with loan outcomes, a data
platform with features; 80% of customers in common), writes each party's table to its own file,
and runs the job as one process per party (bank, platform, dealer) on loopback gRPC with mutual
TLS: PSI, WOE binning, IV selection, secure logistic regression, prediction, scorecard and the
HTML report. ``confide credit`` does the same on the parties' own CSV or Parquet files. Progress
is shown as it happens; at the end the bank's AUC and KS and the report's path are printed.
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from confide.datasets import vertical_credit
from confide.errors import ConfideError
from confide.jobs.credit import (
    CreditOutcome,
    CreditSettings,
    PartyTable,
    credit_job,
    parse_progress,
)
from confide.report import credit_job_report, write_html
from confide.runtime import launch, new_job_id

__all__ = ["credit", "demo", "run_credit_processes"]


def demo(
    rows: Annotated[
        int, typer.Option(min=200, help="Customers at each of bank and platform.")
    ] = 100_000,
    overlap: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Share of customers in common.")
    ] = 0.8,
    seed: Annotated[int, typer.Option(help="Seed of the data generator and of the split.")] = 7,
    out: Annotated[Path, typer.Option(help="Folder for the tables and the report.")] = Path(
        "demo-out"
    ),
    epochs: Annotated[
        int, typer.Option(min=1, help="Training epochs (early stopping may end sooner).")
    ] = 10,
    timeout: Annotated[
        float, typer.Option(min=5.0, help="Receive deadline of each party, seconds.")
    ] = 120.0,
) -> None:
    """Run the credit-scoring job on built-in data: bank, platform and dealer processes."""
    err = Console(stderr=True)
    out.mkdir(parents=True, exist_ok=True)
    data = vertical_credit(rows, overlap=overlap, seed=seed)
    bank_file, platform_file = out / "bank.parquet", out / "platform.parquet"
    data.bank.to_parquet(bank_file, index=False)
    data.platform.to_parquet(platform_file, index=False)
    err.print(
        f"[bold]Confide demo[/]: credit scoring on built-in data, {rows:,} customers at the bank "
        f"and {rows:,} at the platform ({overlap:.0%} in common); tables in {out}/"
    )
    settings = CreditSettings(
        id_column=data.id_column,
        label_column=data.label_column,
        split_seed=seed,
        epochs=epochs,
    )
    _run_and_print(err, settings, bank_file, platform_file, out, timeout)


def credit(
    bank: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="The bank's table.")],
    platform: Annotated[
        Path, typer.Option(exists=True, dir_okay=False, help="The platform's table.")
    ],
    id_column: Annotated[str, typer.Option(help="The customer id column, in both tables.")],
    label_column: Annotated[
        str, typer.Option(help="The 0/1 label column (1 = default), at the bank.")
    ],
    out: Annotated[Path, typer.Option(help="Folder for the report.")] = Path("credit-out"),
    n_bins: Annotated[int, typer.Option(min=2, max=100, help="Bins per numeric feature.")] = 10,
    iv_threshold: Annotated[
        float, typer.Option(min=0.0, help="Least IV for a feature to be used.")
    ] = 0.02,
    epochs: Annotated[
        int, typer.Option(min=1, help="Training epochs (early stopping may end sooner).")
    ] = 10,
    l2: Annotated[
        float, typer.Option(min=0.0, help="L2 penalty of the logistic regression.")
    ] = 0.001,
    timeout: Annotated[
        float, typer.Option(min=5.0, help="Receive deadline of each party, seconds.")
    ] = 120.0,
) -> None:
    """Run the credit-scoring job on the bank's and the platform's own CSV or Parquet files."""
    err = Console(stderr=True)
    out.mkdir(parents=True, exist_ok=True)
    try:
        settings = CreditSettings(
            id_column=id_column,
            label_column=label_column,
            n_bins=n_bins,
            iv_threshold=iv_threshold,
            epochs=epochs,
            l2=l2,
        )
    except ConfideError as exc:
        err.print(f"[red]bad settings:[/] {exc}")
        raise typer.Exit(2) from exc
    _run_and_print(err, settings, bank, platform, out, timeout)


def run_credit_processes(
    settings: CreditSettings,
    tables: dict[str, PartyTable],
    *,
    timeout: float = 120.0,
    console: Console | None = None,
    job_id: str | None = None,
) -> dict[str, Any]:
    """Launch the job with one process per party of ``settings``; return each party's result."""
    inputs = {
        party: {
            "settings": settings.to_dict(),
            "table": tables[party].to_dict() if party in tables else None,
        }
        for party in settings.parties
    }
    roles = {settings.dealer: ["compute_helper"]} if settings.dealer else None

    def show(party: str, line: str) -> None:
        parsed = parse_progress(line)
        if parsed is not None and console is not None and parsed[2] != "started":
            who, stage, message = parsed
            console.print(f"  [cyan]{who:>9}[/] {stage:<9} {message}")

    return launch(
        credit_job,
        inputs,
        roles=roles,
        timeout=timeout,
        job_id=job_id,
        on_output=show,
    )


def _run_and_print(
    err: Console,
    settings: CreditSettings,
    bank: Path,
    platform: Path,
    out: Path,
    timeout: float,
) -> None:
    tables = {
        settings.label_holder: PartyTable(str(bank.resolve())),
        settings.feature_owners[0]: PartyTable(str(platform.resolve())),
    }
    err.print(
        "Three processes (bank, platform, dealer), gRPC with mutual TLS on loopback: "
        "PSI, WOE binning, IV selection, secure logistic regression, scorecard, report."
    )
    started_at = datetime.now(timezone.utc)
    started = time.perf_counter()
    job_id = new_job_id()
    try:
        results = run_credit_processes(
            settings, tables, timeout=timeout, console=err, job_id=job_id
        )
    except ConfideError as exc:
        err.print(f"[red]the job failed:[/] {exc}")
        raise typer.Exit(1) from exc
    elapsed = time.perf_counter() - started
    outcome = CreditOutcome.from_dict(results[settings.label_holder])
    others = {p: results[p]["stages"] for p in settings.parties if p != settings.label_holder}
    rows = {p: int(results[p]["rows"]) for p in settings.data_parties}
    report = credit_job_report(
        outcome, rows_by_party=rows, stages_by_party=others, job_id=job_id, started_at=started_at
    )
    path = write_html(report, out / "credit-report.html")
    _print_summary(Console(), outcome, elapsed, path)


def _print_summary(console: Console, outcome: CreditOutcome, elapsed: float, path: Path) -> None:
    table = Table(title="Secure credit scorecard (the bank's view)")
    for header in ("sample", "rows", "default rate", "AUC", "KS", "Gini"):
        table.add_column(header, justify="right")
    for sample in ("train", "test"):
        m = outcome.metrics[sample]
        table.add_row(
            sample,
            f"{int(m['n']):,}",
            f"{m['event_rate']:.1%}",
            f"{m['auc']:.4f}",
            f"{m['ks']:.4f}",
            f"{m['gini']:.4f}",
        )
    console.print(table)
    console.print(
        f"{outcome.intersection:,} customers in common; {len(outcome.selected)} of "
        f"{len(outcome.iv)} features kept by IV; job time {elapsed:.1f} s (with process start)."
    )
    test = outcome.metrics["test"]
    console.print(f"AUC {test['auc']:.4f}  KS {test['ks']:.4f}")
    console.print(f"report: {path.resolve()}")
