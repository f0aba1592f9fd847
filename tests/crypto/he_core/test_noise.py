"""Randomness made ahead, the same way for both schemes."""

from __future__ import annotations

import numpy as np
import pytest

from confide.crypto import he
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError
from tests.crypto.he_core.conftest import KeyPair


def test_noise_made_ahead_is_used_once(key_pairs: dict[str, KeyPair], scheme: str) -> None:
    pk, sk = key_pairs[scheme]
    for key in (pk, sk):
        noise = he.new_noise(key)
        noise.fill(10)
        assert len(noise) == 10
        enc = he.encrypt(key, [5, -6, 7], noise=noise)
        assert len(noise) == 7
        assert he.decrypt_ints(sk, enc) == [5, -6, 7]
        more = he.encrypt(key, [5] * 9, noise=noise)  # 7 stored, 2 made on the spot
        assert len(noise) == 0
        assert len(set(more.ciphertexts())) == 9
        assert he.decrypt_ints(sk, more) == [5] * 9
    noise = he.new_noise(sk)
    noise.fill(2)
    total = he.encrypt(pk, [1, 2]).sum().obfuscate(noise=noise)
    assert total.obfuscated and len(noise) == 1
    assert he.decrypt_ints(sk, total) == [3]
    with pytest.raises(ConfigError, match="another public key"):
        he.encrypt(key_pairs[f"{scheme} 2"][0], [1], noise=he.new_noise(pk))
    with pytest.raises(ConfigError, match="count"):
        he.new_noise(pk).fill(-1)
    with pytest.raises(ConfigError, match="count"):
        he.new_noise(pk).take(True)


def test_noise_of_another_scheme_is_refused(key_pairs: dict[str, KeyPair]) -> None:
    (p_pk, _), (o_pk, _) = key_pairs["paillier"], key_pairs["ou"]
    with pytest.raises(TypeError):
        p_pk.encrypt([1], noise=he.new_noise(o_pk))
    with pytest.raises(TypeError):
        o_pk.encrypt([1], noise=he.new_noise(p_pk))
    total = o_pk.encrypt([1, 2]).sum()
    with pytest.raises(TypeError, match="OU Noise"):
        total.obfuscate(noise=he.new_noise(p_pk))


def test_noise_fills_in_the_background(keys: KeyPair, pool: WorkerPool) -> None:
    pk, sk = keys
    noise = he.new_noise(sk)
    done = noise.fill_in_background(600, pool=pool)
    done.result(timeout=60)
    assert len(noise) == 600
    enc = he.encrypt(pk, np.arange(600), noise=noise)
    assert he.decrypt_ints(sk, enc) == list(range(600)) and len(noise) == 0
    failing = he.new_noise(pk).fill_in_background(-5)
    with pytest.raises(ConfigError):
        failing.result(timeout=10)
