"""Okamoto-Uchiyama keys: :class:`PublicKey` and :class:`PrivateKey`.

The scheme, the key's form and the wire form of a public key are described in the package
docstring (:mod:`confide.crypto.ou`); key generation is in :mod:`~confide.crypto.ou.keygen`.
This module sits below the arrays, the noise store and the workers, which all use the keys. The
methods that hand back or take arrays import those modules when called, so no cycle forms.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import gmpy2  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from confide.crypto.he_core.gmp import ONE, Mpz, mpz
from confide.crypto.he_core.keys import (
    EncryptingKey,
    check_key_bits,
    decode_ints,
    decrypt_spread,
)
from confide.crypto.he_core.noise import NoiseStore
from confide.crypto.ou.tables import _WindowTable, magnitude_digits, random_digits
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError, ProtocolError
from confide.params import OU_MIN_KEY_BITS, OU_RANDOM_BITS

if TYPE_CHECKING:
    from confide.crypto.ou.array import EncryptedArray

__all__ = ["WEAK_KEY_FLOOR_BITS", "PrivateKey", "PublicKey"]

WEAK_KEY_FLOOR_BITS = 768
"""Smallest modulus even ``allow_weak=True`` accepts: for fast tests only, never for real data."""


def _check_bits(bits: int, allow_weak: bool) -> None:
    check_key_bits(bits, allow_weak, WEAK_KEY_FLOOR_BITS, OU_MIN_KEY_BITS, "OU")


def prime_bits(bits: int) -> int:
    """Bits of ``p`` in a ``bits``-bit modulus: ``ceil(bits / 3)`` (683 at 2048, as HEU)."""
    return (bits + 2) // 3


class _Encrypting(EncryptingKey["EncryptedArray"]):
    """OU's :meth:`encrypt`, for both keys (a :class:`PrivateKey` computes faster)."""

    __slots__ = ()

    def _encrypt_values(
        self,
        values: npt.ArrayLike,
        frac_bits: int | None,
        pool: WorkerPool | None,
        noise: NoiseStore[Any] | None,
    ) -> EncryptedArray:
        from confide.crypto.ou.encrypt import _encrypt  # above this module

        return _encrypt(cast("PublicKey | PrivateKey", self), values, frac_bits, pool, noise)


