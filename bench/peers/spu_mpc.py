"""SecretFlow SPU on Confide's MPC benchmark workloads (the peer half of ``bench/mpc.py --peers``).

    .venv-peers/bin/python bench/peers/spu_mpc.py [--quick] [--json PATH]
        [--protocols semi2k,aby3] [--repeat R] [--seed S]
        [--matmul N] [--elements N] [--lr-rows N]

Runs under ``.venv-peers`` (SPU 0.9.5 with its own jax and numpy) and never imports ``confide``.
Each workload is a jax function compiled once by SPU's frontend (``spu.utils.frontend.compile``)
and run the way ``spu.utils.simulation.Simulator.__call__`` runs it: inputs secret-shared with
``spu.api.Io.make_shares``, one ``spu.api.Runtime`` per party, each in its own thread over
SPU's in-memory links (``libspu.link.create_mem``). Two time rows per workload and protocol:

- ``seconds (runtime)``: from the moment every party has its shares loaded (a barrier) until the
  last party's ``Runtime.run`` returns; the best of ``--repeat`` runs, after one end-to-end run
  that serves as warm-up. This is the "runtime only" that issue 3 quotes SPU's figures in.
- ``seconds (end to end)``: jax tracing + SPU compilation + sharing + links + run + reconstruct.

Bytes and rounds come from SPU's profiler (``RuntimeConfig.enable_pphlo_profile``): after each
run every party logs ``Link details: total send bytes B, ..., send actions A``; the script sends
SPU's log to a temporary file and reads those lines back. ``bytes_sent`` is B summed over the
parties; ``rounds`` is the largest A (messages sent by the busiest party). SPU exposes no round
count: A equals the rounds for two parties (one message each way per round) and over-counts them
where a party sends to two peers in one round (aby3).

Settings: field FM64, 18 fractional bits, SPU's default Beaver source for semi2k (trusted first
party: party 0 derives the triples from seeds, no dealer traffic). ``jax.nn.sigmoid`` reaches SPU
already expanded to ``1 / (1 + exp(-x))`` (``pphlo.exponential`` and ``pphlo.reciprocal``), so
``RuntimeConfig.sigmoid_mode`` does not apply; SPU's default exp and reciprocal are used.

Workloads and their float32 inputs, drawn from one numpy ``default_rng(seed)`` in this order:

- ``matmul NxNxN``: x, y uniform in [-1, 1], shape (N, N); fixed-point ``x @ y``.
- ``mul 1eK``: x, y uniform in [-10, 10]; ``x * y``.
- ``less 1eK``: x, y uniform in [-10, 10]; ``x < y``.
- ``sigmoid 1eK``: x uniform in [-8, 8]; ``jax.nn.sigmoid(x)``.
- ``lr NxD E epochs``: X standard normal (N, D); labels drawn as Bernoulli(sigmoid(X w + 0.25))
  with w standard normal / 2; SGD from zero weights, batch 1024 (last batch shorter), learning
  rate 0.5, ``E`` epochs, in order; ``auc`` on the training set, ``max abs error`` of the
  weights and bias against the same jax function run in plaintext.

Full sizes: matmul 1000x1000x1000, 1e6 elements, lr 100000x20 3 epochs. ``--quick``: matmul
200x200x200, 1e5 elements, lr 10000x20 3 epochs. ``--matmul``, ``--elements`` and ``--lr-rows``
override either preset (so a caller can match its own sizes); names follow the sizes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import spu.libspu as libspu
from spu import api as spu_api
from spu.utils import frontend as spu_fe

FIELD = "FM64"
FRACTION_BITS = 18  # SPU's default for FM64
PROTOCOLS = {"semi2k": ("SEMI2K", 2), "aby3": ("ABY3", 3)}
LR_BATCH = 1024
LR_RATE = 0.5
LR_EPOCHS = 3
RECV_TIMEOUT_MS = 120_000  # a party waiting longer than this has lost its peer
LINK_DETAILS = re.compile(r"Link details: total send bytes (\d+), .*send actions (\d+),")

Row = dict[str, Any]
Check = Callable[[list[np.ndarray]], list[tuple[str, float]]]


@dataclass(frozen=True)
class Workload:
    """One benchmark: a jax function of secret inputs and how to score its outputs."""

    name: str
    fn: Callable[..., Any]
    inputs: list[np.ndarray]
    check: Check


@dataclass(frozen=True)
class Run:
    """What one execution on all parties returned."""

    seconds: float
    outputs: list[np.ndarray]
    bytes_sent: int | None
    rounds: int | None


def size_name(n: int) -> str:
    """``1e6`` for powers of ten, the plain number otherwise."""
    exponent = round(np.log10(n))
    return f"1e{exponent}" if 10**exponent == n else str(n)


def max_abs_error(expected: np.ndarray) -> Check:
    """A check reporting the largest absolute difference to ``expected``."""

    def check(outputs: list[np.ndarray]) -> list[tuple[str, float]]:
        got = outputs[0].astype(np.float64)
        return [("max abs error", float(np.max(np.abs(got - expected))))]

    return check


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve by the rank-sum (Mann-Whitney) formula, ties averaged."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    average = first + (counts + 1) / 2.0  # 1-based mean rank of each tie group
    ranks[order] = np.repeat(average, counts)
    positives = labels.astype(bool)
    n_pos = int(positives.sum())
    n_neg = len(labels) - n_pos
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def logistic_regression(n_rows: int, epochs: int) -> Callable[[Any, Any], tuple[Any, Any]]:
    """Mini-batch SGD for logistic regression from zero weights, unrolled over static batches."""

    def train(x: Any, y: Any) -> tuple[Any, Any]:
        w = jnp.zeros(x.shape[1], dtype=jnp.float32)
        b = jnp.zeros((), dtype=jnp.float32)
        for _ in range(epochs):
            for start in range(0, n_rows, LR_BATCH):
                xb = x[start : start + LR_BATCH]
                yb = y[start : start + LR_BATCH]
                error = jax.nn.sigmoid(xb @ w + b) - yb
                step = LR_RATE / xb.shape[0]
                w = w - step * (xb.T @ error)
                b = b - step * jnp.sum(error)
        return w, b

    return train


@dataclass(frozen=True)
class Sizes:
    """Matmul side, element count of the elementwise workloads, rows of the LR data."""

    side: int
    elements: int
    lr_rows: int
    lr_cols: int = 20


FULL = Sizes(1000, 10**6, 100_000)
QUICK = Sizes(200, 10**5, 10_000)


def make_workloads(sizes: Sizes, seed: int) -> list[Workload]:
    """The five workloads at the given sizes, inputs drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    side, elements, lr_rows, lr_cols = sizes.side, sizes.elements, sizes.lr_rows, sizes.lr_cols

    a = rng.uniform(-1, 1, (side, side)).astype(np.float32)
    b = rng.uniform(-1, 1, (side, side)).astype(np.float32)
    x = rng.uniform(-10, 10, elements).astype(np.float32)
    y = rng.uniform(-10, 10, elements).astype(np.float32)
    s = rng.uniform(-8, 8, elements).astype(np.float32)
    features = rng.standard_normal((lr_rows, lr_cols)).astype(np.float32)
    true_w = rng.standard_normal(lr_cols) / 2
    chance = 1 / (1 + np.exp(-(features.astype(np.float64) @ true_w + 0.25)))
    labels = (rng.random(lr_rows) < chance).astype(np.float32)

    train = logistic_regression(lr_rows, LR_EPOCHS)
    plain_w, plain_b = (np.asarray(v, dtype=np.float64) for v in jax.jit(train)(features, labels))
    plain_auc = auc(features @ plain_w + plain_b, labels)
    print(f"plaintext lr: auc {plain_auc:.4f}", file=sys.stderr)

    def check_lr(outputs: list[np.ndarray]) -> list[tuple[str, float]]:
        w, b0 = outputs[0].astype(np.float64), float(outputs[1])
        coef_error = max(float(np.max(np.abs(w - plain_w))), abs(b0 - float(plain_b)))
        return [("auc", auc(features @ w + b0, labels)), ("max abs error", coef_error)]

    a64, b64, x64, y64 = (v.astype(np.float64) for v in (a, b, x, y))
    n = size_name(elements)
    return [
        Workload(f"matmul {side}x{side}x{side}", jnp.matmul, [a, b], max_abs_error(a64 @ b64)),
        Workload(f"mul {n}", jnp.multiply, [x, y], max_abs_error(x64 * y64)),
        Workload(f"less {n}", jnp.less, [x, y], max_abs_error((x < y).astype(np.float64))),
        Workload(
            f"sigmoid {n}",
            jax.nn.sigmoid,
            [s],
            max_abs_error(1 / (1 + np.exp(-s.astype(np.float64)))),
        ),
        Workload(f"lr {lr_rows}x{lr_cols} {LR_EPOCHS} epochs", train, [features, labels], check_lr),
    ]


