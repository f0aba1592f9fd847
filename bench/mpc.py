"""MPC benchmark: matmul, multiply, comparison, sigmoid and logistic regression, per protocol.

    python bench/mpc.py [--quick] [--peers] [--json PATH] [--workloads less,lr] [--protocols semi2k]
        [--transport memory,socketpair]

Workloads (full / ``--quick``), named exactly as ``bench/peers/spu_mpc.py`` names them so that
rows line up with SPU's: ``matmul 1000x1000x1000`` / ``matmul 200x200x200`` (inputs uniform in
[-1, 1]), ``mul 1e6`` / ``mul 1e5`` and ``less 1e6`` / ``less 1e5`` (uniform in [-10, 10]),
``sigmoid 1e6`` / ``sigmoid 1e5`` (uniform in [-8, 8], the accurate method), and
``lr 100000x20 3 epochs`` / ``lr 10000x20 3 epochs``: logistic regression by mini-batch SGD from
zero weights, batch 1024 (the last one shorter), learning rate 0.5, 3 epochs in order, features
input by the first data party and labels by the second, weights secret throughout (features
standard normal, labels Bernoulli(sigmoid(X w + 0.25)) with w standard normal / 2). Every input
is drawn exactly as the SPU script draws it (same seed, same order, float32), so both systems
compute on the same numbers.

Every MPC row runs the data parties (and the dealer) in one of two ways (``--transport``, both
by default):

- ``memory``: as threads of this process over memory links (``confide.simulate``), system
  ``confide-<protocol>``, as SPU's are ``spu-<protocol>`` (SPU's simulation runs its parties as
  threads too, but in C++, where they compute in parallel).
- ``socketpair``: as processes of this machine over Unix socket pairs
  (``confide.launch(..., transport="socketpair")``, :mod:`confide.net.socketpair`), system
  ``confide-<protocol>-proc``. Python threads take turns under the interpreter lock, so over
  memory links the parties' Python work is done one party at a time; as processes they compute
  in parallel, each message costing a few system calls (wire-encoded, no TLS). Three processes
  on two cores (aby3, or semi2k's dealer) vary more from run to run: the scheduler decides
  which one waits.

Rows, per workload, protocol and transport (metrics as SPU's):

- ``seconds (runtime)``: the operation alone on inputs already shared, as SPU's "runtime": all
  parties (dealer included) meet at a barrier, then each data party times the operation until
  it holds its share of the result; the slowest party, best of a few repetitions. The dealer
  deals during that time, so its work is counted. ``bytes_sent`` is what all parties' links
  (dealer included) sent during one operation; ``rounds`` the rounds of the first data party.
- ``seconds (end to end)``: engine setup, inputs, the operation and the reveal, once.
- ``max abs error`` against numpy in float64 (for ``lr``: of the weights and bias against the
  same SGD in numpy with the exact sigmoid), and for ``lr`` the ``auc`` on the training set
  (a ``plaintext`` row gives numpy's).

``ring matmul`` rows compare the exact Z_2^64 matmul on float64 limbs with numpy's uint64 matmul
(one party, no MPC). BLAS runs one thread per party (see ``OPENBLAS_NUM_THREADS`` below).

``--peers`` runs ``.venv-peers/bin/python bench/peers/spu_mpc.py`` (``make bench-peers``) in the
same run, on the same sizes and with as many timed runs (best kept), for the SPU protocols that
match ``PROTOCOLS``; it merges SPU's rows and prints Confide / SPU per workload and protocol
(runtime and end to end) with both accuracy figures side by side, for each transport. The
issue 3 target is a ratio of 0.5 or less at equal or better accuracy.
``--workloads`` (name prefixes) and ``--protocols`` run a subset (then without the ring rows).

Logistic regression comes in two rows, both the same algorithm as SPU's (:data:`LR_NOTE`,
printed with the table) and both compared with SPU's ``lr`` row in the ratio table:

- ``lr``: the benchmark's own loop over generic engine operations. Features augmented with a
  public column of ones for the bias; per step ``X_b w`` (truncated), the engine's accurate
  sigmoid (maximum error 4e-4 over the reals; SPU's ``jax.nn.sigmoid``, ``1 / (1 + exp(-x))``
  with its default exp and reciprocal, shows about 1e-3 on the sigmoid row), and
  ``X_b^T ((rate / batch) e)``, truncated once. Each product re-masks the batch ``X_b``. 13
  rounds per step in semi2k, 17 in aby3 (the sigmoid's polynomial shares the rounds of its
  comparison, :mod:`confide.mpc.lockstep`).
- ``lr-estimator``: the same SGD through Confide's product for users,
  :class:`confide.ml.linear.SecureLogisticRegression` (:data:`ESTIMATOR_SETTINGS`: rows in
  order, batch 1024, 3 epochs, rate 0.5, momentum 0, no L2, no averaging, no validation split
  or early stopping, the accurate sigmoid, an intercept; coefficients revealed to their
  owners, which the harness joins to score them). In semi2k the features are masked once and
  each product opens only the short vector (:mod:`confide.ml.linear.masked`); in aby3 they are
  one replicated share (:mod:`confide.ml.linear.shared`). Features at the first data party and
  labels at the second in semi2k (as in ``lr``); in aby3 the 20 columns are split 7/7/6 across
  the three parties, labels at the second. The estimator shares its inputs inside ``fit``, so
  its ``seconds (runtime)`` times ``fit`` **whole** from a barrier (the hello, the features'
  masking or input, the labels' input, training, and revealing the coefficients; the engine
  already built), best of a few fits; ``seconds (training loop)`` is the estimator's own count
  of the SGD epochs alone (``stats_``, the slowest data party), the closer match to SPU's
  runtime, shown in the ratio table's ``loop`` column. Its ``bytes_sent`` (all parties) and
  ``rounds`` (first data party) are of one ``fit``. It is not run with ``semi2k-local``: the
  estimator refuses local truncation (each step truncates values near 2^57 ring units, where
  local truncation fails with probability about 2^-6 per element).
"""

