"""Paillier additively homomorphic encryption over arrays, on gmpy2.

The scheme (Paillier, EUROCRYPT 1999), with the usual choices:

- Keys: ``n = p * q`` for two random primes of equal length with ``p = q = 3 (mod 4)``,
  ``gcd(p - 1, q - 1) = 2`` and ``|p - q| > 2**(bits/2 - 100)``, drawn from ``secrets``;
  ``g = n + 1``, so that ``g**m = 1 + m*n (mod n**2)`` costs one multiplication.
- Encryption: ``c = (1 + m*n) * r**n mod n**2``, with ``r**n`` a random n-th residue (below).
- Decryption with the Chinese remainder theorem: ``m_p = L_p(c**(p-1) mod p**2) * h_p mod p``
  with ``L_p(x) = (x - 1) / p`` and ``h_p = L_p(g**(p-1) mod p**2)**-1 mod p``, the same mod
  ``q``, then ``m`` from ``(m_p, m_q)``: two half-size exponentiations instead of one full one.
- Homomorphisms: ``E(a) * E(b) = E(a + b)``, ``E(a) * (1 + b*n) = E(a + b)``,
  ``E(a)**k = E(k * a)``, ``E(a)**-1 = E(-a)``, all mod ``n**2``.

Plaintexts are residues mod ``n``; :mod:`confide.crypto.encoding` maps signed integers, signed
fixed point and packed slots onto them (negative ``v`` as ``n - |v|``, the middle third an
overflow error, as in python-paillier, so the two libraries interoperate: a ciphertext made here
decrypts with ``phe`` given the same ``p`` and ``q``, and the other way round).

Randomness ``r**n``: two ways (:class:`Randomness`)
----------------------------------------------------
``STANDARD``
    ``r`` uniform in ``Z_n^*`` and a full exponentiation ``r**n mod n**2`` (a 2048-bit exponent
    modulo a 4096-bit number, about 9 ms; about 6 ms for the private-key holder, which computes
    modulo ``p**2`` and ``q**2``). Semantic security rests on the decisional composite
    residuosity (DCR) assumption alone.
``DJN`` (the default)
    The variant of Damgård, Jurik and Nielsen ("A generalization of Paillier's public-key system
    with applications to electronic voting", Int. J. Inf. Secur. 9(6), 2010): each party that
    encrypts draws once ``x`` in ``Z_n^*`` and sets ``h = -x**2 mod n``, ``h_s = h**n mod n**2``;
    each encryption then uses ``r**n = h_s**a`` for a uniform exponent ``a`` of ``ceil(k/2)``
    bits, ``k`` the bits of ``n``. ``h_s`` is a fixed base, so a table of
    ``h_s**(d * 256**i)`` for every byte value ``d`` and byte position ``i`` turns each
    ``h_s**a`` into one multiplication per byte of ``a`` (128 for a 2048-bit key) instead of
    about 1,200 squarings and multiplications; the private-key holder keeps the table modulo
    ``p**2`` and ``q**2``, where multiplications cost a third. The assumption: ``h**a`` for
    ``a`` of half the length of ``n`` is indistinguishable from ``h**x`` for a full-length
    ``x``. Håstad, Schrift and Shamir ("The discrete logarithm modulo a composite hides O(n)
    bits", JCSS 47(3), 1993) show that exponentiation modulo a composite hides half of the
    exponent's bits if factoring ``n`` is hard, which is what lets an exponent of half the
    length stand in for a full one; DJN build the variant on this (with DCR for the rest).
    HEU's Paillier (``paillier_zahlen``) encrypts this way, with the same exponent length.
    Why it is our default too: its extra assumption rests on factoring, which Paillier's
    security needs anyway, and it is what makes the throughput the issue asks for possible in
    Python; ``STANDARD`` remains one argument away.
    ``h_s`` is drawn by each party for itself (it is derived from ``n`` and the party's own
    secret ``x``, never received from a peer), so a peer cannot weaken it.

Either kind can be made ahead of time, off the critical path: a :class:`Noise` holds ``r**n``
values filled (in the background, over a pool) before the plaintexts are known, and each is
handed out once; an encryption from it costs one multiplication.

Obfuscation
-----------
A sum or product of ciphertexts is a deterministic function of its inputs; whoever made the
inputs (and knows their randomness, as the private-key holder can recover it) could tell which
inputs were combined. :meth:`EncryptedArray.obfuscate` multiplies by a fresh ``r**n``. Every
array knows whether it is fresh (straight from encryption, obfuscation or the wire) and
:meth:`EncryptedArray.to_wire` obfuscates what is not, unless told otherwise.

Arrays, wire and cores
----------------------
:class:`EncryptedArray` is a one-dimensional array of ciphertexts with a fixed-point scale
(``frac_bits``). Large arrays spread over a :class:`~confide.crypto.parallel.WorkerPool` passed
as ``pool=``; small ones stay in this process. On the wire an array is
``{"frac_bits": int, "ciphertexts": uint8 array of shape (count, width)}``, each row one
ciphertext as ``width = ceil(bits(n**2) / 8)`` big-endian bytes; decoding checks the layout,
``1 <= c < n**2`` for each, and (one multiplication each, one gcd in all) that every ``c`` is
coprime with ``n``, raising :class:`~confide.errors.ProtocolError` otherwise. A public key on the
wire is ``{"scheme": "paillier", "n": int}``.

Who learns what: the holder of the private key learns every plaintext it decrypts and nothing
else; everyone else learns the sizes of the arrays and nothing about their contents (semantic
security). Semi-honest parties; a peer's ciphertexts are checked for form, not for being
honest encryptions.
"""

from __future__ import annotations

import functools
import secrets
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from enum import Enum
from typing import Any, TypeAlias, TypeVar

