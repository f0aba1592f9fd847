"""A cryptographic pseudo-random generator: AES-128 in counter mode, keyed by a secret seed.

Two parties holding the same seed draw the same stream, which is how pairwise masks and
seed-compressed correlated randomness are made. Seeds come only from :func:`new_seed`
(``secrets``); ``numpy.random`` and ``random`` are never used for anything secret.
"""

from __future__ import annotations

import secrets

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from confide.errors import ConfigError
from confide.params import SEED_BYTES

__all__ = ["PRG", "new_seed"]


def new_seed() -> bytes:
    """A fresh secret seed of :data:`~confide.params.SEED_BYTES` bytes."""
    return secrets.token_bytes(SEED_BYTES)


class PRG:
    """A deterministic stream of pseudo-random bytes from a secret seed (AES-128-CTR)."""

    def __init__(self, seed: bytes) -> None:
        if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
            raise ConfigError(f"a PRG seed must be {SEED_BYTES} bytes")
        self._encryptor = Cipher(algorithms.AES(seed), modes.CTR(bytes(16))).encryptor()

    def bytes(self, n: int) -> bytes:
        """The next ``n`` bytes of the stream."""
        if n < 0:
            raise ConfigError(f"cannot draw {n} bytes")
        return self._encryptor.update(bytes(n))

    def uint64(self, shape: int | tuple[int, ...]) -> np.ndarray:
        """The next uniformly random ``uint64`` array of ``shape`` (uniform over Z_2^64)."""
        count = int(np.prod(shape, dtype=np.int64))
        words: np.ndarray = np.frombuffer(self.bytes(8 * count), dtype="<u8").reshape(shape)
        copied: np.ndarray = words.copy()
        return copied

    def integers(self, count: int, bits: int) -> list[int]:
        """The next ``count`` integers uniform over [0, 2**bits), ``bits`` a multiple of 8."""
        if bits <= 0 or bits % 8:
            raise ConfigError(f"bits must be a positive multiple of 8, got {bits}")
        width = bits // 8
        data = self.bytes(width * count)
        return [int.from_bytes(data[i : i + width], "little") for i in range(0, len(data), width)]
