"""OU key generation: the documented form of the keys, the sizes, and the floors."""

from __future__ import annotations

import gmpy2  # type: ignore[import-untyped]
import pytest

from confide.crypto.ou import WEAK_KEY_FLOOR_BITS, generate_keypair
from confide.errors import ConfigError
from confide.params import OU_KEY_BITS, OU_KEY_BITS_128, OU_MIN_KEY_BITS, OU_SUBGROUP_BITS
from tests.crypto.ou.conftest import KeyPair


def check_form(pair: KeyPair, bits: int, t_bits: int) -> None:
    pk, sk = pair
    p, q, t, n = sk.p, sk.q, sk.t, pk.n
    assert n == p * p * q and pk.bits == n.bit_length() == bits
    assert p.bit_length() == pk.p_bits == (bits + 2) // 3
    assert q.bit_length() == bits - 2 * pk.p_bits
    assert p >> (pk.p_bits - 2) == 3  # top two bits of p set: p >= 3 * 2**(p_bits - 2)
    assert gmpy2.is_prime(p) and gmpy2.is_prime(q) and gmpy2.is_prime(t) and p != q
    assert t.bit_length() == t_bits and (p - 1) % t == 0
    p2 = p * p
    # g**t has order p modulo p**2; h lies in the subgroup of order t modulo p**2.
    gt = gmpy2.powmod(pk.g, t, p2)
    assert gt != 1 and gmpy2.powmod(gt, p, p2) == 1
    assert gmpy2.powmod(pk.h, t, p2) == 1 and pk.h % p2 != 1
    assert pk.max_int == 2 ** (pk.p_bits - 2) - 1 and pk.packing_bits == pk.p_bits - 1
    assert pk.ciphertext_bytes == (bits + 7) // 8
    assert str(int(p)) not in repr(sk) and "p=" not in repr(sk)


def test_default_keys_have_the_documented_form(default_keys: KeyPair) -> None:
    assert OU_KEY_BITS == OU_MIN_KEY_BITS == 2048 and OU_SUBGROUP_BITS == 256
    check_form(default_keys, 2048, OU_SUBGROUP_BITS)
    assert default_keys[0].p_bits == 683 and default_keys[0].max_int == 2**681 - 1


def test_weak_test_keys_take_a_shorter_t(keys: KeyPair) -> None:
    check_form(keys, 1024, 342 // 2)


def test_3072_bits_for_128_bit_security() -> None:
    assert OU_KEY_BITS_128 == 3072
    pair = generate_keypair(OU_KEY_BITS_128)
    check_form(pair, 3072, OU_SUBGROUP_BITS)
    pk, sk = pair
    assert sk.decrypt(pk.encrypt([-(2**40), 5])).tolist() == [-(2**40), 5]


def test_every_key_is_fresh() -> None:
    a, b = generate_keypair(1024, allow_weak=True), generate_keypair(1024, allow_weak=True)
    assert a[1].p != b[1].p and a[1].q != b[1].q and a[0].g != b[0].g and a[0].h != b[0].h


@pytest.mark.parametrize("bits", [1024, 2047])
def test_keys_below_the_minimum_are_refused(bits: int) -> None:
    with pytest.raises(ConfigError, match="below the minimum"):
        generate_keypair(bits)
    with pytest.raises(ConfigError, match="below the minimum"):
        generate_keypair(WEAK_KEY_FLOOR_BITS - 1, allow_weak=True)
    with pytest.raises(TypeError):
        generate_keypair(2048.0)  # type: ignore[arg-type]


def test_odd_sizes_are_honoured() -> None:
    check_form(generate_keypair(1030, allow_weak=True), 1030, 344 // 2)
