"""Free functions on lists of ciphertexts over a modulus: the arithmetic both schemes share.

Each works on plain lists of ``mpz`` and a modulus (``n**2`` for Paillier, ``n`` for OU), with no
key, pool or array object, so that an array in this process and a worker process
(:mod:`~confide.crypto.he_core.pool`) run the same code. ``to_blob`` and ``from_blob`` are the byte
form in which ciphertexts cross to workers and the wire (``width`` big-endian bytes each).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import gmpy2  # type: ignore[import-untyped]
import numpy as np

from confide.crypto.he_core.gmp import ONE, Mpz, mpz
from confide.errors import ConfigError, ProtocolError

__all__ = [
    "broadcast",
    "check_ciphertexts",
    "from_blob",
    "group_sums",
    "invert_list",
    "mul_list",
    "multiply_pairs",
    "pack_list",
    "to_blob",
]

_T = TypeVar("_T")


def multiply_pairs(xs: Sequence[Mpz], ys: Sequence[Mpz], modulus: Mpz) -> list[Mpz]:
    """``x * y mod modulus`` for each pair: adds plaintexts, or applies randomness."""
    return [x * y % modulus for x, y in zip(xs, ys, strict=True)]


def invert_list(cs: Sequence[Mpz], modulus: Mpz) -> list[Mpz]:
    """``c**-1 mod modulus`` for each ``c``: negates the plaintexts."""
    invert = gmpy2.invert
    return [invert(c, modulus) for c in cs]


def mul_list(cs: Sequence[Mpz], ks: Sequence[int], modulus: Mpz) -> list[Mpz]:
    """``c**k mod modulus`` for each pair (gmpy2 inverts ``c`` for a negative ``k``)."""
    powmod = gmpy2.powmod
    return [powmod(c, k, modulus) for c, k in zip(cs, ks, strict=True)]


def group_sums(cs: Sequence[Mpz], table: np.ndarray, n_groups: int, modulus: Mpz) -> list[Mpz]:
    """Products of ``cs`` by group, column by column of ``table`` (-1 leaves an element out).

    Element ``j * n_groups + g`` of the result multiplies the ``cs[i]`` with
    ``table[i, j] == g``; an empty group is 1 (the encryption of 0 with no randomness).
    """
    out: list[Mpz | None] = [None] * (table.shape[1] * n_groups)
    for j in range(table.shape[1]):
        base = j * n_groups
        for c, g in zip(cs, table[:, j].tolist(), strict=True):
            if g >= 0:
                k = base + g
                acc = out[k]
                out[k] = c if acc is None else acc * c % modulus
    return [ONE if v is None else v for v in out]


def pack_list(cs: Sequence[Mpz], count: int, shift_bits: int, modulus: Mpz) -> list[Mpz]:
    """Each ``count`` consecutive ciphertexts joined into one, ``shift_bits`` apart (Horner)."""
    shift = mpz(1) << shift_bits
    out = []
    for start in range(0, len(cs), count):
        group = cs[start : start + count]
        acc = group[-1]
        for c in reversed(group[:-1]):  # Horner: acc * 2**shift + c, on plaintexts
            acc = gmpy2.powmod(acc, shift, modulus) * c % modulus
        out.append(acc)
    return out


def broadcast(xs: Sequence[_T], ys: Sequence[Any]) -> tuple[Sequence[_T], Sequence[Any]]:
    """Both operands at one length: equal lengths, or one of them of length 1 repeated."""
    if len(xs) == len(ys):
        return xs, ys
    if len(ys) == 1:
        return xs, [ys[0]] * len(xs)
    if len(xs) == 1:
        return [xs[0]] * len(ys), ys
    raise ConfigError(f"operands of lengths {len(xs)} and {len(ys)} do not broadcast")


def check_ciphertexts(cs: Sequence[Mpz], bound: Mpz, n: Mpz, bound_name: str) -> None:
    """:class:`ProtocolError` unless each ``c`` is in ``[1, bound)`` and coprime with ``n``.

    ``bound_name`` names ``bound`` in the message (``"n**2"``, ``"n"``); no value is shown.
    """
    acc = ONE
    for i, c in enumerate(cs):
        if not 0 < c < bound:
            raise ProtocolError(f"ciphertext {i} is not in [1, {bound_name})")
        acc = acc * c % n
    if gmpy2.gcd(acc, n) != 1:  # one gcd for all: a common factor survives the product
        raise ProtocolError("a ciphertext shares a factor with n (not a valid ciphertext)")


def to_blob(cs: Sequence[Mpz], width: int) -> bytes:
    """The ciphertexts as ``width`` big-endian bytes each, one after the other."""
    return b"".join([c.to_bytes(width, "big") for c in cs])


def from_blob(blob: bytes, width: int) -> list[Mpz]:
    """The ciphertexts of :func:`to_blob`'s bytes."""
    from_bytes = mpz.from_bytes
    return [from_bytes(blob[i : i + width], "big") for i in range(0, len(blob), width)]
