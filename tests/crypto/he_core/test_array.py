"""The array type both schemes share, run on each: indexing, keys, wire form, obfuscation, pool."""

from __future__ import annotations

import numpy as np
import pytest

from confide.crypto import he, ou, paillier
from confide.crypto.encoding import Packing
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError, ProtocolError
from confide.net import wire
from tests.crypto.he_core.conftest import KeyPair


def _rows(pk: he.PublicKey, cts: list[int]) -> np.ndarray:
    width = pk.ciphertext_bytes
    data = b"".join(c.to_bytes(width, "big") for c in cts)
    return np.frombuffer(data, dtype=np.uint8).reshape(len(cts), width)


def test_indexing_and_concatenation(keys: KeyPair) -> None:
    pk, sk = keys
    values = np.arange(10) - 4
    enc = pk.encrypt(values)
    cls = type(enc)
    for index in (slice(2, 5), [0, -1, 3], values > 0):
        np.testing.assert_array_equal(sk.decrypt(enc[index]), values[index])
    np.testing.assert_array_equal(sk.decrypt(enc[7]), [values[7]])
    both = cls.concatenate([enc[:3], enc[8:]])
    np.testing.assert_array_equal(sk.decrypt(both), np.r_[values[:3], values[8:]])
    with pytest.raises(IndexError):
        enc[10]
    with pytest.raises(ConfigError, match="at least one"):
        cls.concatenate([])


def test_operations_need_one_key_and_one_scheme(key_pairs: dict[str, KeyPair], scheme: str) -> None:
    pk, sk = key_pairs[scheme]
    other_pk, other_sk = key_pairs[f"{scheme} 2"]
    stranger = "ou" if scheme == "paillier" else "paillier"
    mine, theirs = pk.encrypt([1]), other_pk.encrypt([1])
    foreign = key_pairs[stranger][0].encrypt([1])
    with pytest.raises(ConfigError, match="different public keys"):
        mine + theirs
    with pytest.raises(ConfigError, match="another public key"):
        he.decrypt_ints(other_sk, mine)
    with pytest.raises(ConfigError, match="one key"):
        type(mine).concatenate([mine, theirs])
    with pytest.raises(TypeError):
        mine + foreign
    with pytest.raises(TypeError):
        type(mine).concatenate([mine, foreign])
    with pytest.raises(TypeError, match="cannot multiply two ciphertexts"):
        mine * mine
    with pytest.raises(TypeError, match="EncryptedArray"):
        sk.decrypt(foreign)


def test_repr_names_the_scheme_and_no_secret(keys: KeyPair, scheme: str) -> None:
    pk, sk = keys
    text = repr(pk.encrypt([1, 2]))
    prefix = "EncryptedArray(len=2" if scheme == "paillier" else "EncryptedArray(ou, len=2"
    assert text.startswith(prefix) and "obfuscated=True" in text
    assert str(int(pk.n)) not in repr(pk) and str(int(sk.p)) not in repr(sk)


def test_floats_round_trip_as_fixed_point(keys: KeyPair) -> None:
    pk, sk = keys
    values = np.array([0.0, 0.5, -1.25, 1 / 3, -1e-9, 123456.789, -(2.0**-53)])
    enc = pk.encrypt(values)
    assert enc.frac_bits == 53
    out = sk.decrypt(enc)
    assert out.dtype == np.float64 and np.max(np.abs(out - values)) <= 2.0**-54
    coarse = sk.decrypt(sk.encrypt(values, frac_bits=8))
    np.testing.assert_allclose(coarse, np.round(values * 256) / 256)
    np.testing.assert_array_equal(sk.decrypt(pk.encrypt([3, -2], frac_bits=10)), [3.0, -2.0])
    assert len(pk.encrypt(np.array([], dtype=np.int64))) == 0


def test_bad_inputs_and_overflows_are_refused(keys: KeyPair) -> None:
    pk, sk = keys
    for bad, match in (
        (np.zeros((2, 2)), "one-dimensional"),
        (5, "one-dimensional"),
        ([np.nan], "NaN"),
        ([pk.max_int + 1], "signed range"),
    ):
        with pytest.raises(ConfigError, match=match):
            pk.encrypt(bad)
    with pytest.raises(ConfigError, match="frac_bits"):
        pk.encrypt([1], frac_bits=-1)
    with pytest.raises(TypeError):
        pk.encrypt(np.array(["x"]))
    enc = pk.encrypt([pk.max_int])
    with pytest.raises(ProtocolError, match="signed range"):
        sk.decrypt(enc + enc)


def test_wire_round_trip_obfuscates_results_unless_told(keys: KeyPair) -> None:
    pk, sk = keys
    enc = pk.encrypt([0.5, -1.25, 0.0])
    message = wire.decode(wire.encode({"key": pk.to_wire(), "data": enc.to_wire()}))
    assert isinstance(message, dict)
    their_pk = he.public_key_from_wire(message["key"], he.scheme_of(pk), allow_weak=True)
    assert their_pk == pk
    rows = message["data"]["ciphertexts"]
    width = 256 if isinstance(pk, paillier.PublicKey) else 128  # n**2 or n, of a 1024-bit n
    assert rows.dtype == np.uint8 and rows.shape == (3, pk.ciphertext_bytes) == (3, width)
    back = he.array_from_wire(their_pk, message["data"], count=3)
    assert back.ciphertexts() == enc.ciphertexts()  # fresh arrays go as they are
    np.testing.assert_array_equal(sk.decrypt(back), [0.5, -1.25, 0.0])
    total = enc.sum()
    sent = he.array_from_wire(pk, total.to_wire())
    assert sent.ciphertexts() != total.ciphertexts()
    assert sk.decrypt(sent).tolist() == [-0.75]
    kept = he.array_from_wire(pk, total.to_wire(obfuscate=False))
    assert kept.ciphertexts() == total.ciphertexts()