def runtime_config(protocol: str) -> Any:
    """SPU runtime settings shared by every party: FM64, 18 fractional bits, profiling on."""
    kind, _ = PROTOCOLS[protocol]
    config = libspu.RuntimeConfig(
        protocol=getattr(libspu.ProtocolKind, kind), field=getattr(libspu.FieldType, FIELD)
    )
    config.fxp_fraction_bits = FRACTION_BITS
    config.enable_pphlo_profile = True  # makes every party log its link totals after a run
    return config


def compile_workload(workload: Workload) -> Any:
    """Trace the jax function and compile it to an SPU executable, every input secret."""
    names = [f"in{i}" for i in range(len(workload.inputs))]
    executable, _ = spu_fe.compile(
        spu_fe.Kind.JAX,
        workload.fn,
        workload.inputs,
        {},
        names,
        [libspu.Visibility.VIS_SECRET] * len(names),
        lambda outputs: [f"out{i}" for i in range(len(outputs))],
    )
    return executable


class SpuLog:
    """SPU's log, sent to a file so that link totals can be read back after each run."""

    def __init__(self, directory: str) -> None:
        self.path = Path(directory) / "spu.log"
        options = libspu.logging.LogOptions()
        options.enable_console_logger = False
        options.system_log_path = str(self.path)
        libspu.logging.setup_logging(options)

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def link_totals(self, since: int, parties: int) -> tuple[int | None, int | None]:
        """Total bytes sent by all parties and the most messages any party sent, or Nones."""
        with self.path.open("rb") as log:
            log.seek(since)
            found = LINK_DETAILS.findall(log.read().decode(errors="replace"))
        if len(found) != parties:
            return None, None
        return sum(int(b) for b, _ in found), max(int(a) for _, a in found)


