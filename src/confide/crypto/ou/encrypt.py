"""Encryption of plaintext values into an OU :class:`~confide.crypto.ou.array.EncryptedArray`.

The body of :meth:`PublicKey.encrypt <confide.crypto.ou.keys.PublicKey.encrypt>` and
:meth:`PrivateKey.encrypt <confide.crypto.ou.keys.PrivateKey.encrypt>`: encode the values as
signed integers (:mod:`confide.crypto.encoding`), check their range, then raise ``g`` to them
onto randomness taken from a :class:`~confide.crypto.ou.noise.Noise` or made now (over a pool
for large arrays).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from confide.crypto.encoding import encode_fixed, is_float_input
from confide.crypto.ou.array import EncryptedArray
from confide.crypto.ou.keys import PrivateKey, PublicKey
from confide.crypto.ou.noise import Noise, _take_noise
from confide.crypto.ou.workers import (
    _MIN_CHUNK_ENCRYPT,
    _MIN_CHUNK_PLAIN,
    _work_encrypt,
    _work_plain,
)
from confide.crypto.paillier.workers import _spread
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError
from confide.params import OU_FRAC_BITS

__all__: list[str] = []  # the package's own helpers, re-exported nowhere


def _encrypt(
    key: PublicKey | PrivateKey,
    values: npt.ArrayLike,
    frac_bits: int | None,
    pool: WorkerPool | None,
    noise: Noise | None,
) -> EncryptedArray:
    pub = key if isinstance(key, PublicKey) else key.public_key
    ints, frac = _encode(values, frac_bits, pub)
    if noise is not None:
        # g**m over the pool, then one multiplication by the stored h**r here.
        rs = _take_noise(noise, pub, len(ints), pool)
        powers = _spread(
            pool,
            len(ints),
            _MIN_CHUNK_PLAIN,
            lambda s: key._with_plaintexts(ints[s], None),
            _work_plain,
            lambda s: (key._spec(), ints[s]),
            pub.ciphertext_bytes,
        )
        n = pub.n
        cs = [x * r % n for x, r in zip(powers, rs, strict=True)]
    else:
        cs = _spread(
            pool,
            len(ints),
            _MIN_CHUNK_ENCRYPT,
            lambda s: key._encrypt_ints(ints[s]),
            _work_encrypt,
            lambda s: (key._spec(), ints[s]),
            pub.ciphertext_bytes,
        )
    return EncryptedArray(pub, cs, frac, obfuscated=True)


def _encode(values: npt.ArrayLike, frac_bits: int | None, pub: PublicKey) -> tuple[list[int], int]:
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise ConfigError(f"encrypt takes a one-dimensional array, got shape {np.shape(values)}")
    if frac_bits is None:
        frac_bits = OU_FRAC_BITS if is_float_input(values) else 0
    if isinstance(frac_bits, bool) or not isinstance(frac_bits, int) or frac_bits < 0:
        raise ConfigError(f"frac_bits must be an int >= 0, got {frac_bits!r}")
    ints = encode_fixed(values, frac_bits)
    pub._check_range(ints)
    return ints, frac_bits
