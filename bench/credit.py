"""Credit job benchmark: each stage's time and bytes, three processes over gRPC with mTLS.

    python bench/credit.py [--quick] [--peers] [--rows N] [--json PATH]

Workloads, each run end to end by :func:`confide.cli.credit.run_credit_processes` (bank,
platform and dealer as processes on loopback; PSI, split, binning, WOE/IV, secure LR, predict,
scorecard):

- ``credit uci 30000``: the UCI Taiwan data split as ``../shared/data/README.md`` suggests
  (:func:`confide.datasets.taiwan_vertical`, 90% of each side's rows in common); skipped with a
  message when the file is absent.
- ``credit synthetic Nx40``: ``make_classification(N, 40, random_state=0)`` (1,000,000 rows;
  20,000 with ``--quick``; ``--rows`` to choose), features 0-19 and the label at the bank, 20-39 at
  the platform, every id at both.

One row per stage (``seconds``: the slowest party's time in that stage, ``bytes_sent``: what the
three parties' links sent in it) and one for the whole job (``seconds`` from launch to results,
process start included), with the bank's test AUC on the ``total`` row.

Then secure logistic regression alone beside scikit-learn (``bench/sslr.py``'s workload:
``make_classification(100000, 40)`` split 80/20, 3 epochs, batch 1024; 10,000 rows with
``--quick``); ``--peers`` adds SecretFlow's SS-LR on the same arrays in the same run (its own
virtualenv ``.venv-sf``: ``make bench-peers-sf``) and prints the ratio.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

import sslr
from confide.cli.credit import run_credit_processes
from confide.datasets import taiwan_vertical
from confide.datasets.credit import TAIWAN_LABEL
from confide.jobs.credit import CreditOutcome, CreditSettings, PartyTable

Row = dict[str, Any]
CREDIT_CSV = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / ("uci_taiwan_default_credit_card.csv")
)
FULL_ROWS, QUICK_ROWS = 1_000_000, 20_000


def synthetic(rows: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bank (id, label, x0-x19) and platform (id, x20-x39), every id at both."""
    x, y = make_classification(n_samples=rows, n_features=40, random_state=0)
    ids = np.arange(rows, dtype=np.int64)
    bank = pd.DataFrame(x[:, :20], columns=[f"x{i}" for i in range(20)])
    bank.insert(0, "default", y.astype(np.int64))
    bank.insert(0, "id", ids)
    platform = pd.DataFrame(x[:, 20:], columns=[f"x{i}" for i in range(20, 40)])
    platform.insert(0, "id", ids)
    return bank, platform


def credit_rows(
    name: str, bank: pd.DataFrame, platform: pd.DataFrame, settings: CreditSettings
) -> list[Row]:
    """Run the job once; one row per stage and a total row."""
    with tempfile.TemporaryDirectory(prefix="confide-bench-credit-") as tmp:
        tables = {}
        for party, frame in ((settings.label_holder, bank), ("platform", platform)):
            path = Path(tmp) / f"{party}.parquet"
            frame.to_parquet(path, index=False)
            tables[party] = PartyTable(str(path))
        start = time.perf_counter()
        results = run_credit_processes(settings, tables, timeout=1_800.0)
        total = time.perf_counter() - start
    outcome = CreditOutcome.from_dict(results[settings.label_holder])
    seconds: dict[str, float] = {}
    sent: dict[str, int] = {}
    for result in results.values():
        for stage in result["stages"]:
            seconds[stage["name"]] = max(seconds.get(stage["name"], 0.0), stage["seconds"])
            sent[stage["name"]] = sent.get(stage["name"], 0) + int(stage["bytes_sent"])
    rows = [
        _row(f"{name} {stage}", seconds[stage], bytes_sent=sent[stage])
        for stage in (s["name"] for s in outcome.stages)
    ]
    test_auc = outcome.metrics["test"]["auc"]
    rows.append(_row(f"{name} total", total, bytes_sent=sum(sent.values()), value=test_auc))
    return rows


def _row(
    workload: str, seconds: float, *, bytes_sent: int | None = None, value: float | None = None
) -> Row:
    return {
        "workload": workload,
        "system": "confide",
        "parties": 3,
        "seconds": seconds,
        "bytes_sent": bytes_sent,
        "rounds": None,
        "metric": "auc" if value is not None else None,
        "value": value,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--peers", action="store_true", help="also run SecretFlow SS-LR")
    parser.add_argument("--rows", type=int, help="rows of the synthetic workload")
    parser.add_argument("--json", help="write {'rows': [...], 'peers': [...]} to this path")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    if CREDIT_CSV.exists():
        data = taiwan_vertical(CREDIT_CSV, overlap=0.9, seed=0)
        settings = CreditSettings(id_column="ID", label_column=TAIWAN_LABEL, split_seed=0)
        rows += credit_rows("credit uci 30000", data.bank, data.platform, settings)
    else:
        print(f"UCI workload skipped: {CREDIT_CSV} is absent", file=sys.stderr)
    n = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    bank, platform = synthetic(n)
    rows += credit_rows(f"credit synthetic {n}x40", bank, platform, CreditSettings(split_seed=0))
    lr_rows = sslr.QUICK_ROWS if args.quick else sslr.FULL_ROWS
    lr_data = sslr.make_data(lr_rows)
    lr_name = sslr.workload_name(lr_rows, 3)
    for sigmoid in ("linear", "clamped"):
        rows += sslr.confide_rows(
            lr_data, lr_name, {**sslr.SETTINGS, "epochs": 3, "sigmoid": sigmoid}
        )
    rows += sslr.sklearn_rows(lr_data, lr_name)
    peers = sslr.peer_rows(lr_data, lr_name, 3) if args.peers else []
    sslr.print_table(rows + peers)
    sslr.print_ratios(rows, peers)
    if args.json:
        document = {"rows": rows, "peers": peers}
        Path(args.json).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
