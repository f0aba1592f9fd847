"""Free functions on lists of OU ciphertexts that differ from Paillier's: checks, re-randomising.

The arithmetic that only needs a modulus (grouped sums, packing, powers, the byte form of
ciphertexts) is shared with Paillier (:mod:`confide.crypto.paillier.ops`), called here with
``n`` where Paillier passes ``n**2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import gmpy2  # type: ignore[import-untyped]

from confide.crypto.paillier.gmp import _ONE, Mpz
from confide.errors import ProtocolError

if TYPE_CHECKING:
    from confide.crypto.ou.keys import PublicKey

__all__: list[str] = []  # the package's own helpers, re-exported nowhere


def _check_ciphertexts(cs: Sequence[Mpz], pub: PublicKey) -> None:
    """Raise :class:`ProtocolError` unless each ``c`` is in ``[1, n)`` and coprime with ``n``."""
    n = pub.n
    acc = _ONE
    for i, c in enumerate(cs):
        if not 0 < c < n:
            raise ProtocolError(f"ciphertext {i} is not in [1, n)")
        acc = acc * c % n
    if gmpy2.gcd(acc, n) != 1:  # one gcd for all: a common factor survives the product
        raise ProtocolError("a ciphertext shares a factor with n (not a valid ciphertext)")


def _obfuscate_list(cs: Sequence[Mpz], pub: PublicKey) -> list[Mpz]:
    """``c * h**r mod n`` for each ``c``, with fresh ``r``."""
    n = pub.n
    return [c * r % n for c, r in zip(cs, pub._noise(len(cs)), strict=True)]
