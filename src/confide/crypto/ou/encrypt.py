"""Encryption of plaintext values into an OU :class:`~confide.crypto.ou.array.EncryptedArray`.

The body of :meth:`PublicKey.encrypt <confide.crypto.ou.keys.PublicKey.encrypt>` and
:meth:`PrivateKey.encrypt <confide.crypto.ou.keys.PrivateKey.encrypt>`: encode the values as
signed integers (:func:`confide.crypto.he_core.keys.encode_values`), check their range, then raise
``g`` to them onto randomness taken from a :class:`~confide.crypto.ou.noise.Noise` or made now
(over a pool for large arrays).
"""

from __future__ import annotations

from typing import Any

import numpy.typing as npt

from confide.crypto.he_core.keys import encode_values
from confide.crypto.he_core.noise import NoiseStore, take_noise
from confide.crypto.he_core.ops import multiply_pairs
from confide.crypto.he_core.pool import spread
from confide.crypto.ou.array import EncryptedArray
from confide.crypto.ou.keys import PrivateKey, PublicKey
from confide.crypto.ou.noise import Noise
from confide.crypto.ou.workers import (
    _MIN_CHUNK_ENCRYPT,
    _MIN_CHUNK_PLAIN,
    _work_encrypt,
    _work_plain,
)
from confide.crypto.parallel import WorkerPool
from confide.params import OU_FRAC_BITS

__all__: list[str] = []  # the package's own helpers, re-exported nowhere


def _encrypt(
    key: PublicKey | PrivateKey,
    values: npt.ArrayLike,
    frac_bits: int | None,
    pool: WorkerPool | None,
    noise: NoiseStore[Any] | None,
) -> EncryptedArray:
    pub = key if isinstance(key, PublicKey) else key.public_key
    ints, frac = encode_values(values, frac_bits, OU_FRAC_BITS)
    pub._check_range(ints)
    if noise is not None:
        # g**m over the pool, then one multiplication by the stored h**r here.
        rs = take_noise(noise, Noise, pub, len(ints), pool)
        powers = spread(
            pool,
            len(ints),
            _MIN_CHUNK_PLAIN,
            lambda s: key._with_plaintexts(ints[s], None),
            _work_plain,
            lambda s: (key._spec(), ints[s]),
            pub.ciphertext_bytes,
        )
        cs = multiply_pairs(powers, rs, pub.n)
    else:
        cs = spread(
            pool,
            len(ints),
            _MIN_CHUNK_ENCRYPT,
            lambda s: key._encrypt_ints(ints[s]),
            _work_encrypt,
            lambda s: (key._spec(), ints[s]),
            pub.ciphertext_bytes,
        )
    return EncryptedArray(pub, cs, frac, obfuscated=True)
