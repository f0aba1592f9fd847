"""The scheme-agnostic interface: both schemes behind one set of calls, and no mixing."""

from __future__ import annotations

import numpy as np
import pytest

from confide.crypto import he, ou, paillier
from confide.crypto.encoding import Packing
from confide.errors import ConfigError, ProtocolError
from confide.net import wire

SCHEMES = [he.Scheme.OU, he.Scheme.PAILLIER]
PAIRS = {scheme: he.generate_keypair(scheme, 1024, allow_weak=True) for scheme in SCHEMES}


def test_schemes_by_name() -> None:
    assert he.Scheme.parse("ou") is he.Scheme.OU
    assert he.Scheme.parse(he.Scheme.PAILLIER) is he.Scheme.PAILLIER
    with pytest.raises(ConfigError, match="unknown encryption scheme"):
        he.Scheme.parse("rsa")
    pk, sk = PAIRS[he.Scheme.OU]
    assert isinstance(pk, ou.PublicKey) and isinstance(sk, ou.PrivateKey)
    assert he.scheme_of(sk) is he.Scheme.OU
    assert he.scheme_of(PAIRS[he.Scheme.PAILLIER][0]) is he.Scheme.PAILLIER
    with pytest.raises(TypeError):
        he.scheme_of("key")  # type: ignore[arg-type]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_same_calls_work_for_both(scheme: he.Scheme) -> None:
    pk, sk = PAIRS[scheme]
    capacity = he.packing_bits(pk)
    assert capacity == (pk.bits - 2 if scheme is he.Scheme.PAILLIER else 341)
    layout = Packing.fit(20, 4, capacity + 2)  # Packing.fit takes key_bits = capacity + 2
    assert layout.total_bits <= capacity
    noise = he.new_noise(sk)
    noise.fill(6)
    rows = np.array([[1, -2] * (layout.slots // 2), [3, 4] * (layout.slots // 2)] * 2)
    enc = he.encrypt(sk, layout.pack(rows), noise=noise)
    assert len(noise) == 2
    array: he.HEArray = enc
    sums = array.group_sum(np.array([0, 1, 0, 1]), 2)
    message = wire.decode(bytes(wire.encode({"key": pk.to_wire(), "sums": sums.to_wire()})))
    their = he.public_key_from_wire(message["key"], scheme, allow_weak=True)
    back = he.array_from_wire(their, message["sums"], count=2)
    got = layout.unpack(he.decrypt_ints(sk, back))
    assert got == (2 * rows[:2]).ravel().tolist()
    own = he.array_from_own_rows(pk, message["sums"]["ciphertexts"])
    assert he.decrypt_ints(sk, own) == he.decrypt_ints(sk, back)
    with pytest.raises(ProtocolError, match="scheme"):
        he.public_key_from_wire(message["key"], _other(scheme), allow_weak=True)


def test_schemes_do_not_mix() -> None:
    ou_pk, ou_sk = PAIRS[he.Scheme.OU]
    pa_pk, pa_sk = PAIRS[he.Scheme.PAILLIER]
    with pytest.raises(TypeError, match="OU Noise"):
        he.encrypt(ou_sk, [1], noise=he.new_noise(pa_sk))
    with pytest.raises(TypeError, match="Paillier Noise"):
        he.encrypt(pa_pk, [1], noise=he.new_noise(ou_pk))
    with pytest.raises(TypeError, match="cannot decrypt"):
        he.decrypt_ints(pa_sk, he.encrypt(ou_pk, [1]))
    with pytest.raises(ProtocolError):
        he.array_from_wire(ou_pk, pa_pk.encrypt([1]).to_wire())  # 256-byte rows, not 128
    assert isinstance(he.encrypt(pa_pk, [1]), paillier.EncryptedArray)


def _other(scheme: he.Scheme) -> he.Scheme:
    return he.Scheme.PAILLIER if scheme is he.Scheme.OU else he.Scheme.OU