import gmpy2  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from confide.crypto.encoding import (
    decode_fixed,
    encode_fixed,
    from_residues,
    is_float_input,
    signed_bound,
    to_residues,
)
from confide.crypto.parallel import WorkerPool, split
from confide.errors import ConfigError, ProtocolError
from confide.params import PAILLIER_FRAC_BITS, PAILLIER_KEY_BITS, PAILLIER_MIN_KEY_BITS

__all__ = [
    "EncryptedArray",
    "Noise",
    "PrivateKey",
    "PublicKey",
    "Randomness",
    "WEAK_KEY_FLOOR_BITS",
    "generate_keypair",
]

mpz = gmpy2.mpz
Mpz: TypeAlias = Any  # gmpy2 ships no type information
_ONE = mpz(1)
_T = TypeVar("_T")

WEAK_KEY_FLOOR_BITS = 512
"""Smallest modulus even ``allow_weak=True`` accepts: for fast tests only, never for real data."""

# Miller-Rabin rounds on top of GMP's Baillie-PSW test in mpz_probab_prime_p (GMP 6.2+): well
# past the 2**-112 error FIPS 186-5, appendix B.3, asks of probable primes.
_PRIME_TEST_REPS = 50

# Operations on fewer elements than this per chunk stay in this process: shipping the work to a
# worker costs more than it saves. Tuned on a 2048-bit key (each op's cost in the comment).
_MIN_CHUNK_ENCRYPT = 32  # ~0.4-0.6 ms per element
_MIN_CHUNK_DECRYPT = 8  # ~3 ms
_MIN_CHUNK_MUL = 64  # ~4 us per exponent bit
_MIN_CHUNK_GROUP = 1024  # per feature column, ~5 us per element


class Randomness(str, Enum):
    """How the random n-th residue ``r**n`` of an encryption is made (see the module docstring)."""

    DJN = "djn"
    """``h_s**a`` with a fixed-base table and an exponent of half the key length (default)."""
    STANDARD = "standard"
    """``r**n`` for ``r`` uniform in ``Z_n^*``: DCR alone, 10 to 15 times slower."""


def generate_keypair(
    bits: int = PAILLIER_KEY_BITS, *, allow_weak: bool = False
) -> tuple[PublicKey, PrivateKey]:
    """A fresh Paillier key pair with a ``bits``-bit modulus (primes from ``secrets``).

    ``bits`` is even and at least :data:`~confide.params.PAILLIER_MIN_KEY_BITS` (2048, 112-bit
    security); pass :data:`~confide.params.PAILLIER_KEY_BITS_128` (3072) for 128-bit security.
    ``allow_weak=True`` lets tests use keys down to :data:`WEAK_KEY_FLOOR_BITS`. Takes about
    0.1 s at 2048 bits and 0.5 s at 3072.
    """
    _check_bits(bits, allow_weak)
    if bits % 2:
        raise ConfigError(f"a Paillier modulus needs an even number of bits, got {bits}")
    half = bits // 2
    while True:
        p = _random_prime(half)
        q = _random_prime(half)
        # DJN need gcd(p-1, q-1) = 2 (with p = q = 3 mod 4) for h = -x**2 to generate the
        # subgroup of Jacobi symbol 1; FIPS 186-5, A.1.3 asks |p - q| > 2**(bits/2 - 100)
        # against Fermat factoring.
        if p == q or gmpy2.gcd(p - 1, q - 1) != 2 or abs(p - q) >> (half - 100) == 0:
            continue
        if (p * q).bit_length() == bits:  # always, with the top two bits of p and q set
            break
    public_key = PublicKey(p * q, allow_weak=allow_weak)
    return public_key, PrivateKey(public_key, int(p), int(q))


def _check_bits(bits: int, allow_weak: bool) -> None:
    if isinstance(bits, bool) or not isinstance(bits, int):
        raise TypeError(f"key bits must be an int, got {type(bits).__name__}")
    floor = WEAK_KEY_FLOOR_BITS if allow_weak else PAILLIER_MIN_KEY_BITS
    if bits < floor:
        hint = "" if allow_weak else " (allow_weak=True admits smaller keys for tests)"
        raise ConfigError(f"a {bits}-bit Paillier modulus is below the minimum {floor}{hint}")


def _random_prime(bits: int) -> Mpz:
    """A uniformly drawn prime of exactly ``bits`` bits, top two bits set, ``= 3 (mod 4)``."""
    top = 3 << (bits - 2)
    while True:
        candidate = mpz(secrets.randbits(bits) | top | 3)
        if gmpy2.is_prime(candidate, _PRIME_TEST_REPS):
            return candidate


class _FixedBase:
    """``base**e mod modulus`` for many exponents ``e``, by a table with one row per byte of ``e``.

    Row ``i`` holds ``base**(d * 256**i)`` for ``d`` in 1..255, so ``base**e`` is the product of
    one entry per nonzero byte of ``e``: ``len(e) - 1`` multiplications at most. The table has
    ``255 * exp_bytes`` entries (about 17 MiB for a 4096-bit modulus and 128-byte exponents,
    9 MiB for a 2048-bit one).
    """

    __slots__ = ("modulus", "rows")

    def __init__(self, base: Mpz, modulus: Mpz, exp_bytes: int) -> None:
        self.modulus = modulus
        rows = []
        step = base % modulus
        for _ in range(exp_bytes):
            row = [_ONE, step]
            x = step
            for _ in range(254):
                x = x * step % modulus
                row.append(x)
            rows.append(row)
            step = x * step % modulus  # step**256: the base of the next byte position
        self.rows = rows

    def powers(self, digits: bytes, exp_bytes: int) -> list[Mpz]:
        """``base**e`` for each ``exp_bytes``-byte little-endian exponent ``e`` in ``digits``."""
        rows = self.rows
        modulus = self.modulus
        out = []
        for start in range(0, len(digits), exp_bytes):
            acc = _ONE
            for row, d in zip(rows, digits[start : start + exp_bytes], strict=True):
                if d:
                    acc = acc * row[d] % modulus
            out.append(acc)
        return out


