"""OT extension: bit transposes, the IKNP/KKRT correlation, random and chosen OTs, bad peers."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from confide.crypto import ot_extension as ox
from confide.crypto.ot import base_ot_receive, base_ot_send
from confide.crypto.ot_extension import (
    BATCH_ROWS,
    FixedKeyAes,
    extend_receive,
    extend_send,
    hash_rows,
    ot_receive,
    ot_send,
    random_ot_receive,
    random_ot_send,
)
from confide.errors import ConfigError, PartyFailed
from confide.net.wire import Value
from confide.runtime import Context, simulate

RNG = np.random.default_rng(2024)  # test data only


def reference_transpose(bits: np.ndarray) -> np.ndarray:
    """Rows of a 0/1 matrix, packed little-endian: the plain-numpy twin of the fast path."""
    return np.packbits(bits, axis=1, bitorder="little")


@pytest.mark.parametrize(("width", "rows"), [(128, 8), (128, 200), (512, 1024), (256, 4096 + 40)])
def test_columns_to_rows_matches_plain_numpy(width: int, rows: int) -> None:
    bits = RNG.integers(0, 2, size=(rows, width), dtype=np.uint8)
    packed_columns = np.packbits(bits.T, axis=1, bitorder="little")  # (width, rows / 8)
    layout = packed_columns.reshape(width // 8, 8, rows // 8).transpose(0, 2, 1).copy()
    out = np.empty((rows, width // 8), dtype=np.uint8)
    ox._columns_to_rows(layout, out)
    np.testing.assert_array_equal(out, reference_transpose(bits))


def correlation(ctx: Context, spec: tuple[int, np.ndarray, np.ndarray]) -> object:
    """Base OTs then the raw extension; the sender also returns its secret ``s``."""
    width, choices, codes = spec
    if ctx.party == "s":
        keys = base_ot_receive(ctx, "r", choices)
        return extend_send(ctx, "r", keys, choices, codes.shape[0]), choices
    base = base_ot_send(ctx, "s", width)
    return extend_receive(ctx, "s", base, codes)


def sender_rows(result: object) -> np.ndarray:
    assert isinstance(result, tuple) and isinstance(result[0], np.ndarray)
    return result[0]


@pytest.mark.parametrize(("width", "count"), [(128, 0), (128, 13), (512, 1000)])
def test_extension_gives_the_correlation(width: int, count: int) -> None:
    choices = RNG.integers(0, 2, width).astype(bool)
    codes = RNG.integers(0, 256, size=(count, width // 8), dtype=np.uint8)
    spec = (width, choices, codes)
    results = simulate(correlation, {"s": spec, "r": spec}, timeout=30)
    q, t = sender_rows(results["s"]), results["r"]
    assert isinstance(t, np.ndarray)
    s = np.packbits(choices, bitorder="little")
    assert q.shape == t.shape == (count, width // 8)
    np.testing.assert_array_equal(q, t ^ (codes & s))


def test_extension_spans_several_batches() -> None:
    count = BATCH_ROWS + 77
    choices = RNG.integers(0, 2, 128).astype(bool)
    codes = RNG.integers(0, 256, size=(count, 16), dtype=np.uint8)
    spec = (128, choices, codes)
    results = simulate(correlation, {"s": spec, "r": spec}, timeout=60)
    q, t = sender_rows(results["s"]), results["r"]
    assert isinstance(t, np.ndarray)
    s = np.packbits(choices, bitorder="little")
    np.testing.assert_array_equal(q, t ^ (codes & s))
    assert 0.49 < np.unpackbits(t).mean() < 0.51  # the receiver's rows are pseudo-random


def random_pair(ctx: Context, spec: tuple[np.ndarray, int]) -> object:
    choices, length = spec
    if ctx.party == "s":
        return random_ot_send(ctx, "r", choices.size, length)
    return random_ot_receive(ctx, "s", choices, length)


@pytest.mark.parametrize(("count", "length"), [(0, 16), (1, 1), (3000, 16), (500, 40)])
def test_random_ots_give_the_chosen_pad_and_hide_the_other(count: int, length: int) -> None:
    choices = RNG.integers(0, 2, count).astype(bool)
    results = simulate(random_pair, {"s": (choices, length), "r": (choices, length)})
    pads = results["s"]
    assert isinstance(pads, tuple)
    p0, p1 = pads
    got = results["r"]
    assert isinstance(got, np.ndarray) and got.shape == (count, length)
    np.testing.assert_array_equal(got, np.where(choices[:, None], p1, p0))
    if count >= 500:
        other = np.where(choices[:, None], p0, p1)
        assert not np.any(np.all(other == got, axis=1))
        lacking = (other ^ got).astype(np.uint8)  # what the receiver lacks: must be uniform
        ones = np.unpackbits(lacking).mean()
        assert 0.48 < ones < 0.52, ones
        assert np.unique(other, axis=0).shape[0] == count


def chosen(ctx: Context, spec: tuple[np.ndarray, np.ndarray, np.ndarray]) -> object:
    m0, m1, choices = spec
    if ctx.party == "s":
        ot_send(ctx, "r", m0, m1)
        return None
    return ot_receive(ctx, "s", choices, m0.shape[1])


@pytest.mark.parametrize(("count", "length"), [(0, 8), (1, 1), (777, 16), (300, 33)])
def test_chosen_message_ot(count: int, length: int) -> None:
    m0 = RNG.integers(0, 256, size=(count, length), dtype=np.uint8)
    m1 = RNG.integers(0, 256, size=(count, length), dtype=np.uint8)
    choices = RNG.integers(0, 2, count)
    spec = (m0, m1, choices)
    got = simulate(chosen, {"s": spec, "r": spec})["r"]
    np.testing.assert_array_equal(got, np.where(choices[:, None].astype(bool), m1, m0))


def spy_receiver(ctx: Context, choices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An honest receiver that also keeps the masked pairs it saw."""
    with ctx.scope("iknp"):
        pads = random_ot_receive(ctx, "s", choices, 16)
        masked = ctx.recv("s", "masked")
    assert isinstance(masked, np.ndarray)
    return pads, masked


