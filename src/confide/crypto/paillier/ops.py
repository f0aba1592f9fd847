"""Free functions on lists of ciphertexts: the arithmetic behind keys, arrays and workers.

Each works on plain lists of ``mpz`` (no pool, no array object), so that an
:class:`~confide.crypto.paillier.array.EncryptedArray` in this process and a worker process
(:mod:`confide.crypto.paillier.workers`) run the same code; ``_to_blob`` and ``_from_blob`` are
the byte form in which ciphertexts cross to workers and the wire (``width`` big-endian bytes each).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import gmpy2  # type: ignore[import-untyped]
import numpy as np

from confide.crypto.paillier.gmp import _ONE, Mpz, mpz
from confide.errors import ConfigError, ProtocolError

if TYPE_CHECKING:
    from confide.crypto.paillier.keys import PublicKey, Randomness

__all__: list[str] = []  # the package's own helpers, re-exported nowhere

_T = TypeVar("_T")


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
