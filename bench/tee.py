"""Enclave benchmark: the credit computation in the simulated enclave against the same code outside.

    python bench/tee.py [--quick] [--rows N] [--mpc] [--nodes] [--repeat K] [--json PATH]

Workload ``credit N``: :func:`confide.datasets.vertical_credit` with N customers per party (90%
in common; 100,000 by default, 20,000 with ``--quick``), the bank's 5 features and label, the
platform's 7 (two categorical, missing values), joined on the id, WOE binning and IV selection,
logistic regression (the credit job's settings) and boosting (10 trees of depth 4), as
:func:`confide.tee.credit.credit_spec` writes it. Rows:

- ``plaintext``: the same components (:func:`confide.tee.run_components`) in this process,
  reading the two parties' Parquet files;
- ``confide`` ``... in enclave``: the job in a simulated enclave process: each provider's key
  release (attest, verify, wrap) and the run (unwrap, decrypt and read the sealed files, compute,
  encrypt every output to its receiver); the enclave's start and the image build are one-off
  costs, reported on their own rows;
- with ``--mpc``: the MPC credit job (PSI, WOE, secure LR; no boosting) as three processes over
  gRPC (:func:`confide.cli.credit.run_credit_processes`), beside the enclave and plaintext runs
  of the same computation without boosting.

- with ``--nodes``: the node path of one ``credit.scorecard`` spec (:mod:`confide.cli.node_demo`:
  three daemons, bank, platform and dealer, gRPC with mTLS, SQLite), from the bank's submit
  call until the bank's node holds its results, run by MPC among the nodes and, with
  ``execution: tee`` on the step, in the dealer's enclave (sealing, transfer, attestation, key
  release, the run, the outputs relayed and opened). The dealer's operator approves each job
  (polled every 50 ms). The daemons start once; the two runs alternate ``--repeat`` times and
  the fastest of each is kept. The script checks that both give the same split and selection
  and test AUCs within 0.005.

Plaintext and enclave runs alternate, ``--repeat`` (3) times each, and the fastest of each is
kept, so both meet the same load on a shared machine. ``value`` is the test AUC (logistic
regression); the enclave's outputs, opened by their receivers, must equal the plaintext ones,
and the script checks they do. It prints each enclave/plaintext ratio (target < 1.3).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from confide.cli.credit import run_credit_processes
from confide.cli.node_demo import (
    DATASETS,
    DemoNodes,
    Execution,
    dataset_policy,
)
from confide.cli.node_demo import (
    credit_spec as node_credit_spec,
)
from confide.datasets import vertical_credit
from confide.jobs.credit import CreditOutcome, CreditSettings, PartyTable
from confide.node import TERMINAL_STATES, JobState, NotFound
from confide.policy import JobSpec
from confide.tee import (
    EnclaveImage,
    EnclaveResult,
    SimulatedEnclave,
    SimulatedPlatform,
    build_image,
    read_source_frame,
    run_components,
    run_local,
)
from confide.tee.components import receiver_value
from confide.tee.credit import credit_spec
from confide.tee.demo import prepare

Row = dict[str, Any]
Values = dict[tuple[str, str], Any]
FULL_ROWS, QUICK_ROWS = 100_000, 20_000
BOOST = {"n_estimators": 10, "max_depth": 4}
SETTINGS = CreditSettings(split_seed=0)


@dataclass(frozen=True)
class Build:
    """The platform and image every workload's enclave uses."""

    platform: SimulatedPlatform
    image: EnclaveImage


def _row(workload: str, system: str, seconds: float, auc: float | None = None) -> Row:
    return {
        "workload": workload,
        "system": system,
        "parties": 3,
        "seconds": seconds,
        "bytes_sent": None,
        "rounds": None,
        "metric": "auc" if auc is not None else None,
        "value": auc,
    }


