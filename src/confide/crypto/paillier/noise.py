"""Randomness made ahead of time: :class:`Noise`, a store of ``r**n`` each handed out once."""

from __future__ import annotations

from confide.crypto.he_core.gmp import Mpz
from confide.crypto.he_core.noise import NoiseStore
from confide.crypto.paillier.keys import PrivateKey, PublicKey, Randomness
from confide.crypto.paillier.workers import _make_noise
from confide.crypto.parallel import WorkerPool

__all__ = ["Noise"]


class Noise(NoiseStore[PublicKey]):
    """Random n-th residues ``r**n mod n**2`` made ahead of time, each handed out once.

    The randomness is the expensive part of an encryption and does not depend on the plaintext.
    A party that will encrypt soon (SecureBoost's label holder, while the feature holders build
    their histograms) fills a ``Noise`` in the background (:meth:`fill_in_background`), then
    encrypts at the cost of one multiplication per value: ``key.encrypt(values, noise=noise)``.
    Values leave the store as they are taken, so none is ever used twice; if the store runs
    short, the rest is made on the spot. Made with a :class:`PrivateKey`, the values are
    computed mod ``p**2`` and ``q**2``. The store lives in this process's memory; it is as
    secret as the plaintexts it will hide.
    """

    _SCHEME = "Paillier"

    def __init__(
        self, key: PublicKey | PrivateKey, *, randomness: Randomness = Randomness.DJN
    ) -> None:
        if not isinstance(key, (PublicKey, PrivateKey)):
            raise TypeError(f"expected a PublicKey or PrivateKey, got {type(key).__name__}")
        super().__init__(key, key if isinstance(key, PublicKey) else key.public_key)
        self.randomness = Randomness(randomness)

    def __repr__(self) -> str:
        return f"Noise(len={len(self)}, bits={self.public_key.bits}, {self.randomness.value})"

    def _make(self, count: int, pool: WorkerPool | None) -> list[Mpz]:
        return _make_noise(self._key, count, self.randomness, pool)
