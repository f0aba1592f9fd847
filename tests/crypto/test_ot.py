"""Base OTs (Chou-Orlandi over Curve25519): chosen keys, random-looking others, bad points."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from confide.crypto import ot
from confide.crypto.ot import base_ot_receive, base_ot_send
from confide.errors import ConfigError, PartyFailed
from confide.runtime import Context, simulate

Keys = tuple[np.ndarray, np.ndarray] | np.ndarray


def pair(ctx: Context, spec: tuple[int, np.ndarray]) -> Keys:
    """Party "s" sends ``count`` random OTs, party "r" receives them with ``choices``."""
    count, choices = spec
    if ctx.party == "s":
        return base_ot_send(ctx, "r", count)
    return base_ot_receive(ctx, "s", choices)


def run(choices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    spec = (choices.size, choices)
    results = simulate(pair, {"s": spec, "r": spec}, timeout=30)
    k0, k1 = results["s"]
    assert isinstance(results["r"], np.ndarray)
    return k0, k1, results["r"]


@pytest.mark.parametrize("count", [1, 5, 128])
def test_receiver_gets_exactly_the_chosen_keys(count: int) -> None:
    choices = np.random.default_rng(count).integers(0, 2, count).astype(bool)
    k0, k1, got = run(choices)
    assert k0.shape == k1.shape == got.shape == (count, 16)
    assert k0.dtype == k1.dtype == got.dtype == np.uint8
    np.testing.assert_array_equal(got, np.where(choices[:, None], k1, k0))
    other = np.where(choices[:, None], k0, k1)
    assert not np.any(np.all(other == got, axis=1)), "an unchosen key equals the chosen one"


def test_keys_look_random() -> None:
    choices = np.tile([False, True], 128)
    k0, k1, _ = run(choices)
    everything = np.concatenate([k0, k1])
    assert np.unique(everything, axis=0).shape[0] == 512, "a key repeats"
    ones = np.unpackbits(everything).mean()
    assert 0.47 < ones < 0.53, f"{ones:.3f} of the key bits are ones"


def spy_sender(ctx: Context, count: int) -> np.ndarray:
    """Plays a valid sender's first message and returns the receiver's points as seen."""
    with ctx.scope("base_ot"):
        point = ot._lift(X25519PrivateKey.generate().public_key().public_bytes_raw())
        ctx.send("r", "A", ot._encode(point))
        seen = ctx.recv("r", "B")
    assert isinstance(seen, np.ndarray)
    return seen


def test_receiver_points_do_not_betray_choices() -> None:
    """Points are on the curve, and v's parity is balanced whatever the choice bit."""
    choices = np.tile([False, True], 200)

    def roles(ctx: Context, _: object) -> object:
        if ctx.party == "s":
            return spy_sender(ctx, choices.size)
        return base_ot_receive(ctx, "s", choices)

    seen = simulate(roles, {"s": None, "r": None}, timeout=30)["s"]
    assert isinstance(seen, np.ndarray) and seen.shape == (400, 64)
    for chosen in (False, True):
        rows = seen[choices == chosen]
        for row in rows:
            ot._decode("r", row.tobytes(), "point")  # raises unless on the curve
        odd = np.mean(rows[:, 32] & 1)  # lowest byte of v, little-endian
        assert 0.3 < odd < 0.7, f"v is odd in {odd:.2f} of the points for choice {chosen}"


def test_point_arithmetic_matches_x25519() -> None:
    """(a*G + b*G) - b*G is a*G up to sign: the u-coordinates agree."""
    a = ot._lift(X25519PrivateKey.generate().public_key().public_bytes_raw())
    b = ot._lift(X25519PrivateKey.generate().public_key().public_bytes_raw())
    total = ot._add(a, b)
    assert total is not None
    back = ot._add(total, (b[0], (ot._P - b[1]) % ot._P))
    assert back is not None and back[0] == a[0]
    doubled = ot._add(a, a)
    assert doubled is not None and ot._add(a, (a[0], ot._P - a[1])) is None
    assert (doubled[1] ** 2 - ot._rhs(doubled[0])) % ot._P == 0