from __future__ import annotations

import os

# The parties are threads of one process: one BLAS thread each keeps three parties from
# oversubscribing two cores (OpenBLAS's spinning threads made the matmul rows up to twice as
# slow, and erratic, on a shared machine). Set OPENBLAS_NUM_THREADS to override.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from confide.ml.linear import SecureLogisticRegression
from confide.mpc import MPC, Aby3, Semi2k, Share, TrustedDealer
from confide.mpc.ring import ring_matmul
from confide.runtime import Context, Role, launch, simulate

ROOT = Path(__file__).resolve().parents[1]
PEERS_PYTHON = ROOT / ".venv-peers" / "bin" / "python"
PEERS_SCRIPT = ROOT / "bench" / "peers" / "spu_mpc.py"
DEALER = "dealer"
RUNTIME, END_TO_END, ERROR, AUC, LOOP = (
    "seconds (runtime)",
    "seconds (end to end)",
    "max abs error",
    "auc",
    "seconds (training loop)",
)
LR_BATCH, LR_RATE, LR_EPOCHS, LR_COLUMNS = 1024, 0.5, 3, 20
LR_NOTE = (
    f"lr: mini-batch SGD from zero weights, batch {LR_BATCH}, rate {LR_RATE}, {LR_EPOCHS} epochs "
    "in order, in both systems; sigmoid: Confide's accurate method (max error 4e-4) vs SPU's "
    "jax.nn.sigmoid = 1 / (1 + exp(-x)) (see the sigmoid rows for both errors)"
)

#: The estimator row's workload name starts so; its SPU counterpart is the ``lr`` row.
ESTIMATOR = "lr-estimator"
#: ``SecureLogisticRegression`` settings for the SGD of the ``lr`` rows (see the docstring).
ESTIMATOR_SETTINGS: dict[str, Any] = {
    "epochs": LR_EPOCHS,
    "batch_size": LR_BATCH,
    "learning_rate": LR_RATE,
    "momentum": 0.0,
    "average": False,
    "l2": 0.0,
    "fit_intercept": True,
    "validation_fraction": 0.0,
    "early_stopping": False,
    "sigmoid": "accurate",
    "shuffle": False,
    "reveal": "owners",
}
#: The protocols the estimator runs on (it refuses local truncation: see the docstring).
ESTIMATOR_PROTOCOLS = ("semi2k", "aby3")
#: How the parties run (see the docstring), and the suffix of their rows' system names.
TRANSPORTS = {"memory": "", "socketpair": "-proc"}

