"""HEU (SecretFlow's homomorphic-encryption library) throughput: the peer rows of ``bench/he.py``.

    .venv-sf/bin/python bench/peers/secretflow/sf_heu.py [--quick] [--json PATH]
        [--schemas paillier,ou] [--key-bits 2048] [--seed 0]

Runs under ``.venv-sf`` (``sf-heu``, installed with SecretFlow 1.14) and never imports
``confide``. One process; HEU's array API (``heu.numpy``) spreads each call over every core
through its own thread pool, so rows are "on all cores" (the column says how many). Schemas:
``paillier`` (HEU's ``z-paillier``, the one SecretFlow means by "paillier") and ``ou``
(Okamoto-Uchiyama), both with ``--key-bits`` (2048) keys; ``IntegerEncoder(scale=1)``, so
plaintexts are the integers themselves.

Workloads, as in ``bench/he.py`` (inputs from ``numpy.random.default_rng(seed)``; benchmark
values, not secrets; ``N`` = 20,000, 4,000 with ``--quick``):

- ``encrypt``: N signed 54-bit integers (a float64 gradient in fixed point), public key.
- ``decrypt``: those N ciphertexts.
- ``add``: ciphertext + ciphertext, N elementwise.
- ``scalar multiply, 32-bit``: ciphertext times a plaintext uniform in [-2**31, 2**31).
- ``grouped sum, N x 20 into 32 bins``: SGB's histogram primitive,
  ``Evaluator.feature_wise_bucket_sum`` (N ciphertexts, 20 feature columns, 32 bins each; one
  addition per element and column, counted as N x 20 operations).

Each operation is repeated until it has run for ``--min-seconds`` (0.5 s) and the rate is
operations per second over all repeats. Each result is checked against numpy (decryptions of
the sums and products); a mismatch is an error. Output: a table and, with ``--json``, rows in
the format of ``DESIGN.md`` (``system`` ``"heu"``, ``metric`` ``"ops/s"``, ``value`` the rate,
``seconds`` the time of one repeat).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from typing import Any

import numpy as np
from heu import numpy as hnp

SCHEMAS = {"paillier": "z-paillier", "ou": "ou"}
BINS = 32
FEATURES = 20


def row(workload: str, seconds: float, count: int) -> dict[str, Any]:
    return {
        "workload": workload,
        "system": "heu",
        "parties": 1,
        "seconds": seconds,
        "bytes_sent": None,
        "rounds": None,
        "metric": "ops/s",
        "value": count / seconds,
    }


def timed(fn: Callable[[], Any], min_seconds: float) -> tuple[Any, float]:
    """The result of ``fn`` and the mean seconds per call over calls lasting ``min_seconds``."""
    calls, start = 0, time.perf_counter()
    while True:
        out = fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return out, elapsed / calls


def check(name: str, got: np.ndarray, want: np.ndarray) -> None:
    if not np.array_equal(np.asarray(got, dtype=np.int64).ravel(), want.ravel()):
        raise RuntimeError(f"HEU {name}: decrypted result differs from numpy")


def bench_schema(
    schema: str, key_bits: int, n: int, seed: int, min_s: float
) -> list[dict[str, Any]]:
    """All rows for one schema (key generation untimed)."""
    rng = np.random.default_rng(seed)
    values = rng.integers(-(2**53), 2**53, n, dtype=np.int64)
    other = rng.integers(-(2**53), 2**53, n, dtype=np.int64)
    scalars = rng.integers(-(2**31), 2**31, n, dtype=np.int64)
    bins = rng.integers(0, BINS, (n, FEATURES), dtype=np.int8)
    small = rng.integers(-(2**20), 2**20, n, dtype=np.int64)  # sums of N stay far below 2**63

    kit = hnp.setup(SCHEMAS[schema], key_bits)
    encoder = kit.integer_encoder(scale=1)
    encryptor, decryptor, evaluator = kit.encryptor(), kit.decryptor(), kit.evaluator()
    cores = os.cpu_count() or 1
    name = f"{schema}-{key_bits}"
    rows = []

    plain = kit.array(values, encoder)
    ct, sec = timed(lambda: encryptor.encrypt(plain), min_s)
    rows.append(row(f"encrypt, {name} ({cores} cores)", sec, n))
    dec, sec = timed(lambda: decryptor.decrypt(ct), min_s)
    check("decrypt", dec.to_numpy(encoder), values)
    rows.append(row(f"decrypt, {name} ({cores} cores)", sec, n))

    ct_other = encryptor.encrypt(kit.array(other, encoder))
    total, sec = timed(lambda: evaluator.add(ct, ct_other), min_s)
    check("add", decryptor.decrypt(total).to_numpy(encoder), values + other)
    rows.append(row(f"add, {name} ({cores} cores)", sec, n))

    ct_small = encryptor.encrypt(kit.array(small, encoder))
    factors = kit.array(scalars, encoder)
    prod, sec = timed(lambda: evaluator.mul(ct_small, factors), min_s)
    check("scalar multiply", decryptor.decrypt(prod).to_numpy(encoder), small * scalars)
    rows.append(row(f"scalar multiply, 32-bit, {name} ({cores} cores)", sec, n))

    column = encryptor.encrypt(kit.array(small.reshape(n, 1), encoder))
    everyone = np.ones((1, n), dtype=np.int8)
    sums, sec = timed(
        lambda: evaluator.feature_wise_bucket_sum(column, everyone, bins, BINS, False), min_s
    )
    want = np.stack([np.bincount(bins[:, j], small, BINS) for j in range(FEATURES)])
    check("grouped sum", decryptor.decrypt(sums).to_numpy(encoder), want.astype(np.int64))
    workload = f"grouped sum, {n} x {FEATURES} into {BINS} bins, {name} ({cores} cores)"
    rows.append(row(workload, sec, n * FEATURES))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,000 values per operation")
    parser.add_argument("--json", help="write the rows as JSON to this path")
    parser.add_argument("--schemas", default="paillier,ou", help="comma-separated: paillier,ou")
    parser.add_argument("--key-bits", type=int, default=2048)
    parser.add_argument("--min-seconds", type=float, default=0.5, help="per operation")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    schemas = [s for s in args.schemas.split(",") if s]
    unknown = [s for s in schemas if s not in SCHEMAS]
    if unknown:
        parser.error(f"unknown schema(s) {unknown}; choose from {sorted(SCHEMAS)}")
    n = 4000 if args.quick else 20_000
    rows = []
    for schema in schemas:
        rows += bench_schema(schema, args.key_bits, n, args.seed, args.min_seconds)
    print(f"HEU (sf-heu {version('sf-heu')}), {os.cpu_count()} cores")
    print(f"{'workload':<66} {'ops/s':>11} {'seconds':>8}")
    for r in rows:
        print(f"{r['workload']:<66} {r['value']:>11,.0f} {r['seconds']:>8.3f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