def test_malformed_ciphertexts_are_rejected(keys: KeyPair) -> None:
    pk, sk = keys
    good = pk.encrypt([1, 2]).to_wire()
    width = pk.ciphertext_bytes
    bound = int(pk.nsquare) if isinstance(pk, paillier.PublicKey) else int(pk.n)
    bad_values: list[object] = [
        None,
        [good["ciphertexts"]],
        {"ciphertexts": good["ciphertexts"]},
        {**good, "extra": 1},
        {**good, "frac_bits": -1},
        {**good, "frac_bits": True},
        {**good, "frac_bits": 5000},
        {**good, "ciphertexts": good["ciphertexts"].astype(np.uint16)},
        {**good, "ciphertexts": good["ciphertexts"].reshape(-1)},
        {**good, "ciphertexts": good["ciphertexts"][:, 1:]},
        {**good, "ciphertexts": np.zeros((1, width), dtype=np.uint8)},  # c = 0
        {**good, "ciphertexts": _rows(pk, [bound - 1, bound])},  # c = the modulus
        {**good, "ciphertexts": _rows(pk, [5, 2 ** (8 * width) - 1])},  # c above it
        {**good, "ciphertexts": _rows(pk, [3, int(sk.p) * 7])},  # shares a factor with n
    ]
    for bad in bad_values:
        with pytest.raises(ProtocolError):
            he.array_from_wire(pk, bad)
    with pytest.raises(ProtocolError, match="expected 3"):
        he.array_from_wire(pk, good, count=3)
    cls = type(pk.encrypt([1]))
    with pytest.raises(ConfigError, match="not valid"):
        cls.from_ciphertexts(pk, [int(sk.q)])
    assert len(cls.from_ciphertexts(pk, [bound - 1])) == 1


def test_obfuscation_rerandomises_without_changing_plaintexts(keys: KeyPair) -> None:
    pk, sk = keys
    total = pk.encrypt([1, 2, 3]).sum()
    assert not total.obfuscated
    fresh = total.obfuscate()
    assert fresh.obfuscated and fresh.ciphertexts() != total.ciphertexts()
    assert he.decrypt_ints(sk, fresh) == [6]
    assert fresh.obfuscate() is fresh


def test_pool_gives_the_local_results(keys: KeyPair, pool: WorkerPool) -> None:
    _, sk = keys
    values = np.arange(300) - 150
    enc = he.encrypt(sk, values, pool=pool)
    assert he.decrypt_ints(sk, enc, pool=pool) == values.tolist()
    ks = (np.arange(300) % 7 - 3).tolist()
    assert he.decrypt_ints(sk, enc.mul(ks, pool=pool)) == (values * np.array(ks)).tolist()
    groups = np.stack([np.arange(300) % 4, np.arange(300) % 3 - 1], axis=1)
    local, spread = enc.group_sum(groups, 4), enc.group_sum(groups, 4, pool=pool)
    assert he.decrypt_ints(sk, spread) == he.decrypt_ints(sk, local)
    packed = enc[:256].pack(4, 20, pool=pool)
    assert packed.ciphertexts() == enc[:256].pack(4, 20).ciphertexts()
    fresh = (enc + enc).obfuscate(pool=pool)
    assert he.decrypt_ints(sk, fresh, pool=pool) == (2 * values).tolist()


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
    sums = enc.group_sum(bins, n_bins)  # 18 ciphertexts
    per = he.packing_bits(pk) // layout.total_bits
    joined = sums.pack(per, layout.total_bits)
    assert len(joined) == -(-len(sums) // per)
    stacked = layout.stacked(per)
    assert stacked.total_bits <= he.packing_bits(pk)
    got = np.array(stacked.unpack(sk.decrypt_ints(joined), count=2 * len(sums))).reshape(-1, 2)
    for j in range(2):
        for b in range(n_bins):
            mask = bins[:, j] == b
            assert got[j * n_bins + b].tolist() == [gi[mask].sum(), hi[mask].sum()]
    with pytest.raises(ConfigError, match="do not fit"):
        sums.pack(per + 1, layout.total_bits)


def test_each_scheme_refuses_a_pack_beyond_its_capacity(keys: KeyPair) -> None:
    pk, _ = keys
    enc = pk.encrypt([1, 2])
    capacity = he.packing_bits(pk)
    assert capacity == (pk.bits - 2 if isinstance(pk, paillier.PublicKey) else pk.p_bits - 1)
    enc.pack(2, capacity // 2)
    with pytest.raises(ConfigError, match="do not fit"):
        enc.pack(2, capacity // 2 + 1)
    assert isinstance(enc, (paillier.EncryptedArray, ou.EncryptedArray))
