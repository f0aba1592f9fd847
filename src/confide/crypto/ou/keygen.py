"""OU key generation: :func:`generate_keypair` and the primes it draws (from ``secrets``)."""

from __future__ import annotations

import secrets

import gmpy2  # type: ignore[import-untyped]

from confide.crypto.he_core.gmp import Mpz, mpz
from confide.crypto.he_core.keys import random_unit
from confide.crypto.ou.keys import PrivateKey, PublicKey, _check_bits, prime_bits
from confide.params import OU_KEY_BITS, OU_SUBGROUP_BITS

__all__ = ["generate_keypair"]

# Miller-Rabin rounds on top of GMP's Baillie-PSW test, as for Paillier's primes (FIPS 186-5,
# appendix B.3, asks an error below 2**-112 of probable primes).
_PRIME_TEST_REPS = 50


def generate_keypair(
    bits: int = OU_KEY_BITS, *, allow_weak: bool = False
) -> tuple[PublicKey, PrivateKey]:
    """A fresh OU key pair with a ``bits``-bit modulus ``n = p**2 * q`` (from ``secrets``).

    ``bits`` is at least :data:`~confide.params.OU_MIN_KEY_BITS` (2048, 112-bit security); pass
    :data:`~confide.params.OU_KEY_BITS_128` (3072) for 128-bit security. ``allow_weak=True``
    lets tests use keys down to :data:`~confide.crypto.ou.keys.WEAK_KEY_FLOOR_BITS` (their
    ``t`` is then shorter: half of ``p``). The steps (Coron, Naccache and Paillier's variant,
    as HEU generates it):

    1. ``t``: a prime of :data:`~confide.params.OU_SUBGROUP_BITS` bits; ``p = t * u + 1`` a
       prime of ``ceil(bits / 3)`` bits with its top two bits set, for a random even ``u``.
    2. ``q``: a prime of ``bits - 2 * |p|`` bits, top two bits set, redrawn until ``n`` has
       exactly ``bits`` bits.
    3. ``g``: random in ``Z_n^*`` with ``g**(p-1) != 1 (mod p**2)``, so that ``g**(p-1)``
       has order ``p`` modulo ``p**2``; the public base is ``G = g**u mod n``.
    4. ``h``: ``H = g'**(n * u) mod n`` for another random unit ``g'``; modulo ``p**2`` it lies
       in the subgroup of order ``t``, which decryption's power ``t`` removes.

    Takes about 0.5 s at 2048 bits.
    """
    _check_bits(bits, allow_weak)
    p_bits = prime_bits(bits)
    q_bits = bits - 2 * p_bits
    t = _random_prime(min(OU_SUBGROUP_BITS, p_bits // 2), top=1)  # 256 bits from 2048 on
    p, u = _prime_above_multiple(t, p_bits)
    while True:
        q = _random_prime(q_bits, top=2)
        n = p * p * q
        if q != p and (p - 1) % q != 0 and n.bit_length() == bits:
            break
    p2 = p * p
    while True:
        g = random_unit(n, low=2)
        if gmpy2.powmod(g, p - 1, p2) != 1:
            break
    big_g = gmpy2.powmod(g, u, n)
    big_h = gmpy2.powmod(random_unit(n, low=2), n * u, n)
    public_key = PublicKey(n, big_g, big_h, allow_weak=allow_weak)
    return public_key, PrivateKey(public_key, int(p), int(q), int(t))


def _random_prime(bits: int, *, top: int) -> Mpz:
    """A uniformly drawn prime of exactly ``bits`` bits with its ``top`` highest bits set."""
    high = ((1 << top) - 1) << (bits - top)
    while True:
        candidate = mpz(secrets.randbits(bits) | high | 1)
        if gmpy2.is_prime(candidate, _PRIME_TEST_REPS):
            return candidate


def _prime_above_multiple(t: Mpz, bits: int) -> tuple[Mpz, Mpz]:
    """A prime ``p = t * u + 1`` of exactly ``bits`` bits, top two bits set, and its ``u``."""
    low = 3 << (bits - 2)  # top two bits set
    high = 1 << bits
    u_low = -(-(low - 1) // t)  # smallest u with t*u + 1 >= low
    span = (high - 1) // t - u_low  # u in [u_low, u_low + span) keeps p below 2**bits
    while True:
        u = mpz(u_low + secrets.randbelow(int(span)))
        u += u % 2  # even u: p = t*u + 1 is odd
        p = t * u + 1
        if low <= p < high and gmpy2.is_prime(p, _PRIME_TEST_REPS):
            return p, u
