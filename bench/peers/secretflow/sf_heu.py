"""HEU (SecretFlow's homomorphic-encryption library) throughput: the peer rows of ``bench/he.py``.

    .venv-sf/bin/python bench/peers/secretflow/sf_heu.py [--quick] [--json PATH]
        [--schemas paillier,ou] [--key-bits 2048] [--seed 0] [--sizes op=count,...]

Runs under ``.venv-sf`` (``sf-heu``, installed with SecretFlow 1.14) and never imports
``confide``; ``bench/he.py --peers`` starts it (through ``bench/secretflow_peer.py``) with its
own sizes and puts the rows beside Confide's. One process; HEU's array API (``heu.numpy``)
spreads each call over every core through its own thread pool, so rows are "on all cores" (the
workload says how many). Schemas: ``paillier`` (HEU's ``z-paillier``, the one SecretFlow means
by "paillier") and ``ou`` (Okamoto-Uchiyama), both with ``--key-bits`` (2048) keys;
``IntegerEncoder(scale=1)``, so plaintexts are the integers themselves. Workloads are named as
``bench/he.py`` names them (``Paillier-2048 encrypt (2 cores)``).

Workloads, as in ``bench/he.py`` (inputs from ``numpy.random.default_rng(seed)``; benchmark
values, not secrets). Each has a count, set by ``--sizes`` with ``bench/he.py``'s names
(``encrypt``, ``ou_encrypt`` for OU's encryption, ``decrypt``, ``add``, ``mul``, ``group``);
a count not given is 20,000, or 4,000 with ``--quick``. Operands are ciphertexts repeated to
the count, as ``bench/he.py`` repeats its own:

- ``encrypt``: signed 54-bit integers (a float64 gradient in fixed point), public key.
- ``decrypt``: those ciphertexts (the first ``decrypt`` of them).
- ``add``: ciphertext + ciphertext, elementwise.
- ``scalar multiply, 32-bit``: ciphertext times a plaintext uniform in [-2**31, 2**31).
- ``grouped sum, N x 20 into 32 bins``: SGB's histogram primitive,
  ``Evaluator.feature_wise_bucket_sum`` (N ciphertexts, 20 feature columns, 32 bins each; one
  addition per element and column, counted as N x 20 operations).

Each operation is repeated until it has run for ``--min-seconds`` (0.5 s) and the rate is
operations per second over all repeats. Each result is checked against numpy (decryptions of
the sums and products: their first 256 elements, all of the grouped sums); a mismatch is an
error. Output: a table and, with ``--json``, rows in
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
from pathlib import Path
from typing import Any

import numpy as np
from heu import numpy as hnp

SCHEMAS = {"paillier": "z-paillier", "ou": "ou"}
LABELS = {"paillier": "Paillier", "ou": "OU"}  # the scheme as bench/he.py's workloads name it
OPERATIONS = ("encrypt", "ou_encrypt", "decrypt", "add", "mul", "group")
BINS = 32
FEATURES = 20
CHECKED = 256


def row(workload: str, seconds: float, count: int) -> dict[str, Any]:
    """A row of ``DESIGN.md``'s format: ``count`` operations in ``seconds``."""
    rate = count / seconds
    return dict(workload=workload, system="heu", parties=1, seconds=seconds, bytes_sent=None,
                rounds=None, metric="ops/s", value=rate)  # fmt: skip


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


def parse_sizes(text: str, default: int) -> dict[str, int]:
    """``encrypt=4000,add=100000,...`` as a dict over ``OPERATIONS``, ``default`` where absent."""
    sizes = dict.fromkeys(OPERATIONS, default)
    for item in filter(None, text.split(",")):
        name, _, count = item.partition("=")
        if name not in sizes or not count.isdigit() or int(count) < 1:
            raise ValueError(f"--sizes takes op=count with op in {list(OPERATIONS)}, got {item!r}")
        sizes[name] = int(count)
    return sizes


def tiled(ct: Any, count: int, reverse: bool = False) -> Any:
    """``count`` rows of ``ct`` repeated in order (or in reverse), as ``bench/he.py`` tiles its
    ciphertexts; HEU indexes with a list of Python ints."""
    rows = ct.shape[0]
    index = [i % rows for i in range(count)]
    return ct[index[::-1] if reverse else index]