def _same(left: Any, right: Any) -> bool:
    """Wire values equal (floats to 1e-9)."""
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(_same(left[k], right[k]) for k in left)
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(_same(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(left, np.ndarray):
        if not isinstance(right, np.ndarray) or left.shape != right.shape:
            return False
        if left.dtype.kind == "f":
            return bool(np.allclose(left, right, rtol=0, atol=1e-9, equal_nan=True))
        return bool(np.array_equal(left, right))
    if isinstance(left, float) and isinstance(right, float):
        return left == right or abs(left - right) <= 1e-9 or (left != left and right != right)
    return bool(left == right)


def plaintext(spec: JobSpec, files: Mapping[str, Path]) -> tuple[float, Values]:
    """Seconds to read the parties' files and run the components here, and the values."""
    start = time.perf_counter()
    frames = {
        (party, spec.datasets[party][0]): read_source_frame(path) for party, path in files.items()
    }
    values = run_components(spec, frames, dict.fromkeys(frames, "id"))
    return time.perf_counter() - start, values


def enclave_rows(
    name: str,
    spec: JobSpec,
    tables: Mapping[str, pd.DataFrame],
    folder: Path,
    build: Build,
    repeat: int,
) -> tuple[list[Row], float]:
    """Run ``spec`` in the enclave and outside, ``repeat`` times each, one after the other (so
    both meet the same load on a shared machine); rows, and the ratio of the fastest runs."""
    files = {}
    for party, frame in tables.items():
        files[party] = folder / f"{party}.parquet"
        frame.to_parquet(files[party], index=False)
    # the providers seal what they read from those same files
    read = {party: read_source_frame(path) for party, path in files.items()}
    parties = prepare(spec, read, folder, build.image, build.platform)
    plain_runs: list[tuple[float, Values]] = []
    enclave_runs: list[tuple[float, EnclaveResult]] = []
    started = time.perf_counter()
    with SimulatedEnclave(build.platform, build.image) as enclave:
        start_seconds = time.perf_counter() - started
        for i in range(repeat):
            plain_runs.append(plaintext(spec, files))
            started = time.perf_counter()
            result = run_local(enclave, spec, f"job-{i}", parties.providers)
            enclave_runs.append((time.perf_counter() - started, result))
    plain_seconds, plain = min(plain_runs, key=lambda run: run[0])
    job_seconds, result = min(enclave_runs, key=lambda run: run[0])
    for (step, output, receiver), value in parties.open(result).items():
        if not _same(value, receiver_value(spec, plain, step, output, receiver)):
            raise SystemExit(f"{name}: {step}.{output} for {receiver} differs from plaintext")
    auc = float(plain[("lr", "metrics")]["test"]["auc"])
    inside = result.seconds
    rows = [
        _row(f"{name} plaintext", "plaintext", plain_seconds, auc),
        _row(f"{name} in enclave (release + run)", "confide", job_seconds, auc),
        _row(f"{name} in enclave: compute only", "confide", inside["compute"]),
        _row(f"{name} in enclave: decrypt sealed files", "confide", inside["decrypt"]),
        _row(f"{name} in enclave: encrypt outputs", "confide", inside["encrypt"]),
        _row(f"{name} enclave start (once)", "confide", start_seconds),
    ]
    return rows, job_seconds / plain_seconds


def mpc_rows(name: str, tables: Mapping[str, pd.DataFrame], folder: Path) -> list[Row]:
    """The MPC credit job (PSI, WOE, secure LR) on the same tables, three processes."""
    parties = {}
    for party, frame in tables.items():
        path = folder / f"mpc-{party}.parquet"
        frame.to_parquet(path, index=False)
        parties[party] = PartyTable(str(path))
    start = time.perf_counter()
    results = run_credit_processes(SETTINGS, parties, timeout=3_600.0)
    seconds = time.perf_counter() - start
    outcome = CreditOutcome.from_dict(results[SETTINGS.label_holder])
    return [
        _row(
            f"{name} mpc (psi, woe, secure lr)", "confide", seconds, outcome.metrics["test"]["auc"]
        )
    ]


def _node_job(nodes: DemoNodes, spec: str) -> tuple[float, dict[str, Any]]:
    """Seconds from the bank's submit until its node holds its results, and its outcome."""
    bank, dealer = nodes.client("bank"), nodes.client("dealer")
    start = time.perf_counter()
    job_id = bank.submit(spec)["id"]
    approved = False
    while True:
        nodes.check_alive()
        if not approved:
            try:
                waiting = dealer.job(job_id)["waiting_for"]
            except NotFound:
                waiting = []
            if "dealer" in waiting:
                dealer.approve(job_id)
                approved = True
        job = bank.job(job_id)
        if JobState(job["state"]) in TERMINAL_STATES:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - start
    if job["state"] != JobState.FINISHED.value:
        raise SystemExit(f"node job {job_id} {job['state']}: {job['reason']}")
    value: dict[str, Any] = bank.result(job_id, "scorecard.scores")["value"]
    return seconds, value


def node_rows(name: str, data: Any, folder: Path, repeat: int) -> list[Row]:
    """The node path of one credit.scorecard spec, by MPC and in the dealer's enclave."""
    nodes = DemoNodes(folder / "nodes", receive_timeout=3_600.0)
    nodes.folder.mkdir()
    image = nodes.prepare_enclave()
    nodes.write_configs()
    for party, frame in (("bank", data.bank), ("platform", data.platform)):
        policy = dataset_policy(DATASETS[party], measurements=(image.measurement,))
        nodes.register(party, frame, data.id_column, policy)
    reads = {"bank": list(data.bank.columns), "platform": list(data.platform.columns)}
    runs: dict[Execution, list[tuple[float, dict[str, Any]]]] = {e: [] for e in Execution}
    nodes.start()
    try:
        for i in range(repeat):
            for execution in Execution:
                spec = node_credit_spec(f"bench-{i}", SETTINGS, reads, execution=execution)
                runs[execution].append(_node_job(nodes, spec))
    finally:
        nodes.stop()
    best = {e: min(found, key=lambda run: run[0]) for e, found in runs.items()}
    mpc, tee = best[Execution.MPC][1], best[Execution.TEE][1]
    auc = {e: float(run[1]["metrics"]["test"]["auc"]) for e, run in best.items()}
    if mpc["test_ids"] != tee["test_ids"] or mpc["selected"] != tee["selected"]:
        raise SystemExit(f"{name}: the enclave's split or selection differs from the MPC job's")
    if abs(auc[Execution.MPC] - auc[Execution.TEE]) > 0.005:
        raise SystemExit(f"{name}: test AUC {auc[Execution.TEE]} in the enclave, {auc} by MPC")
    return [
        _row(f"{name} node path, mpc", "confide", best[Execution.MPC][0], auc[Execution.MPC]),
        _row(f"{name} node path, enclave", "confide", best[Execution.TEE][0], auc[Execution.TEE]),
    ]


def print_table(rows: Sequence[Row]) -> None:
    print(f"{'workload':<64} {'system':<10} {'seconds':>9} {'auc':>7}")
    for row in rows:
        auc = "" if row["value"] is None else f"{row['value']:.4f}"
        print(f"{row['workload']:<64} {row['system']:<10} {row['seconds']:>9.2f} {auc:>7}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 customers per party")
    parser.add_argument("--rows", type=int, help="customers per party (default 100,000)")
    parser.add_argument("--mpc", action="store_true", help="also run the MPC credit job")
    parser.add_argument(
        "--nodes", action="store_true", help="also the node path: one spec, MPC and enclave"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs to take the fastest of")
    parser.add_argument("--peers", action="store_true", help="(no peer system for enclaves)")
    parser.add_argument("--json", help="write the rows to this path")
    args = parser.parse_args(argv)
    n = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    data = vertical_credit(n, overlap=0.9, seed=0)
    tables = {"bank": data.bank, "platform": data.platform}
    features = {
        "bank": [c for c in data.bank.columns if c not in ("id", "default")],
        "platform": [c for c in data.platform.columns if c != "id"],
    }
    settings = SETTINGS.to_dict()
    rows: list[Row] = []
    ratios: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="confide-bench-tee-") as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        build = Build(SimulatedPlatform.create(folder / "platform"), build_image(folder / "image"))
        rows.append(_row("enclave image build (once)", "confide", time.perf_counter() - start))
        workloads: list[tuple[str, dict[str, int] | None]] = [
            (f"credit {n} (woe, lr, boost)", BOOST)
        ]
        if args.mpc:
            workloads.append((f"credit {n} (woe, lr)", None))
        for i, (name, boost) in enumerate(workloads):
            spec = credit_spec(features, settings=settings, boost=boost)
            part = folder / f"workload-{i}"
            part.mkdir()
            found, ratios[name] = enclave_rows(name, spec, tables, part, build, args.repeat)
            rows += found
        if args.mpc:
            rows += mpc_rows(f"credit {n} (woe, lr)", tables, folder)
        if args.nodes:
            rows += node_rows(f"credit.scorecard {n}", data, folder, args.repeat)
    print_table(rows)
    print("enclave outputs, opened by their receivers, equal the plaintext outputs (1e-9)")
    for name, ratio in ratios.items():
        verdict = "within" if ratio < 1.3 else "over"
        print(f"{name}: enclave / plaintext = {ratio:.2f}x ({verdict} the 1.3x target)")
    if args.mpc:
        mpc = next(r for r in rows if r["workload"].endswith("mpc (psi, woe, secure lr)"))
        tee = next(
            r for r in rows if r["workload"] == f"credit {n} (woe, lr) in enclave (release + run)"
        )
        print(
            f"mpc / enclave = {mpc['seconds'] / tee['seconds']:.1f}x (same components, no boosting)"
        )
    if args.nodes:
        mpc_node, tee_node = rows[-2], rows[-1]
        print(
            f"node path: mpc / enclave = {mpc_node['seconds'] / tee_node['seconds']:.1f}x "
            "(one spec, submit to results at the bank)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
