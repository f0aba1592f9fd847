"""The list arithmetic over a modulus, checked against Python's integers."""

from __future__ import annotations

import secrets
from math import prod

import gmpy2  # type: ignore[import-untyped]
import numpy as np
import pytest

from confide.crypto.he_core import ops
from confide.crypto.he_core.gmp import mpz
from confide.errors import ConfigError, ProtocolError

# A prime modulus stands for a ciphertext modulus: the functions only multiply and raise to powers.
MODULUS = mpz(2**127 - 1)


def _residues(count: int) -> list[int]:
    return [secrets.randbelow(int(MODULUS) - 1) + 1 for _ in range(count)]


def test_products_inverses_and_powers_match_python() -> None:
    xs, ys = _residues(20), _residues(20)
    ks = [secrets.randbelow(2**40) - 2**39 for _ in range(20)]
    m = int(MODULUS)
    assert ops.multiply_pairs([mpz(x) for x in xs], ys, MODULUS) == [
        x * y % m for x, y in zip(xs, ys, strict=True)
    ]
    assert ops.invert_list([mpz(x) for x in xs], MODULUS) == [pow(x, -1, m) for x in xs]
    assert ops.mul_list([mpz(x) for x in xs], ks, MODULUS) == [
        pow(x, k, m) for x, k in zip(xs, ks, strict=True)
    ]


def test_group_sums_multiply_each_group_and_skip_minus_one() -> None:
    cs = [mpz(x) for x in _residues(50)]
    table = np.array([[secrets.randbelow(5) - 1 for _ in range(3)] for _ in range(50)])
    got = ops.group_sums(cs, table, 4, MODULUS)
    assert len(got) == 3 * 4
    for j in range(3):
        for g in range(4):
            members = [int(c) for c, t in zip(cs, table[:, j], strict=True) if t == g]
            assert got[j * 4 + g] == prod(members) % int(MODULUS)  # 1 for an empty group


def test_packing_is_horner_on_the_exponents() -> None:
    base = mpz(3)
    exps = [secrets.randbelow(2**10) for _ in range(7)]
    cs = [gmpy2.powmod(base, e, MODULUS) for e in exps]
    packed = ops.pack_list(cs, 3, 12, MODULUS)  # groups of 3, 3 and 1
    want = [sum(e << (12 * j) for j, e in enumerate(exps[i : i + 3])) for i in range(0, 7, 3)]
    assert packed == [gmpy2.powmod(base, w, MODULUS) for w in want]


def test_blobs_round_trip_and_broadcasting() -> None:
    cs = [mpz(x) for x in _residues(9)]
    blob = ops.to_blob(cs, 16)
    assert len(blob) == 9 * 16 and ops.from_blob(blob, 16) == cs
    assert ops.broadcast([1, 2, 3], [5]) == ([1, 2, 3], [5, 5, 5])
    assert ops.broadcast([4], [1, 2]) == ([4, 4], [1, 2])
    with pytest.raises(ConfigError, match="do not broadcast"):
        ops.broadcast([1, 2], [1, 2, 3])


def test_ciphertext_checks_name_the_bound_and_find_common_factors() -> None:
    n = mpz(101 * 103)
    ops.check_ciphertexts([mpz(2), mpz(5000)], n * n, n, "n**2")
    with pytest.raises(ProtocolError, match=r"ciphertext 1 is not in \[1, n\*\*2\)"):
        ops.check_ciphertexts([mpz(2), n * n], n * n, n, "n**2")
    with pytest.raises(ProtocolError, match=r"not in \[1, n\)"):
        ops.check_ciphertexts([mpz(0)], n, n, "n")
    with pytest.raises(ProtocolError, match="shares a factor"):
        ops.check_ciphertexts([mpz(2), mpz(101 * 7)], n * n, n, "n**2")