class PublicKey:
    """A Paillier public key: the modulus ``n`` (``g = n + 1``).

    Validates ``n`` (an odd composite that is not a square, of at least
    :data:`~confide.params.PAILLIER_MIN_KEY_BITS` bits unless ``allow_weak``) and raises
    :class:`ConfigError` otherwise. Each ``PublicKey`` object draws its own DJN base ``h_s`` the
    first time it encrypts or obfuscates, and builds its fixed-base table then (0.2 s).
    """

    __slots__ = ("_hs", "_lock", "_table", "bits", "n", "nsquare")

    def __init__(self, n: int, *, allow_weak: bool = False) -> None:
        if isinstance(n, bool) or not isinstance(n, (int, type(_ONE))):
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

    def encrypt(
        self,
        values: npt.ArrayLike,
        *,
        frac_bits: int | None = None,
        randomness: Randomness = Randomness.DJN,
        pool: WorkerPool | None = None,
        noise: Noise | None = None,
    ) -> EncryptedArray:
        """Encrypt a one-dimensional array of numbers.

        Integers (numpy ints or Python ints of any size, e.g. packed plaintexts) are encrypted
        exactly, scaled by ``2**frac_bits``; floats as fixed point with ``frac_bits``
        fractional bits. ``frac_bits=None`` means 0 for integers and
        :data:`~confide.params.PAILLIER_FRAC_BITS` for floats. Each encoded value must satisfy
        ``|v| <= n // 3 - 1`` (:class:`ConfigError` otherwise). With ``noise``, the randomness
        comes from it (made ahead of time, of its own :class:`Randomness`) and ``randomness``
        is not used; otherwise it is made now, over ``pool`` for large arrays.
        """
        return _encrypt(self, values, frac_bits, randomness, pool, noise)

    def _encrypt_residues(self, residues: Sequence[int], randomness: Randomness) -> list[Mpz]:
        return _apply_plaintexts(residues, self._noise(len(residues), randomness), self)

    def _noise(self, count: int, randomness: Randomness) -> list[Mpz]:
        """``count`` random n-th residues ``r**n mod n**2``."""
        if randomness is Randomness.STANDARD:
            n, n2 = self.n, self.nsquare
            return [gmpy2.powmod(_random_unit(n), n, n2) for _ in range(count)]
        width = _djn_exp_bytes(self.bits)
        return self._djn_table().powers(secrets.token_bytes(count * width), width)

    def _djn_base(self) -> Mpz:
        """This object's ``h_s = (-x**2)**n mod n**2`` for a secret ``x``, drawn on first use."""
        with self._lock:
            if self._hs is None:
                x = _random_unit(self.n)
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


class PrivateKey:
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

    def encrypt(
        self,
        values: npt.ArrayLike,
        *,
        frac_bits: int | None = None,
        randomness: Randomness = Randomness.DJN,
        pool: WorkerPool | None = None,
        noise: Noise | None = None,
    ) -> EncryptedArray:
        """Like :meth:`PublicKey.encrypt`, with the randomness computed modulo ``p**2``, ``q**2``.

        The ciphertexts are exactly as the public key would make them (same distribution),
        only faster.
        """
        return _encrypt(self, values, frac_bits, randomness, pool, noise)

    def _encrypt_residues(self, residues: Sequence[int], randomness: Randomness) -> list[Mpz]:
        return _apply_plaintexts(residues, self._noise(len(residues), randomness), self.public_key)

    def _noise(self, count: int, randomness: Randomness) -> list[Mpz]:
        """``count`` random n-th residues mod ``n**2``, computed mod ``p**2`` and ``q**2``."""
        pub = self.public_key
        if randomness is Randomness.STANDARD:
            units = [_random_unit(pub.n) for _ in range(count)]
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
        ints = self.decrypt_ints(encrypted, pool=pool)
        if encrypted.frac_bits:
            return decode_fixed(ints, encrypted.frac_bits)
        if all(-(2**63) <= v < 2**63 for v in ints):
            return np.array(ints, dtype=np.int64)
        out = np.empty(len(ints), dtype=object)
        out[:] = ints
        return out

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
        if not isinstance(encrypted, EncryptedArray):
            raise TypeError(f"expected an EncryptedArray, got {type(encrypted).__name__}")
        if encrypted.public_key != self.public_key:
            raise ConfigError("the array was encrypted under another public key")
        cs = encrypted._c
        width = self.public_key.ciphertext_bytes
        out = _spread(
            pool,
            len(cs),
            _MIN_CHUNK_DECRYPT,
            lambda s: self._decrypt_list(cs[s]),
            _work_decrypt,
            lambda s: (self._spec(), _to_blob(cs[s], width)),
            None,
        )
        return [int(m) for m in out]

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


