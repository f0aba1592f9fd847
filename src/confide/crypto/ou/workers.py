"""Spreading OU work over a :class:`~confide.crypto.parallel.WorkerPool`.

The pool mechanics (``_chunks``, ``_spread``) are Paillier's
(:mod:`confide.crypto.paillier.workers`); this module holds the OU tasks and their thresholds.
The pool's processes are spawned, so each task is a top-level function taking a tuple of ints,
bytes and numpy arrays; a worker rebuilds the key from ``key._spec()`` once (``_worker_key``),
and with it the fixed-base tables, and keeps it.
"""

from __future__ import annotations

import functools
from typing import Any

from confide.crypto.ou.keys import PrivateKey, PublicKey
from confide.crypto.ou.ops import _obfuscate_list
from confide.crypto.paillier.ops import _from_blob, _group_sums, _mul_list, _pack_list, _to_blob
from confide.errors import ConfigError

__all__: list[str] = []  # the package's own helpers, re-exported nowhere

# Operations on fewer elements than this per chunk stay in this process: shipping the work to a
# worker costs more than it saves. Tuned on a 2048-bit key (each op's cost in the comment).
_MIN_CHUNK_ENCRYPT = 256  # ~30-45 us per element
_MIN_CHUNK_PLAIN = 512  # g**m alone: ~10 us per element of 84 bits
_MIN_CHUNK_DECRYPT = 32  # ~0.15 ms
_MIN_CHUNK_MUL = 64  # ~1.5 us per exponent bit
_MIN_CHUNK_GROUP = 1024  # per feature column, ~1.5 us per element


@functools.lru_cache(maxsize=4)
def _worker_key(spec: tuple[int, ...]) -> PublicKey | PrivateKey:
    """The key a worker process acts with, built once per worker from ``(n, g, h[, p, q, t])``.

    Runs only in pool workers; keys arrive from the parent process of the same party, which
    enforced the size floor already.
    """
    pub = PublicKey(spec[0], spec[1], spec[2], allow_weak=True)
    if len(spec) == 3:
        return pub
    return PrivateKey(pub, spec[3], spec[4], spec[5])


def _worker_public(spec: tuple[int, ...]) -> PublicKey:
    key = _worker_key(spec)
    return key.public_key if isinstance(key, PrivateKey) else key


def _work_encrypt(task: tuple[Any, ...]) -> bytes:
    spec, ints = task
    cs = _worker_key(spec)._encrypt_ints(ints)
    return _to_blob(cs, _worker_public(spec).ciphertext_bytes)


def _work_plain(task: tuple[Any, ...]) -> bytes:
    spec, ints = task
    cs = _worker_key(spec)._with_plaintexts(ints, None)
    return _to_blob(cs, _worker_public(spec).ciphertext_bytes)


def _work_decrypt(task: tuple[Any, ...]) -> list[int]:
    spec, blob = task
    key = _worker_key(spec)
    if not isinstance(key, PrivateKey):
        raise ConfigError("decryption needs a private key")
    return key._decrypt_list(_from_blob(blob, key.public_key.ciphertext_bytes))


def _work_noise(task: tuple[Any, ...]) -> bytes:
    spec, count = task
    return _to_blob(_worker_key(spec)._noise(count), _worker_public(spec).ciphertext_bytes)


def _work_obfuscate(task: tuple[Any, ...]) -> bytes:
    spec, blob = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_obfuscate_list(_from_blob(blob, width), pub), width)


def _work_mul(task: tuple[Any, ...]) -> bytes:
    spec, blob, ks = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_mul_list(_from_blob(blob, width), ks, pub.n), width)


def _work_group_sum(task: tuple[Any, ...]) -> bytes:
    spec, blob, table, n_groups = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_group_sums(_from_blob(blob, width), table, n_groups, pub.n), width)


def _work_pack(task: tuple[Any, ...]) -> bytes:
    spec, blob, count, shift_bits = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_pack_list(_from_blob(blob, width), count, shift_bits, pub.n), width)
