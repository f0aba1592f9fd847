"""One interface over Confide's additively homomorphic schemes: Paillier and Okamoto-Uchiyama.

Protocols that only add ciphertexts, multiply them by plaintexts, sum them by groups and pack them
(SecureBoost's histograms) take either scheme through this module:

- :class:`Scheme` names them; :func:`generate_keypair` makes a key pair of either;
- :class:`HEArray` and :class:`HEPublicKey` are the parts of the two array and key types that
  such code uses (both :class:`confide.crypto.paillier.EncryptedArray` and
  :class:`confide.crypto.ou.EncryptedArray` satisfy them: both are
  :class:`confide.crypto.he_core.array.CipherArray`, written once over a ciphertext modulus);
- the functions below do what differs by scheme: a key or an array from the wire, encryption
  and decryption with randomness made ahead (:func:`new_noise`), and how many bits a packed
  plaintext may span (:func:`packing_bits`). Mixing schemes (an OU array given to a Paillier
  key) raises ``TypeError``.

Which is faster: OU, by far, for encryption (one ciphertext is ``g**m * h**r mod n`` with a
short ``r`` and fixed-base tables, against Paillier's ``r**n mod n**2``) and for every operation
on ciphertexts (modulo ``n`` instead of ``n**2``); see ``bench/he.py``. Paillier packs three
times more bits per plaintext. Who learns what is each scheme's ``DISCLOSURE``: the same.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

from confide.crypto import ou, paillier
from confide.crypto.he_core.ops import from_blob
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError, ProtocolError

__all__ = [
    "EncryptedArray",
    "HEArray",
    "HEPublicKey",
    "Noise",
    "PrivateKey",
    "PublicKey",
    "Scheme",
    "array_from_own_rows",
    "array_from_wire",
    "decrypt_ints",
    "encrypt",
    "generate_keypair",
    "new_noise",
    "packing_bits",
    "public_key_from_wire",
    "scheme_of",
]


class Scheme(str, Enum):
    """An additively homomorphic encryption scheme."""

    PAILLIER = "paillier"
    """Paillier (1999) with DJN randomness: :mod:`confide.crypto.paillier`."""
    OU = "ou"
    """Okamoto-Uchiyama (1998), Coron-Naccache-Paillier keys: :mod:`confide.crypto.ou`."""

    @classmethod
    def parse(cls, value: object) -> Scheme:
        """The scheme named ``value``; :class:`ConfigError` for an unknown name."""
        try:
            return cls(value)
        except ValueError as exc:
            names = [s.value for s in cls]
            raise ConfigError(
                f"unknown encryption scheme {value!r}; choose one of {names}"
            ) from exc


PublicKey: TypeAlias = "paillier.PublicKey | ou.PublicKey"
PrivateKey: TypeAlias = "paillier.PrivateKey | ou.PrivateKey"
EncryptedArray: TypeAlias = "paillier.EncryptedArray | ou.EncryptedArray"
Noise: TypeAlias = "paillier.Noise | ou.Noise"


class HEPublicKey(Protocol):
    """What scheme-agnostic code reads from a public key."""

    @property
    def bits(self) -> int:
        """Bits of the modulus ``n``."""

    @property
    def ciphertext_bytes(self) -> int:
        """Bytes of one ciphertext on the wire."""

    @property
    def max_int(self) -> int:
        """The largest magnitude of a signed plaintext."""

    def to_wire(self) -> dict[str, Any]:
        """The key as a wire value, ``{"scheme": ..., ...}``."""


class HEArray(Protocol):
    """What scheme-agnostic code does with an encrypted array (see each scheme's docs)."""

    @property
    def public_key(self) -> HEPublicKey:
        """The key the ciphertexts are under."""

    @property
    def frac_bits(self) -> int:
        """The fixed-point scale of the plaintexts."""

    def __len__(self) -> int: ...

    def __getitem__(self, key: Any) -> HEArray: ...

    def group_sum(
        self, groups: npt.ArrayLike, n_groups: int, *, pool: WorkerPool | None = None
    ) -> HEArray:
        """Sums of the elements by group (columns of ``groups``; -1 leaves an element out)."""

    def pack(self, count: int, shift_bits: int, *, pool: WorkerPool | None = None) -> HEArray:
        """Each ``count`` consecutive ciphertexts joined into one, ``shift_bits`` apart."""

    def to_wire(self, *, obfuscate: bool = True, pool: WorkerPool | None = None) -> dict[str, Any]:
        """The array as a wire value, re-randomised unless ``obfuscate=False``."""


def generate_keypair(
    scheme: Scheme | str, bits: int, *, allow_weak: bool = False
) -> tuple[PublicKey, PrivateKey]:
    """A fresh key pair of ``scheme`` with a ``bits``-bit modulus (see each scheme's keygen)."""
    if Scheme.parse(scheme) is Scheme.OU:
        return ou.generate_keypair(bits, allow_weak=allow_weak)
    return paillier.generate_keypair(bits, allow_weak=allow_weak)


def scheme_of(key: PublicKey | PrivateKey) -> Scheme:
    """The scheme of a key (``TypeError`` for anything else)."""
    if isinstance(key, (ou.PublicKey, ou.PrivateKey)):
        return Scheme.OU
    if isinstance(key, (paillier.PublicKey, paillier.PrivateKey)):
        return Scheme.PAILLIER
    raise TypeError(f"expected a Paillier or OU key, got {type(key).__name__}")


def public_key_from_wire(
    value: object, scheme: Scheme | str, *, allow_weak: bool = False
) -> PublicKey:
    """The public key a peer sent, which must be of ``scheme``; :class:`ProtocolError` if not."""
    expected = Scheme.parse(scheme)
    if not isinstance(value, dict) or value.get("scheme") != expected.value:
        raise ProtocolError(f"expected a public key of scheme {expected.value!r}")
    if expected is Scheme.OU:
        return ou.PublicKey.from_wire(value, allow_weak=allow_weak)
    return paillier.PublicKey.from_wire(value, allow_weak=allow_weak)


def array_from_wire(
    public_key: PublicKey, value: object, *, count: int | None = None
) -> EncryptedArray:
    """An encrypted array a peer sent under ``public_key``, checked (:class:`ProtocolError`)."""
    if isinstance(public_key, ou.PublicKey):
        return ou.EncryptedArray.from_wire(public_key, value, count=count)
    if isinstance(public_key, paillier.PublicKey):
        return paillier.EncryptedArray.from_wire(public_key, value, count=count)
    raise TypeError(f"expected a Paillier or OU public key, got {type(public_key).__name__}")


def array_from_own_rows(public_key: PublicKey, rows: npt.NDArray[np.uint8]) -> EncryptedArray:
    """An array of ciphertext rows (uint8, count x width) that this party checked already.

    For a party's own pool workers, which receive rows their parent decoded with
    :func:`array_from_wire`: OU skips the checks (one multiplication per ciphertext); Paillier
    checks again (it has no unchecked path). Never for bytes from a peer.
    """
    if isinstance(public_key, ou.PublicKey):
        width = public_key.ciphertext_bytes
        if rows.ndim != 2 or rows.shape[1] != width:
            raise ConfigError(f"ciphertext rows must have shape (count, {width})")
        return ou.EncryptedArray(public_key, from_blob(rows.tobytes(), width), 0, obfuscated=True)
    return array_from_wire(public_key, {"frac_bits": 0, "ciphertexts": rows})


def new_noise(key: PublicKey | PrivateKey) -> Noise:
    """An empty store of randomness made ahead for ``key`` (see each scheme's ``Noise``)."""
    if scheme_of(key) is Scheme.OU:
        return ou.Noise(key)  # type: ignore[arg-type]
    return paillier.Noise(key)  # type: ignore[arg-type]


def encrypt(
    key: PublicKey | PrivateKey,
    values: npt.ArrayLike,
    *,
    frac_bits: int | None = None,
    pool: WorkerPool | None = None,
    noise: Noise | None = None,
) -> EncryptedArray:
    """``key.encrypt(values, ...)`` for a key of either scheme; ``noise`` of the same scheme."""
    if isinstance(key, (ou.PublicKey, ou.PrivateKey)):
        if noise is not None and not isinstance(noise, ou.Noise):
            raise TypeError("an OU key needs an OU Noise")
        return key.encrypt(values, frac_bits=frac_bits, pool=pool, noise=noise)
    if isinstance(key, (paillier.PublicKey, paillier.PrivateKey)):
        if noise is not None and not isinstance(noise, paillier.Noise):
            raise TypeError("a Paillier key needs a Paillier Noise")
        return key.encrypt(values, frac_bits=frac_bits, pool=pool, noise=noise)
    raise TypeError(f"expected a Paillier or OU key, got {type(key).__name__}")


def decrypt_ints(
    key: PrivateKey, encrypted: EncryptedArray, *, pool: WorkerPool | None = None
) -> list[int]:
    """The signed integer plaintexts of ``encrypted`` (not scaled), with a key of its scheme."""
    if isinstance(key, ou.PrivateKey) and isinstance(encrypted, ou.EncryptedArray):
        return key.decrypt_ints(encrypted, pool=pool)
    if isinstance(key, paillier.PrivateKey) and isinstance(encrypted, paillier.EncryptedArray):
        return key.decrypt_ints(encrypted, pool=pool)
    raise TypeError(
        f"cannot decrypt a {type(encrypted).__module__} array with a {type(key).__module__} key"
    )


def packing_bits(public_key: PublicKey) -> int:
    """The most bits a packed plaintext may span under ``public_key`` (``Packing.total_bits``).

    Paillier: ``bits - 2`` (see :mod:`confide.crypto.encoding`); OU: ``p_bits - 1``.
    """
    if isinstance(public_key, ou.PublicKey):
        return public_key.packing_bits
    if isinstance(public_key, paillier.PublicKey):
        return public_key.bits - 2
    raise TypeError(f"expected a Paillier or OU public key, got {type(public_key).__name__}")