class Noise:
    """Random n-th residues ``r**n mod n**2`` made ahead of time, each handed out once.

    The randomness is the expensive part of an encryption and does not depend on the plaintext.
    A party that will encrypt soon (SecureBoost's label holder, while the feature holders build
    their histograms) fills a ``Noise`` in the background, then encrypts at the cost of one
    multiplication per value: ``key.encrypt(values, noise=noise)``. Values leave the store as
    they are taken, so none is ever used twice; if the store runs short, the rest is made on the
    spot. Made with a :class:`PrivateKey`, the values are computed mod ``p**2`` and ``q**2``.
    The store lives in this process's memory; it is as secret as the plaintexts it will hide.
    """

    def __init__(
        self, key: PublicKey | PrivateKey, *, randomness: Randomness = Randomness.DJN
    ) -> None:
        if not isinstance(key, (PublicKey, PrivateKey)):
            raise TypeError(f"expected a PublicKey or PrivateKey, got {type(key).__name__}")
        self._key = key
        self.randomness = Randomness(randomness)
        self._store: list[Mpz] = []
        self._lock = threading.Lock()

    @property
    def public_key(self) -> PublicKey:
        """The key the values belong to."""
        key = self._key
        return key if isinstance(key, PublicKey) else key.public_key

    def __len__(self) -> int:
        with self._lock:
            return len(self._store)

    def __repr__(self) -> str:
        return f"Noise(len={len(self)}, bits={self.public_key.bits}, {self.randomness.value})"

    def fill(self, count: int, *, pool: WorkerPool | None = None) -> None:
        """Make ``count`` more values now (over ``pool`` if given) and store them."""
        values = self._make(count, pool)
        with self._lock:
            self._store.extend(values)

    def fill_in_background(self, count: int, *, pool: WorkerPool | None = None) -> Future[None]:
        """Start :meth:`fill` in a thread and return at once; the future tells when it is done.

        With a ``pool``, the thread only waits for the workers; without one, it competes with
        this process's other threads for the interpreter lock, which suits a party that is
        waiting for a peer.
        """
        done: Future[None] = Future()

        def run() -> None:
            try:
                self.fill(count, pool=pool)
            except BaseException as exc:  # handed to whoever waits on the future
                done.set_exception(exc)
            else:
                done.set_result(None)

        threading.Thread(target=run, name="confide-paillier-noise", daemon=True).start()
        return done

    def take(self, count: int, *, pool: WorkerPool | None = None) -> list[Mpz]:
        """Remove and return ``count`` values, making any shortfall now."""
        _check_count(count)
        with self._lock:
            taken = self._store[:count]
            del self._store[:count]
        if len(taken) < count:
            taken += self._make(count - len(taken), pool)
        return taken

    def _make(self, count: int, pool: WorkerPool | None) -> list[Mpz]:
        _check_count(count)
        key, randomness = self._key, self.randomness
        return _spread(
            pool,
            count,
            _MIN_CHUNK_ENCRYPT,
            lambda s: key._noise(s.stop - s.start, randomness),
            _work_noise,
            lambda s: (key._spec(randomness), s.stop - s.start, randomness.value),
            self.public_key.ciphertext_bytes,
        )


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ConfigError(f"count must be an int >= 0, got {count!r}")


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


def _take_noise(noise: Noise, pub: PublicKey, count: int, pool: WorkerPool | None) -> list[Mpz]:
    if not isinstance(noise, Noise):
        raise TypeError(f"noise must be a Noise, got {type(noise).__name__}")
    if noise.public_key != pub:
        raise ConfigError("the noise was made for another public key")
    return noise.take(count, pool=pool)


