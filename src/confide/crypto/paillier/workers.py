"""Spreading Paillier work over a :class:`~confide.crypto.parallel.WorkerPool`.

``_chunks`` and ``_spread`` decide whether an operation stays in this process or is cut into
chunks for the pool (the ``_MIN_CHUNK_*`` thresholds); the ``_work_*`` functions are the tasks the
pool runs. The pool's processes are spawned, so each task is a top-level function of this module,
found by its module path, and takes a tuple of ints, bytes and numpy arrays; a worker rebuilds the
key from ``key._spec()`` once (``_worker_key``) and keeps it for the next tasks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from confide.crypto.paillier.gmp import Mpz, mpz
from confide.crypto.paillier.keys import PrivateKey, PublicKey, Randomness
from confide.crypto.paillier.ops import (
    _from_blob,
    _group_sums,
    _mul_list,
    _obfuscate_list,
    _pack_list,
    _to_blob,
)
from confide.crypto.parallel import WorkerPool, split
from confide.errors import ConfigError

__all__: list[str] = []  # the package's own helpers, re-exported nowhere

# Operations on fewer elements than this per chunk stay in this process: shipping the work to a
# worker costs more than it saves. Tuned on a 2048-bit key (each op's cost in the comment).
_MIN_CHUNK_ENCRYPT = 32  # ~0.4-0.6 ms per element
_MIN_CHUNK_DECRYPT = 8  # ~3 ms
_MIN_CHUNK_MUL = 64  # ~4 us per exponent bit
_MIN_CHUNK_GROUP = 1024  # per feature column, ~5 us per element


def _chunks(pool: WorkerPool | None, count: int, min_chunk: int) -> list[slice] | None:
    """Slices to spread ``count`` items over ``pool``, or None to stay in this process."""
    if pool is None or count < 2 * min_chunk:
        return None
    # A few chunks per worker balance the load on a machine shared with other work.
    return split(count, min(4 * pool.processes, count // min_chunk))


def _spread(
    pool: WorkerPool | None,
    count: int,
    min_chunk: int,
    local: Callable[[slice], list[Mpz]],
    work: Callable[[Any], Any],
    task: Callable[[slice], tuple[Any, ...]],
    width: int | None,
) -> list[Mpz]:
    """``local(slice(0, count))`` in this process, or ``work(task(s))`` for chunks ``s`` in
    ``pool``, concatenated: ciphertexts of ``width`` bytes each, or ints if ``width`` is None."""
    chunks = _chunks(pool, count, min_chunk)
    if chunks is None or pool is None:
        return local(slice(0, count))
    results = pool.map(work, [task(s) for s in chunks])
    if width is None:
        return [mpz(m) for part in results for m in part]
    return [c for blob in results for c in _from_blob(blob, width)]


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


def _worker_public(spec: tuple[int, ...]) -> PublicKey:
    key = _worker_key(spec)
    return key.public_key if isinstance(key, PrivateKey) else key


def _work_encrypt(task: tuple[Any, ...]) -> bytes:
    spec, residues, kind = task
    key = _worker_key(spec)
    cs = key._encrypt_residues(residues, Randomness(kind))
    return _to_blob(cs, _worker_public(spec).ciphertext_bytes)


def _work_decrypt(task: tuple[Any, ...]) -> list[int]:
    spec, blob = task
    key = _worker_key(spec)
    if not isinstance(key, PrivateKey):
        raise ConfigError("decryption needs a private key")
    width = key.public_key.ciphertext_bytes
    return [int(m) for m in key._decrypt_list(_from_blob(blob, width))]


def _work_noise(task: tuple[Any, ...]) -> bytes:
    spec, count, kind = task
    key = _worker_key(spec)
    return _to_blob(key._noise(count, Randomness(kind)), _worker_public(spec).ciphertext_bytes)


def _work_obfuscate(task: tuple[Any, ...]) -> bytes:
    spec, blob, kind = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_obfuscate_list(_from_blob(blob, width), pub, Randomness(kind)), width)


def _work_mul(task: tuple[Any, ...]) -> bytes:
    spec, blob, ks = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_mul_list(_from_blob(blob, width), ks, pub.nsquare), width)


def _work_group_sum(task: tuple[Any, ...]) -> bytes:
    spec, blob, table, n_groups = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_group_sums(_from_blob(blob, width), table, n_groups, pub.nsquare), width)


def _work_pack(task: tuple[Any, ...]) -> bytes:
    spec, blob, count, shift_bits = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_pack_list(_from_blob(blob, width), count, shift_bits, pub.nsquare), width)
