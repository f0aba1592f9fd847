"""Randomness made ahead of time: :class:`Noise`, a store of ``h**r`` each handed out once."""

from __future__ import annotations

import threading

from confide.crypto.ou.keys import PrivateKey, PublicKey
from confide.crypto.ou.workers import _MIN_CHUNK_ENCRYPT, _work_noise
from confide.crypto.paillier.gmp import Mpz
from confide.crypto.paillier.workers import _spread
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError

__all__ = ["Noise"]


class Noise:
    """Values ``h**r mod n`` made ahead of time, each handed out once.

    The randomness is three quarters of an encryption's cost and does not depend on the
    plaintext. A party that will encrypt soon fills a ``Noise`` while it waits, then encrypts
    at the cost of ``g**m`` alone: ``key.encrypt(values, noise=noise)``. Values leave the store
    as they are taken, so none is used twice; a shortfall is made on the spot. Made with a
    :class:`PrivateKey`, the values are computed modulo ``p**2`` and ``q``. The store is as
    secret as the plaintexts it will hide. Same interface as Paillier's
    :class:`~confide.crypto.paillier.Noise`.
    """

    def __init__(self, key: PublicKey | PrivateKey) -> None:
        if not isinstance(key, (PublicKey, PrivateKey)):
            raise TypeError(f"expected an OU PublicKey or PrivateKey, got {type(key).__name__}")
        self._key = key
        self._store: list[Mpz] = []
        self._lock = threading.Lock()

    @property
    def public_key(self) -> PublicKey:
        """The key the values belong to."""
        key = self._key
        return key if isinstance(key, PublicKey) else key.public_key

    def __len__(self) -> int:
        with self._lock:
            return len(self._store)

    def __repr__(self) -> str:
        return f"Noise(ou, len={len(self)}, bits={self.public_key.bits})"

    def fill(self, count: int, *, pool: WorkerPool | None = None) -> None:
        """Make ``count`` more values now (over ``pool`` if given) and store them."""
        values = self._make(count, pool)
        with self._lock:
            self._store.extend(values)

    def take(self, count: int, *, pool: WorkerPool | None = None) -> list[Mpz]:
        """Remove and return ``count`` values, making any shortfall now."""
        _check_count(count)
        with self._lock:
            taken = self._store[:count]
            del self._store[:count]
        if len(taken) < count:
            taken += self._make(count - len(taken), pool)
        return taken

    def _make(self, count: int, pool: WorkerPool | None) -> list[Mpz]:
        _check_count(count)
        key = self._key
        return _spread(
            pool,
            count,
            _MIN_CHUNK_ENCRYPT,
            lambda s: key._noise(s.stop - s.start),
            _work_noise,
            lambda s: (key._spec(), s.stop - s.start),
            self.public_key.ciphertext_bytes,
        )


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ConfigError(f"count must be an int >= 0, got {count!r}")


def _take_noise(noise: Noise, pub: PublicKey, count: int, pool: WorkerPool | None) -> list[Mpz]:
    if not isinstance(noise, Noise):
        raise TypeError(f"noise must be an OU Noise, got {type(noise).__name__}")
    if noise.public_key != pub:
        raise ConfigError("the noise was made for another public key")
    return noise.take(count, pool=pool)
