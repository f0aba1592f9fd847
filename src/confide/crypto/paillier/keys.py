"""Paillier keys: :class:`PublicKey`, :class:`PrivateKey`, and :class:`Randomness`.

The scheme, the two kinds of randomness and the wire form of a public key are described in the
package docstring (:mod:`confide.crypto.paillier`). Key generation is in
:mod:`~confide.crypto.paillier.keygen`.

This module sits below the arrays, the noise store and the workers, which all use the keys. The
two methods that hand back or take arrays (``encrypt`` and ``decrypt_residues``) import those
modules when they are called, not at the top, so that no import cycle forms.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

import gmpy2  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from confide.crypto.encoding import from_residues, signed_bound
from confide.crypto.he_core.gmp import ONE, Mpz, mpz
from confide.crypto.he_core.keys import (
    EncryptingKey,
    check_key_bits,
    decode_ints,
    decrypt_spread,
    random_unit,
)
from confide.crypto.he_core.noise import NoiseStore
from confide.crypto.paillier.fixed_base import _FixedBase
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError, ProtocolError
from confide.params import PAILLIER_MIN_KEY_BITS

if TYPE_CHECKING:
    from confide.crypto.paillier.array import EncryptedArray

__all__ = ["WEAK_KEY_FLOOR_BITS", "PrivateKey", "PublicKey", "Randomness"]

WEAK_KEY_FLOOR_BITS = 512
"""Smallest modulus even ``allow_weak=True`` accepts: for fast tests only, never for real data."""


class Randomness(str, Enum):
    """How the random n-th residue ``r**n`` of an encryption is made (see the module docstring)."""

    DJN = "djn"
    """``h_s**a`` with a fixed-base table and an exponent of half the key length (default)."""
    STANDARD = "standard"
    """``r**n`` for ``r`` uniform in ``Z_n^*``: DCR alone, 10 to 15 times slower."""


def _check_bits(bits: int, allow_weak: bool) -> None:
    check_key_bits(bits, allow_weak, WEAK_KEY_FLOOR_BITS, PAILLIER_MIN_KEY_BITS, "Paillier")


def _apply_plaintexts(residues: Sequence[int], cs: Sequence[Mpz], pub: PublicKey) -> list[Mpz]:
    """``c * (1 + m*n) mod n**2`` for each pair, as ``c + n*(m*c mod n)``: half-size work."""
    n, n2 = pub.n, pub.nsquare
    out = []
    for m, c in zip(residues, cs, strict=True):
        x = c + n * (m * c % n)
        out.append(x - n2 if x >= n2 else x)
    return out


class _Encrypting(EncryptingKey["EncryptedArray"]):
    """Paillier's :meth:`encrypt`, for both keys, with a choice of :class:`Randomness`."""

    __slots__ = ()

    def encrypt(
        self,
        values: npt.ArrayLike,
        *,
        frac_bits: int | None = None,
        randomness: Randomness = Randomness.DJN,
        pool: WorkerPool | None = None,
        noise: NoiseStore[Any] | None = None,
    ) -> EncryptedArray:
        """Encrypt a one-dimensional array of numbers, with ``randomness`` (DJN by default).

        As :meth:`confide.crypto.he_core.keys.EncryptingKey.encrypt`, whose rules (encoding,
        ``frac_bits``, the range ``|v| <= max_int = n // 3 - 1``, ``noise``, ``pool``) hold
        here; with ``noise``, the randomness is the store's own kind and ``randomness`` is not
        used. A :class:`PrivateKey` computes the randomness modulo ``p**2`` and ``q**2``.
        """
        from confide.crypto.paillier.encrypt import _encrypt  # above this module

        key = cast("PublicKey | PrivateKey", self)
        return _encrypt(key, values, frac_bits, Randomness(randomness), pool, noise)

    def _encrypt_values(
        self,
        values: npt.ArrayLike,
        frac_bits: int | None,
        pool: WorkerPool | None,
        noise: NoiseStore[Any] | None,
    ) -> EncryptedArray:
        return self.encrypt(values, frac_bits=frac_bits, pool=pool, noise=noise)


