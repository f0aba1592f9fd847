"""Randomness made ahead of time: :class:`Noise`, a store of ``h**r`` each handed out once."""

from __future__ import annotations

from confide.crypto.he_core.gmp import Mpz
from confide.crypto.he_core.noise import NoiseStore
from confide.crypto.ou.keys import PrivateKey, PublicKey
from confide.crypto.ou.workers import _make_noise
from confide.crypto.parallel import WorkerPool

__all__ = ["Noise"]


class Noise(NoiseStore[PublicKey]):
    """Values ``h**r mod n`` made ahead of time, each handed out once.

    The randomness is three quarters of an encryption's cost and does not depend on the
    plaintext. A party that will encrypt soon fills a ``Noise`` while it waits (:meth:`fill`,
    or :meth:`fill_in_background`), then encrypts at the cost of ``g**m`` alone:
    ``key.encrypt(values, noise=noise)``. Values leave the store as they are taken, so none is
    used twice; a shortfall is made on the spot. Made with a :class:`PrivateKey`, the values are
    computed modulo ``p**2`` and ``q``. The store is as secret as the plaintexts it will hide.
    Same interface as Paillier's :class:`~confide.crypto.paillier.Noise`.
    """

    _SCHEME = "OU"

    def __init__(self, key: PublicKey | PrivateKey) -> None:
        if not isinstance(key, (PublicKey, PrivateKey)):
            raise TypeError(f"expected an OU PublicKey or PrivateKey, got {type(key).__name__}")
        super().__init__(key, key if isinstance(key, PublicKey) else key.public_key)

    def __repr__(self) -> str:
        return f"Noise(ou, len={len(self)}, bits={self.public_key.bits})"

    def _make(self, count: int, pool: WorkerPool | None) -> list[Mpz]:
        return _make_noise(self._key, count, pool)
