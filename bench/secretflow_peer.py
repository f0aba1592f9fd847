"""Run a SecretFlow runner of ``bench/peers/secretflow/`` on Confide's data, for ``--peers``.

The runners live in their own virtualenv (``.venv-sf``, Python 3.10: ``make bench-peers-sf``)
and never import Confide. This module writes the arrays to an npz file in the runners' format,
starts ``.venv-sf/bin/python bench/peers/secretflow/<script> --data X.npz --json Y.json``, and
turns its JSON into a row of ``DESIGN.md``'s format (``seconds`` = SecretFlow's fit time,
``metric`` ``auc``): :func:`run`, or :func:`fit_result` for the runner's whole JSON (such as
``sf_sgb.py``'s ``fit_cpu_seconds``, for ``bench/boost.py``) and :func:`result_row` for its row.
See ``bench/peers/secretflow/README.md`` for the contract. Runners that need no data and write
their own rows (``sf_heu.py``, for ``bench/he.py``) go through :func:`run_rows`.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv-sf" / "bin" / "python"
RUNNERS = ROOT / "bench" / "peers" / "secretflow"
ARRAYS = ("x_train_a", "x_train_b", "y_train", "x_test_a", "x_test_b", "y_test")


def available() -> str | None:
    """``None`` when the runners can run; otherwise why not (for the table)."""
    if not PYTHON.exists():
        return f"{PYTHON} is missing: run `make bench-peers-sf` first"
    return None


def run(
    script: str,
    data: Mapping[str, np.ndarray],
    workload: str,
    *,
    system: str = "secretflow",
    extra_args: Sequence[str] = (),
    timeout: float = 7_200.0,
) -> dict[str, Any]:
    """Run ``script`` on ``data`` (the six arrays); return one benchmark row."""
    result = fit_result(script, data, extra_args=extra_args, timeout=timeout)
    return result_row(result, workload, system=system)


def fit_result(
    script: str,
    data: Mapping[str, np.ndarray],
    *,
    extra_args: Sequence[str] = (),
    timeout: float = 7_200.0,
) -> dict[str, Any]:
    """Run ``script`` on ``data`` (the six arrays); return the JSON it wrote, as it wrote it."""
    with tempfile.TemporaryDirectory(prefix="confide-sf-") as tmp:
        npz = Path(tmp) / "data.npz"
        arrays: dict[str, Any] = {name: np.asarray(data[name]) for name in ARRAYS}
        np.savez(npz, **arrays)
        result: dict[str, Any] = _run_json(
            script, ["--data", str(npz), *extra_args], Path(tmp), timeout
        )
    return result


def result_row(
    result: Mapping[str, Any], workload: str, *, system: str = "secretflow"
) -> dict[str, Any]:
    """The benchmark row of a runner's ``result``: its fit time and test AUC."""
    return {
        "workload": workload,
        "system": system,
        "parties": 2,
        "seconds": float(result["fit_seconds"]),
        "bytes_sent": None,
        "rounds": None,
        "metric": "auc",
        "value": float(result["test_auc"]),
    }


def run_rows(
    script: str, extra_args: Sequence[str] = (), *, timeout: float = 1_800.0
) -> list[dict[str, Any]]:
    """Run ``script --json PATH *extra_args``; return the rows it wrote (``DESIGN.md``'s format)."""
    with tempfile.TemporaryDirectory(prefix="confide-sf-") as tmp:
        rows: list[dict[str, Any]] = _run_json(script, list(extra_args), Path(tmp), timeout)
    return rows


def _run_json(script: str, args: Sequence[str], folder: Path, timeout: float) -> Any:
    """Run ``script *args --json FOLDER/result.json`` under ``.venv-sf``; the JSON it wrote."""
    reason = available()
    if reason is not None:
        raise RuntimeError(reason)
    out = folder / "result.json"
    command = [str(PYTHON), str(RUNNERS / script), *args, "--json", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0 or not out.exists():
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"{script} failed with code {done.returncode}: {tail}")
    return json.loads(out.read_text())
