"""Paillier: keys, round trips, homomorphic operations, packing, wire, pool, interop with phe."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import gmpy2  # type: ignore[import-untyped]
import numpy as np
import phe
import pytest

from confide.crypto.encoding import Packing
from confide.crypto.paillier import (
    WEAK_KEY_FLOOR_BITS,
    EncryptedArray,
    Noise,
    PrivateKey,
    PublicKey,
    Randomness,
    generate_keypair,
)
from confide.crypto.paillier.keys import _djn_exp_bytes
from confide.crypto.parallel import WorkerPool, split
from confide.errors import ConfigError, ProtocolError
from confide.params import PAILLIER_KEY_BITS, PAILLIER_KEY_BITS_128, PAILLIER_MIN_KEY_BITS

KeyPair = tuple[PublicKey, PrivateKey]


@pytest.fixture(scope="module")
def keys() -> KeyPair:
    """A 1024-bit key pair: weak, for speed; the scheme is the same at every size."""
    return generate_keypair(1024, allow_weak=True)


@pytest.fixture(scope="module")
def default_keys() -> KeyPair:
    """A key pair of the default size (2048 bits)."""
    return generate_keypair()


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(2) as workers:
        yield workers


def phe_keys(pk: PublicKey, sk: PrivateKey) -> tuple[phe.PaillierPublicKey, phe.PaillierPrivateKey]:
    phe_pub = phe.PaillierPublicKey(int(pk.n))
    return phe_pub, phe.PaillierPrivateKey(phe_pub, int(sk.p), int(sk.q))


# -- keys -----------------------------------------------------------------------------------


def test_generated_keys_have_the_documented_form(keys: KeyPair) -> None:
    pk, sk = keys
    p, q = sk.p, sk.q
    assert pk.bits == 1024 and pk.n == p * q and pk.nsquare == pk.n**2
    assert p.bit_length() == q.bit_length() == 512
    assert p % 4 == 3 and q % 4 == 3
    assert gmpy2.gcd(p - 1, q - 1) == 2
    assert gmpy2.is_prime(p) and gmpy2.is_prime(q)
    assert pk.ciphertext_bytes == 256
    assert pk.max_int == pk.n // 3 - 1 == phe.PaillierPublicKey(int(pk.n)).max_int
    assert "p=" not in repr(sk) and str(int(p)) not in repr(sk)


def test_default_size_is_2048_and_3072_is_available() -> None:
    assert PAILLIER_KEY_BITS == 2048 and PAILLIER_KEY_BITS_128 == 3072
    pk, sk = generate_keypair(PAILLIER_KEY_BITS_128)
    assert pk.bits == 3072
    values = np.array([-5, 0, 2**100], dtype=object)
    np.testing.assert_array_equal(sk.decrypt(sk.encrypt(values)), values)


@pytest.mark.parametrize("bits", [1024, 2046, 512])
def test_keys_below_the_minimum_are_refused(bits: int) -> None:
    assert bits < PAILLIER_MIN_KEY_BITS
    with pytest.raises(ConfigError, match="below the minimum"):
        generate_keypair(bits)


def test_weak_keys_have_a_floor_and_odd_sizes_are_refused() -> None:
    with pytest.raises(ConfigError, match="below the minimum"):
        generate_keypair(WEAK_KEY_FLOOR_BITS - 2, allow_weak=True)
    with pytest.raises(ConfigError, match="even"):
        generate_keypair(2049)
    with pytest.raises(TypeError):
        generate_keypair(2048.0)  # type: ignore[arg-type]


def test_public_keys_are_validated(keys: KeyPair) -> None:
    pk, sk = keys
    with pytest.raises(ConfigError, match="below the minimum"):
        PublicKey(pk.n)  # 1024 bits without allow_weak
    for bad in (int(pk.n) + 1, int(sk.p) ** 2, int(gmpy2.next_prime(pk.n))):
        with pytest.raises(ConfigError, match="odd product"):
            PublicKey(bad, allow_weak=True)
    with pytest.raises(TypeError):
        PublicKey("123")  # type: ignore[arg-type]
    for p, q in ((int(sk.p), int(sk.q) + 2), (1, int(pk.n)), (int(sk.p), int(sk.p))):
        with pytest.raises(ConfigError, match="prime factors"):
            PrivateKey(pk, p, q)


def test_djn_exponent_is_half_the_modulus() -> None:
    assert _djn_exp_bytes(2048) * 8 == 1024
    assert _djn_exp_bytes(3072) * 8 == 1536
    assert _djn_exp_bytes(1030) * 8 >= 515


def test_djn_tables_compute_h_s_to_the_exponent(keys: KeyPair) -> None:
    """The fixed-base tables (mod n**2, and mod p**2 and q**2 joined) agree with powmod."""
    pk, sk = keys
    width = _djn_exp_bytes(pk.bits)
    digits = secrets.token_bytes(3 * width) + b"\xff" * width + bytes(width)
    hs = pk._djn_base()
    exponents = [
        int.from_bytes(digits[i : i + width], "little") for i in range(0, 5 * width, width)
    ]
    expected = [gmpy2.powmod(hs, a, pk.nsquare) for a in exponents]
    assert pk._djn_table().powers(digits, width) == expected
    tp, tq = sk._crt_tables()
    joined = tp.powers(digits, width), tq.powers(digits, width)
    assert [sk._combine(a, b) for a, b in zip(*joined, strict=True)] == expected
    assert gmpy2.jacobi(hs % pk.n, pk.n) == 1  # h = -x**2 has Jacobi symbol 1 (Blum n), so h**n


# -- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("randomness", list(Randomness))
@pytest.mark.parametrize("encryptor", ["public", "private"])
def test_integers_round_trip(keys: KeyPair, randomness: Randomness, encryptor: str) -> None:
    pk, sk = keys
    edge = pk.max_int
    values = np.array([0, 1, -1, 123456789, -(2**62), edge, -edge, 2**300], dtype=object)
    enc = (pk if encryptor == "public" else sk).encrypt(values, randomness=randomness)
    assert enc.frac_bits == 0 and enc.obfuscated and len(enc) == len(values)
    out = sk.decrypt(enc)
    assert out.dtype == object  # some values exceed int64
    assert out.tolist() == values.tolist()
    small = sk.decrypt(pk.encrypt(np.array([-3, 4], dtype=np.int32)))
    assert small.dtype == np.int64 and small.tolist() == [-3, 4]


def test_a_value_in_the_middle_third_is_refused(keys: KeyPair) -> None:
    pk, sk = keys
    n = int(pk.n)
    garbage = EncryptedArray.from_ciphertexts(pk, [1 + n * (n // 2)])  # encrypts n // 2
    with pytest.raises(ProtocolError, match="signed range"):
        sk.decrypt(garbage)


def test_equal_plaintexts_give_different_ciphertexts(keys: KeyPair) -> None:
    pk, sk = keys
    for randomness in Randomness:
        for encryptor in (pk, sk):
            cts = encryptor.encrypt([7] * 20, randomness=randomness).ciphertexts()
            assert len(set(cts)) == 20
    again = pk.encrypt([7]).ciphertexts()[0]
    assert again not in sk.encrypt([7] * 20).ciphertexts()


def test_each_public_key_object_draws_its_own_djn_base(keys: KeyPair) -> None:
    pk, sk = keys
    other = PublicKey(pk.n, allow_weak=True)
    assert other._djn_base() != pk._djn_base()
    assert sk.decrypt(other.encrypt([42])).tolist() == [42]


# -- homomorphic operations -----------------------------------------------------------------


def test_addition_and_subtraction(keys: KeyPair) -> None:
    pk, sk = keys
    a = np.array([5, -7, 0, 2**40])
    b = np.array([-5, 3, 11, 1])
    ea, eb = pk.encrypt(a), sk.encrypt(b)
    np.testing.assert_array_equal(sk.decrypt(ea + eb), a + b)
    np.testing.assert_array_equal(sk.decrypt(ea - eb), a - b)
    np.testing.assert_array_equal(sk.decrypt(-ea), -a)
    np.testing.assert_array_equal(sk.decrypt(ea + b), a + b)
    np.testing.assert_array_equal(sk.decrypt(b + ea), a + b)  # numpy defers to us
    np.testing.assert_array_equal(sk.decrypt(ea - 3), a - 3)
    np.testing.assert_array_equal(sk.decrypt(10 - ea), 10 - a)
    np.testing.assert_array_equal(sk.decrypt(ea + pk.encrypt([100])), a + 100)  # broadcast
    np.testing.assert_array_equal(sk.decrypt(ea + np.arange(4)), a + np.arange(4))
    assert not (ea + eb).obfuscated


def test_fixed_point_arithmetic_aligns_scales(keys: KeyPair) -> None:
    pk, sk = keys
    x = np.array([0.5, -1.75, 3.0])
    ex = pk.encrypt(x)  # 53 fractional bits
    ei = pk.encrypt([1, 2, 3])  # integers
    np.testing.assert_array_equal(sk.decrypt(ex + ei), x + np.array([1, 2, 3]))
    assert (ex + ei).frac_bits == 53
    np.testing.assert_array_equal(sk.decrypt(ex + 0.25), x + 0.25)
    np.testing.assert_array_equal(sk.decrypt(ex * 3), x * 3)
    np.testing.assert_array_equal(sk.decrypt(ex * -0.5), x * -0.5)
    assert (ex * 0.5).frac_bits == 106
    np.testing.assert_array_equal(sk.decrypt(ei.rescale(4)), [1.0, 2.0, 3.0])
    with pytest.raises(ConfigError, match="integer array"):
        ei + 0.5
    with pytest.raises(ConfigError, match="only add"):
        ex.rescale(4)


def test_scalar_and_elementwise_multiplication(keys: KeyPair) -> None:
    pk, sk = keys
    a = np.array([3, -4, 5, 0, 1])
    ea = pk.encrypt(a)
    for k in (0, 1, -1, 7, -123456789, 2**70):
        assert sk.decrypt(ea * k).tolist() == [int(v) * k for v in a]
    ks = np.array([2, -3, 0, 9, -(2**40)])
    np.testing.assert_array_equal(sk.decrypt(ea * ks), a * ks)
    np.testing.assert_array_equal(sk.decrypt(ks * ea), a * ks)
    with pytest.raises(TypeError):
        ea * ea
    with pytest.raises(ConfigError, match="length"):
        ea * [1, 2]


def test_sum_and_grouped_sums(keys: KeyPair) -> None:
    _, sk = keys
    rng = np.random.default_rng(1)
    values = rng.integers(-1000, 1000, size=60)
    enc = sk.encrypt(values)
    assert sk.decrypt(enc.sum()).tolist() == [values.sum()]
    assert sk.decrypt(enc[:0].sum()).tolist() == [0]
    groups = rng.integers(-1, 7, size=(60, 3))  # -1: left out (not in this node)
    groups[:, 2] = np.where(groups[:, 2] == 4, 5, groups[:, 2])  # group 4 of feature 2: empty
    sums = enc.group_sum(groups, 7)
    assert len(sums) == 21 and not sums.obfuscated
    expected = [values[groups[:, j] == g].sum() for j in range(3) for g in range(7)]
    np.testing.assert_array_equal(sk.decrypt(sums), expected)
    one_column = enc.group_sum(groups[:, 0], 7)
    np.testing.assert_array_equal(sk.decrypt(one_column), expected[:7])
    with pytest.raises(ConfigError, match=r"\[-1, 7\)"):
        enc.group_sum(groups + 1, 7)
    with pytest.raises(ConfigError, match="shape"):
        enc.group_sum(groups[:10], 7)
    with pytest.raises(TypeError):
        enc.group_sum(groups.astype(float), 7)


def test_obfuscation_with_either_randomness(keys: KeyPair) -> None:
    pk, sk = keys
    total = pk.encrypt([1, 2, 3]).sum()
    for randomness in Randomness:
        fresh = total.obfuscate(randomness=randomness)
        assert fresh.obfuscated and fresh.ciphertexts() != total.ciphertexts()
        assert sk.decrypt(fresh).tolist() == [6]
    sent = EncryptedArray.from_wire(pk, total.to_wire(randomness=Randomness.STANDARD))
    assert sk.decrypt(sent).tolist() == [6]


def test_noise_of_either_randomness(keys: KeyPair) -> None:
    pk, sk = keys
    standard = Noise(sk, randomness=Randomness.STANDARD)
    assert "standard" in repr(standard) and Noise(pk).randomness is Randomness.DJN
    standard.fill(2)
    total = pk.encrypt([1, 2]).sum().obfuscate(noise=standard)
    assert total.obfuscated and len(standard) == 1
    assert sk.decrypt(total).tolist() == [3]
    assert sk.decrypt(pk.encrypt([4, 5], noise=standard)).tolist() == [4, 5]
    with pytest.raises(TypeError):
        Noise("key")  # type: ignore[arg-type]


# -- packing --------------------------------------------------------------------------------


def test_packed_gradients_summed_at_the_edge_of_headroom(keys: KeyPair) -> None:
    pk, sk = keys
    terms = 50
    layout = Packing.fit(value_bits=30, max_terms=terms, key_bits=pk.bits)
    assert layout.slots == 1022 // 37 == 27
    top = 2**30 - 1
    rng = np.random.default_rng(2)
    signs = rng.choice([-1, 1], size=layout.slots)
    rows = np.tile(signs * top, (terms, 1))  # every slot at its extreme in every term
    enc = sk.encrypt(layout.pack(rows))  # one ciphertext per row
    assert len(enc) == terms
    total = layout.unpack(sk.decrypt_ints(enc.sum()))
    assert total == (signs * top * terms).tolist()


# -- wire -----------------------------------------------------------------------------------


def test_malformed_public_keys_are_rejected(keys: KeyPair, default_keys: KeyPair) -> None:
    pk, _ = keys
    assert PublicKey.from_wire(default_keys[0].to_wire()) == default_keys[0]
    for bad in (
        None,
        {"n": int(pk.n)},
        {"scheme": "rsa", "n": int(pk.n)},
        {"scheme": "paillier", "n": str(pk.n)},
        {"scheme": "paillier", "n": True},
        {"scheme": "paillier", "n": int(pk.n)},  # 1024 bits: below the minimum
        {"scheme": "paillier", "n": 2**2048 + 2},  # even
        {"scheme": "paillier", "n": int(gmpy2.next_prime(2**2047))},  # a prime
        {"scheme": "paillier", "n": int(gmpy2.next_prime(2**1024)) ** 2},  # a square
    ):
        with pytest.raises(ProtocolError):
            PublicKey.from_wire(bad)


# -- interoperability with python-paillier --------------------------------------------------


@pytest.mark.parametrize("which", ["weak", "default"])
def test_confide_ciphertexts_decrypt_with_phe(
    which: str, keys: KeyPair, default_keys: KeyPair
) -> None:
    pk, sk = keys if which == "weak" else default_keys
    phe_pub, phe_priv = phe_keys(pk, sk)
    ints = [0, 17, -17, 2**200, -pk.max_int]
    for encryptor in (pk, sk):
        for c, v in zip(encryptor.encrypt(ints).ciphertexts(), ints, strict=True):
            assert phe_priv.decrypt(phe.EncryptedNumber(phe_pub, c, exponent=0)) == v
    floats = [0.5, -1.25, 1 / 3]
    for c, x in zip(pk.encrypt(floats, frac_bits=52).ciphertexts(), floats, strict=True):
        got = phe_priv.decrypt(phe.EncryptedNumber(phe_pub, c, exponent=-13))  # 16**-13
        assert abs(got - x) <= 2.0**-53


@pytest.mark.parametrize("which", ["weak", "default"])
def test_phe_ciphertexts_decrypt_with_confide(
    which: str, keys: KeyPair, default_keys: KeyPair
) -> None:
    pk, sk = keys if which == "weak" else default_keys
    phe_pub, _ = phe_keys(pk, sk)
    ints = [0, 5, -5, 2**150, -(2**150)]
    cts = [phe_pub.encrypt(v).ciphertext() for v in ints]
    enc = EncryptedArray.from_ciphertexts(pk, cts)
    assert sk.decrypt(enc).tolist() == ints
    assert sk.decrypt(enc.sum()).tolist() == [sum(ints)]  # and they compute together
    for x in (0.75, -3.5, 1e-3):
        number = phe_pub.encrypt(x)
        one = EncryptedArray.from_ciphertexts(
            pk, [number.ciphertext()], frac_bits=-4 * number.exponent
        )
        assert sk.decrypt(one)[0] == pytest.approx(x, abs=1e-12)


# -- spreading over worker processes --------------------------------------------------------


def test_split_covers_everything_in_order() -> None:
    for count in (0, 1, 5, 17, 100):
        for parts in (1, 3, 8):
            slices = split(count, parts)
            assert [i for s in slices for i in range(s.start, s.stop)] == list(range(count))
            assert all(s.stop > s.start for s in slices)
            assert len(slices) <= max(1, parts)


def test_pool_results_match_local_results(keys: KeyPair, pool: WorkerPool) -> None:
    pk, sk = keys
    rng = np.random.default_rng(4)
    values = rng.integers(-(2**40), 2**40, size=150)
    for encryptor in (pk, sk):
        enc = encryptor.encrypt(values, pool=pool)
        np.testing.assert_array_equal(sk.decrypt(enc, pool=pool), values)
    standard = sk.encrypt(values[:70], randomness=Randomness.STANDARD, pool=pool)
    np.testing.assert_array_equal(sk.decrypt(standard, pool=pool), values[:70])
    ks = rng.integers(-1000, 1000, size=150)
    np.testing.assert_array_equal(sk.decrypt(enc.mul(ks, pool=pool)), values * ks)
    groups = rng.integers(-1, 5, size=(150, 40))  # 6,000 additions: spread over the pool
    expected = sk.decrypt(enc.group_sum(groups, 5))
    np.testing.assert_array_equal(sk.decrypt(enc.group_sum(groups, 5, pool=pool)), expected)
    big = sk.encrypt(np.ones(9000, dtype=np.int64))
    assert sk.decrypt((big + big).sum(pool=pool)).tolist() == [18000]
    total = enc.sum()
    fresh = total.obfuscate(pool=pool)
    assert sk.decrypt(fresh).tolist() == [values.sum()]
    layout = Packing(value_bits=41, max_terms=1, slots=1)
    joined = enc.pack(20, layout.total_bits, pool=pool)
    assert len(joined) == 8
    stacked = layout.stacked(20)
    assert stacked.unpack(sk.decrypt_ints(joined, pool=pool), count=150) == values.tolist()
