"""OU's pool tasks: the work that needs a key (encryption, ``g**m``, decryption, randomness).

The pool mechanics and the tasks that need only the modulus (products, powers, grouped sums,
packing) are shared with Paillier (:mod:`confide.crypto.he_core.pool`). The pool's processes are
spawned, so each task is a top-level function taking a tuple of ints, bytes and numpy arrays; a
worker rebuilds the key from ``key._spec()`` once (``_worker_key``), and with it the fixed-base
tables, and keeps it.
"""

from __future__ import annotations

import functools
from typing import Any

from confide.crypto.he_core.gmp import Mpz
from confide.crypto.he_core.ops import from_blob, to_blob
from confide.crypto.he_core.pool import spread
from confide.crypto.ou.keys import PrivateKey, PublicKey
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError

__all__: list[str] = []  # the package's own helpers, re-exported nowhere

# Operations on fewer elements than this per chunk stay in this process: shipping the work to a
# worker costs more than it saves. Tuned on a 2048-bit key (each op's cost in the comment).
_MIN_CHUNK_ENCRYPT = 256  # ~30-45 us per element
_MIN_CHUNK_PLAIN = 512  # g**m alone: ~10 us per element of 84 bits
_MIN_CHUNK_DECRYPT = 32  # ~0.15 ms


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


def _width(spec: tuple[int, ...]) -> int:
    key = _worker_key(spec)
    return (key.public_key if isinstance(key, PrivateKey) else key).ciphertext_bytes


def _work_encrypt(task: tuple[Any, ...]) -> bytes:
    spec, ints = task
    return to_blob(_worker_key(spec)._encrypt_ints(ints), _width(spec))


def _work_plain(task: tuple[Any, ...]) -> bytes:
    spec, ints = task
    return to_blob(_worker_key(spec)._with_plaintexts(ints, None), _width(spec))


def _work_decrypt(task: tuple[Any, ...]) -> list[int]:
    spec, blob = task
    key = _worker_key(spec)
    if not isinstance(key, PrivateKey):
        raise ConfigError("decryption needs a private key")
    return key._decrypt_list(from_blob(blob, _width(spec)))


def _work_noise(task: tuple[Any, ...]) -> bytes:
    spec, count = task
    return to_blob(_worker_key(spec)._noise(count), _width(spec))


def _make_noise(key: PublicKey | PrivateKey, count: int, pool: WorkerPool | None) -> list[Mpz]:
    """``count`` values ``h**r mod n`` for fresh ``r``, over ``pool`` for large counts."""
    pub = key if isinstance(key, PublicKey) else key.public_key
    return spread(
        pool,
        count,
        _MIN_CHUNK_ENCRYPT,
        lambda s: key._noise(s.stop - s.start),
        _work_noise,
        lambda s: (key._spec(), s.stop - s.start),
        pub.ciphertext_bytes,
    )
