"""Paillier key generation: :func:`generate_keypair` and the primes it draws (from ``secrets``)."""

from __future__ import annotations

import secrets

import gmpy2  # type: ignore[import-untyped]

from confide.crypto.he_core.gmp import Mpz, mpz
from confide.crypto.paillier.keys import PrivateKey, PublicKey, _check_bits
from confide.errors import ConfigError
from confide.params import PAILLIER_KEY_BITS

__all__ = ["generate_keypair"]

# Miller-Rabin rounds on top of GMP's Baillie-PSW test in mpz_probab_prime_p (GMP 6.2+): well
# past the 2**-112 error FIPS 186-5, appendix B.3, asks of probable primes.
_PRIME_TEST_REPS = 50


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


def _random_prime(bits: int) -> Mpz:
    """A uniformly drawn prime of exactly ``bits`` bits, top two bits set, ``= 3 (mod 4)``."""
    top = 3 << (bits - 2)
    while True:
        candidate = mpz(secrets.randbits(bits) | top | 3)
        if gmpy2.is_prime(candidate, _PRIME_TEST_REPS):
            return candidate
