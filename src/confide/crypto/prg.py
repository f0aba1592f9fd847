"""A cryptographic pseudo-random generator: AES-128 in counter mode, keyed by a secret seed.

Two parties holding the same seed draw the same stream, which is how pairwise masks and
seed-compressed correlated randomness are made. Seeds come only from :func:`new_seed`
(``secrets``); ``numpy.random`` and ``random`` are never used for anything secret.

Protocols draw many small arrays (a few KiB each, dozens per round), where one AES call per draw
costs more than the keystream itself; so the PRG computes :data:`READAHEAD_BYTES` of keystream
at a time and serves small draws from it. The stream is the same bytes in the same order however
it is drawn; draws of at least that size go to AES directly.
"""

from __future__ import annotations

import secrets

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from confide.errors import ConfigError
from confide.params import SEED_BYTES

__all__ = ["PRG", "READAHEAD_BYTES", "new_seed"]

#: Keystream computed ahead of small draws (see the module docstring).
READAHEAD_BYTES = 1 << 16


def new_seed() -> bytes:
    """A fresh secret seed of :data:`~confide.params.SEED_BYTES` bytes."""
    return secrets.token_bytes(SEED_BYTES)


class PRG:
    """A deterministic stream of pseudo-random bytes from a secret seed (AES-128-CTR)."""

    def __init__(self, seed: bytes) -> None:
        if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
            raise ConfigError(f"a PRG seed must be {SEED_BYTES} bytes")
        self._encryptor = Cipher(algorithms.AES(seed), modes.CTR(bytes(16))).encryptor()
        #: Keystream computed but not drawn yet (read-only), the next bytes of the stream.
        self._ahead: np.ndarray = np.empty(0, dtype=np.uint8)

    def _keystream(self, n: int) -> np.ndarray:
        """The next ``n`` bytes of AES-CTR keystream, past what was computed ahead."""
        return np.frombuffer(self._encryptor.update(bytes(n)), dtype=np.uint8)

    def fill(self, out: np.ndarray) -> None:
        """Write the next ``out.size`` bytes of the stream into the 1-D ``uint8`` array ``out``."""
        if out.dtype != np.uint8 or out.ndim != 1:
            raise ConfigError("a PRG fills 1-D uint8 arrays")
        n = out.size
        ahead = self._ahead
        if n <= ahead.size:
            out[:] = ahead[:n]
            self._ahead = ahead[n:]
            return
        have = ahead.size
        out[:have] = ahead
        rest = n - have
        if rest >= READAHEAD_BYTES:
            out[have:] = self._keystream(rest)
            self._ahead = ahead[:0]
        else:
            fresh = self._keystream(READAHEAD_BYTES)
            out[have:] = fresh[:rest]
            self._ahead = fresh[rest:]

    def bytes(self, n: int) -> bytes:
        """The next ``n`` bytes of the stream."""
        if n < 0:
            raise ConfigError(f"cannot draw {n} bytes")
        out = np.empty(n, dtype=np.uint8)
        self.fill(out)
        return out.tobytes()

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
