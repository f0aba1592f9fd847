"""Encryption of plaintext values into an :class:`~confide.crypto.paillier.array.EncryptedArray`.

The body of :meth:`PublicKey.encrypt <confide.crypto.paillier.keys.PublicKey.encrypt>` and
:meth:`PrivateKey.encrypt <confide.crypto.paillier.keys.PrivateKey.encrypt>`: encode the values
(:mod:`confide.crypto.encoding`), then apply them to randomness taken from a
:class:`~confide.crypto.paillier.noise.Noise` or made now (over a pool for large arrays).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from confide.crypto.encoding import encode_fixed, is_float_input, to_residues
from confide.crypto.paillier.array import EncryptedArray
from confide.crypto.paillier.gmp import Mpz
from confide.crypto.paillier.keys import PrivateKey, PublicKey, Randomness
from confide.crypto.paillier.noise import Noise, _take_noise
from confide.crypto.paillier.ops import _apply_plaintexts
from confide.crypto.paillier.workers import _MIN_CHUNK_ENCRYPT, _spread, _work_encrypt
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError
from confide.params import PAILLIER_FRAC_BITS

__all__: list[str] = []  # the package's own helpers, re-exported nowhere


def _encrypt(
    key: PublicKey | PrivateKey,
    values: npt.ArrayLike,
    frac_bits: int | None,
    randomness: Randomness,
    pool: WorkerPool | None,
    noise: Noise | None,
) -> EncryptedArray:
    pub = key if isinstance(key, PublicKey) else key.public_key
    residues, frac = _encode(values, frac_bits, pub.n)
    if noise is not None:
        cs = _apply_plaintexts(residues, _take_noise(noise, pub, len(residues), pool), pub)
    else:
        cs = _spread(
            pool,
            len(residues),
            _MIN_CHUNK_ENCRYPT,
            lambda s: key._encrypt_residues(residues[s], randomness),
            _work_encrypt,
            lambda s: (key._spec(randomness), residues[s], randomness.value),
            pub.ciphertext_bytes,
        )
    return EncryptedArray(pub, cs, frac, obfuscated=True)


def _encode(values: npt.ArrayLike, frac_bits: int | None, n: Mpz) -> tuple[list[int], int]:
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise ConfigError(f"encrypt takes a one-dimensional array, got shape {np.shape(values)}")
    if frac_bits is None:
        frac_bits = PAILLIER_FRAC_BITS if is_float_input(values) else 0
    if isinstance(frac_bits, bool) or not isinstance(frac_bits, int) or frac_bits < 0:
        raise ConfigError(f"frac_bits must be an int >= 0, got {frac_bits!r}")
    return to_residues(encode_fixed(values, frac_bits), int(n)), frac_bits