class PublicKey(_Encrypting):
    """A Paillier public key: the modulus ``n`` (``g = n + 1``).

    Validates ``n`` (an odd composite that is not a square, of at least
    :data:`~confide.params.PAILLIER_MIN_KEY_BITS` bits unless ``allow_weak``) and raises
    :class:`ConfigError` otherwise. Each ``PublicKey`` object draws its own DJN base ``h_s`` the
    first time it encrypts or obfuscates, and builds its fixed-base table then (0.2 s).
    """

    __slots__ = ("_hs", "_lock", "_table", "bits", "n", "nsquare")

    def __init__(self, n: int, *, allow_weak: bool = False) -> None:
        if isinstance(n, bool) or not isinstance(n, (int, type(ONE))):
            raise TypeError(f"a Paillier modulus must be an int, got {type(n).__name__}")
        n = mpz(n)
        _check_bits(n.bit_length(), allow_weak)
        if n % 2 == 0 or gmpy2.is_square(n) or gmpy2.is_prime(n, 25):
            raise ConfigError("a Paillier modulus must be an odd product of two distinct primes")
        self.n: Mpz = n
        self.nsquare: Mpz = n * n
        self.bits: int = int(n.bit_length())
        self._lock = threading.Lock()
        self._hs: Mpz | None = None
        self._table: _FixedBase | None = None

    # -- identity and wire ----------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PublicKey) and self.n == other.n

    def __hash__(self) -> int:
        return hash(("paillier", int(self.n)))

    def __repr__(self) -> str:
        return f"PublicKey(bits={self.bits})"

    @property
    def ciphertext_bytes(self) -> int:
        """Bytes of one ciphertext on the wire: ``ceil(bits(n**2) / 8)``."""
        return int((self.nsquare.bit_length() + 7) // 8)

    @property
    def max_int(self) -> int:
        """The largest magnitude of a signed plaintext: ``n // 3 - 1`` (as python-paillier)."""
        return signed_bound(int(self.n))

    def to_wire(self) -> dict[str, Any]:
        """The key as a wire value: ``{"scheme": "paillier", "n": int}``."""
        return {"scheme": "paillier", "n": int(self.n)}

    @classmethod
    def from_wire(cls, value: object, *, allow_weak: bool = False) -> PublicKey:
        """The key a peer sent; :class:`ProtocolError` if it is malformed or too small."""
        if (
            not isinstance(value, dict)
            or set(value) != {"scheme", "n"}
            or value["scheme"] != "paillier"
            or not isinstance(value["n"], int)
            or isinstance(value["n"], bool)
        ):
            raise ProtocolError("a Paillier public key must be {'scheme': 'paillier', 'n': int}")
        try:
            return cls(value["n"], allow_weak=allow_weak)
        except ConfigError as exc:
            raise ProtocolError(f"unacceptable Paillier public key: {exc}") from exc

    # -- encryption -----------------------------------------------------------------------

    def _encrypt_residues(self, residues: Sequence[int], randomness: Randomness) -> list[Mpz]:
        return _apply_plaintexts(residues, self._noise(len(residues), randomness), self)

    def _noise(self, count: int, randomness: Randomness) -> list[Mpz]:
        """``count`` random n-th residues ``r**n mod n**2``."""
        if randomness is Randomness.STANDARD:
            n, n2 = self.n, self.nsquare
            return [gmpy2.powmod(random_unit(n), n, n2) for _ in range(count)]
        width = _djn_exp_bytes(self.bits)
        return self._djn_table().powers(secrets.token_bytes(count * width), width)

    def _djn_base(self) -> Mpz:
        """This object's ``h_s = (-x**2)**n mod n**2`` for a secret ``x``, drawn on first use."""
        with self._lock:
            if self._hs is None:
                x = random_unit(self.n)
                self._hs = gmpy2.powmod(-x * x % self.n, self.n, self.nsquare)
            return self._hs

    def _djn_table(self) -> _FixedBase:
        hs = self._djn_base()
        with self._lock:
            if self._table is None:
                self._table = _FixedBase(hs, self.nsquare, _djn_exp_bytes(self.bits))
            return self._table

    def _spec(self, randomness: Randomness | None = None) -> tuple[int, ...]:
        """What a worker needs to act with this key: ``(n, h_s)``, ``h_s`` 0 where not needed."""
        hs = self._djn_base() if randomness is Randomness.DJN else 0
        return (int(self.n), int(hs))


class PrivateKey(_Encrypting):
    """A Paillier private key: the primes ``p`` and ``q`` of its :attr:`public_key`.

    Decrypts with the Chinese remainder theorem and encrypts about twice as fast as the public
    key (its DJN table works modulo ``p**2`` and ``q**2``). Its ``repr`` shows no secret.
    """

    __slots__ = (
        "_crt",
        "_hp",
        "_hq",
        "_lock",
        "_p2",
        "_pm1",
        "_q2",
        "_q2_inv_p2",
        "_q_inv_p",
        "_qm1",
        "p",
        "public_key",
        "q",
    )

    def __init__(self, public_key: PublicKey, p: int, q: int) -> None:
        if not isinstance(public_key, PublicKey):
            raise TypeError(f"expected a PublicKey, got {type(public_key).__name__}")
        p, q = mpz(p), mpz(q)
        if p * q != public_key.n or p == q or not (gmpy2.is_prime(p) and gmpy2.is_prime(q)):
            raise ConfigError("p and q must be the two distinct prime factors of n")
        self.public_key = public_key
        self.p: Mpz = p
        self.q: Mpz = q
        self._p2: Mpz = p * p
        self._q2: Mpz = q * q
        self._pm1: Mpz = p - 1
        self._qm1: Mpz = q - 1
        g = public_key.n + 1
        self._hp: Mpz = gmpy2.invert((gmpy2.powmod(g, p - 1, self._p2) - 1) // p, p)
        self._hq: Mpz = gmpy2.invert((gmpy2.powmod(g, q - 1, self._q2) - 1) // q, q)
        self._q_inv_p: Mpz = gmpy2.invert(q, p)
        self._q2_inv_p2: Mpz = gmpy2.invert(self._q2, self._p2)
        self._lock = threading.Lock()
        self._crt: tuple[_FixedBase, _FixedBase] | None = None

    def __repr__(self) -> str:
        return f"PrivateKey(bits={self.public_key.bits})"

    # -- encryption -----------------------------------------------------------------------

    def _encrypt_residues(self, residues: Sequence[int], randomness: Randomness) -> list[Mpz]:
        return _apply_plaintexts(residues, self._noise(len(residues), randomness), self.public_key)

    def _noise(self, count: int, randomness: Randomness) -> list[Mpz]:
        """``count`` random n-th residues mod ``n**2``, computed mod ``p**2`` and ``q**2``."""
        pub = self.public_key
        if randomness is Randomness.STANDARD:
            units = [random_unit(pub.n) for _ in range(count)]
            n = pub.n
            rp = [gmpy2.powmod(r, n, self._p2) for r in units]
            rq = [gmpy2.powmod(r, n, self._q2) for r in units]
        else:
            tp, tq = self._crt_tables()
            width = _djn_exp_bytes(pub.bits)
            digits = secrets.token_bytes(count * width)
            rp = tp.powers(digits, width)
            rq = tq.powers(digits, width)
        return [self._combine(a, b) for a, b in zip(rp, rq, strict=True)]

    def _combine(self, xp: Mpz, xq: Mpz) -> Mpz:
        """The ``x mod n**2`` with ``x = xp (mod p**2)`` and ``x = xq (mod q**2)``."""
        return xq + self._q2 * ((xp - xq) * self._q2_inv_p2 % self._p2)

    def _crt_tables(self) -> tuple[_FixedBase, _FixedBase]:
        with self._lock:
            if self._crt is None:
                self._crt = self._make_crt(self.public_key._djn_base())
            return self._crt

    def _make_crt(self, hs: Mpz) -> tuple[_FixedBase, _FixedBase]:
        width = _djn_exp_bytes(self.public_key.bits)
        return _FixedBase(hs, self._p2, width), _FixedBase(hs, self._q2, width)

    def _spec(self, randomness: Randomness | None = None) -> tuple[int, ...]:
        """``(n, h_s, p, q)``: what a worker needs to act with this key."""
        return (*self.public_key._spec(randomness), int(self.p), int(self.q))

    # -- decryption -----------------------------------------------------------------------

    def decrypt(self, encrypted: EncryptedArray, *, pool: WorkerPool | None = None) -> np.ndarray:
        """The plaintexts of ``encrypted``, decoded with its ``frac_bits``.

        float64 when ``frac_bits > 0``; otherwise int64, or an object array of Python ints if a
        value does not fit int64. Raises :class:`ProtocolError` for a value in the middle third
        (an overflow, or not an encryption of an encoded value).
        """
        return decode_ints(self.decrypt_ints(encrypted, pool=pool), encrypted.frac_bits)

    def decrypt_ints(
        self, encrypted: EncryptedArray, *, pool: WorkerPool | None = None
    ) -> list[int]:
        """The plaintexts as signed Python ints, not scaled by ``frac_bits`` (for packed values).

        Raises :class:`ProtocolError` for a value in the middle third.
        """
        return from_residues(self.decrypt_residues(encrypted, pool=pool), self.public_key.n)

    def decrypt_residues(
        self, encrypted: EncryptedArray, *, pool: WorkerPool | None = None
    ) -> list[int]:
        """The raw plaintexts, residues in ``[0, n)``."""
        from confide.crypto.paillier.array import EncryptedArray  # above this module
        from confide.crypto.paillier.workers import _MIN_CHUNK_DECRYPT, _work_decrypt

        return decrypt_spread(
            self, encrypted, EncryptedArray, _MIN_CHUNK_DECRYPT, _work_decrypt, pool
        )

    def _decrypt_list(self, cs: Sequence[Mpz]) -> list[Mpz]:
        p, q, p2, q2 = self.p, self.q, self._p2, self._q2
        pm1, qm1, hp, hq, q_inv_p = self._pm1, self._qm1, self._hp, self._hq, self._q_inv_p
        powmod = gmpy2.powmod
        out = []
        for c in cs:
            mp = (powmod(c, pm1, p2) - 1) // p * hp % p
            mq = (powmod(c, qm1, q2) - 1) // q * hq % q
            out.append(mq + q * ((mp - mq) * q_inv_p % p))
        return out


def _djn_exp_bytes(bits: int) -> int:
    """Bytes of the DJN exponent: ``ceil(bits/2)`` bits (DJN 2010), rounded up to whole bytes."""
    return ((bits + 1) // 2 + 7) // 8