def bench_schema(
    schema: str, key_bits: int, sizes: dict[str, int], seed: int, min_s: float
) -> list[dict[str, Any]]:
    """All rows for one schema (key generation and the operands' encryption untimed).

    The operands of add, multiply and the grouped sum are the ciphertexts of small values
    (``|v| < 2**20``, so that every sum fits int64 for the check) repeated to each operation's
    count; each result is checked on its first ``CHECKED`` elements (all of the grouped sum).
    """
    rng = np.random.default_rng(seed)
    n = sizes["ou_encrypt" if schema == "ou" else "encrypt"]
    values = rng.integers(-(2**53), 2**53, n, dtype=np.int64)
    small = rng.integers(-(2**20), 2**20, (n, 1), dtype=np.int64)

    kit = hnp.setup(SCHEMAS[schema], key_bits)
    encoder = kit.integer_encoder(scale=1)
    encryptor, decryptor, evaluator = kit.encryptor(), kit.decryptor(), kit.evaluator()
    cores = os.cpu_count() or 1
    name = f"{LABELS[schema]}-{key_bits}"
    rows = []

    def checked(op: str, result: Any, want: np.ndarray) -> None:
        k = min(CHECKED, result.shape[0])
        got = decryptor.decrypt(result[list(range(k))]).to_numpy(encoder)
        check(op, got, want.reshape(result.shape[0], -1)[:k])

    plain = kit.array(values, encoder)
    ct, sec = timed(lambda: encryptor.encrypt(plain), min_s)
    rows.append(row(f"{name} encrypt ({cores} cores)", sec, n))
    part = tiled(ct, sizes["decrypt"])
    dec, sec = timed(lambda: decryptor.decrypt(part), min_s)
    check("decrypt", dec.to_numpy(encoder), values[np.arange(part.shape[0]) % n])
    rows.append(row(f"{name} decrypt ({cores} cores)", sec, part.shape[0]))

    ct_small = encryptor.encrypt(kit.array(small, encoder))
    count = sizes["add"]
    a, b = tiled(ct_small, count), tiled(ct_small, count, reverse=True)
    total, sec = timed(lambda: evaluator.add(a, b), min_s)
    index = np.arange(count) % n
    checked("add", total, small[index] + small[index[::-1]])
    rows.append(row(f"{name} add ({cores} cores)", sec, count))

    count = sizes["mul"]
    scalars = rng.integers(-(2**31), 2**31, (count, 1), dtype=np.int64)
    factors = kit.array(scalars, encoder)
    operand = tiled(ct_small, count)
    prod, sec = timed(lambda: evaluator.mul(operand, factors), min_s)
    checked("scalar multiply", prod, small[np.arange(count) % n] * scalars)
    rows.append(row(f"{name} scalar multiply, 32-bit ({cores} cores)", sec, count))

    count = sizes["group"]
    bins = rng.integers(0, BINS, (count, FEATURES), dtype=np.int8)
    column = tiled(ct_small, count)
    everyone = np.ones((1, count), dtype=np.int8)
    sums, sec = timed(
        lambda: evaluator.feature_wise_bucket_sum(column, everyone, bins, BINS, False), min_s
    )
    col = small[np.arange(count) % n, 0]
    want = np.stack([np.bincount(bins[:, j], col, BINS) for j in range(FEATURES)])
    check("grouped sum", decryptor.decrypt(sums).to_numpy(encoder), want.astype(np.int64))
    workload = f"{name} grouped sum, {count} x {FEATURES} into {BINS} bins ({cores} cores)"
    rows.append(row(workload, sec, count * FEATURES))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4,000 values per operation")
    parser.add_argument("--json", help="write the rows as JSON to this path")
    parser.add_argument("--schemas", default="paillier,ou", help="comma-separated: paillier,ou")
    parser.add_argument("--key-bits", type=int, default=2048)
    parser.add_argument("--min-seconds", type=float, default=0.5, help="per operation")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sizes", default="", help="op=count,... (ops: see the docstring)")
    args = parser.parse_args()
    schemas = [s for s in args.schemas.split(",") if s]
    unknown = [s for s in schemas if s not in SCHEMAS]
    if unknown:
        parser.error(f"unknown schema(s) {unknown}; choose from {sorted(SCHEMAS)}")
    try:
        sizes = parse_sizes(args.sizes, 4000 if args.quick else 20_000)
    except ValueError as exc:
        parser.error(str(exc))
    rows = []
    for schema in schemas:
        rows += bench_schema(schema, args.key_bits, sizes, args.seed, args.min_seconds)
    lines = [f"{r['workload']:<66} {r['value']:>11,.0f} {r['seconds']:>8.3f}" for r in rows]
    header = f"HEU (sf-heu {version('sf-heu')}), {os.cpu_count()} cores"
    print("\n".join([header, f"{'workload':<66} {'ops/s':>11} {'seconds':>8}", *lines]))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