def test_the_unchosen_messages_look_random() -> None:
    """All messages are zero; what the receiver sees of the others is uniform noise."""
    count = 2000
    zeros = np.zeros((count, 16), dtype=np.uint8)
    choices = RNG.integers(0, 2, count).astype(bool)

    def roles(ctx: Context, _: object) -> object:
        if ctx.party == "s":
            ot_send(ctx, "r", zeros, zeros)
            return None
        return spy_receiver(ctx, choices)

    seen = simulate(roles, {"s": None, "r": None})["r"]
    assert isinstance(seen, tuple)
    pads, masked = seen
    rows = np.arange(count)
    np.testing.assert_array_equal(masked[choices.astype(int), rows] ^ pads, zeros)
    unchosen = masked[1 - choices.astype(int), rows] ^ pads  # the receiver's best guess
    assert not np.any(np.all(unchosen == 0, axis=1))
    assert 0.49 < np.unpackbits(unchosen).mean() < 0.51


def test_fixed_key_aes_is_aes() -> None:
    key = bytes(range(16))
    blocks = RNG.integers(0, 256, size=(37, 16), dtype=np.uint8)
    reference = Cipher(algorithms.AES(key), modes.ECB()).encryptor().update(blocks.tobytes())
    np.testing.assert_array_equal(FixedKeyAes(key)(blocks).tobytes(), reference)
    with pytest.raises(ConfigError):
        FixedKeyAes(key)(np.zeros(15, dtype=np.uint8))
    with pytest.raises(ConfigError):
        FixedKeyAes(b"short")


def tccr_reference(key: bytes, x: bytes, tweak: bytes) -> bytes:
    """Guo-Katz-Wang-Yu's TCCR(x, w) = pi(pi(x) ^ w) ^ pi(x), one block at a time."""
    pi = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    px = pi.update(x)
    inner = bytes(a ^ b for a, b in zip(px, tweak, strict=True))
    return bytes(a ^ b for a, b in zip(pi.update(inner), px, strict=True))