def bad_a_sender(ctx: Context, mutate: Callable[[bytes], object]) -> object:
    with ctx.scope("base_ot"):
        point = ot._lift(X25519PrivateKey.generate().public_key().public_bytes_raw())
        ctx.send("r", "A", mutate(ot._encode(point)))
        return ctx.recv("r", "B", timeout=5)


LOW_ORDER = bytes(64)  # (0, 0): on the curve, of order 2
OFF_CURVE = (9).to_bytes(32, "little") + (5).to_bytes(32, "little")
TOO_BIG = (2**255 - 1).to_bytes(32, "little") + bytes(32)


@pytest.mark.parametrize(
    ("mutate", "text"),
    [
        (lambda a: a.decode("latin-1"), "as str"),
        (lambda a: a[:63], "63 bytes"),
        (lambda a: OFF_CURVE, "not a point"),
        (lambda a: TOO_BIG, "not a point"),
        (lambda a: LOW_ORDER, "low order"),
    ],
)
def test_receiver_refuses_a_bad_first_point(mutate: Callable[[bytes], object], text: str) -> None:
    def roles(ctx: Context, _: object) -> object:
        if ctx.party == "s":
            return bad_a_sender(ctx, mutate)
        return base_ot_receive(ctx, "s", np.ones(4, dtype=bool))

    with pytest.raises(PartyFailed) as info:
        simulate(roles, {"s": None, "r": None}, timeout=10)
    assert "ProtocolError" in info.value.errors["r"] and text in info.value.errors["r"]


def bad_b_receiver(ctx: Context, mutate: Callable[[np.ndarray], object]) -> None:
    honest = np.empty((4, 64), dtype=np.uint8)
    for i in range(4):
        own = X25519PrivateKey.generate().public_key().public_bytes_raw()
        honest[i] = np.frombuffer(ot._encode(ot._lift(own)), dtype=np.uint8)
    with ctx.scope("base_ot"):
        a_bytes = ctx.recv("s", "A")
        assert isinstance(a_bytes, bytes)
        if mutate is EQUAL_TO_A:
            honest[2] = np.frombuffer(a_bytes, dtype=np.uint8)
            ctx.send("s", "B", honest)
        else:
            ctx.send("s", "B", mutate(honest))


def EQUAL_TO_A(points: np.ndarray) -> np.ndarray:
    return points


def with_row(points: np.ndarray, row: bytes) -> np.ndarray:
    points[1] = np.frombuffer(row, dtype=np.uint8)
    return points


@pytest.mark.parametrize(
    ("mutate", "text"),
    [
        (lambda p: p[:3], "shape (3, 64)"),
        (lambda p: p.astype(np.int16), "int16"),
        (lambda p: p.tolist(), "as list"),
        (lambda p: with_row(p, OFF_CURVE), "point 1 that is not a point"),
        (lambda p: with_row(p, LOW_ORDER), "low order"),
        (EQUAL_TO_A, "equal to A"),
    ],
)
def test_sender_refuses_bad_points(mutate: Callable[[np.ndarray], object], text: str) -> None:
    def roles(ctx: Context, _: object) -> object:
        if ctx.party == "r":
            bad_b_receiver(ctx, mutate)
            return None
        return base_ot_send(ctx, "r", 4)

    with pytest.raises(PartyFailed) as info:
        simulate(roles, {"s": None, "r": None}, timeout=10)
    assert "ProtocolError" in info.value.errors["s"] and text in info.value.errors["s"]


@pytest.mark.parametrize("choices", [np.array([], dtype=bool), np.array([0, 2]), np.ones((2, 2))])
def test_bad_choices_are_refused(choices: np.ndarray) -> None:
    def receive_only(ctx: Context, _: object) -> object:
        if ctx.party == "r":
            return base_ot_receive(ctx, "s", choices)
        return None

    with pytest.raises(PartyFailed, match="ConfigError"):
        simulate(receive_only, {"s": None, "r": None}, timeout=5)


def test_bad_counts_are_refused() -> None:
    def send_none(ctx: Context, _: object) -> object:
        if ctx.party == "s":
            return base_ot_send(ctx, "r", 0)
        return None

    with pytest.raises(PartyFailed, match="ConfigError"):
        simulate(send_none, {"s": None, "r": None}, timeout=5)
    with pytest.raises(ConfigError):
        ot._lift((2).to_bytes(32, "little"))  # u = 2 is on the twist, not the curve
