"""Randomness made ahead of time: :class:`Noise`, a store of ``r**n`` each handed out once."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from confide.crypto.paillier.gmp import Mpz
from confide.crypto.paillier.keys import PrivateKey, PublicKey, Randomness
from confide.crypto.paillier.workers import _MIN_CHUNK_ENCRYPT, _spread, _work_noise
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError

__all__ = ["Noise"]


class Noise:
    """Random n-th residues ``r**n mod n**2`` made ahead of time, each handed out once.

    The randomness is the expensive part of an encryption and does not depend on the plaintext.
    A party that will encrypt soon (SecureBoost's label holder, while the feature holders build
    their histograms) fills a ``Noise`` in the background, then encrypts at the cost of one
    multiplication per value: ``key.encrypt(values, noise=noise)``. Values leave the store as
    they are taken, so none is ever used twice; if the store runs short, the rest is made on the
    spot. Made with a :class:`PrivateKey`, the values are computed mod ``p**2`` and ``q**2``.
    The store lives in this process's memory; it is as secret as the plaintexts it will hide.
    """

    def __init__(
        self, key: PublicKey | PrivateKey, *, randomness: Randomness = Randomness.DJN
    ) -> None:
        if not isinstance(key, (PublicKey, PrivateKey)):
            raise TypeError(f"expected a PublicKey or PrivateKey, got {type(key).__name__}")
        self._key = key
        self.randomness = Randomness(randomness)
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
        return f"Noise(len={len(self)}, bits={self.public_key.bits}, {self.randomness.value})"

    def fill(self, count: int, *, pool: WorkerPool | None = None) -> None:
        """Make ``count`` more values now (over ``pool`` if given) and store them."""
        values = self._make(count, pool)
        with self._lock:
            self._store.extend(values)

    def fill_in_background(self, count: int, *, pool: WorkerPool | None = None) -> Future[None]:
        """Start :meth:`fill` in a thread and return at once; the future tells when it is done.

        With a ``pool``, the thread only waits for the workers; without one, it competes with
        this process's other threads for the interpreter lock, which suits a party that is
        waiting for a peer.
        """
        done: Future[None] = Future()

        def run() -> None:
            try:
                self.fill(count, pool=pool)
            except BaseException as exc:  # handed to whoever waits on the future
                done.set_exception(exc)
            else:
                done.set_result(None)

        threading.Thread(target=run, name="confide-paillier-noise", daemon=True).start()
        return done

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
        key, randomness = self._key, self.randomness
        return _spread(
            pool,
            count,
            _MIN_CHUNK_ENCRYPT,
            lambda s: key._noise(s.stop - s.start, randomness),
            _work_noise,
            lambda s: (key._spec(randomness), s.stop - s.start, randomness.value),
            self.public_key.ciphertext_bytes,
        )


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ConfigError(f"count must be an int >= 0, got {count!r}")


def _take_noise(noise: Noise, pub: PublicKey, count: int, pool: WorkerPool | None) -> list[Mpz]:
    if not isinstance(noise, Noise):
        raise TypeError(f"noise must be a Noise, got {type(noise).__name__}")
    if noise.public_key != pub:
        raise ConfigError("the noise was made for another public key")
    return noise.take(count, pool=pool)