def tweak_block(row_tweak: int, high: int) -> bytes:
    return row_tweak.to_bytes(8, "little") + high.to_bytes(8, "little")


def test_hash_rows_is_the_tccr_chain() -> None:
    key = bytes(16)
    rows = RNG.integers(0, 256, size=(5, 32), dtype=np.uint8)
    tweaks = np.array([0, 1, 2, 2**40, 7], dtype=np.uint64)
    got = hash_rows(rows, tweaks, key, 20)
    for row, tweak, out in zip(rows, tweaks, got, strict=True):
        first = tccr_reference(key, row[:16].tobytes(), tweak_block(int(tweak), 1 << 32))
        chain_in = bytes(a ^ b for a, b in zip(first, row[16:].tobytes(), strict=True))
        chain = tccr_reference(key, chain_in, tweak_block(int(tweak), (1 << 32) | 1))
        second = tccr_reference(key, chain, tweak_block(int(tweak), (2 << 32) | 1))
        assert out.tobytes() == chain + second[:4]


def test_hash_rows_separates_tweaks_and_rows() -> None:
    rows = np.zeros((4, 64), dtype=np.uint8)
    rows[1, 63] = 1
    out = hash_rows(rows, np.array([0, 0, 1, 0], dtype=np.uint64), bytes(16), 16)
    assert np.unique(out[:3], axis=0).shape[0] == 3
    np.testing.assert_array_equal(out[0], out[3])
    with pytest.raises(ConfigError):
        hash_rows(np.zeros((2, 24), dtype=np.uint8), np.zeros(2, dtype=np.uint64), bytes(16), 8)
    with pytest.raises(ConfigError):
        hash_rows(rows, np.zeros(3, dtype=np.uint64), bytes(16), 8)


def tampered(
    target: str, mutate: Callable[[Value], Value], fn: Callable[[Context], object]
) -> Callable[[Context], object]:
    """Run ``fn(ctx)`` with the one message called ``target`` altered on its way out."""

    def run(ctx: Context) -> object:
        original = ctx.send

        def send(peer: str, name: str, value: Value) -> None:
            original(peer, name, mutate(value) if name == target else value)

        ctx.send = send  # type: ignore[method-assign]
        return fn(ctx)

    return run


@pytest.mark.parametrize(
    ("cheater", "name", "mutate", "text"),
    [
        ("r", "u", lambda u: u[:-8], "shape"),
        ("r", "u", lambda u: u.astype(np.uint16), "uint16"),
        ("s", "hash_key", lambda key: key[:8], "hash key"),
        ("s", "masked", lambda m: m[:, :-1], "shape"),
        ("s", "masked", lambda m: "nope", "as str"),
    ],
)
def test_malformed_messages_are_refused(
    cheater: str, name: str, mutate: Callable[[Value], Value], text: str
) -> None:
    count = 100
    m = np.zeros((count, 16), dtype=np.uint8)
    choices = np.ones(count, dtype=bool)
    honest: dict[str, Callable[[Context], object]] = {
        "s": lambda ctx: ot_send(ctx, "r", m, m),
        "r": lambda ctx: ot_receive(ctx, "s", choices, 16),
    }

    def roles(ctx: Context, _: object) -> object:
        fn = honest[ctx.party]
        return tampered(name, mutate, fn)(ctx) if ctx.party == cheater else fn(ctx)

    with pytest.raises(PartyFailed) as info:
        simulate(roles, {"s": None, "r": None}, timeout=10)
    victim = "s" if cheater == "r" else "r"
    assert "ProtocolError" in info.value.errors[victim], info.value.errors
    assert text in info.value.errors[victim]


def test_bad_arguments_are_refused() -> None:
    keys = np.zeros((128, 16), dtype=np.uint8)
    with pytest.raises(ConfigError):
        ox._check_keys(np.zeros((100, 16), dtype=np.uint8), "keys")  # not a multiple of 128
    with pytest.raises(ConfigError):
        ox._check_keys(keys.astype(np.int8), "keys")
    with pytest.raises(ConfigError):
        ox._check_bits(np.array([0, 1, 2]), "choices")
