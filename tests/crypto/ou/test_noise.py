"""Randomness made ahead: each value used once, for the key it was made for."""

from __future__ import annotations

import pytest

from confide.crypto.ou import Noise
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError
from tests.crypto.ou.conftest import KeyPair


def test_noise_made_ahead_is_used_once(keys: KeyPair, default_keys: KeyPair) -> None:
    pk, sk = keys
    for key in (pk, sk):
        noise = Noise(key)
        noise.fill(10)
        assert len(noise) == 10
        enc = key.encrypt([5, -6, 7], noise=noise)
        assert len(noise) == 7 and sk.decrypt(enc).tolist() == [5, -6, 7]
        more = key.encrypt([5] * 9, noise=noise)  # 7 stored, 2 made on the spot
        assert len(noise) == 0 and len(set(more.ciphertexts())) == 9
        assert sk.decrypt(more).tolist() == [5] * 9
    store = Noise(sk)
    store.fill(2)
    total = pk.encrypt([1, 2]).sum().obfuscate(noise=store)
    assert total.obfuscated and len(store) == 1 and sk.decrypt(total).tolist() == [3]
    with pytest.raises(ConfigError, match="another public key"):
        default_keys[0].encrypt([1], noise=Noise(pk))
    with pytest.raises(ConfigError, match="count"):
        Noise(pk).fill(-1)
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