class PublicKey(_Encrypting):
    """An OU public key: the modulus ``n = p**2 * q`` and the bases ``g`` and ``h``.

    Validates its input (``n`` an odd composite, not a square, of at least
    :data:`~confide.params.OU_MIN_KEY_BITS` bits unless ``allow_weak``; ``g`` and ``h`` units
    in ``(1, n)``) and raises :class:`ConfigError` otherwise. Builds its fixed-base tables the
    first time it encrypts (about 0.2 s and 30 MiB at 2048 bits).
    """

    __slots__ = ("_lock", "_tables", "bits", "g", "h", "n", "p_bits")

    def __init__(self, n: int, g: int, h: int, *, allow_weak: bool = False) -> None:
        for name, v in (("modulus", n), ("g", g), ("h", h)):
            if isinstance(v, bool) or not isinstance(v, (int, type(ONE))):
                raise TypeError(f"an OU {name} must be an int, got {type(v).__name__}")
        n, g, h = mpz(n), mpz(g), mpz(h)
        _check_bits(int(n.bit_length()), allow_weak)
        if n % 2 == 0 or gmpy2.is_square(n) or gmpy2.is_prime(n, 25):
            raise ConfigError("an OU modulus must be an odd p**2 * q, not a prime or a square")
        for name, v in (("g", g), ("h", h)):
            if not 1 < v < n or gmpy2.gcd(v, n) != 1:
                raise ConfigError(f"the OU base {name} must be a unit in (1, n)")
        self.n: Mpz = n
        self.g: Mpz = g
        self.h: Mpz = h
        self.bits: int = int(n.bit_length())
        self.p_bits: int = prime_bits(self.bits)
        self._lock = threading.Lock()
        self._tables: tuple[_WindowTable, _WindowTable, _WindowTable] | None = None

    # -- identity and wire ----------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, PublicKey)
            and self.n == other.n
            and self.g == other.g
            and self.h == other.h
        )

    def __hash__(self) -> int:
        return hash(("ou", int(self.n), int(self.g), int(self.h)))

    def __repr__(self) -> str:
        return f"PublicKey(ou, bits={self.bits})"

    @property
    def ciphertext_bytes(self) -> int:
        """Bytes of one ciphertext on the wire: ``ceil(bits(n) / 8)`` (256 at 2048 bits)."""
        return (self.bits + 7) // 8

    @property
    def max_int(self) -> int:
        """The largest magnitude of a signed plaintext: ``2**(p_bits - 2) - 1`` (see package)."""
        return (1 << (self.p_bits - 2)) - 1

    @property
    def packing_bits(self) -> int:
        """The most bits a packed plaintext may span (``Packing.total_bits``): ``p_bits - 1``.

        Packed slots keep ``|M| < 2**(total_bits - 1)``, which is then at most ``max_int``.
        """
        return self.p_bits - 1

    def _check_range(self, ints: Sequence[int]) -> None:
        """:class:`ConfigError` unless every ``|v| <= max_int`` (the message names no value)."""
        if ints and max(max(ints), -min(ints)) > self.max_int:
            raise ConfigError(
                f"a plaintext is out of the signed range |v| <= 2**{self.p_bits - 2} - 1 of a "
                f"{self.bits}-bit OU key"
            )

    def to_wire(self) -> dict[str, Any]:
        """The key as a wire value: ``{"scheme": "ou", "n": int, "g": int, "h": int}``."""
        return {"scheme": "ou", "n": int(self.n), "g": int(self.g), "h": int(self.h)}

    @classmethod
    def from_wire(cls, value: object, *, allow_weak: bool = False) -> PublicKey:
        """The key a peer sent; :class:`ProtocolError` if it is malformed or too small."""
        if (
            not isinstance(value, dict)
            or set(value) != {"scheme", "n", "g", "h"}
            or value["scheme"] != "ou"
            or not all(isinstance(value[k], int) and not isinstance(value[k], bool) for k in "ngh")
        ):
            raise ProtocolError(
                "an OU public key must be {'scheme': 'ou', 'n': int, 'g': int, 'h': int}"
            )
        try:
            return cls(value["n"], value["g"], value["h"], allow_weak=allow_weak)
        except ConfigError as exc:
            raise ProtocolError(f"unacceptable OU public key: {exc}") from exc

    # -- encryption -----------------------------------------------------------------------

    def _bases(self) -> tuple[_WindowTable, _WindowTable, _WindowTable]:
        """Tables of ``g``, ``g**-1`` and ``h`` modulo ``n``, made on first use."""
        with self._lock:
            if self._tables is None:
                n = self.n
                self._tables = (
                    _WindowTable(self.g, n),
                    _WindowTable(gmpy2.invert(self.g, n), n),
                    _WindowTable(self.h, n),
                )
            return self._tables

    def _encrypt_ints(self, ints: Sequence[int]) -> list[Mpz]:
        """``g**m * h**r mod n`` for signed ``m`` in range and fresh ``r``."""
        return self._with_plaintexts(ints, self._noise(len(ints)))

    def _noise(self, count: int) -> list[Mpz]:
        """``count`` values ``h**r mod n`` for fresh ``r`` of ``OU_RANDOM_BITS`` bits or more."""
        return self._bases()[2].multiply(None, random_digits(count, OU_RANDOM_BITS))

    def _with_plaintexts(self, ints: Sequence[int], acc: list[Mpz] | None) -> list[Mpz]:
        """``acc[i] * g**ints[i] mod n`` (``acc=None`` for ones), negative exponents too."""
        g, g_inv, _ = self._bases()
        return _signed_powers(ints, acc, g, g_inv)

    def _spec(self) -> tuple[int, ...]:
        """What a worker needs to act with this key: ``(n, g, h)``."""
        return (int(self.n), int(self.g), int(self.h))


