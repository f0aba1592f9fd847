"""OU arrays: homomorphic operations against plaintext, packing, wire, obfuscation, the pool."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confide.crypto.encoding import Packing
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError
from tests.crypto.ou.conftest import KeyPair

# Plaintexts up to 2**200 and factors up to 2**100: every result stays in the 340-bit signed range
# of a 1024-bit key, so each operation must match Python's integers exactly.
VALUES = st.lists(st.integers(-(2**200), 2**200), min_size=1, max_size=6)
FACTORS = st.integers(-(2**100), 2**100)
HYPO = settings(max_examples=25, deadline=None)


@HYPO
@given(VALUES, st.data())
def test_addition_matches_plaintext(keys: KeyPair, a: list[int], data: st.DataObject) -> None:
    pk, sk = keys
    b = data.draw(st.lists(st.integers(-(2**200), 2**200), min_size=len(a), max_size=len(a)))
    ea, eb = pk.encrypt(a), sk.encrypt(b)
    assert sk.decrypt_ints(ea + eb) == [x + y for x, y in zip(a, b, strict=True)]
    assert sk.decrypt_ints(ea - eb) == [x - y for x, y in zip(a, b, strict=True)]
    assert sk.decrypt_ints(-ea) == [-x for x in a]
    assert sk.decrypt_ints(ea + b) == [x + y for x, y in zip(a, b, strict=True)]
    assert sk.decrypt_ints(ea.sum()) == [sum(a)]


@HYPO
@given(VALUES, FACTORS)
def test_scalar_multiplication_matches_plaintext(keys: KeyPair, a: list[int], k: int) -> None:
    pk, sk = keys
    ea = pk.encrypt(a)
    assert sk.decrypt_ints(ea * k) == [x * k for x in a]
    assert sk.decrypt_ints(k * ea) == [x * k for x in a]


def test_mixed_operands_and_fixed_point(keys: KeyPair) -> None:
    pk, sk = keys
    a = np.array([5, -7, 0, 2**40])
    ea = pk.encrypt(a)
    np.testing.assert_array_equal(sk.decrypt(np.arange(4) + ea), a + np.arange(4))  # numpy defers
    np.testing.assert_array_equal(sk.decrypt(10 - ea), 10 - a)
    np.testing.assert_array_equal(sk.decrypt(ea + pk.encrypt([100])), a + 100)  # broadcast
    np.testing.assert_array_equal(sk.decrypt(ea * np.array([2, -3, 0, 9])), a * [2, -3, 0, 9])
    x = np.array([0.5, -1.75, 3.0])
    ex = pk.encrypt(x)
    np.testing.assert_array_equal(sk.decrypt(ex + pk.encrypt([1, 2, 3])), x + np.arange(1, 4))
    np.testing.assert_array_equal(sk.decrypt(ex * -0.5), x * -0.5)
    assert (ex * 0.5).frac_bits == 106
    np.testing.assert_array_equal(sk.decrypt(pk.encrypt([1, 2]).rescale(4)), [1.0, 2.0])
    assert not (ea + ea).obfuscated
    with pytest.raises(ConfigError, match="integer array"):
        ea + 0.5
    with pytest.raises(TypeError):
        ea * ea
    with pytest.raises(ConfigError, match="length"):
        ea * [1, 2]
    with pytest.raises(ConfigError, match="signed range"):
        ea + pk.max_int * 2


def test_grouped_sums(keys: KeyPair) -> None:
    _, sk = keys
    rng = np.random.default_rng(1)
    values = rng.integers(-1000, 1000, size=60)
    enc = sk.encrypt(values)
    groups = rng.integers(-1, 7, size=(60, 3))  # -1: left out
    groups[:, 2] = np.where(groups[:, 2] == 4, 5, groups[:, 2])  # group 4 of feature 2: empty
    sums = enc.group_sum(groups, 7)
    assert len(sums) == 21 and not sums.obfuscated
    expected = [values[groups[:, j] == g].sum() for j in range(3) for g in range(7)]
    np.testing.assert_array_equal(sk.decrypt(sums), expected)
    assert sk.decrypt(enc[:0].sum()).tolist() == [0]
    with pytest.raises(ConfigError, match=r"\[-1, 7\)"):
        enc.group_sum(groups + 1, 7)
    with pytest.raises(ConfigError, match="shape"):
        enc.group_sum(groups[:10], 7)


# -- the worker pool ----------------------------------------------------------------------------


def test_pool_results_match_local_results(keys: KeyPair, pool: WorkerPool) -> None:
    pk, sk = keys
    rng = np.random.default_rng(4)
    values = rng.integers(-(2**40), 2**40, size=600)
    for encryptor in (pk, sk):
        enc = encryptor.encrypt(values, pool=pool)  # 600 >= 2 chunks of 256: spread
        np.testing.assert_array_equal(sk.decrypt(enc, pool=pool), values)
    ks = rng.integers(-1000, 1000, size=600)
    np.testing.assert_array_equal(sk.decrypt(enc.mul(ks, pool=pool), pool=pool), values * ks)
    groups = rng.integers(-1, 5, size=(600, 10))
    expected = sk.decrypt(enc.group_sum(groups, 5))
    np.testing.assert_array_equal(sk.decrypt(enc.group_sum(groups, 5, pool=pool)), expected)
    fresh = enc[:600].sum().obfuscate(pool=pool)
    assert sk.decrypt(fresh).tolist() == [values.sum()]
    layout = Packing(value_bits=41, max_terms=1, slots=1)
    joined = enc.pack(8, layout.total_bits, pool=pool)
    assert len(joined) == 75
    stacked = layout.stacked(8)
    assert stacked.unpack(sk.decrypt_ints(joined, pool=pool), count=600) == values.tolist()
    noisy = enc + enc
    rerandomised = noisy.obfuscate(pool=pool)
    np.testing.assert_array_equal(sk.decrypt(rerandomised), 2 * values)
