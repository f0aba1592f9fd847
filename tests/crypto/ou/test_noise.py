"""OU's randomness made ahead (what both schemes share is in ``tests/crypto/he_core``)."""

from __future__ import annotations

import pytest

from confide.crypto.ou import Noise
from confide.crypto.parallel import WorkerPool
from tests.crypto.ou.conftest import KeyPair


def test_noise_refuses_what_is_not_an_ou_key(keys: KeyPair) -> None:
    pk, _ = keys
    assert repr(Noise(pk)).startswith("Noise(ou, len=0")
    with pytest.raises(TypeError):
        Noise("key")  # type: ignore[arg-type]


def test_noise_over_a_pool(keys: KeyPair, pool: WorkerPool) -> None:
    pk, sk = keys
    noise = Noise(sk)
    noise.fill(2200, pool=pool)
    assert len(noise) == 2200
    values = [i * 2**70 - 2**80 for i in range(1100)]
    for key in (pk, sk):  # g**m over the pool (1,024 values and more), h**r from the store
        assert sk.decrypt_ints(key.encrypt(values, noise=noise, pool=pool)) == values
    assert len(noise) == 0