def execute(executable: Any, shares: list[Any], config: Any, parties: int, log: SpuLog) -> Run:
    """Run ``executable`` on one SPU runtime per party in threads over in-memory links.

    Mirrors ``spu.utils.simulation.Simulator.__call__``; only ``Runtime.run`` is timed, from a
    barrier after every party has set its input shares to the last party's return.
    """
    desc = libspu.link.Desc()
    desc.recv_timeout_ms = RECV_TIMEOUT_MS
    for rank in range(parties):
        desc.add_party(f"id_{rank}", f"thread_{rank}")
    barrier = threading.Barrier(parties)
    starts = [0.0] * parties
    ends = [0.0] * parties
    results: list[list[Any]] = [[] for _ in range(parties)]
    errors: list[BaseException] = []
    log_start = log.size()

    def party(rank: int) -> None:
        try:
            runtime = spu_api.Runtime(libspu.link.create_mem(desc, rank), config)
            for name, share in zip(executable.input_names, shares, strict=True):
                runtime.set_var(name, share[rank])
            barrier.wait()
            starts[rank] = time.perf_counter()
            runtime.run(executable)
            ends[rank] = time.perf_counter()
            results[rank] = [runtime.get_var(name) for name in executable.output_names]
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=party, args=(rank,)) for rank in range(parties)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    io = spu_api.Io(parties, config)
    outputs = [
        np.asarray(io.reconstruct(list(per_party))) for per_party in zip(*results, strict=True)
    ]
    bytes_sent, rounds = log.link_totals(log_start, parties)
    return Run(max(ends) - min(starts), outputs, bytes_sent, rounds)


