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

``--peers``: HEU (SecretFlow's HE library) in the same run, on the same counts: its Paillier
(``z-paillier``) and OU with 2048-bit keys, through ``bench/peers/secretflow/sf_heu.py`` under
``.venv-sf`` (``make bench-peers-sf``; started by ``bench/secretflow_peer.py``), on every core
through HEU's own thread pool, as system ``"heu"``. For each Confide row with an HEU counterpart
(encryption with either key, decryption, addition, scalar multiplication, grouped sum) the
table's ``vs HEU`` column and a JSON row (system ``"confide/heu"``, ``metric``
``"ops/s ratio"``, ``value`` Confide's ops/s over HEU's, ``seconds`` Confide's) give the ratio:
above 1, Confide is faster. Caveat for OU: HEU draws 110-bit random exponents where Confide's
OU takes 264 bits (:data:`~confide.params.OU_RANDOM_BITS`). Without ``.venv-sf`` the run says
how to build it and goes on with Confide's rows.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import phe

from confide.crypto import he, ou, paillier
from confide.crypto.paillier import PrivateKey as PaillierPrivateKey
from confide.crypto.paillier import Randomness
from confide.crypto.parallel import WorkerPool, available_cores

BITS = 2048
LABELS = {"paillier": "Paillier", "ou": "OU"}
HEU_SIZES = ("encrypt", "ou_encrypt", "decrypt", "add", "mul", "group")  # sf_heu.py's --sizes
WORKLOAD = re.compile(r"^(\w+)-\d+ (.+) \((\d+ cores?)\)$")  # scheme, operation, cores
COMPARED = {  # Confide's encryptions, each against HEU's one (public key)
    "encrypt, private key, DJN": "encrypt",
    "encrypt, public key, DJN": "encrypt",
    "encrypt, private key": "encrypt",
    "encrypt, public key": "encrypt",
}
HEU_MISSING = (
    "HEU (SecretFlow's HE library) runs from .venv-sf, which is missing: build it with "
    "`make bench-peers-sf` (SecretFlow 1.14 installs only on Python 3.10). Going on with "
    "Confide's rows. The issue's figures for HEU on two cores: Paillier-2048 about 4,800 "
    "encryptions/s and 620,000 additions/s; OU-2048 about 94,000 encryptions/s."
)
Enc = TypeVar("Enc", paillier.EncryptedArray, ou.EncryptedArray)


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


def scheme_rows(scheme: str, sizes: dict[str, int], pool: WorkerPool) -> list[dict[str, Any]]:
    """Confide's rows for ``scheme`` (``"paillier"`` or ``"ou"``), all through :mod:`he`."""
    paillier = scheme == "paillier"
    pk, sk = he.generate_keypair(scheme, BITS)
    cores = f"{pool.processes} cores"
    row = _named(f"{LABELS[scheme]}-{BITS}")
    djn = ", DJN" if paillier else ""  # Paillier's randomness; OU has one kind
    values = signed_ints(sizes["encrypt" if paillier else "ou_encrypt"], 54)
    warm = values[: (64 if paillier else 512) * pool.processes]
    he.encrypt(sk, warm, pool=pool)  # start the workers, build their tables
    he.encrypt(pk, warm, pool=pool)
    he.encrypt(sk, warm[:1])  # and this process's
    he.encrypt(pk, warm[:1])
    rows = []

    seconds, enc = timed(lambda: he.encrypt(sk, values, pool=pool))
    rows.append(row(f"encrypt, private key{djn} ({cores})", "confide", seconds, len(values)))
    seconds, _ = timed(lambda: he.encrypt(pk, values, pool=pool))
    rows.append(row(f"encrypt, public key{djn} ({cores})", "confide", seconds, len(values)))
    one = values[: max(50 if paillier else 500, len(values) // 10)]
    seconds, _ = timed(lambda: he.encrypt(sk, one))
    rows.append(row(f"encrypt, private key{djn} (1 core)", "confide", seconds, len(one)))
    noise = he.new_noise(sk)
    seconds, _ = timed(lambda: noise.fill(len(values), pool=pool))
    rows.append(row(f"randomness made ahead, private key{djn} ({cores})", "confide", seconds,
                    len(values)))  # fmt: skip
    seconds, _ = timed(lambda: he.encrypt(sk, values, noise=noise))
    rows.append(row("encrypt with randomness made ahead (1 core)", "confide", seconds, len(values)))
    if isinstance(sk, PaillierPrivateKey):
        few = values[: sizes["standard"]]
        seconds, _ = timed(lambda: sk.encrypt(few, randomness=Randomness.STANDARD, pool=pool))
        rows.append(row(f"encrypt, private key, standard r^n ({cores})", "confide", seconds,
                        len(few)))  # fmt: skip

    dec = enc[: sizes["decrypt"]]
    seconds, out = timed(lambda: he.decrypt_ints(sk, dec, pool=pool))
    if out != values[: len(dec)]:
        raise RuntimeError(f"confide {scheme} decryption is wrong")
    rows.append(row(f"decrypt ({cores})", "confide", seconds, len(dec)))

    a = tiled(enc, sizes["add"])
    b = a[::-1]
    seconds, _ = timed(lambda: a + b)
    rows.append(row("add (1 core)", "confide", seconds, len(a)))

    m = enc[: sizes["mul"]]
    ks = signed_ints(len(m), 32)
    seconds, _ = timed(lambda: m.mul(ks, pool=pool))
    rows.append(row(f"scalar multiply, 32-bit ({cores})", "confide", seconds, len(m)))

    n = sizes["group"]
    hist = tiled(enc, n)
    bins = np.frombuffer(secrets.token_bytes(n * 20), dtype=np.uint8).reshape(n, 20) % 32
    seconds, _ = timed(lambda: hist.group_sum(bins, 32, pool=pool))
    rows.append(row(f"grouped sum, {n} x 20 into 32 bins ({cores})", "confide", seconds, n * 20))
    return rows


def tiled(enc: Enc, count: int) -> Enc:
    """``count`` ciphertexts: those of ``enc`` repeated in order."""
    return type(enc).concatenate([enc] * (count // len(enc) + 1))[:count]


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


def heu_rows(sizes: dict[str, int]) -> list[dict[str, Any]]:
    """HEU's rows on the same counts, from ``.venv-sf`` (none, with a note, if it is missing)."""
    import secretflow_peer

    if secretflow_peer.available() is not None:
        print(HEU_MISSING, file=sys.stderr)
        return []
    counts = ",".join(f"{op}={sizes[op]}" for op in HEU_SIZES)
    try:
        return secretflow_peer.run_rows("sf_heu.py", ["--sizes", counts, "--key-bits", str(BITS)])
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"HEU failed, going on without it: {exc}", file=sys.stderr)
        return []


def ratio_rows(rows: list[dict[str, Any]], heu: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Confide's ops/s over HEU's, for each Confide row with an HEU counterpart.

    Counterparts: encryption (with either key) against HEU's (public key), decryption, scalar
    multiplication and grouped sums, all on every core; addition, which Confide does in one
    process (one multiplication each: handing it to workers costs more), against HEU's on
    every core. A ratio above 1 means Confide is faster.
    """
    peer = {operation(r["workload"]): r for r in heu}
    out = []
    for r in rows:
        match = WORKLOAD.match(r["workload"])
        if r["system"] != "confide" or match is None:
            continue
        scheme, op, cores = match.groups()
        op = COMPARED.get(op, op)
        if cores == "1 core" and op != "add":
            continue
        other = peer.get((scheme, op))
        if other is None:
            continue
        out.append({**r, "workload": f"{r['workload']} / HEU's ({cores_of(other)})",
                    "system": "confide/heu", "metric": "ops/s ratio",
                    "value": r["value"] / other["value"]})  # fmt: skip
    return out


def operation(workload: str) -> tuple[str, str] | None:
    """``(scheme, operation)`` of a workload such as ``Paillier-2048 encrypt (2 cores)``."""
    match = WORKLOAD.match(workload)
    return None if match is None else (match.group(1), match.group(2))


def cores_of(row: dict[str, Any]) -> str:
    match = WORKLOAD.match(row["workload"])
    return "?" if match is None else match.group(3)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, about a minute")
    parser.add_argument("--peers", action="store_true", help="also run HEU from .venv-sf (see doc)")
    parser.add_argument("--json", help="write the rows as JSON to this path")
    args = parser.parse_args()
    quick = {"encrypt": 4000, "standard": 100, "decrypt": 400, "add": 100_000, "mul": 2000,
             "group": 4000, "phe_encrypt": 100, "phe_add": 20_000, "phe_mul": 500,
             "ou_encrypt": 20_000}  # fmt: skip
    full = {"encrypt": 20_000, "standard": 400, "decrypt": 2000, "add": 400_000, "mul": 10_000,
            "group": 20_000, "phe_encrypt": 400, "phe_add": 100_000, "phe_mul": 2000,
            "ou_encrypt": 100_000}  # fmt: skip
    sizes = quick if args.quick else full
    rows = []
    for scheme in ("ou", "paillier"):
        with WorkerPool(available_cores()) as pool:
            rows += scheme_rows(scheme, sizes, pool)
    rows += phe_rows(sizes)
    heu = heu_rows(sizes) if args.peers else []
    ratios = ratio_rows(rows, heu)
    versus = {r["workload"].split(" / HEU's")[0]: r["value"] for r in ratios}
    load = os.getloadavg()[0]
    print(f"{BITS}-bit keys, {available_cores()} cores available, load average {load:.1f}")
    print(f"{'workload':<66} {'system':<16} {'ops/s':>11} {'seconds':>8} {'vs HEU':>7}")
    for r in rows + heu:
        mine = r["system"] == "confide" and r["workload"] in versus
        ratio = f"{versus[r['workload']]:6.2f}x" if mine else ""
        print(f"{r['workload']:<66} {r['system']:<16} {r['value']:>11,.0f} {r['seconds']:>8.2f} "
              f"{ratio:>7}")  # fmt: skip
    if heu:
        print("vs HEU: Confide's ops/s over HEU's for the same operation and count (HEU on all "
              "cores; its OU draws 110-bit random exponents, Confide's 264)")  # fmt: skip
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(rows + heu + ratios, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
