"""SS-LR benchmark: secure logistic regression as three processes over gRPC, beside scikit-learn.

    python bench/sslr.py [--quick] [--peers] [--rows N] [--epochs E] [--sigmoid linear,clamped]
        [--json PATH]

Workload (as ``bench/boost.py`` and ``bench/peers/secretflow/make_data.py``):
``make_classification(rows, 40, random_state=0)`` (100,000 rows; 10,000 with ``--quick``) split
80/20 by ``train_test_split(test_size=0.2, random_state=0)``; the bank holds the labels and
features 0-19, the platform features 20-39, and a third process is the dealer (semi2k's
compute helper). :func:`confide.launch` runs the three as processes talking gRPC with mutual
TLS on loopback; each runs :func:`confide.ml.linear.jobs.fit_predict_job`.

Model: :class:`~confide.ml.linear.SecureLogisticRegression`, mini-batch SGD from zero weights,
``--epochs`` (3) epochs of batches of 1024 rows in order, learning rate 0.5 without momentum,
each epoch's model the mean of its iterates, no L2, no early stopping (every training row
trains, as in SecretFlow's SS-LR), coefficients revealed to their owners, prediction revealed
to the bank. One run per ``--sigmoid`` approximation: by default ``linear`` (SecretFlow's
``t1`` without its clamp, 4 rounds per step) and ``clamped`` (``t1`` with its clamp to [0, 1],
as SS-LR runs it, decided every 8 steps: 6 rounds per step); see :mod:`confide.ml.linear.sgd`.
BLAS runs one thread per process (three processes share the machine's cores).

Rows (systems ``confide-semi2k-<sigmoid>`` and ``sklearn``, metric ``auc``, value test AUC):
``seconds`` is the bank's ``fit`` time, measured inside its process after a barrier (process
start-up and connection set-up excluded; mask set-up, label input and the coefficients' reveal
included); ``bytes_sent`` what the three parties' links sent during ``fit``; ``rounds`` the
bank's communication rounds during ``fit``. Further rows: ``... (per SGD step)`` with the
bank's rounds, the three parties' bytes and the bank's seconds per step, and
``... (predict)`` for the vertical prediction of the test rows. scikit-learn's
``LogisticRegression()`` (lbfgs, default ``C=1``) trains in this process on the same split.

``--peers`` also runs SecretFlow's SS-LR (``SSRegression``, semi2k, two processes) on the same
arrays in the same run, through ``bench/secretflow_peer.py`` and the ``.venv-sf`` virtualenv
(``make bench-peers-sf``), and prints each Confide row's time ratio to it.
``--json PATH`` writes ``{"rows": [...], "peers": [...]}``: ``rows`` in the format of
``DESIGN.md``; ``peers`` the rows of peer systems. The table code (:func:`print_table`) takes
any such rows.
"""

from __future__ import annotations

import os

# Three party processes share the machine's cores: one BLAS thread each (as bench/mpc.py).
# Set OPENBLAS_NUM_THREADS to override; the launched processes inherit it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from confide.ml.linear.jobs import fit_predict_job
from confide.runtime import Role, launch

Row = dict[str, Any]

COLUMNS = 40
SEED = 0
FULL_ROWS, QUICK_ROWS = 100_000, 10_000
SETTINGS: dict[str, Any] = {
    "batch_size": 1024,
    "learning_rate": 0.5,
    "momentum": 0.0,
    "average": True,
    "l2": 0.0,
    "early_stopping": False,
    "shuffle": False,
    "random_state": SEED,
}


def make_data(rows: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """The split of ``bench/peers/secretflow/make_data.py``: bank gets columns 0-19 and y."""
    x, y = make_classification(n_samples=rows, n_features=COLUMNS, random_state=seed)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=seed)
    half = COLUMNS // 2
    return {
        "x_train_a": x_train[:, :half],
        "x_train_b": x_train[:, half:],
        "y_train": y_train.astype(np.int64),
        "x_test_a": x_test[:, :half],
        "x_test_b": x_test[:, half:],
        "y_test": y_test.astype(np.int64),
    }


def row(
    workload: str,
    system: str,
    seconds: float,
    *,
    bytes_sent: int | None = None,
    rounds: int | None = None,
    metric: str | None = None,
    value: float | None = None,
) -> Row:
    return {
        "workload": workload,
        "system": system,
        "parties": 2,
        "seconds": seconds,
        "bytes_sent": bytes_sent,
        "rounds": rounds,
        "metric": metric,
        "value": value,
    }


def workload_name(rows: int, epochs: int) -> str:
    return f"sslr {rows}x{COLUMNS} {epochs} epochs"