Row = dict[str, Any]


@dataclass(frozen=True)
class ProtocolSetup:
    """How to build an engine for one protocol variant, its parties, and its SPU counterpart."""

    name: str
    label: str
    data_parties: int
    make: Callable[[Context], MPC]
    helpers: tuple[str, ...]
    #: The SPU protocol this one is compared with (``spu-<peer>``), if any.
    peer: str | None


PROTOCOLS: list[ProtocolSetup] = [
    ProtocolSetup(
        "semi2k",
        "semi2k, 2 parties + dealer, pair truncation",
        2,
        lambda ctx: MPC(ctx, Semi2k("pair"), TrustedDealer()),
        (DEALER,),
        "semi2k",
    ),
    ProtocolSetup(
        "semi2k-local",
        "semi2k, 2 parties + dealer, local truncation",
        2,
        lambda ctx: MPC(ctx, Semi2k("local"), TrustedDealer()),
        (DEALER,),
        "semi2k",
    ),
    ProtocolSetup(
        "aby3",
        "aby3, 3 parties, no dealer, pair truncation",
        3,
        lambda ctx: MPC(ctx, Aby3()),
        (),
        "aby3",
    ),
]


@dataclass(frozen=True)
class Sizes:
    """Matmul side, elements of the elementwise workloads, rows of the LR data."""

    side: int
    elements: int
    lr_rows: int


FULL = Sizes(1000, 10**6, 100_000)
QUICK = Sizes(200, 10**5, 10_000)


def size_name(n: int) -> str:
    """``1e6`` for powers of ten, the plain number otherwise (as the SPU script names sizes)."""
    exponent = round(np.log10(n))
    return f"1e{exponent}" if 10**exponent == n else str(n)


# -- workloads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """One benchmark: its inputs (one array per owner), the secure operation, the checks.

    ``inputs`` (a key of :func:`spu_inputs`) names the arrays the first and (if two) second data
    party input; ``secure`` runs on their shares and returns the shares to reveal; ``check``
    scores what was revealed; ``plain`` is the numpy twin, timed for reference.
    """

    name: str
    inputs: str
    secure: Callable[[MPC, list[Share]], list[Share]]
    check: Callable[[list[np.ndarray], list[np.ndarray]], list[tuple[str, float]]]
    plain: Callable[[list[np.ndarray]], object]


def max_abs_error(
    reference: Callable[[list[np.ndarray]], np.ndarray],
) -> Callable[[list[np.ndarray], list[np.ndarray]], list[tuple[str, float]]]:
    def check(inputs: list[np.ndarray], outputs: list[np.ndarray]) -> list[tuple[str, float]]:
        return [(ERROR, float(np.max(np.abs(outputs[0] - reference(inputs)))))]

    return check


def spu_inputs(sizes: Sizes, seed: int = 0) -> dict[str, list[np.ndarray]]:
    """The inputs of every workload, drawn exactly as ``bench/peers/spu_mpc.py`` draws them.

    One ``default_rng(seed)``, in SPU's order, float32 as SPU's inputs are, then float64: the
    same numbers go into both systems, so errors and AUCs compare like for like. (numpy.random
    is for benchmark data only, never for secrets.)
    """
    rng = np.random.default_rng(seed)
    side, n, rows = sizes.side, sizes.elements, sizes.lr_rows

    def draw(values: np.ndarray) -> np.ndarray:
        return values.astype(np.float32).astype(np.float64)

    a, b = draw(rng.uniform(-1, 1, (side, side))), draw(rng.uniform(-1, 1, (side, side)))
    x, y = draw(rng.uniform(-10, 10, n)), draw(rng.uniform(-10, 10, n))
    s = draw(rng.uniform(-8, 8, n))
    features = draw(rng.standard_normal((rows, LR_COLUMNS)))
    true_w = rng.standard_normal(LR_COLUMNS) / 2
    chance = 1 / (1 + np.exp(-(features @ true_w + 0.25)))
    labels = draw((rng.random(rows) < chance).astype(np.float64))
    return {
        "matmul": [a, b],
        "mul": [x, y],
        "less": [x, y],
        "sigmoid": [s],
        "lr": [features, labels],
    }


def sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (1 + np.tanh(x / 2))
    return out


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve by the rank-sum (Mann-Whitney) formula, ties averaged."""
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    _, first, counts = np.unique(scores[order], return_index=True, return_counts=True)
    ranks[order] = np.repeat(first + (counts + 1) / 2.0, counts)
    positives = labels.astype(bool)
    n_pos = int(positives.sum())
    n_neg = len(labels) - n_pos
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def lr_plain(inputs: list[np.ndarray]) -> np.ndarray:
    """The same SGD in numpy float64 with the exact sigmoid: weights then bias."""
    features, labels = inputs
    augmented = np.hstack([features, np.ones((len(features), 1))])
    weights = np.zeros(augmented.shape[1])
    for _ in range(LR_EPOCHS):
        for start in range(0, len(features), LR_BATCH):
            xb, yb = augmented[start : start + LR_BATCH], labels[start : start + LR_BATCH]
            weights = weights - LR_RATE / len(xb) * (xb.T @ (sigmoid(xb @ weights) - yb))
    return weights