class EncryptedArray:
    """A one-dimensional array of Paillier ciphertexts under one public key.

    ``frac_bits`` is the fixed-point scale of the plaintexts (0 for integers). Arithmetic:

    - ``a + b``, ``a - b``, ``-a``: with another encrypted array (same key; same length or one
      of them of length 1; scales aligned to the larger) or with plaintext numbers (a scalar or
      an array of the same length, encoded with ``a.frac_bits``; floats need
      ``a.frac_bits > 0``).
    - ``a * k``: by plaintext integers (scale unchanged) or floats (encoded with
      :data:`~confide.params.PAILLIER_FRAC_BITS` more fractional bits; see :meth:`mul`).
    - :meth:`sum`, :meth:`group_sum` (sums over index sets, the histogram of SecureBoost),
      :meth:`pack` (several ciphertexts into one, to cut decryptions and bytes).

    Results of arithmetic are not fresh (``obfuscated`` is False) until :meth:`obfuscate`;
    :meth:`to_wire` obfuscates them by default. An int index gives a one-element array: there
    is no scalar ciphertext type. Arrays come from ``encrypt``, :meth:`from_wire` and
    :meth:`from_ciphertexts` (which check their input), not from the constructor.
    """

    __slots__ = ("_c", "frac_bits", "obfuscated", "public_key")
    __array_ufunc__ = None  # so that ``ndarray + EncryptedArray`` calls our __radd__

    def __init__(
        self, public_key: PublicKey, ciphertexts: list[Mpz], frac_bits: int, *, obfuscated: bool
    ) -> None:
        self.public_key = public_key
        self._c = ciphertexts
        self.frac_bits = frac_bits
        self.obfuscated = obfuscated

    # -- construction, inspection and wire ------------------------------------------------

    @classmethod
    def from_ciphertexts(
        cls, public_key: PublicKey, ciphertexts: Sequence[int], *, frac_bits: int = 0
    ) -> EncryptedArray:
        """An array of raw ciphertext ints (e.g. from python-paillier); :class:`ConfigError` if
        one is not in ``[1, n**2)`` coprime with ``n``."""
        try:
            cs = [mpz(c) for c in ciphertexts]
            _check_ciphertexts(cs, public_key)
        except (TypeError, ValueError, ProtocolError) as exc:
            raise ConfigError(f"not valid ciphertexts: {exc}") from exc
        return cls(public_key, cs, _check_frac(frac_bits, public_key), obfuscated=True)

    def ciphertexts(self) -> list[int]:
        """The raw ciphertexts as Python ints."""
        return [int(c) for c in self._c]

    def __len__(self) -> int:
        return len(self._c)

    def __repr__(self) -> str:
        return (
            f"EncryptedArray(len={len(self._c)}, bits={self.public_key.bits}, "
            f"frac_bits={self.frac_bits}, obfuscated={self.obfuscated})"
        )

    @property
    def nbytes(self) -> int:
        """Bytes of the ciphertexts on the wire."""
        return len(self._c) * self.public_key.ciphertext_bytes

    def __getitem__(self, key: int | slice | Sequence[int] | npt.NDArray[Any]) -> EncryptedArray:
        if isinstance(key, slice):
            picked = self._c[key]
        else:
            # numpy's rules: an int, an int array (negative from the end), a bool mask.
            index = np.arange(len(self._c))[np.asarray(key)]
            picked = [self._c[i] for i in np.atleast_1d(index).tolist()]
        return EncryptedArray(self.public_key, picked, self.frac_bits, obfuscated=self.obfuscated)

    @staticmethod
    def concatenate(arrays: Sequence[EncryptedArray]) -> EncryptedArray:
        """One array of the ciphertexts of ``arrays`` in order (same key and scale)."""
        if not arrays:
            raise ConfigError("concatenate needs at least one array")
        first = arrays[0]
        cs: list[Mpz] = []
        for a in arrays:
            if not isinstance(a, EncryptedArray):
                raise TypeError(f"expected EncryptedArray, got {type(a).__name__}")
            if a.public_key != first.public_key or a.frac_bits != first.frac_bits:
                raise ConfigError("concatenate needs arrays under one key with one frac_bits")
            cs.extend(a._c)
        fresh = all(a.obfuscated for a in arrays)
        return EncryptedArray(first.public_key, cs, first.frac_bits, obfuscated=fresh)

    def to_wire(
        self,
        *,
        obfuscate: bool = True,
        randomness: Randomness = Randomness.DJN,
        pool: WorkerPool | None = None,
    ) -> dict[str, Any]:
        """The array as a wire value: ``{"frac_bits": int, "ciphertexts": uint8 (count, width)}``.

        Arithmetic results are obfuscated first unless ``obfuscate=False`` (for example when
        the array goes back to a party that may learn how it was computed).
        """
        array = self.obfuscate(randomness=randomness, pool=pool) if obfuscate else self
        width = self.public_key.ciphertext_bytes
        blob = _to_blob(array._c, width)
        rows = np.frombuffer(blob, dtype=np.uint8).reshape(len(array._c), width)
        return {"frac_bits": self.frac_bits, "ciphertexts": rows}

    @classmethod
    def from_wire(
        cls, public_key: PublicKey, value: object, *, count: int | None = None
    ) -> EncryptedArray:
        """The array a peer sent, checked: :class:`ProtocolError` if malformed.

        ``count``, if given, is the number of ciphertexts the protocol expects.
        """
        if not isinstance(value, dict) or set(value) != {"frac_bits", "ciphertexts"}:
            raise ProtocolError("an encrypted array must be {'frac_bits', 'ciphertexts'}")
        frac = value["frac_bits"]
        rows = value["ciphertexts"]
        width = public_key.ciphertext_bytes
        if isinstance(frac, bool) or not isinstance(frac, int) or not 0 <= frac < public_key.bits:
            raise ProtocolError(f"frac_bits must be an int in [0, {public_key.bits})")
        if (
            not isinstance(rows, np.ndarray)
            or rows.dtype != np.uint8
            or rows.ndim != 2
            or rows.shape[1] != width
        ):
            raise ProtocolError(f"ciphertexts must be a uint8 array of shape (count, {width})")
        if count is not None and rows.shape[0] != count:
            raise ProtocolError(f"expected {count} ciphertexts, got {rows.shape[0]}")
        cs = _from_blob(rows.tobytes(), width)
        _check_ciphertexts(cs, public_key)
        return cls(public_key, cs, frac, obfuscated=True)

    # -- arithmetic -----------------------------------------------------------------------

    def __add__(self, other: object) -> EncryptedArray:
        if isinstance(other, EncryptedArray):
            return self._add_encrypted(other)
        return self._add_plain(other)

    def _add_encrypted(self, other: EncryptedArray) -> EncryptedArray:
        # One multiplication mod n**2 per element (about 5 us at 2048 bits), in this process:
        # shipping both operands to workers and the result back costs more than it saves.
        if other.public_key != self.public_key:
            raise ConfigError("cannot add arrays encrypted under different public keys")
        a, b = self, other
        if a.frac_bits != b.frac_bits:
            frac = max(a.frac_bits, b.frac_bits)
            a, b = a.rescale(frac), b.rescale(frac)
        xs, ys = _broadcast(a._c, b._c)
        n2 = self.public_key.nsquare
        cs = [x * y % n2 for x, y in zip(xs, ys, strict=True)]
        return EncryptedArray(self.public_key, cs, a.frac_bits, obfuscated=False)

    __radd__ = __add__

    def __neg__(self) -> EncryptedArray:
        n2 = self.public_key.nsquare
        cs = [gmpy2.invert(c, n2) for c in self._c]
        return EncryptedArray(self.public_key, cs, self.frac_bits, obfuscated=False)

    def __sub__(self, other: object) -> EncryptedArray:
        if isinstance(other, EncryptedArray):
            return self._add_encrypted(-other)
        return self._add_plain(other, negate=True)

    def __rsub__(self, other: object) -> EncryptedArray:
        return (-self)._add_plain(other)

    def __mul__(self, other: object) -> EncryptedArray:
        return self.mul(other)

    __rmul__ = __mul__

    def mul(
        self,
        factor: object,
        *,
        frac_bits: int = PAILLIER_FRAC_BITS,
        pool: WorkerPool | None = None,
    ) -> EncryptedArray:
        """Multiply by plaintext numbers: a scalar or an array of the same length.

        Integers multiply exactly and keep the scale; floats are encoded with ``frac_bits``
        fractional bits, which the result's scale gains. A ``c**k`` costs about one squaring
        per bit of ``k``, so small factors are cheap.
        """
        if isinstance(factor, EncryptedArray):
            raise TypeError("Paillier cannot multiply two ciphertexts; one factor must be plain")
        floats = is_float_input(factor)  # type: ignore[arg-type]
        scale = frac_bits if floats else 0
        pub = self.public_key
        cs_in, ks = _broadcast(self._c, self._plain_operand(factor, scale))
        width = pub.ciphertext_bytes
        cs = _spread(
            pool,
            len(cs_in),
            _MIN_CHUNK_MUL,
            lambda s: _mul_list(cs_in[s], ks[s], pub.nsquare),
            _work_mul,
            lambda s: (pub._spec(), _to_blob(cs_in[s], width), list(ks[s])),
            width,
        )
        return EncryptedArray(pub, cs, self.frac_bits + scale, obfuscated=False)

    def rescale(self, frac_bits: int) -> EncryptedArray:
        """The same values with a larger fixed-point scale (multiplies by ``2**(difference)``)."""
        frac_bits = _check_frac(frac_bits, self.public_key)
        if frac_bits < self.frac_bits:
            raise ConfigError("rescale can only add fractional bits (Paillier cannot divide)")
        if frac_bits == self.frac_bits:
            return self
        exponent = mpz(1) << (frac_bits - self.frac_bits)
        n2 = self.public_key.nsquare
        cs = [gmpy2.powmod(c, exponent, n2) for c in self._c]
        return EncryptedArray(self.public_key, cs, frac_bits, obfuscated=False)

    def sum(self, *, pool: WorkerPool | None = None) -> EncryptedArray:
        """The sum of all elements, as a one-element array (an encryption of 0 if empty)."""
        groups = np.zeros(len(self._c), dtype=np.int64)
        return self.group_sum(groups, 1, pool=pool)

    def group_sum(
        self, groups: npt.ArrayLike, n_groups: int, *, pool: WorkerPool | None = None
    ) -> EncryptedArray:
        """Sums of the elements grouped by ``groups`` (the histogram step of SecureBoost).

        ``groups`` is an int array of shape ``(len(self),)`` or ``(len(self), f)`` (one column
        per feature) with values in ``[0, n_groups)``, or -1 to leave an element out (an
        instance not in the current node). The result has ``f * n_groups`` elements, column by
        column: element ``j * n_groups + g`` sums the elements ``i`` with ``groups[i, j] == g``.
        An empty group is the encryption of 0 with no randomness (ciphertext 1); like every
        sum it is not obfuscated until :meth:`obfuscate` or :meth:`to_wire`. Several tree
        nodes at once: give node ``k`` the group ids ``k * n_bins + bin`` and ``n_groups =
        nodes * n_bins``. Cost: one multiplication modulo ``n**2`` per element and column
        (about 5 us at 2048 bits); ``pool`` spreads the rows over workers (the ciphertexts
        cross once for all columns, so it pays off from a few columns on).
        """
        if isinstance(n_groups, bool) or not isinstance(n_groups, int) or n_groups < 1:
            raise ConfigError(f"n_groups must be an int >= 1, got {n_groups!r}")
        table = np.asarray(groups)
        if table.dtype.kind not in "iu":
            raise TypeError(f"groups must be integers, got dtype {table.dtype}")
        if table.ndim == 1:
            table = table[:, None]
        if table.ndim != 2 or table.shape[0] != len(self._c):
            raise ConfigError(
                f"groups must have shape ({len(self._c)},) or ({len(self._c)}, f), "
                f"got {np.shape(groups)}"
            )
        if table.size and (table.min() < -1 or table.max() >= n_groups):
            raise ConfigError(f"groups must be in [-1, {n_groups}), -1 meaning left out")
        table = table.astype(np.int64, copy=False)
        pub = self.public_key
        per_chunk = max(1, _MIN_CHUNK_GROUP // max(1, table.shape[1]))
        chunks = _chunks(pool, len(self._c), per_chunk)
        if chunks is None or pool is None:
            cs = _group_sums(self._c, table, n_groups, pub.nsquare)
        else:
            width = pub.ciphertext_bytes
            tasks = [
                ((int(pub.n), 0), _to_blob(self._c[s], width), table[s], n_groups) for s in chunks
            ]
            partials = [_from_blob(b, width) for b in pool.map(_work_group_sum, tasks)]
            n2 = pub.nsquare
            cs = partials[0]
            for part in partials[1:]:
                cs = [a * b % n2 for a, b in zip(cs, part, strict=True)]
        return EncryptedArray(pub, cs, self.frac_bits, obfuscated=False)

    def pack(
        self, count: int, shift_bits: int, *, pool: WorkerPool | None = None
    ) -> EncryptedArray:
        """Join each ``count`` consecutive ciphertexts into one, shifting by ``shift_bits``.

        Element ``i`` of the result encrypts ``sum_j x[i*count + j] * 2**(j * shift_bits)``
        for ``j < count`` (the last group may be shorter): with ``shift_bits`` the
        :attr:`~confide.crypto.encoding.Packing.total_bits` of a layout ``L``, the result has
        the layout ``L.stacked(count)``, which must fit the key
        (:meth:`~confide.crypto.encoding.Packing.check`). Costs about ``shift_bits``
        squarings per joined ciphertext, and saves a decryption (about 3 ms at 2048 bits) and a
        ciphertext of bytes each.
        """
        for name, v in (("count", count), ("shift_bits", shift_bits)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"{name} must be an int >= 1, got {v!r}")
        if count * shift_bits > self.public_key.bits - 2:
            raise ConfigError(
                f"{count} x {shift_bits} bits do not fit a {self.public_key.bits}-bit key"
            )
        pub = self.public_key
        # Split on whole groups so that every chunk packs complete groups.
        n_out = -(-len(self._c) // count)
        out_chunks = _chunks(pool, n_out, max(1, 256 // count))
        if out_chunks is None or pool is None:
            cs = _pack_list(self._c, count, shift_bits, pub.nsquare)
        else:
            width = pub.ciphertext_bytes
            tasks = [
                (
                    (int(pub.n), 0),
                    _to_blob(self._c[s.start * count : s.stop * count], width),
                    count,
                    shift_bits,
                )
                for s in out_chunks
            ]
            cs = [c for b in pool.map(_work_pack, tasks) for c in _from_blob(b, width)]
        return EncryptedArray(pub, cs, self.frac_bits, obfuscated=False)

    def obfuscate(
        self,
        *,
        randomness: Randomness = Randomness.DJN,
        pool: WorkerPool | None = None,
        noise: Noise | None = None,
    ) -> EncryptedArray:
        """The same plaintexts under fresh randomness (``c * r**n``); no-op if already fresh.

        ``noise``, if given, supplies the ``r**n`` (and ``randomness`` is not used).
        """
        if self.obfuscated:
            return self
        pub = self.public_key
        cs_in = self._c
        if noise is not None:
            n2 = pub.nsquare
            rs = _take_noise(noise, pub, len(cs_in), pool)
            cs = [c * r % n2 for c, r in zip(cs_in, rs, strict=True)]
            return EncryptedArray(pub, cs, self.frac_bits, obfuscated=True)
        width = pub.ciphertext_bytes
        cs = _spread(
            pool,
            len(cs_in),
            _MIN_CHUNK_ENCRYPT,
            lambda s: _obfuscate_list(cs_in[s], pub, randomness),
            _work_obfuscate,
            lambda s: (pub._spec(randomness), _to_blob(cs_in[s], width), randomness.value),
            width,
        )
        return EncryptedArray(pub, cs, self.frac_bits, obfuscated=True)

    # -- helpers --------------------------------------------------------------------------

    def _add_plain(self, other: object, negate: bool = False) -> EncryptedArray:
        if isinstance(other, (str, bytes)) or other is None:
            return NotImplemented  # type: ignore[no-any-return]
        if is_float_input(other) and not self.frac_bits:  # type: ignore[arg-type]
            raise ConfigError(
                "cannot add floats to an integer array (frac_bits=0): encrypt with frac_bits "
                "or call rescale(frac_bits) first"
            )
        ms = self._plain_operand(other, self.frac_bits)
        if negate:
            ms = [-m for m in ms]
        pub = self.public_key
        residues = to_residues(ms, int(pub.n))
        cs, rs = _broadcast(self._c, residues)
        cs = _apply_plaintexts(rs, cs, pub)
        return EncryptedArray(pub, cs, self.frac_bits, obfuscated=False)

    def _plain_operand(self, other: object, frac_bits: int) -> list[int]:
        """A plaintext scalar or same-length array as signed ints scaled by ``2**frac_bits``."""
        array = np.asarray(other) if not isinstance(other, (list, tuple)) else other
        ndim = np.ndim(array)
        ints = encode_fixed(array, frac_bits)
        if ndim > 1 or (ndim == 1 and len(ints) not in (1, len(self._c))):
            raise ConfigError(
                f"a plaintext operand must be a scalar or have length {len(self._c)}, "
                f"got shape {np.shape(array)}"
            )
        return ints


# -- free functions on lists of ciphertexts ------------------------------------------------


def _djn_exp_bytes(bits: int) -> int:
    """Bytes of the DJN exponent: ``ceil(bits/2)`` bits (DJN 2010), rounded up to whole bytes."""
    return ((bits + 1) // 2 + 7) // 8


def _random_unit(n: Mpz) -> Mpz:
    """A uniform element of ``Z_n^*`` (from ``secrets``)."""
    while True:
        r = mpz(secrets.randbelow(int(n) - 1) + 1)
        if gmpy2.gcd(r, n) == 1:
            return r


def _apply_plaintexts(residues: Sequence[int], cs: Sequence[Mpz], pub: PublicKey) -> list[Mpz]:
    """``c * (1 + m*n) mod n**2`` for each pair, as ``c + n*(m*c mod n)``: half-size work."""
    n, n2 = pub.n, pub.nsquare
    out = []
    for m, c in zip(residues, cs, strict=True):
        x = c + n * (m * c % n)
        out.append(x - n2 if x >= n2 else x)
    return out


def _mul_list(cs: Sequence[Mpz], ks: Sequence[int], n2: Mpz) -> list[Mpz]:
    """``c**k mod n**2`` for each pair (gmpy2 inverts ``c`` for a negative ``k``)."""
    return [gmpy2.powmod(c, k, n2) for c, k in zip(cs, ks, strict=True)]


def _obfuscate_list(cs: Sequence[Mpz], pub: PublicKey, randomness: Randomness) -> list[Mpz]:
    """``c * r**n mod n**2`` for each ``c``, with fresh ``r**n``."""
    n2 = pub.nsquare
    return [c * r % n2 for c, r in zip(cs, pub._noise(len(cs), randomness), strict=True)]


def _group_sums(cs: Sequence[Mpz], table: np.ndarray, n_groups: int, n2: Mpz) -> list[Mpz]:
    out: list[Mpz | None] = [None] * (table.shape[1] * n_groups)
    for j in range(table.shape[1]):
        base = j * n_groups
        for c, g in zip(cs, table[:, j].tolist(), strict=True):
            if g >= 0:
                k = base + g
                acc = out[k]
                out[k] = c if acc is None else acc * c % n2
    return [_ONE if v is None else v for v in out]


def _pack_list(cs: Sequence[Mpz], count: int, shift_bits: int, n2: Mpz) -> list[Mpz]:
    shift = mpz(1) << shift_bits
    out = []
    for start in range(0, len(cs), count):
        group = cs[start : start + count]
        acc = group[-1]
        for c in reversed(group[:-1]):  # Horner: acc * 2**shift + c, on plaintexts
            acc = gmpy2.powmod(acc, shift, n2) * c % n2
        out.append(acc)
    return out


def _broadcast(xs: Sequence[_T], ys: Sequence[Any]) -> tuple[Sequence[_T], Sequence[Any]]:
    if len(xs) == len(ys):
        return xs, ys
    if len(ys) == 1:
        return xs, [ys[0]] * len(xs)
    if len(xs) == 1:
        return [xs[0]] * len(ys), ys
    raise ConfigError(f"operands of lengths {len(xs)} and {len(ys)} do not broadcast")


def _check_frac(frac_bits: int, pub: PublicKey) -> int:
    if isinstance(frac_bits, bool) or not isinstance(frac_bits, int):
        raise ConfigError(f"frac_bits must be an int, got {frac_bits!r}")
    if not 0 <= frac_bits < pub.bits:
        raise ConfigError(f"frac_bits must be in [0, {pub.bits}), got {frac_bits}")
    return frac_bits


def _encode(values: npt.ArrayLike, frac_bits: int | None, n: Mpz) -> tuple[list[int], int]:
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise ConfigError(f"encrypt takes a one-dimensional array, got shape {np.shape(values)}")
    if frac_bits is None:
        frac_bits = PAILLIER_FRAC_BITS if is_float_input(values) else 0
    if isinstance(frac_bits, bool) or not isinstance(frac_bits, int) or frac_bits < 0:
        raise ConfigError(f"frac_bits must be an int >= 0, got {frac_bits!r}")
    return to_residues(encode_fixed(values, frac_bits), int(n)), frac_bits


def _check_ciphertexts(cs: Sequence[Mpz], pub: PublicKey) -> None:
    """Raise :class:`ProtocolError` unless each ``c`` is in ``[1, n**2)`` and coprime with ``n``."""
    n, n2 = pub.n, pub.nsquare
    acc = _ONE
    for i, c in enumerate(cs):
        if not 0 < c < n2:
            raise ProtocolError(f"ciphertext {i} is not in [1, n**2)")
        acc = acc * c % n
    if gmpy2.gcd(acc, n) != 1:  # one gcd for all: a common factor survives the product
        raise ProtocolError("a ciphertext shares a factor with n (not a valid ciphertext)")


def _to_blob(cs: Sequence[Mpz], width: int) -> bytes:
    return b"".join([c.to_bytes(width, "big") for c in cs])


def _from_blob(blob: bytes, width: int) -> list[Mpz]:
    from_bytes = mpz.from_bytes
    return [from_bytes(blob[i : i + width], "big") for i in range(0, len(blob), width)]


# -- spreading work over a WorkerPool -------------------------------------------------------


def _chunks(pool: WorkerPool | None, count: int, min_chunk: int) -> list[slice] | None:
    """Slices to spread ``count`` items over ``pool``, or None to stay in this process."""
    if pool is None or count < 2 * min_chunk:
        return None
    # A few chunks per worker balance the load on a machine shared with other work.
    return split(count, min(4 * pool.processes, count // min_chunk))


def _spread(
    pool: WorkerPool | None,
    count: int,
    min_chunk: int,
    local: Callable[[slice], list[Mpz]],
    work: Callable[[Any], Any],
    task: Callable[[slice], tuple[Any, ...]],
    width: int | None,
) -> list[Mpz]:
    """``local(slice(0, count))`` in this process, or ``work(task(s))`` for chunks ``s`` in
    ``pool``, concatenated: ciphertexts of ``width`` bytes each, or ints if ``width`` is None."""
    chunks = _chunks(pool, count, min_chunk)
    if chunks is None or pool is None:
        return local(slice(0, count))
    results = pool.map(work, [task(s) for s in chunks])
    if width is None:
        return [mpz(m) for part in results for m in part]
    return [c for blob in results for c in _from_blob(blob, width)]


@functools.lru_cache(maxsize=4)
def _worker_key(spec: tuple[int, ...], allow_weak: bool = True) -> PublicKey | PrivateKey:
    """The key a worker process acts with, built once per worker from ``(n, h_s[, p, q])``.

    Runs only in pool workers; keys arrive from the parent process of the same party, so the
    size floor was already enforced there.
    """
    n, hs = spec[0], spec[1]
    pub = PublicKey(n, allow_weak=allow_weak)
    if hs:
        pub._hs = mpz(hs)  # the parent's base, so that its workers share one table per key
    if len(spec) == 2:
        return pub
    return PrivateKey(pub, spec[2], spec[3])


def _worker_public(spec: tuple[int, ...]) -> PublicKey:
    key = _worker_key(spec)
    return key.public_key if isinstance(key, PrivateKey) else key


def _work_encrypt(task: tuple[Any, ...]) -> bytes:
    spec, residues, kind = task
    key = _worker_key(spec)
    cs = key._encrypt_residues(residues, Randomness(kind))
    return _to_blob(cs, _worker_public(spec).ciphertext_bytes)


def _work_decrypt(task: tuple[Any, ...]) -> list[int]:
    spec, blob = task
    key = _worker_key(spec)
    if not isinstance(key, PrivateKey):
        raise ConfigError("decryption needs a private key")
    width = key.public_key.ciphertext_bytes
    return [int(m) for m in key._decrypt_list(_from_blob(blob, width))]


def _work_noise(task: tuple[Any, ...]) -> bytes:
    spec, count, kind = task
    key = _worker_key(spec)
    return _to_blob(key._noise(count, Randomness(kind)), _worker_public(spec).ciphertext_bytes)


def _work_obfuscate(task: tuple[Any, ...]) -> bytes:
    spec, blob, kind = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_obfuscate_list(_from_blob(blob, width), pub, Randomness(kind)), width)


def _work_mul(task: tuple[Any, ...]) -> bytes:
    spec, blob, ks = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_mul_list(_from_blob(blob, width), ks, pub.nsquare), width)


def _work_group_sum(task: tuple[Any, ...]) -> bytes:
    spec, blob, table, n_groups = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_group_sums(_from_blob(blob, width), table, n_groups, pub.nsquare), width)


def _work_pack(task: tuple[Any, ...]) -> bytes:
    spec, blob, count, shift_bits = task
    pub = _worker_public(spec)
    width = pub.ciphertext_bytes
    return _to_blob(_pack_list(_from_blob(blob, width), count, shift_bits, pub.nsquare), width)
