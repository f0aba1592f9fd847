"""Paillier's pool tasks: the work that needs a key (encryption, decryption, randomness).

The pool mechanics and the tasks that need only the modulus (products, powers, grouped sums,
packing) are shared with OU (:mod:`confide.crypto.he_core.pool`). The pool's processes are
spawned, so each task here is a top-level function of this module, found by its module path, and
takes a tuple of ints, bytes and numpy arrays; a worker rebuilds the key from ``key._spec()`` once
(``_worker_key``) and keeps it, with its fixed-base table, for the next tasks.
"""

from __future__ import annotations

import functools
from typing import Any

from confide.crypto.he_core.gmp import Mpz, mpz
from confide.crypto.he_core.ops import from_blob, to_blob
from confide.crypto.he_core.pool import spread
from confide.crypto.paillier.keys import PrivateKey, PublicKey, Randomness
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError

__all__: list[str] = []  # the package's own helpers, re-exported nowhere

# Operations on fewer elements than this per chunk stay in this process: shipping the work to a
# worker costs more than it saves. Tuned on a 2048-bit key (each op's cost in the comment).
_MIN_CHUNK_ENCRYPT = 32  # ~0.4-0.6 ms per element
_MIN_CHUNK_DECRYPT = 8  # ~3 ms


@functools.lru_cache(maxsize=4)
def _worker_key(spec: tuple[int, ...], allow_weak: bool = True) -> PublicKey | PrivateKey:
    """The key a worker process acts with, built once per worker from ``(n, h_s[, p, q])``.

    Runs only in pool workers; keys arrive from the parent process of the same party, so the
    size floor was already enforced there.
    """
    n, hs = spec[0], spec[1]
    pub = PublicKey(n, allow_weak=allow_weak)
    if hs:
        pub._hs = mpz(hs)  # the parent's base, so that its workers share one table per key
    if len(spec) == 2:
        return pub
    return PrivateKey(pub, spec[2], spec[3])


def _width(spec: tuple[int, ...]) -> int:
    key = _worker_key(spec)
    return (key.public_key if isinstance(key, PrivateKey) else key).ciphertext_bytes


def _work_encrypt(task: tuple[Any, ...]) -> bytes:
    spec, residues, kind = task
    return to_blob(_worker_key(spec)._encrypt_residues(residues, Randomness(kind)), _width(spec))


def _work_decrypt(task: tuple[Any, ...]) -> list[int]:
    spec, blob = task
    key = _worker_key(spec)
    if not isinstance(key, PrivateKey):
        raise ConfigError("decryption needs a private key")
    return [int(m) for m in key._decrypt_list(from_blob(blob, _width(spec)))]


def _work_noise(task: tuple[Any, ...]) -> bytes:
    spec, count, kind = task
    return to_blob(_worker_key(spec)._noise(count, Randomness(kind)), _width(spec))


def _make_noise(
    key: PublicKey | PrivateKey, count: int, randomness: Randomness, pool: WorkerPool | None
) -> list[Mpz]:
    """``count`` random n-th residues ``r**n mod n**2`` of ``randomness``, over ``pool``."""
    pub = key if isinstance(key, PublicKey) else key.public_key
    return spread(
        pool,
        count,
        _MIN_CHUNK_ENCRYPT,
        lambda s: key._noise(s.stop - s.start, randomness),
        _work_noise,
        lambda s: (key._spec(randomness), s.stop - s.start, randomness.value),
        pub.ciphertext_bytes,
    )
