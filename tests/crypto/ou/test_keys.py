"""OU keys: validation, round trips of signed integers and fixed point, range, wrong keys."""

from __future__ import annotations

import gmpy2  # type: ignore[import-untyped]
import numpy as np
import pytest

from confide.crypto.ou import EncryptedArray, PrivateKey, PublicKey
from confide.errors import ConfigError, ProtocolError
from confide.net import wire
from tests.crypto.ou.conftest import KeyPair

# -- validation and wire of keys ----------------------------------------------------------------


def test_public_keys_are_validated(keys: KeyPair) -> None:
    pk, sk = keys
    n, g, h = int(pk.n), int(pk.g), int(pk.h)
    with pytest.raises(ConfigError, match="below the minimum"):
        PublicKey(n, g, h)  # 1024 bits without allow_weak
    for bad_n in (n + 1, int(gmpy2.next_prime(n)), int(gmpy2.next_prime(2**512)) ** 2):
        with pytest.raises(ConfigError, match="odd p"):
            PublicKey(bad_n, g, h, allow_weak=True)
    for bad_g, bad_h in ((1, h), (g, n), (int(sk.q) * 5, h), (g, 0)):
        with pytest.raises(ConfigError, match="unit"):
            PublicKey(n, bad_g, bad_h, allow_weak=True)
    with pytest.raises(TypeError):
        PublicKey(str(n), g, h)  # type: ignore[arg-type]


def test_private_keys_are_validated(keys: KeyPair) -> None:
    pk, sk = keys
    p, q, t = int(sk.p), int(sk.q), int(sk.t)
    with pytest.raises(ConfigError, match="distinct primes"):
        PrivateKey(pk, q, p, t)
    with pytest.raises(ConfigError, match="distinct primes"):
        PrivateKey(pk, p, q + 2, t)
    with pytest.raises(ConfigError, match="prime factor of p - 1"):
        PrivateKey(pk, p, q, int(gmpy2.next_prime(t)))
    other = PublicKey(pk.n, pk.g, pk.h * pk.h % pk.n, allow_weak=True)
    PrivateKey(other, p, q, t)  # h**2 is as good a base as h
    stray = PublicKey(pk.n, pk.g, pk.g, allow_weak=True)  # g has order p * t modulo p**2
    with pytest.raises(ConfigError, match="subgroup of order t"):
        PrivateKey(stray, p, q, t)
    with pytest.raises(ConfigError, match="order p"):
        PrivateKey(PublicKey(pk.n, pk.h, pk.h, allow_weak=True), p, q, t)
    with pytest.raises(TypeError):
        PrivateKey("key", p, q, t)  # type: ignore[arg-type]


def test_public_key_wire_round_trip_and_refusals(keys: KeyPair, default_keys: KeyPair) -> None:
    pk, _ = keys
    big = default_keys[0]
    message = wire.decode(bytes(wire.encode({"key": big.to_wire()})))
    assert PublicKey.from_wire(message["key"]) == big
    assert PublicKey.from_wire(pk.to_wire(), allow_weak=True) == pk
    good = pk.to_wire()
    for bad in (
        None,
        {**good, "scheme": "paillier"},
        {"scheme": "ou", "n": good["n"], "g": good["g"]},
        {**good, "h": str(good["h"])},
        {**good, "g": True},
        good,  # 1024 bits: below the minimum
        {**big.to_wire(), "n": big.to_wire()["n"] + 1},  # even
        {**big.to_wire(), "g": 1},
    ):
        with pytest.raises(ProtocolError):
            PublicKey.from_wire(bad)


# -- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize("encryptor", ["public", "private"])
def test_integers_round_trip(keys: KeyPair, encryptor: str) -> None:
    pk, sk = keys
    edge = pk.max_int
    values = np.array(
        [0, 1, -1, 4095, 4096, -4096, 123456789, -(2**62), 2**200, edge, -edge], dtype=object
    )
    enc = (pk if encryptor == "public" else sk).encrypt(values)
    assert enc.frac_bits == 0 and enc.obfuscated and len(enc) == len(values)
    out = sk.decrypt(enc)
    assert out.dtype == object and out.tolist() == values.tolist()
    small = sk.decrypt(pk.encrypt(np.array([-3, 4], dtype=np.int32)))
    assert small.dtype == np.int64 and small.tolist() == [-3, 4]
    assert len(pk.encrypt(np.array([], dtype=np.int64))) == 0


def test_private_and_public_encryption_agree_on_the_randomness(keys: KeyPair) -> None:
    """The CRT tables of the private key compute exactly what the public key's tables do."""
    pk, sk = keys
    from confide.crypto.ou.tables import random_digits

    digits = random_digits(5, 256)
    digits[0] = 0
    digits[1] = 4095
    public = pk._bases()[2].multiply(None, digits)
    tp, tq = sk._crt_bases()
    private = sk._combine(tp[2].multiply(None, digits), tq[2].multiply(None, digits))
    exponents = [sum(int(d) << (12 * j) for j, d in enumerate(row)) for row in digits.tolist()]
    assert public == private == [gmpy2.powmod(pk.h, e, pk.n) for e in exponents]
    ints = [0, 7, -7, 2**100, -(2**100)]
    expected = [gmpy2.powmod(pk.g, v, pk.n) for v in ints]
    assert pk._with_plaintexts(ints, None) == sk._with_plaintexts(ints, None) == expected


def test_ou_range_is_checked_for_either_key(keys: KeyPair) -> None:
    pk, sk = keys
    for key in (pk, sk):
        with pytest.raises(ConfigError, match="signed range") as info:
            key.encrypt([1, pk.max_int + 1])
        assert str(pk.max_int + 1) not in str(info.value)  # no data values in errors
        with pytest.raises(ConfigError, match="signed range"):
            key.encrypt([-pk.max_int - 1])
    with pytest.raises(ConfigError, match="signed range"):
        pk.encrypt([2.0**300])  # 300 + 53 fractional bits > 340
    enc = pk.encrypt([pk.max_int])
    with pytest.raises(ProtocolError, match="signed range"):
        sk.decrypt(-enc - enc)  # -2 * max_int lands in the refused middle of Z_p


def test_equal_plaintexts_give_different_ciphertexts(keys: KeyPair) -> None:
    pk, sk = keys
    for encryptor in (pk, sk):
        cts = encryptor.encrypt([7] * 20).ciphertexts()
        assert len(set(cts)) == 20
        assert sk.decrypt(encryptor.encrypt([7] * 20)).tolist() == [7] * 20


def test_wrong_key_and_non_ciphertexts_are_refused(keys: KeyPair, default_keys: KeyPair) -> None:
    pk, sk = keys
    other_pk, other_sk = default_keys
    with pytest.raises(ConfigError, match="another public key"):
        other_sk.decrypt(pk.encrypt([1]))
    # A ciphertext of another key, relabelled as one of this key: c**t is not 1 modulo p.
    foreign = [c % int(pk.n) for c in other_pk.encrypt([1, 2, 3]).ciphertexts()]
    relabelled = EncryptedArray.from_ciphertexts(pk, foreign)
    with pytest.raises(ProtocolError, match="not a ciphertext"):
        sk.decrypt(relabelled)
    # A unit of Z_n that no encryption makes.
    with pytest.raises(ProtocolError, match="not a ciphertext"):
        sk.decrypt(EncryptedArray.from_ciphertexts(pk, [int(pk.n) - 2]))
    with pytest.raises(TypeError):
        sk.decrypt([1, 2])  # type: ignore[arg-type]