def measure(workload: Workload, protocol: str, repeat: int, log: SpuLog) -> list[Row]:
    """End-to-end run (compile, share, run, reconstruct), then ``repeat`` runtime-only runs."""
    _, parties = PROTOCOLS[protocol]
    config = runtime_config(protocol)
    io = spu_api.Io(parties, config)
    secret = libspu.Visibility.VIS_SECRET

    start = time.perf_counter()
    executable = compile_workload(workload)
    shares = [io.make_shares(value, secret) for value in workload.inputs]
    first = execute(executable, shares, config, parties, log)
    end_to_end = time.perf_counter() - start

    runs = [execute(executable, shares, config, parties, log) for _ in range(repeat)]
    best = min(runs, key=lambda run: run.seconds)

    def row(seconds: float, metric: str, value: float, link: Run | None) -> Row:
        return {
            "workload": workload.name,
            "system": f"spu-{protocol}",
            "parties": parties,
            "seconds": seconds,
            "bytes_sent": link.bytes_sent if link else None,
            "rounds": link.rounds if link else None,
            "metric": metric,
            "value": value,
        }

    rows = [
        row(best.seconds, "seconds (runtime)", best.seconds, best),
        row(end_to_end, "seconds (end to end)", end_to_end, first),
    ]
    rows += [row(best.seconds, m, v, None) for m, v in workload.check(best.outputs)]
    return rows


def print_table(rows: Sequence[Row]) -> None:
    header = f"{'workload':<24} {'system':<12} {'n':>2} {'metric':<22} {'value':>11} "
    print(header + f"{'MB sent':>9} {'rounds':>7}")
    for r in rows:
        mb = "-" if r["bytes_sent"] is None else f"{r['bytes_sent'] / 1e6:.1f}"
        rounds = "-" if r["rounds"] is None else str(r["rounds"])
        print(
            f"{r['workload']:<24} {r['system']:<12} {r['parties']:>2} {r['metric']:<22} "
            f"{r['value']:>11.4g} {mb:>9} {rounds:>7}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute")
    parser.add_argument("--json", type=Path, help="write the rows to this file")
    parser.add_argument("--protocols", default="semi2k,aby3", help="comma-separated subset")
    parser.add_argument("--repeat", type=int, default=1, help="runtime-only runs, best kept")
    parser.add_argument("--seed", type=int, default=0, help="seed of the input data")
    parser.add_argument("--matmul", type=int, help="matmul side (overrides the preset)")
    parser.add_argument("--elements", type=int, help="mul/less/sigmoid length (overrides)")
    parser.add_argument("--lr-rows", type=int, help="logistic-regression rows (overrides)")
    args = parser.parse_args(argv)
    preset = QUICK if args.quick else FULL
    sizes = Sizes(
        args.matmul or preset.side, args.elements or preset.elements, args.lr_rows or preset.lr_rows
    )
    protocols = [p.strip() for p in args.protocols.split(",") if p.strip()]
    unknown = [p for p in protocols if p not in PROTOCOLS]
    if unknown:
        parser.error(f"unknown protocols {unknown}; known: {sorted(PROTOCOLS)}")

    workloads = make_workloads(sizes, args.seed)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="spu-mpc-") as directory:
        log = SpuLog(directory)
        for protocol in protocols:
            for workload in workloads:
                try:
                    rows += measure(workload, protocol, max(1, args.repeat), log)
                except Exception as exc:
                    print(f"spu-{protocol} {workload.name} failed: {exc!r}", file=sys.stderr)
    print_table(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