class PrivateKey(_Encrypting):
    """An OU private key: ``p``, ``q`` and the prime ``t`` dividing ``p - 1``.

    Decrypts with one exponentiation to ``t`` modulo ``p**2``; encrypts with tables modulo
    ``p**2`` and ``q`` (Chinese remainder theorem), about 1.5 times as fast as the public key,
    with the same distribution of ciphertexts. Its ``repr`` shows no secret.
    """

    __slots__ = ("_crt", "_gt_inv", "_lock", "_p2", "_p2_inv_q", "p", "public_key", "q", "t")

    def __init__(self, public_key: PublicKey, p: int, q: int, t: int) -> None:
        if not isinstance(public_key, PublicKey):
            raise TypeError(f"expected an OU PublicKey, got {type(public_key).__name__}")
        p, q, t = mpz(p), mpz(q), mpz(t)
        if p * p * q != public_key.n or p == q or not (gmpy2.is_prime(p) and gmpy2.is_prime(q)):
            raise ConfigError("p and q must be the distinct primes with n = p**2 * q")
        if p.bit_length() != public_key.p_bits:
            raise ConfigError(f"p must have {public_key.p_bits} bits for this modulus")
        if not gmpy2.is_prime(t) or (p - 1) % t != 0:
            raise ConfigError("t must be a prime factor of p - 1")
        p2 = p * p
        gt = gmpy2.powmod(public_key.g, t, p2)
        if gt == 1 or (gt - 1) % p != 0:
            raise ConfigError("g**t must have order p modulo p**2")
        if gmpy2.powmod(public_key.h, t, p2) != 1:
            raise ConfigError("h must lie in the subgroup of order t modulo p**2")
        self.public_key = public_key
        self.p: Mpz = p
        self.q: Mpz = q
        self.t: Mpz = t
        self._p2: Mpz = p2
        self._gt_inv: Mpz = gmpy2.invert((gt - 1) // p, p)
        self._p2_inv_q: Mpz = gmpy2.invert(p2, q)
        self._lock = threading.Lock()
        self._crt: tuple[tuple[_WindowTable, ...], tuple[_WindowTable, ...]] | None = None

    def __repr__(self) -> str:
        return f"PrivateKey(ou, bits={self.public_key.bits})"

    # -- encryption -----------------------------------------------------------------------

    def _crt_bases(self) -> tuple[tuple[_WindowTable, ...], tuple[_WindowTable, ...]]:
        """Tables of ``g``, ``g**-1``, ``h`` modulo ``p**2`` and modulo ``q``."""
        with self._lock:
            crt = self._crt
            if crt is None:
                pub = self.public_key
                g_inv = gmpy2.invert(pub.g, pub.n)
                bases = (pub.g, g_inv, pub.h)
                crt = (
                    tuple(_WindowTable(b, self._p2) for b in bases),
                    tuple(_WindowTable(b, self.q) for b in bases),
                )
                self._crt = crt
            return crt

    def _encrypt_ints(self, ints: Sequence[int]) -> list[Mpz]:
        digits = random_digits(len(ints), OU_RANDOM_BITS)
        parts = []
        for g, g_inv, h in self._crt_bases():
            parts.append(_signed_powers(ints, h.multiply(None, digits), g, g_inv))
        return self._combine(parts[0], parts[1])

    def _noise(self, count: int) -> list[Mpz]:
        digits = random_digits(count, OU_RANDOM_BITS)
        tp, tq = self._crt_bases()
        return self._combine(tp[2].multiply(None, digits), tq[2].multiply(None, digits))

    def _with_plaintexts(self, ints: Sequence[int], acc: list[Mpz] | None) -> list[Mpz]:
        (gp, gp_inv, _), (gq, gq_inv, _) = self._crt_bases()
        powers = self._combine(
            _signed_powers(ints, None, gp, gp_inv), _signed_powers(ints, None, gq, gq_inv)
        )
        if acc is None:
            return powers
        n = self.public_key.n
        return [a * x % n for a, x in zip(acc, powers, strict=True)]

    def _combine(self, xp: list[Mpz], xq: list[Mpz]) -> list[Mpz]:
        """The ``x mod n`` with ``x = xp (mod p**2)`` and ``x = xq (mod q)``, for each pair."""
        p2, q, k = self._p2, self.q, self._p2_inv_q
        return [a + p2 * ((b - a) * k % q) for a, b in zip(xp, xq, strict=True)]

    def _spec(self) -> tuple[int, ...]:
        """``(n, g, h, p, q, t)``: what a worker needs to act with this key."""
        return (*self.public_key._spec(), int(self.p), int(self.q), int(self.t))

    # -- decryption -----------------------------------------------------------------------

    def decrypt(self, encrypted: EncryptedArray, *, pool: WorkerPool | None = None) -> np.ndarray:
        """The plaintexts of ``encrypted``, decoded with its ``frac_bits``.

        float64 when ``frac_bits > 0``; otherwise int64, or an object array of Python ints if a
        value does not fit int64. Raises :class:`ProtocolError` for a value outside the signed
        range (an overflow) or a ciphertext that is not an encryption under this key.
        """
        return decode_ints(self.decrypt_ints(encrypted, pool=pool), encrypted.frac_bits)

    def decrypt_ints(
        self, encrypted: EncryptedArray, *, pool: WorkerPool | None = None
    ) -> list[int]:
        """The plaintexts as signed Python ints, not scaled by ``frac_bits`` (for packed values).

        Raises :class:`ProtocolError` as :meth:`decrypt` does.
        """
        from confide.crypto.ou.array import EncryptedArray  # above this module
        from confide.crypto.ou.workers import _MIN_CHUNK_DECRYPT, _work_decrypt

        return decrypt_spread(
            self, encrypted, EncryptedArray, _MIN_CHUNK_DECRYPT, _work_decrypt, pool
        )

    def _decrypt_list(self, cs: Sequence[Mpz]) -> list[int]:
        """Signed plaintexts: ``m = L(c**t mod p**2) * L(g**t mod p**2)**-1 mod p``."""
        p, p2, t, k = self.p, self._p2, self.t, self._gt_inv
        bound = self.public_key.max_int
        low = p - bound
        powmod = gmpy2.powmod
        out = []
        for c in cs:
            x = powmod(c, t, p2) - 1
            quotient, remainder = gmpy2.f_divmod(x, p)
            if remainder:
                raise ProtocolError("not a ciphertext under this key (c**t != 1 mod p)")
            m = quotient * k % p
            if m <= bound:
                out.append(int(m))
            elif m >= low:
                out.append(int(m - p))
            else:
                raise ProtocolError(
                    "decrypted value is outside the signed range |v| < 2**(p_bits - 2): an "
                    "overflow in the homomorphic computation, or not an encoded value"
                )
        return out


def _signed_powers(
    ints: Sequence[int], acc: list[Mpz] | None, pos: _WindowTable, neg: _WindowTable
) -> list[Mpz]:
    """``acc[i] * base**ints[i]``, from the table of the base (``pos``) or of its inverse."""
    negative = np.array([v < 0 for v in ints], dtype=bool)
    digits = magnitude_digits(ints)
    if not negative.any():
        return pos.multiply(acc, digits)
    if negative.all():
        return neg.multiply(acc, digits)
    out: list[Mpz] = [ONE] * len(ints)
    for table, index in ((pos, np.flatnonzero(~negative)), (neg, np.flatnonzero(negative))):
        picked = index.tolist()
        start = None if acc is None else [acc[i] for i in picked]
        for i, value in zip(picked, table.multiply(start, digits[index]), strict=True):
            out[i] = value
    return out