def lr_secure(mpc: MPC, shares: list[Share]) -> list[Share]:
    """SGD on shares; the bias is a last weight on a public column of ones.

    Per step: ``z = X_b w`` (a matrix-vector product and its truncation), the accurate sigmoid,
    and ``X_b^T ((rate / batch) (sigmoid(z) - y_b))``: the error scaled exactly (a local product
    by a public word), then one product and one truncation back to ``f`` bits. Rounds per step
    in semi2k: 2 + 9 + 2; aby3 truncates products without resharing them first (2 + 13 + 2).
    """
    features, labels = shares
    rows = features.shape[0]
    augmented = mpc.concatenate([features, mpc.public(np.ones((rows, 1)))], axis=1)
    weights = mpc.public(np.zeros(augmented.shape[1]))
    frac_bits = mpc.frac_bits
    for _ in range(LR_EPOCHS):
        for start in range(0, rows, LR_BATCH):
            xb = augmented[start : start + LR_BATCH]
            yb = labels[start : start + LR_BATCH]
            error = mpc.sigmoid(xb @ weights) - yb
            step = np.asarray(np.round(LR_RATE / xb.shape[0] * 2**frac_bits), dtype=np.int64)
            scaled = error.local_mul(step.view(np.uint64), frac_bits=error.frac_bits + frac_bits)
            weights = weights - mpc.protocol.matmul_trunc(xb.T, scaled, 2 * frac_bits)
    return [weights]


def lr_check(inputs: list[np.ndarray], outputs: list[np.ndarray]) -> list[tuple[str, float]]:
    features, labels = inputs
    weights = outputs[0]
    plain = lr_plain(inputs)
    scores = features @ weights[:-1] + weights[-1]
    return [(AUC, auc(scores, labels)), (ERROR, float(np.max(np.abs(weights - plain))))]


def workloads(sizes: Sizes) -> list[Workload]:
    side, n, rows = sizes.side, sizes.elements, sizes.lr_rows
    elements = size_name(n)
    return [
        Workload(
            f"matmul {side}x{side}x{side}",
            "matmul",
            lambda mpc, s: [s[0] @ s[1]],
            max_abs_error(lambda v: v[0] @ v[1]),
            lambda v: v[0] @ v[1],
        ),
        Workload(
            f"mul {elements}",
            "mul",
            lambda mpc, s: [s[0] * s[1]],
            max_abs_error(lambda v: v[0] * v[1]),
            lambda v: v[0] * v[1],
        ),
        Workload(
            f"less {elements}",
            "less",
            lambda mpc, s: [s[0] < s[1]],
            max_abs_error(lambda v: (v[0] < v[1]).astype(np.float64)),
            lambda v: v[0] < v[1],
        ),
        Workload(
            f"sigmoid {elements}",
            "sigmoid",
            lambda mpc, s: [mpc.sigmoid(s[0])],
            max_abs_error(lambda v: sigmoid(v[0])),
            lambda v: sigmoid(v[0]),
        ),
        Workload(
            f"lr {rows}x{LR_COLUMNS} {LR_EPOCHS} epochs",
            "lr",
            lr_secure,
            lr_check,
            lr_plain,
        ),
    ]