def confide_rows(data: dict[str, np.ndarray], name: str, settings: dict[str, Any]) -> list[Row]:
    """Fit and predict as three processes over gRPC; the main, per-step and predict rows."""
    common = {"protocol": "semi2k", "label_holder": "bank", "settings": settings}
    inputs = {
        "bank": {
            **common,
            "X": data["x_train_a"],
            "y": data["y_train"],
            "X_test": data["x_test_a"],
        },
        "platform": {**common, "X": data["x_train_b"], "X_test": data["x_test_b"]},
        "dealer": common,
    }
    roles = {"dealer": [Role.COMPUTE_HELPER]}
    results = launch(fit_predict_job, inputs, roles=roles, timeout=600, job_timeout=3600)
    bank = results["bank"]
    stats = bank["stats"]
    auc = float(roc_auc_score(data["y_test"], bank["proba"]))
    fit = float(bank["fit_seconds"])
    sent = sum(int(r["stats"]["bytes_sent"]) for r in results.values())
    step_bytes = sum(float(r["stats"]["bytes_per_step"]) for r in results.values())
    system = f"confide-semi2k-{settings['sigmoid']}"
    return [
        row(name, system, fit, bytes_sent=sent, rounds=int(stats["rounds"]), metric="auc",
            value=auc),
        row(f"{name} (per SGD step)", system, float(stats["seconds_per_step"]),
            bytes_sent=round(step_bytes),
            rounds=round(float(stats["rounds_per_step"]))),
        row(f"{name} (predict)", system, float(bank["predict_seconds"])),
    ]  # fmt: skip


def sklearn_rows(data: dict[str, np.ndarray], name: str) -> list[Row]:
    """scikit-learn's LogisticRegression on the whole feature matrix, in this process."""
    x_train = np.hstack([data["x_train_a"], data["x_train_b"]])
    x_test = np.hstack([data["x_test_a"], data["x_test_b"]])
    start = time.perf_counter()
    model = LogisticRegression(max_iter=1000).fit(x_train, data["y_train"])
    seconds = time.perf_counter() - start
    auc = float(roc_auc_score(data["y_test"], model.decision_function(x_test)))
    return [row(name, "sklearn", seconds, metric="auc", value=auc)]


def print_table(rows: Sequence[Row]) -> None:
    """One line per row: workload, system, train seconds, test AUC, rounds, MB sent."""
    print(f"{'workload':<42} {'system':<24} {'seconds':>9} {'test AUC':>9} {'rounds':>8} "
          f"{'MB sent':>9}")  # fmt: skip
    for r in rows:
        auc = f"{r['value']:.4f}" if r["metric"] == "auc" and r["value"] is not None else "-"
        rounds = "-" if r["rounds"] is None else str(r["rounds"])
        mb = "-" if r["bytes_sent"] is None else f"{r['bytes_sent'] / 1e6:.3f}"
        print(f"{r['workload']:<42} {r['system']:<24} {r['seconds']:>9.3f} {auc:>9} "
              f"{rounds:>8} {mb:>9}")  # fmt: skip


def peer_rows(data: dict[str, np.ndarray], name: str, epochs: int) -> list[Row]:
    """SecretFlow SS-LR on the same arrays (its runner's defaults: 3 epochs, batch 1024)."""
    import secretflow_peer

    reason = secretflow_peer.available()
    if reason is not None:
        print(f"SecretFlow skipped: {reason}", file=sys.stderr)
        return []
    if epochs != 3:
        print("note: SecretFlow's runner trains 3 epochs", file=sys.stderr)
    try:
        return [secretflow_peer.run("sf_sslr.py", data, name, system="secretflow-ss-lr")]
    except (RuntimeError, OSError) as exc:
        print(f"SecretFlow failed: {exc}", file=sys.stderr)
        return []


def print_ratios(rows: Sequence[Row], peers: Sequence[Row]) -> None:
    """Each Confide row's training time over the peer's, and the AUC difference."""
    for peer in peers:
        for r in rows:
            if r["system"].startswith("confide") and r["workload"] == peer["workload"]:
                ratio = r["seconds"] / peer["seconds"]
                gap = (r["value"] or 0.0) - (peer["value"] or 0.0)
                print(f"{r['system']} / {peer['system']}: time ratio {ratio:.2f}, "
                      f"AUC difference {gap:+.4f}")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS} rows")
    parser.add_argument("--rows", type=int, help="samples before the 80/20 split")
    parser.add_argument("--epochs", type=int, default=3, help="SGD epochs (default 3)")
    parser.add_argument(
        "--sigmoid", default="linear,clamped", help="comma-separated: linear, clamped, accurate"
    )
    parser.add_argument("--peers", action="store_true", help="also run SecretFlow SS-LR")
    parser.add_argument("--json", help="write {'rows': [...], 'peers': [...]} to this path")
    args = parser.parse_args(argv)
    rows_total = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    data = make_data(rows_total)
    name = workload_name(rows_total, args.epochs)
    rows: list[Row] = []
    for sigmoid in (s.strip() for s in args.sigmoid.split(",") if s.strip()):
        settings = {**SETTINGS, "epochs": args.epochs, "sigmoid": sigmoid}
        rows += confide_rows(data, name, settings)
    rows += sklearn_rows(data, name)
    peers = peer_rows(data, name, args.epochs) if args.peers else []
    print_table(rows + peers)
    print_ratios(rows, peers)
    if args.json:
        document = {"rows": rows, "peers": peers}
        Path(args.json).write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
