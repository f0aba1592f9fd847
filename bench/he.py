"""Homomorphic encryption benchmark: Paillier and OU operations per second, beside python-paillier.

    python bench/he.py [--quick] [--peers] [--json PATH]

Paillier and Okamoto-Uchiyama (OU), each with a 2048-bit modulus (the default key sizes); each
row's workload names its scheme. Confide's rows run on every core the process may use, through
one ``WorkerPool`` (started and warmed up before any timing: the workers build their fixed-base
tables once per key), plus one-core rows for encryption and addition so the pool's gain shows.
python-paillier (``phe``, a dev dependency) runs in the same run on the same inputs, on one core
as it is (it has no pool), as system ``"python-paillier"``.
Each row's ``value`` is operations per second (``metric`` ``"ops/s"``) and ``seconds`` the time
the measured batch took.

Workloads (the inputs are the same for every system and scheme):

- ``encrypt``: signed 54-bit integers (a float64 gradient in fixed point). Confide encrypts with
  the private key (the label holder's case: DJN randomness computed mod p**2 and q**2), with
  the public key (DJN, mod n**2), and with ``Randomness.STANDARD`` (a full ``r**n``);
  python-paillier with its public key (full ``r**n``, as always). OU encrypts with the private
  key (tables modulo ``p**2`` and ``q``) and the public key (modulo ``n``). Two more rows per
  scheme split an encryption in two: making its randomness ahead of time (``Noise.fill``, all
  cores), and encrypting with randomness made ahead (Paillier: one multiplication per value;
  OU: ``g**m``, one multiplication per 12 bits of ``|m|``).
- ``decrypt``: CRT decryption of those ciphertexts.
- ``add``: ciphertext + ciphertext, elementwise.
- ``scalar multiply``: ciphertext times a plaintext integer uniform in [-2**31, 2**31).
- ``grouped sum``: the SecureBoost histogram: N ciphertexts summed into 32 bins for each of 20
  feature columns (one addition per element and column).

``--peers``: HEU (SecretFlow's HE library) would be the peer, but it is not in the peers'
virtualenv; the issue's orientation figures are printed instead (HEU Paillier-2048: about
4,800 encryptions/s and 620,000 additions/s on two cores; HEU OU-2048: about 94,000
encryptions/s, with a 110-bit random exponent where Confide's OU takes 264 bits).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import phe

from confide.crypto import ou
from confide.crypto.paillier import EncryptedArray, Noise, Randomness, generate_keypair
from confide.crypto.parallel import WorkerPool, available_cores

BITS = 2048


def _row(workload: str, system: str, seconds: float, count: int) -> dict[str, Any]:
    return {
        "workload": workload,
        "system": system,
        "parties": 1,
        "seconds": seconds,
        "bytes_sent": None,
        "rounds": None,
        "metric": "ops/s",
        "value": count / seconds,
    }


def timed(fn: Callable[[], object]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def signed_ints(count: int, bits: int) -> list[int]:
    """``count`` uniform integers in [-2**(bits-1), 2**(bits-1)) from ``secrets`` (bench data)."""
    half = 1 << (bits - 1)
    return [secrets.randbits(bits) - half for _ in range(count)]


def confide_rows(sizes: dict[str, int], pool: WorkerPool) -> list[dict[str, Any]]:
    pk, sk = generate_keypair(BITS)
    cores = f"{pool.processes} cores"
    row = _named("Paillier-2048")
    values = signed_ints(sizes["encrypt"], 54)
    warm = values[: 64 * pool.processes]
    sk.encrypt(warm, pool=pool)  # start the workers, build their tables
    pk.encrypt(warm, pool=pool)
    sk.encrypt(warm[:1])  # and this process's
    pk.encrypt(warm[:1])
    rows = []

    seconds, enc = timed(lambda: sk.encrypt(values, pool=pool))
    rows.append(row(f"encrypt, private key, DJN ({cores})", "confide", seconds, len(values)))
    seconds, _ = timed(lambda: pk.encrypt(values, pool=pool))
    rows.append(row(f"encrypt, public key, DJN ({cores})", "confide", seconds, len(values)))
    one = values[: max(50, len(values) // 10)]
    seconds, _ = timed(lambda: sk.encrypt(one))
    rows.append(row("encrypt, private key, DJN (1 core)", "confide", seconds, len(one)))
    noise = Noise(sk)
    seconds, _ = timed(lambda: noise.fill(len(values), pool=pool))
    rows.append(row(f"randomness made ahead, private key, DJN ({cores})", "confide", seconds,
                    len(values)))  # fmt: skip
    seconds, _ = timed(lambda: sk.encrypt(values, noise=noise))
    rows.append(row("encrypt with randomness made ahead (1 core)", "confide", seconds, len(values)))
    few = values[: sizes["standard"]]
    seconds, _ = timed(lambda: sk.encrypt(few, randomness=Randomness.STANDARD, pool=pool))
    rows.append(row(f"encrypt, private key, standard r^n ({cores})", "confide", seconds, len(few)))

    dec = enc[: sizes["decrypt"]]
    seconds, out = timed(lambda: sk.decrypt(dec, pool=pool))
    if out.tolist() != values[: len(dec)]:
        raise RuntimeError("confide decryption is wrong")
    rows.append(row(f"decrypt ({cores})", "confide", seconds, len(dec)))

    a = EncryptedArray.concatenate([enc] * (sizes["add"] // len(enc) + 1))[: sizes["add"]]
    b = a[::-1]
    seconds, _ = timed(lambda: a + b)
    rows.append(row("add (1 core)", "confide", seconds, len(a)))

    m = enc[: sizes["mul"]]
    ks = signed_ints(len(m), 32)
    seconds, _ = timed(lambda: m.mul(ks, pool=pool))
    rows.append(row(f"scalar multiply, 32-bit ({cores})", "confide", seconds, len(m)))

    n = sizes["group"]
    hist = EncryptedArray.concatenate([enc] * (n // len(enc) + 1))[:n]
    bins = np.frombuffer(secrets.token_bytes(n * 20), dtype=np.uint8).reshape(n, 20) % 32
    seconds, _ = timed(lambda: hist.group_sum(bins, 32, pool=pool))
    rows.append(row(f"grouped sum, {n} x 20 into 32 bins ({cores})", "confide", seconds, n * 20))
    return rows


def ou_rows(sizes: dict[str, int], pool: WorkerPool) -> list[dict[str, Any]]:
    pk, sk = ou.generate_keypair(BITS)
    cores = f"{pool.processes} cores"
    row = _named("OU-2048")
    values = signed_ints(sizes["ou_encrypt"], 54)
    warm = values[: 256 * 2 * pool.processes]
    sk.encrypt(warm, pool=pool)  # start the workers, build their tables
    pk.encrypt(warm, pool=pool)
    sk.encrypt(warm[:1])  # and this process's
    pk.encrypt(warm[:1])
    rows = []

    seconds, enc = timed(lambda: sk.encrypt(values, pool=pool))
    rows.append(row(f"encrypt, private key ({cores})", "confide", seconds, len(values)))
    seconds, _ = timed(lambda: pk.encrypt(values, pool=pool))
    rows.append(row(f"encrypt, public key ({cores})", "confide", seconds, len(values)))
    one = values[: max(500, len(values) // 10)]
    seconds, _ = timed(lambda: sk.encrypt(one))
    rows.append(row("encrypt, private key (1 core)", "confide", seconds, len(one)))
    noise = ou.Noise(sk)
    seconds, _ = timed(lambda: noise.fill(len(values), pool=pool))
    rows.append(row(f"randomness made ahead, private key ({cores})", "confide", seconds,
                    len(values)))  # fmt: skip
    seconds, _ = timed(lambda: sk.encrypt(values, noise=noise))
    rows.append(row("encrypt with randomness made ahead (1 core)", "confide", seconds, len(values)))

    dec = enc[: sizes["decrypt"]]
    seconds, out = timed(lambda: sk.decrypt(dec, pool=pool))
    if out.tolist() != values[: len(dec)]:
        raise RuntimeError("confide OU decryption is wrong")
    rows.append(row(f"decrypt ({cores})", "confide", seconds, len(dec)))

    a = ou.EncryptedArray.concatenate([enc] * (sizes["add"] // len(enc) + 1))[: sizes["add"]]
    b = a[::-1]
    seconds, _ = timed(lambda: a + b)
    rows.append(row("add (1 core)", "confide", seconds, len(a)))

    m = enc[: sizes["mul"]]
    ks = signed_ints(len(m), 32)
    seconds, _ = timed(lambda: m.mul(ks, pool=pool))
    rows.append(row(f"scalar multiply, 32-bit ({cores})", "confide", seconds, len(m)))

    n = sizes["group"]
    hist = ou.EncryptedArray.concatenate([enc] * (n // len(enc) + 1))[:n]
    bins = np.frombuffer(secrets.token_bytes(n * 20), dtype=np.uint8).reshape(n, 20) % 32
    seconds, _ = timed(lambda: hist.group_sum(bins, 32, pool=pool))
    rows.append(row(f"grouped sum, {n} x 20 into 32 bins ({cores})", "confide", seconds, n * 20))
    return rows


def _named(scheme: str) -> Callable[[str, str, float, int], dict[str, Any]]:
    """``row`` with the scheme's name in front of the workload."""
    return lambda workload, system, seconds, count: _row(
        f"{scheme} {workload}", system, seconds, count
    )


