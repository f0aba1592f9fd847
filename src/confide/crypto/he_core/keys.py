"""What the keys of both homomorphic schemes share: size checks, random units, encoding, decoding.

Each scheme's ``keys`` module holds its key classes; the steps they take alike are here: the
modulus size floor (:func:`check_key_bits`), a uniform unit from ``secrets``
(:func:`random_unit`), the encoding of values to encrypt (:func:`encode_values`), the decoding of
decrypted integers (:func:`decode_ints`) and the checks and pool spreading around decryption
(:func:`decrypt_spread`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any, Generic, Protocol, TypeVar

import gmpy2  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from confide.crypto.encoding import decode_fixed, encode_fixed, is_float_input
from confide.crypto.he_core.array import CipherArray
from confide.crypto.he_core.gmp import Mpz, mpz
from confide.crypto.he_core.noise import NoiseStore
from confide.crypto.he_core.ops import to_blob
from confide.crypto.he_core.pool import spread
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError

__all__ = [
    "EncryptingKey",
    "check_key_bits",
    "decode_ints",
    "decrypt_spread",
    "encode_values",
    "random_unit",
]

ArrayT = TypeVar("ArrayT", bound=CipherArray[Any])


class EncryptingKey(Generic[ArrayT]):
    """The ``encrypt`` of a scheme's public and private keys, which fill in ``_encrypt_values``."""

    __slots__ = ()

    def encrypt(
        self,
        values: npt.ArrayLike,
        *,
        frac_bits: int | None = None,
        pool: WorkerPool | None = None,
        noise: NoiseStore[Any] | None = None,
    ) -> ArrayT:
        """Encrypt a one-dimensional array of numbers.

        Integers (numpy ints or Python ints of any size, e.g. packed plaintexts) are encrypted
        exactly, scaled by ``2**frac_bits``; floats as fixed point with ``frac_bits``
        fractional bits. ``frac_bits=None`` means 0 for integers and
        :data:`~confide.params.PAILLIER_FRAC_BITS` (= :data:`~confide.params.OU_FRAC_BITS`)
        for floats. Each encoded value must satisfy ``|v| <= max_int`` (:class:`ConfigError`
        otherwise). With ``noise`` (the scheme's ``Noise``), the randomness comes from it, made
        ahead of time; otherwise it is made now, over ``pool`` for large arrays. A private key
        computes modulo the prime powers of ``n`` (Chinese remainder theorem): the same
        distribution of ciphertexts as the public key's, faster.
        """
        return self._encrypt_values(values, frac_bits, pool, noise)

    def _encrypt_values(
        self,
        values: npt.ArrayLike,
        frac_bits: int | None,
        pool: WorkerPool | None,
        noise: NoiseStore[Any] | None,
    ) -> ArrayT:
        """The scheme's encryption (scheme hook)."""
        raise NotImplementedError


def check_key_bits(bits: int, allow_weak: bool, weak_floor: int, floor: int, scheme: str) -> None:
    """:class:`ConfigError` if a ``bits``-bit ``scheme`` modulus is below its floor.

    The floor is ``floor`` (the security parameter), or ``weak_floor`` with ``allow_weak``.
    """
    if isinstance(bits, bool) or not isinstance(bits, int):
        raise TypeError(f"key bits must be an int, got {type(bits).__name__}")
    least = weak_floor if allow_weak else floor
    if bits < least:
        hint = "" if allow_weak else " (allow_weak=True admits smaller keys for tests)"
        raise ConfigError(f"a {bits}-bit {scheme} modulus is below the minimum {least}{hint}")


def random_unit(n: Mpz, low: int = 1) -> Mpz:
    """A uniform element of ``Z_n^*`` at least ``low`` (from ``secrets``)."""
    while True:
        r = mpz(secrets.randbelow(int(n) - low) + low)
        if gmpy2.gcd(r, n) == 1:
            return r


def encode_values(
    values: npt.ArrayLike, frac_bits: int | None, float_frac_bits: int
) -> tuple[list[int], int]:
    """Values to encrypt as signed ints scaled by ``2**frac_bits``, and that ``frac_bits``.

    ``frac_bits=None`` means 0 for integers and ``float_frac_bits`` for floats.
    """
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise ConfigError(f"encrypt takes a one-dimensional array, got shape {np.shape(values)}")
    if frac_bits is None:
        frac_bits = float_frac_bits if is_float_input(values) else 0
    if isinstance(frac_bits, bool) or not isinstance(frac_bits, int) or frac_bits < 0:
        raise ConfigError(f"frac_bits must be an int >= 0, got {frac_bits!r}")
    return encode_fixed(values, frac_bits), frac_bits


def decode_ints(ints: list[int], frac_bits: int) -> np.ndarray:
    """Decrypted signed ints as numbers: float64 with ``frac_bits > 0``; else int64, or an
    object array of Python ints if one does not fit int64."""
    if frac_bits:
        return decode_fixed(ints, frac_bits)
    if all(-(2**63) <= v < 2**63 for v in ints):
        return np.array(ints, dtype=np.int64)
    out = np.empty(len(ints), dtype=object)
    out[:] = ints
    return out


class _DecryptingKey(Protocol):
    @property
    def public_key(self) -> Any: ...

    def _spec(self) -> tuple[int, ...]: ...

    def _decrypt_list(self, cs: Sequence[Mpz]) -> Sequence[Any]: ...


def decrypt_spread(
    key: _DecryptingKey,
    encrypted: Any,
    array_type: type[CipherArray[Any]],
    min_chunk: int,
    work: Callable[[Any], Any],
    pool: WorkerPool | None,
) -> list[int]:
    """``key._decrypt_list`` of the ciphertexts of ``encrypted``, over ``pool`` if large.

    ``TypeError`` unless ``encrypted`` is an ``array_type``; :class:`ConfigError` if it is under
    another key. ``work`` is the scheme's pool task, given ``(key._spec(), blob)``.
    """
    if not isinstance(encrypted, array_type):
        scheme = array_type._SCHEME
        raise TypeError(f"expected a {scheme} EncryptedArray, got {type(encrypted).__name__}")
    if encrypted.public_key != key.public_key:
        raise ConfigError("the array was encrypted under another public key")
    cs = encrypted._c
    width = key.public_key.ciphertext_bytes
    out = spread(
        pool,
        len(cs),
        min_chunk,
        lambda s: list(key._decrypt_list(cs[s])),
        work,
        lambda s: (key._spec(), to_blob(cs[s], width)),
        None,
    )
    return [int(m) for m in out]
