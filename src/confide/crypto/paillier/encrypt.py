"""Encryption of plaintext values into an :class:`~confide.crypto.paillier.array.EncryptedArray`.

The body of :meth:`PublicKey.encrypt <confide.crypto.paillier.keys.PublicKey.encrypt>` and
:meth:`PrivateKey.encrypt <confide.crypto.paillier.keys.PrivateKey.encrypt>`: encode the values
(:func:`confide.crypto.he_core.keys.encode_values`), then apply them to randomness taken from a
:class:`~confide.crypto.paillier.noise.Noise` or made now (over a pool for large arrays).
"""

from __future__ import annotations

from typing import Any

import numpy.typing as npt

from confide.crypto.encoding import to_residues
from confide.crypto.he_core.keys import encode_values
from confide.crypto.he_core.noise import NoiseStore, take_noise
from confide.crypto.he_core.pool import spread
from confide.crypto.paillier.array import EncryptedArray
from confide.crypto.paillier.keys import PrivateKey, PublicKey, Randomness, _apply_plaintexts
from confide.crypto.paillier.noise import Noise
from confide.crypto.paillier.workers import _MIN_CHUNK_ENCRYPT, _work_encrypt
from confide.crypto.parallel import WorkerPool
from confide.params import PAILLIER_FRAC_BITS

__all__: list[str] = []  # the package's own helpers, re-exported nowhere


def _encrypt(
    key: PublicKey | PrivateKey,
    values: npt.ArrayLike,
    frac_bits: int | None,
    randomness: Randomness,
    pool: WorkerPool | None,
    noise: NoiseStore[Any] | None,
) -> EncryptedArray:
    pub = key if isinstance(key, PublicKey) else key.public_key
    ints, frac = encode_values(values, frac_bits, PAILLIER_FRAC_BITS)
    residues = to_residues(ints, int(pub.n))
    if noise is not None:
        rs = take_noise(noise, Noise, pub, len(residues), pool)
        cs = _apply_plaintexts(residues, rs, pub)
    else:
        cs = spread(
            pool,
            len(residues),
            _MIN_CHUNK_ENCRYPT,
            lambda s: key._encrypt_residues(residues[s], randomness),
            _work_encrypt,
            lambda s: (key._spec(randomness), residues[s], randomness.value),
            pub.ciphertext_bytes,
        )
    return EncryptedArray(pub, cs, frac, obfuscated=True)
