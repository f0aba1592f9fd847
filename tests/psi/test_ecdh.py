"""Two-party ECDH-PSI against Python's set intersection; receivers; cheating peers; gRPC."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from confide import psi
from confide.crypto.x25519 import P, hash_to_curve
from confide.errors import PartyFailed
from confide.psi.ecdh import DEFAULT_BATCH, ecdh_psi, matches, tag_bytes
from confide.psi.keys import handshake, hash_keys
from confide.runtime import Context, launch, simulate

Spec = dict[str, Any]


def psi_job(ctx: Context, spec: Spec) -> dict[str, Any]:
    """One party of a PSI; returns its keys of the intersection in the agreed order."""
    result = psi.intersect(
        ctx,
        spec["keys"],
        receivers=spec.get("receivers"),
        reveal_size=spec.get("reveal_size", False),
        workers=spec.get("workers", 1),
    )
    rows = None if result.rows is None else [spec["keys"][i] for i in result.rows.tolist()]
    return {"rows": rows, "size": result.size, "sizes": dict(result.set_sizes)}


def run(a: list[Any], b: list[Any], **extra: Any) -> dict[str, dict[str, Any]]:
    return simulate(psi_job, {"a": {"keys": a, **extra}, "b": {"keys": b, **extra}}, timeout=30)


def check(a: list[Any], b: list[Any]) -> list[Any]:
    out = run(a, b)
    expected = set(a) & set(b)
    assert set(out["a"]["rows"]) == expected
    assert out["a"]["rows"] == out["b"]["rows"]  # one agreed order
    assert out["a"]["size"] == out["b"]["size"] == len(expected)
    assert out["a"]["sizes"] == {"a": len(a), "b": len(b)}
    rows: list[Any] = out["a"]["rows"]
    return rows


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (list(range(0, 300)), list(range(150, 500))),  # partial overlap
        (list(range(100)), list(range(100, 250))),  # none
        (list(range(100)), [42]),  # one
        (list(range(200)), list(range(200))),  # all
        ([], list(range(30))),  # an empty set
        ([], []),
    ],
)
def test_matches_python_set_intersection(a: list[int], b: list[int]) -> None:
    check(a, b[::-1])


@pytest.mark.parametrize("width", [1, 3, 8, 10, 32])
def test_matches_agrees_with_whole_row_comparison(width: int) -> None:
    """Short rows, long rows, and rows of ``theirs`` sharing their first 8 bytes (the slow path)."""
    rng = np.random.default_rng(width)
    for _ in range(50):
        own = rng.integers(0, 3, size=(int(rng.integers(0, 30)), width), dtype=np.uint8)
        theirs = rng.integers(0, 3, size=(int(rng.integers(0, 30)), width), dtype=np.uint8)
        expected = [i for i, row in enumerate(own.tolist()) if row in theirs.tolist()]
        assert matches(own, theirs).tolist() == expected


def test_random_sets() -> None:
    rng = np.random.default_rng(7)
    for _ in range(3):
        universe = rng.integers(0, 10**12, size=900)
        a = [int(x) for x in rng.choice(universe, size=400, replace=False)]
        b = [int(x) for x in rng.choice(universe, size=500, replace=False)]
        check(a, b)


def test_adversarial_keys() -> None:
    composed = "Jos\u00e9 \u00c5ngstr\u00f6m"
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"
    shared = [composed, family, "\u05e9\u05dc\u05d5\u05dd", "x" * 10_000, "\x00\x01", " spaced "]
    a = [*shared, "only-a", "y" * 10_001]
    b = [*shared, "only-b", "x" * 9_999]
    assert set(check(a, b)) == set(shared)
    # the same keys typed in another Unicode form still match (NFC by default)
    nfd = [unicodedata.normalize("NFD", k) for k in b]
    assert nfd[0] != b[0]
    out = run(a, nfd)
    assert set(out["a"]["rows"]) == set(shared)
    assert [unicodedata.normalize("NFC", k) for k in out["b"]["rows"]] == out["a"]["rows"]
    huge = [2**200, -(2**70), 0, -1, 10**30]
    check([*huge, 5, 6], [*huge, 7])


def test_integers_against_strings_are_refused_clearly() -> None:
    with pytest.raises(PartyFailed) as info:
        run([1, 2, 3], ["1", "2", "3"])
    assert "has str keys and this party has int keys" in info.value.errors["a"]


def test_the_order_is_pseudo_random_not_the_input_order() -> None:
    keys = list(range(300))
    rows = check(keys, keys)
    assert rows != keys and rows != keys[::-1]
    assert rows != check(keys, keys)  # fresh scalars, fresh order


def test_only_named_receivers_get_the_intersection() -> None:
    a, b = list(range(0, 60)), list(range(40, 100))
    out = run(a, b, receivers=["b"])
    assert out["a"]["rows"] is None and out["a"]["size"] is None
    assert set(out["b"]["rows"]) == set(range(40, 60))
    out = run(a, b, receivers=["a"], reveal_size=True)
    assert out["b"]["rows"] is None and out["b"]["size"] == 20
    assert set(out["a"]["rows"]) == set(range(40, 60))


def seen_job(ctx: Context, spec: Spec) -> list[tuple[str, str]]:
    """Runs a PSI and returns what this party received: (message name, shape/dtype)."""
    seen: list[tuple[str, str]] = []
    original = ctx.recv

    def recording(peer: str, name: str, timeout: float | None = None) -> Any:
        value = original(peer, name, timeout)
        shape = f"{value.shape} {value.dtype}" if isinstance(value, np.ndarray) else type(value)
        seen.append((name, str(shape)))
        return value

    ctx.recv = recording  # type: ignore[method-assign]
    psi.intersect(ctx, spec["keys"], receivers=spec["receivers"], workers=1)
    return seen


def test_a_non_receiver_sees_only_the_handshake_and_the_receivers_points() -> None:
    a = list(range(10_000))
    b = list(range(5_000, 5_100))
    out = simulate(seen_job, {"a": {"keys": a, "receivers": ["b"]},
                              "b": {"keys": b, "receivers": ["b"]}})  # fmt: skip
    names = [name for name, _ in out["a"]]
    assert names == ["hello", "points"]
    assert out["a"][1][1] == "(100, 32) uint8"
    # the receiver gets the non-receiver's points in batches, then tags of its own keys
    got = [name for name, _ in out["b"]]
    assert got == ["hello"] + ["points"] * 3 + ["tags"]
    width = tag_bytes(10_000, 100)
    assert out["b"][-1][1] == f"(100, {width}) uint8"
    assert all(f"({DEFAULT_BATCH}, 32)" in shape for _, shape in out["b"][1:3])


def test_tags_are_long_enough_for_40_bit_statistical_security() -> None:
    assert tag_bytes(1, 1) == 5
    assert tag_bytes(100_000, 100_000) == 10
    assert tag_bytes(2**40, 2**40) == 15
    assert tag_bytes(2**200, 2**200) == 32


def cheat(ctx: Context, mode: str) -> object:
    """Party "bad" sends a wrong stream of points; party "good" runs the real protocol."""
    keys = list(range(10))
    if ctx.party == "good":
        return psi.intersect(ctx, keys, workers=1).size
    with ctx.scope("psi", "ecdh2"):
        handshake(ctx, ctx.parties, hash_keys(keys), protocol="ecdh-x25519",
                  receivers=ctx.parties, settings={"reveal_size": False})  # fmt: skip
        points = hash_to_curve(np.zeros((10, 16), dtype=np.uint8) + np.arange(10)[:, None],
                               b"any")  # fmt: skip
        if mode == "short":
            points = points[:, :31]
        elif mode == "dtype":
            points = points.astype(np.int16)
        elif mode == "low-order":
            points[3] = 0
            points[3, 0] = 1
        elif mode == "twist":
            points[5] = np.frombuffer((P - 1).to_bytes(32, "little"), dtype=np.uint8)
        elif mode == "non-canonical":
            points[7, 31] |= 0x80
        elif mode == "too-many":
            points = np.concatenate([points, points[:1]])
        elif mode == "list":
            ctx.send("good", "points", [bytes(32)] * 10)
            return None
        ctx.send("good", "points", points)
    return None


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("short", "not a uint8 array of shape"),
        ("dtype", "not a uint8 array of shape"),
        ("list", "not a uint8 array of shape"),
        ("low-order", "position 3 that is of low order"),
        ("twist", "position 5 that is not on Curve25519"),
        ("non-canonical", "non-canonical point at position 7"),
        ("too-many", "a batch of 11 points with 10 to come"),
    ],
)
def test_a_cheating_peer_is_refused(mode: str, message: str) -> None:
    with pytest.raises(PartyFailed) as info:
        simulate(cheat, {"good": mode, "bad": mode}, timeout=10)
    error = info.value.errors["good"]
    assert "ProtocolError" in error and "'bad'" in error and message in error


def wrong_tags(ctx: Context, mode: str) -> object:
    """Party "bad" follows the protocol until it sends tags of the wrong width."""
    if ctx.party == "good":
        return psi.intersect(ctx, list(range(10)), workers=1).size
    original = ctx.send

    def send(peer: str, name: str, value: Any) -> None:
        if name == "tags":
            value = value[:, :-1] if mode == "narrow" else np.concatenate([value, value])
        original(peer, name, value)

    ctx.send = send  # type: ignore[method-assign]
    return psi.intersect(ctx, list(range(10)), workers=1).size


@pytest.mark.parametrize("mode", ["narrow", "long"])
def test_wrong_tags_are_refused(mode: str) -> None:
    with pytest.raises(PartyFailed) as info:
        simulate(wrong_tags, {"good": mode, "bad": mode}, timeout=10)
    assert "ProtocolError" in info.value.errors["good"]
    assert "'bad' sent tags" in info.value.errors["good"]


def test_progress_is_reported() -> None:
    def job(ctx: Context, keys: list[int]) -> list[tuple[str, int, int]]:
        events: list[tuple[str, int, int]] = []
        hashed = hash_keys(keys)
        ecdh_psi(ctx, hashed, batch_size=100, workers=1,
                 progress=lambda *event: events.append(event))  # fmt: skip
        return events

    out = simulate(job, {"a": list(range(250)), "b": list(range(120))})
    assert out["a"] == [("encrypt", 100, 250), ("encrypt", 200, 250), ("encrypt", 250, 250),
                        ("reencrypt", 100, 120), ("reencrypt", 120, 120)]  # fmt: skip


def test_worker_processes_on_a_larger_run() -> None:
    rng = random.Random(3)
    a = rng.sample(range(10**9), 9000)
    b = a[:4000] + rng.sample(range(10**9, 2 * 10**9), 5000)
    out = run(a, b, workers=2)
    assert set(out["a"]["rows"]) == set(a[:4000])
    assert out["a"]["rows"] == out["b"]["rows"]


def keys_of(count: int, start: int) -> Iterator[str]:
    for i in range(start, start + count):
        yield f"id-{i}"


def test_over_grpc_processes() -> None:
    a = list(keys_of(400, 0))
    b = list(keys_of(300, 300))
    out = launch(psi_job, {"a": {"keys": a, "receivers": ["a"], "reveal_size": True},
                           "b": {"keys": b, "receivers": ["a"], "reveal_size": True}},
                 timeout=60)  # fmt: skip
    assert set(out["a"]["rows"]) == set(a) & set(b)
    assert out["b"] == {"rows": None, "size": 100, "sizes": {"a": 400, "b": 300}}
