"""OU arrays: homomorphic operations against plaintext, packing, wire, obfuscation, the pool."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from confide.crypto.encoding import Packing
from confide.crypto.ou import EncryptedArray, PublicKey
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError, ProtocolError
from confide.net import wire
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


def test_packing_joins_bin_sums_up_to_the_capacity(keys: KeyPair) -> None:
    """SecureBoost's path: pack (g, h) per row, sum by bin, join bins, decrypt once."""
    pk, sk = keys
    rng = np.random.default_rng(3)
    n, n_bins = 200, 9
    layout = Packing(value_bits=21, max_terms=n, slots=2)
    top = 2**21 - 1
    gi = rng.choice([-top, top], size=n)  # every slot at its extreme
    hi = np.full(n, top)
    enc = sk.encrypt(layout.pack(np.stack([gi, hi], axis=1)))
    bins = rng.integers(0, n_bins, size=(n, 2))
    sums = enc.group_sum(bins, n_bins)
    per = pk.packing_bits // layout.total_bits
    joined = sums.pack(per, layout.total_bits)
    assert len(joined) == -(-len(sums) // per)
    stacked = layout.stacked(per)
    assert stacked.total_bits <= pk.packing_bits
    got = np.array(stacked.unpack(sk.decrypt_ints(joined), count=2 * len(sums))).reshape(-1, 2)
    for j in range(2):
        for b in range(n_bins):
            mask = bins[:, j] == b
            assert got[j * n_bins + b].tolist() == [gi[mask].sum(), hi[mask].sum()]
    with pytest.raises(ConfigError, match="do not fit"):
        sums.pack(per + 1, layout.total_bits)


def test_indexing_and_concatenation(keys: KeyPair, default_keys: KeyPair) -> None:
    pk, sk = keys
    values = np.arange(10) - 4
    enc = pk.encrypt(values)
    np.testing.assert_array_equal(sk.decrypt(enc[2:5]), values[2:5])
    np.testing.assert_array_equal(sk.decrypt(enc[[0, -1, 3]]), values[[0, -1, 3]])
    np.testing.assert_array_equal(sk.decrypt(enc[values > 0]), values[values > 0])
    np.testing.assert_array_equal(sk.decrypt(enc[7]), [values[7]])
    both = EncryptedArray.concatenate([enc[:3], enc[8:]])
    np.testing.assert_array_equal(sk.decrypt(both), np.r_[values[:3], values[8:]])
    theirs = default_keys[0].encrypt([1])
    with pytest.raises(ConfigError, match="different public keys"):
        enc + theirs
    with pytest.raises(ConfigError, match="one key"):
        EncryptedArray.concatenate([enc, theirs])


def test_obfuscation_rerandomises_without_changing_plaintexts(keys: KeyPair) -> None:
    pk, sk = keys
    total = pk.encrypt([1, 2, 3]).sum()
    fresh = total.obfuscate()
    assert fresh.obfuscated and fresh.ciphertexts() != total.ciphertexts()
    assert sk.decrypt(fresh).tolist() == [6] and fresh.obfuscate() is fresh


# -- wire ---------------------------------------------------------------------------------------


def test_wire_round_trip(keys: KeyPair) -> None:
    pk, sk = keys
    values = np.array([1.5, -2.25, 0.0])
    enc = pk.encrypt(values)
    message = wire.decode(bytes(wire.encode({"key": pk.to_wire(), "data": enc.to_wire()})))
    their_pk = PublicKey.from_wire(message["key"], allow_weak=True)
    back = EncryptedArray.from_wire(their_pk, message["data"], count=3)
    assert back.ciphertexts() == enc.ciphertexts()  # fresh arrays go as they are
    np.testing.assert_array_equal(sk.decrypt(back), values)
    rows = message["data"]["ciphertexts"]
    assert rows.dtype == np.uint8 and rows.shape == (3, pk.ciphertext_bytes) == (3, 128)
    total = enc.sum()
    sent = EncryptedArray.from_wire(pk, total.to_wire())
    assert sent.ciphertexts() != total.ciphertexts() and sk.decrypt(sent).tolist() == [-0.75]
    kept = EncryptedArray.from_wire(pk, total.to_wire(obfuscate=False))
    assert kept.ciphertexts() == total.ciphertexts()


def _rows(pk: PublicKey, cts: list[int]) -> np.ndarray:
    width = pk.ciphertext_bytes
    data = b"".join(c.to_bytes(width, "big") for c in cts)
    return np.frombuffer(data, dtype=np.uint8).reshape(len(cts), width)


def test_malformed_ciphertexts_are_rejected(keys: KeyPair) -> None:
    pk, sk = keys
    good = pk.encrypt([1, 2]).to_wire()
    width = pk.ciphertext_bytes
    n = int(pk.n)
    bad_values: list[object] = [
        None,
        [good["ciphertexts"]],
        {"ciphertexts": good["ciphertexts"]},
        {**good, "extra": 1},
        {**good, "frac_bits": -1},
        {**good, "frac_bits": True},
        {**good, "ciphertexts": good["ciphertexts"].astype(np.uint16)},
        {**good, "ciphertexts": good["ciphertexts"].reshape(-1)},
        {**good, "ciphertexts": good["ciphertexts"][:, 1:]},
        {**good, "ciphertexts": np.zeros((1, width), dtype=np.uint8)},  # c = 0
        {**good, "ciphertexts": _rows(pk, [n - 1, n])},  # c = n
        {**good, "ciphertexts": _rows(pk, [5, 2 ** (8 * width) - 1])},  # c > n
        {**good, "ciphertexts": _rows(pk, [3, int(sk.p) * 7])},  # shares a factor with n
    ]
    for bad in bad_values:
        with pytest.raises(ProtocolError):
            EncryptedArray.from_wire(pk, bad)
    with pytest.raises(ProtocolError, match="expected 3"):
        EncryptedArray.from_wire(pk, good, count=3)
    with pytest.raises(ConfigError, match="not valid"):
        EncryptedArray.from_ciphertexts(pk, [int(sk.q)])


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