# -- running ---------------------------------------------------------------------------------------


def barrier(ctx: Context) -> None:
    with ctx.scope("bench-barrier"):
        ctx.broadcast("here", True)
        ctx.gather("here")


def bench_job(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    """Run one workload on one protocol: end to end once, then timed repetitions."""
    setup = next(p for p in PROTOCOLS if p.name == spec["protocol"])
    sizes = Sizes(*spec["sizes"])
    workload = next(w for w in workloads(sizes) if w.name == spec["workload"])
    plain = spu_inputs(sizes)[workload.inputs]
    owners = [p for p in ctx.parties if p not in setup.helpers]
    barrier(ctx)
    start = time.perf_counter()
    mpc = setup.make(ctx)
    shares = [
        mpc.input(owner, value if ctx.party == owner else None)
        for owner, value in zip(owners, plain, strict=False)
    ]
    revealed = mpc.reveal_many(workload.secure(mpc, shares), to=owners[0])
    end_to_end = time.perf_counter() - start
    times = []
    rounds = bytes_sent = 0
    for _ in range(spec["repeats"]):
        barrier(ctx)
        rounds_before, bytes_before = mpc.rounds, mpc.bytes_sent
        start = time.perf_counter()
        workload.secure(mpc, shares)
        times.append(time.perf_counter() - start)
        rounds, bytes_sent = mpc.rounds - rounds_before, mpc.bytes_sent - bytes_before
    checks: list[tuple[str, float]] = []
    if ctx.party == owners[0]:
        checks = workload.check(plain, [np.asarray(r) for r in revealed])
    return {
        "times": times if mpc.holds_shares else [],
        "end_to_end": end_to_end,
        "rounds": rounds,
        "bytes": bytes_sent,
        "checks": checks,
    }


def row(
    workload: str,
    system: str,
    parties: int,
    seconds: float,
    nbytes: int | None = None,
    rounds: int | None = None,
    metric: str | None = None,
    value: float | None = None,
) -> Row:
    return {
        "workload": workload,
        "system": system,
        "parties": parties,
        "seconds": seconds,
        "bytes_sent": nbytes,
        "rounds": rounds,
        "metric": metric,
        "value": value,
    }


def run_parties(
    job: Callable[[Context, dict[str, Any]], dict[str, Any]],
    setup: ProtocolSetup,
    spec: dict[str, Any],
    transport: str,
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Run ``job`` at every party of ``setup`` as threads (``memory``) or processes
    (``socketpair``); the party names and each party's result."""
    parties = [f"p{i}" for i in range(setup.data_parties)] + list(setup.helpers)
    roles = {h: [Role.COMPUTE_HELPER] for h in setup.helpers}
    inputs = {p: spec for p in parties}
    if transport == "memory":
        return parties, simulate(job, inputs, roles=roles, timeout=1800)
    return parties, launch(job, inputs, roles=roles, timeout=1800, transport="socketpair")


def sizes_spec(sizes: Sizes) -> list[int]:
    """``sizes`` as the wire format carries it to party processes (``Sizes(*spec)`` back)."""
    return [sizes.side, sizes.elements, sizes.lr_rows]


def mpc_rows(
    setup: ProtocolSetup, workload: Workload, sizes: Sizes, quick: bool, transport: str
) -> list[Row]:
    repeats = repeats_for(quick)
    spec = {
        "protocol": setup.name,
        "workload": workload.name,
        "sizes": sizes_spec(sizes),
        "repeats": repeats,
    }
    parties, results = run_parties(bench_job, setup, spec, transport)
    first = results[parties[0]]
    timed = [r["times"] for r in results.values() if r["times"]]
    runtime = min(max(times[k] for times in timed) for k in range(repeats))
    total_bytes = sum(r["bytes"] for r in results.values())
    end_to_end = max(r["end_to_end"] for r in results.values())
    system = f"confide-{setup.name}{TRANSPORTS[transport]}"
    n = setup.data_parties
    out = [
        row(workload.name, system, n, runtime, total_bytes, first["rounds"], RUNTIME, runtime),
        row(workload.name, system, n, end_to_end, None, None, END_TO_END, end_to_end),
    ]
    out += [row(workload.name, system, n, runtime, None, None, m, v) for m, v in first["checks"]]
    return out


# -- the secure estimator (lr-estimator) -----------------------------------------------------------


def estimator_name(sizes: Sizes) -> str:
    """``lr-estimator 100000x20 3 epochs``: the ``lr`` row's name with the estimator's prefix."""
    return f"{ESTIMATOR} {sizes.lr_rows}x{LR_COLUMNS} {LR_EPOCHS} epochs"


def peer_workload(workload: str) -> str:
    """The SPU workload a row compares with: the ``lr`` row for the estimator's, else its own."""
    if workload.startswith(ESTIMATOR + " "):
        return "lr" + workload[len(ESTIMATOR) :]
    return workload


def column_blocks(owners: Sequence[str]) -> dict[str, np.ndarray]:
    """Which feature columns each data party holds: all at the first of two (the second brings
    the labels only, as in the ``lr`` rows); split in order across three."""
    columns = np.arange(LR_COLUMNS)
    if len(owners) == 2:
        return {owners[0]: columns, owners[1]: columns[:0]}
    return dict(zip(owners, np.array_split(columns, len(owners)), strict=True))


def estimator_job(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    """Fit ``SecureLogisticRegression`` once end to end, then timed repetitions of ``fit``."""
    setup = next(p for p in PROTOCOLS if p.name == spec["protocol"])
    features, labels = spu_inputs(Sizes(*spec["sizes"]))["lr"]
    owners = [p for p in ctx.parties if p not in setup.helpers]
    holder = owners[1]
    blocks = column_blocks(owners)
    mine = features[:, blocks[ctx.party]] if ctx.party in blocks else None
    y = labels if ctx.party == holder else None
    barrier(ctx)
    start = time.perf_counter()
    mpc = setup.make(ctx)
    model = SecureLogisticRegression(mpc, label_holder=holder, **ESTIMATOR_SETTINGS)
    model.fit(mine, y)
    end_to_end = time.perf_counter() - start
    times, loops = [], []
    for _ in range(spec["repeats"]):
        barrier(ctx)
        start = time.perf_counter()
        model.fit(mine, y)
        times.append(time.perf_counter() - start)
        loops.append(model.stats_["seconds_per_step"] * model.stats_["steps"])
    return {
        "times": times if mpc.holds_shares else [],
        "loops": loops if mpc.holds_shares else [],
        "end_to_end": end_to_end,
        "stats": model.stats_,
        "coef": getattr(model, "coef_", None),
        "intercept": getattr(model, "intercept_", None),
    }


def estimator_rows(setup: ProtocolSetup, sizes: Sizes, quick: bool, transport: str) -> list[Row]:
    """The ``lr-estimator`` rows of one protocol: runtime (``fit`` whole), training loop, end to
    end, and the weights' error and AUC against the numpy twin of the ``lr`` rows."""
    repeats = repeats_for(quick)
    spec = {"protocol": setup.name, "sizes": sizes_spec(sizes), "repeats": repeats}
    parties, results = run_parties(estimator_job, setup, spec, transport)
    owners = parties[: setup.data_parties]
    timed = [r for r in results.values() if r["times"]]
    runtime = min(max(r["times"][k] for r in timed) for k in range(repeats))
    loop = min(max(r["loops"][k] for r in timed) for k in range(repeats))
    end_to_end = max(r["end_to_end"] for r in results.values())
    total_bytes = sum(r["stats"]["bytes_sent"] for r in results.values())
    rounds = results[owners[0]]["stats"]["rounds"]
    loop_rounds = round(
        results[owners[0]]["stats"]["rounds_per_step"] * results[owners[0]]["stats"]["steps"]
    )
    coefficients = np.concatenate([results[p]["coef"] for p in owners])
    weights = np.append(coefficients, results[owners[1]]["intercept"])
    checks = lr_check(spu_inputs(sizes)["lr"], [weights])
    system = f"confide-{setup.name}{TRANSPORTS[transport]}"
    name, n = estimator_name(sizes), setup.data_parties
    out = [
        row(name, system, n, runtime, total_bytes, rounds, RUNTIME, runtime),
        row(name, system, n, loop, None, loop_rounds, LOOP, loop),
        row(name, system, n, end_to_end, None, None, END_TO_END, end_to_end),
    ]
    return out + [row(name, system, n, runtime, None, None, m, v) for m, v in checks]


def repeats_for(quick: bool) -> int:
    """Timed runs per row, best kept: the same for Confide's rows and SPU's (``--repeat``)."""
    return 2 if quick else 3


def best_of(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def plaintext_rows(workload: Workload, sizes: Sizes) -> list[Row]:
    """numpy float64 on the same inputs, one core; the AUC of the plaintext LR."""
    inputs = spu_inputs(sizes)[workload.inputs]
    seconds = best_of(lambda: workload.plain(inputs), 3)
    rows = [row(workload.name, "plaintext", 1, seconds, metric=RUNTIME, value=seconds)]
    if workload.name.startswith("lr "):
        weights = lr_plain(inputs)
        value = auc(inputs[0] @ weights[:-1] + weights[-1], inputs[1])
        rows.append(row(workload.name, "plaintext", 1, seconds, metric=AUC, value=value))
    return rows


def ring_rows(side: int) -> list[Row]:
    """Exact ring matmul on float64 limbs against numpy's uint64 matmul (one party, no MPC)."""
    rng = np.random.default_rng(1)
    a = rng.integers(0, 2**64, (side, side), dtype=np.uint64, endpoint=False)
    b = rng.integers(0, 2**64, (side, side), dtype=np.uint64, endpoint=False)
    exact = float(np.array_equal(ring_matmul(a, b), a @ b))
    name = f"ring matmul {side}x{side}x{side}"
    limbs = best_of(lambda: ring_matmul(a, b), 3)
    numpy_seconds = best_of(lambda: a @ b, 1)
    return [
        row(name, "confide", 1, limbs, metric=RUNTIME, value=limbs),
        row(name, "confide", 1, limbs, metric="exact", value=exact),
        row(name, "plaintext", 1, numpy_seconds, metric=RUNTIME, value=numpy_seconds),
    ]


# -- SPU in the same run ---------------------------------------------------------------------------


def peer_rows(sizes: Sizes, quick: bool, protocols: Sequence[str]) -> list[Row]:
    """Run the SPU script in its own virtualenv on the same sizes; its rows (none if it fails)."""
    if not protocols:
        return []
    if not PEERS_PYTHON.exists():
        print(f"{PEERS_PYTHON} is missing: run `make bench-peers` first", file=sys.stderr)
        return []
    with tempfile.TemporaryDirectory(prefix="confide-mpc-peers-") as tmp:
        out = Path(tmp) / "rows.json"
        command = [str(PEERS_PYTHON), str(PEERS_SCRIPT), "--json", str(out),
                   "--protocols", ",".join(protocols), "--matmul", str(sizes.side),
                   "--elements", str(sizes.elements), "--lr-rows", str(sizes.lr_rows),
                   "--repeat", str(repeats_for(quick))]  # fmt: skip
        if quick:
            command.append("--quick")
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        sys.stderr.write(done.stderr)
        if done.returncode != 0 or not out.exists():
            print(f"the SPU script failed (exit {done.returncode})", file=sys.stderr)
            return []
        rows: list[Row] = json.loads(out.read_text())
        return rows


def print_table(rows: Sequence[Row]) -> None:
    print(f"{'workload':<32} {'system':<25} {'n':>2} {'metric':<23} {'value':>11} "
          f"{'MB sent':>9} {'rounds':>7}")  # fmt: skip
    for r in rows:
        mb = "-" if r["bytes_sent"] is None else f"{r['bytes_sent'] / 1e6:.1f}"
        rounds = "-" if r["rounds"] is None else str(r["rounds"])
        value = "-" if r["value"] is None else f"{r['value']:.4g}"
        print(f"{r['workload']:<32} {r['system']:<25} {r['parties']:>2} {r['metric'] or '':<23} "
              f"{value:>11} {mb:>9} {rounds:>7}")  # fmt: skip


def print_ratios(rows: Sequence[Row]) -> None:
    """Confide / SPU per workload and protocol, runtime and end to end, accuracy side by side;
    for ``lr-estimator``, also its training loop alone against SPU's runtime."""
    values = {(r["workload"], r["system"], r["metric"]): r["value"] for r in rows}
    print("\nConfide / SPU, same sizes, same run (below 1: Confide is faster; target 0.5)")
    print(f"{'workload':<32} {'comparison':<39} {'runtime':>8} {'end2end':>8} {'loop':>6} "
          f"{'error':>17} {'auc':>17}")  # fmt: skip
    workloads_seen = dict.fromkeys(r["workload"] for r in rows)
    for workload in workloads_seen:
        peer = peer_workload(workload)
        for setup, suffix in itertools.product(PROTOCOLS, TRANSPORTS.values()):
            ours, theirs = f"confide-{setup.name}{suffix}", f"spu-{setup.peer}"
            ratios = []
            for mine, metric in ((RUNTIME, RUNTIME), (END_TO_END, END_TO_END), (LOOP, RUNTIME)):
                a, b = values.get((workload, ours, mine)), values.get((peer, theirs, metric))
                ratios.append(f"{a / b:.2f}" if a is not None and b else "-")
            if all(ratio == "-" for ratio in ratios):
                continue
            side_by_side = []
            for metric, digits in ((ERROR, 2), (AUC, 4)):
                a, b = values.get((workload, ours, metric)), values.get((peer, theirs, metric))
                side_by_side.append(
                    "-" if a is None or b is None else f"{a:.{digits}g} vs {b:.{digits}g}"
                )
            print(f"{workload:<32} {ours + ' / ' + theirs:<39} {ratios[0]:>8} {ratios[1]:>8} "
                  f"{ratios[2]:>6} {side_by_side[0]:>17} {side_by_side[1]:>17}")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    parser.add_argument("--peers", action="store_true", help="also run SPU on the same workloads")
    parser.add_argument("--json", help="write the rows as JSON to this path")
    parser.add_argument(
        "--workloads", help="comma-separated name prefixes, e.g. lr,lr-estimator (default: all)"
    )
    parser.add_argument("--protocols", help="comma-separated protocols (default: all)")
    parser.add_argument(
        "--transport",
        default=",".join(TRANSPORTS),
        help="how the parties run: memory (threads), socketpair (processes); default both",
    )
    args = parser.parse_args(argv)
    transports = [t.strip() for t in args.transport.split(",") if t.strip()]
    unknown = [t for t in transports if t not in TRANSPORTS]
    if unknown or not transports:
        parser.error(f"--transport takes {', '.join(TRANSPORTS)}, got {args.transport!r}")
    sizes = QUICK if args.quick else FULL
    chosen = workloads(sizes)
    estimator = estimator_name(sizes)
    with_estimator = True
    if args.workloads:
        prefixes = [p.strip() for p in args.workloads.split(",") if p.strip()]
        chosen = [w for w in chosen if any(w.name.startswith(p) for p in prefixes)]
        with_estimator = any(estimator.startswith(p) for p in prefixes)
    setups = PROTOCOLS
    if args.protocols:
        names = {p.strip() for p in args.protocols.split(",")}
        setups = [p for p in PROTOCOLS if p.name in names]
    rows: list[Row] = [] if args.workloads else ring_rows(sizes.side)
    for workload in chosen:
        rows.extend(plaintext_rows(workload, sizes))
        for setup, transport in itertools.product(setups, transports):
            rows.extend(mpc_rows(setup, workload, sizes, args.quick, transport))
    if with_estimator:
        for setup in setups:
            if setup.name in ESTIMATOR_PROTOCOLS:
                for transport in transports:
                    rows.extend(estimator_rows(setup, sizes, args.quick, transport))
            else:
                print(f"{ESTIMATOR}: not run with {setup.name} (the estimator refuses local "
                      "truncation)", file=sys.stderr)  # fmt: skip
    if args.peers:
        peers = sorted({s.peer for s in setups if s.peer is not None})
        spu = peer_rows(sizes, args.quick, peers)
        names = {peer_workload(r["workload"]) for r in rows}
        rows.extend(r for r in spu if r["workload"] in names)
    print_table(rows)
    if any(r["workload"].startswith(("lr ", ESTIMATOR)) for r in rows):
        print(LR_NOTE)
    if args.peers:
        print_ratios(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