def phe_rows(sizes: dict[str, int]) -> list[dict[str, Any]]:
    pub, priv = phe.generate_paillier_keypair(n_length=BITS)
    row = _named("Paillier-2048")
    values = signed_ints(sizes["phe_encrypt"], 54)
    rows = []
    seconds, enc = timed(lambda: [pub.encrypt(v) for v in values])
    rows.append(row("encrypt (1 core)", "python-paillier", seconds, len(values)))
    seconds, out = timed(lambda: [priv.decrypt(c) for c in enc])
    if out != values:
        raise RuntimeError("python-paillier decryption is wrong")
    rows.append(row("decrypt (1 core)", "python-paillier", seconds, len(enc)))
    a = (enc * (sizes["phe_add"] // len(enc) + 1))[: sizes["phe_add"]]
    b = a[::-1]
    seconds, _ = timed(lambda: [x + y for x, y in zip(a, b, strict=True)])
    rows.append(row("add (1 core)", "python-paillier", seconds, len(a)))
    m = a[: sizes["phe_mul"]]
    ks = signed_ints(len(m), 32)
    seconds, _ = timed(lambda: [x * k for x, k in zip(m, ks, strict=True)])
    rows.append(row("scalar multiply, 32-bit (1 core)", "python-paillier", seconds, len(m)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    parser.add_argument("--peers", action="store_true", help="also run peer systems (see doc)")
    parser.add_argument("--json", help="write the rows as JSON to this path")
    args = parser.parse_args()
    quick = {"encrypt": 4000, "standard": 100, "decrypt": 400, "add": 100_000, "mul": 2000,
             "group": 4000, "phe_encrypt": 100, "phe_add": 20_000, "phe_mul": 500,
             "ou_encrypt": 20_000}  # fmt: skip
    full = {"encrypt": 20_000, "standard": 400, "decrypt": 2000, "add": 400_000, "mul": 10_000,
            "group": 20_000, "phe_encrypt": 400, "phe_add": 100_000, "phe_mul": 2000,
            "ou_encrypt": 100_000}  # fmt: skip
    sizes = quick if args.quick else full
    with WorkerPool(available_cores()) as pool:
        rows = ou_rows(sizes, pool)
    with WorkerPool(available_cores()) as pool:
        rows += confide_rows(sizes, pool)
    rows += phe_rows(sizes)
    if args.peers:
        note = "HEU is not in the peers' virtualenv; the issue's figures for HEU Paillier-2048"
        print(f"{note} on two cores: ~4,800 encryptions/s, ~620,000 additions/s", file=sys.stderr)
        print("HEU OU-2048 on two cores: ~94,000 encryptions/s", file=sys.stderr)
    load = os.getloadavg()[0]
    print(f"{BITS}-bit keys, {available_cores()} cores available, load average {load:.1f}")
    print(f"{'workload':<66} {'system':<16} {'ops/s':>11} {'seconds':>8}")
    for r in rows:
        print(f"{r['workload']:<66} {r['system']:<16} {r['value']:>11,.0f} {r['seconds']:>8.2f}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
