"""KKRT PSI against Python's set intersection; parameters; false positives; bad peers; gRPC."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable

import numpy as np
import pytest

from confide.errors import PartyFailed, ProtocolError
from confide.net.wire import Value
from confide.psi import kkrt
from confide.psi.cuckoo import num_bins
from confide.psi.kkrt import (
    CODE_BITS,
    CODE_TAIL_LOG2,
    DISCLOSURE,
    MAX_ITEMS,
    kkrt_intersect,
    output_bytes,
)
from confide.runtime import Context, launch, simulate


def digests(keys: Iterable[object]) -> np.ndarray:
    """Test-only stand-in for ``confide.psi.keys``: SHA-256 of ``repr(key)``, first 16 bytes."""
    rows = [hashlib.sha256(b"kkrt-test:" + repr(key).encode()).digest()[:16] for key in keys]
    array: np.ndarray = np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(len(rows), 16)
    return array


def fast_digests(ids: np.ndarray) -> np.ndarray:
    """Distinct pseudo-random digests for integer ids, vectorised (for large test sets)."""
    words = np.zeros((ids.size, 2), dtype="<u8")
    words[:, 0] = ids
    words[:, 1] = 0x9E3779B97F4A7C15
    for shift in (29, 31, 27, 33):  # an invertible mix, so distinct ids stay distinct
        words[:, 0] ^= words[:, 0] >> np.uint64(shift)
        words[:, 0] *= np.uint64(0xBF58476D1CE4E5B9)
        words[:, 1] ^= words[:, 0]
    array: np.ndarray = words.view(np.uint8).reshape(ids.size, 16).copy()
    return array


def psi(ctx: Context, spec: tuple[np.ndarray, bool]) -> np.ndarray | None:
    keys, reveal = spec
    return kkrt_intersect(ctx, keys, "bank", reveal_to_sender=reveal)


def run(
    bank: list[object], shop: list[object], reveal: bool = False
) -> tuple[np.ndarray | None, np.ndarray | None]:
    results = simulate(psi, {"bank": (digests(bank), reveal), "shop": (digests(shop), reveal)})
    return results["bank"], results["shop"]


def expected(bank: list[object], shop: list[object]) -> np.ndarray:
    common = set(bank) & set(shop)
    return np.array([i for i, key in enumerate(bank) if key in common], dtype=np.int64)


RNG = np.random.default_rng(11)  # test data only


def sample(n: int, m: int, common: int) -> tuple[list[object], list[object]]:
    pool = RNG.permutation(10 * (n + m) + 10)
    shared: list[object] = [f"id-{v}" for v in pool[:common]]
    bank = shared + [f"id-{v}" for v in pool[common:n]]
    shop = shared + [f"id-{v}" for v in pool[n : n + m - common]]
    return [bank[i] for i in RNG.permutation(n)], [shop[i] for i in RNG.permutation(m)]


@pytest.mark.parametrize(
    ("n", "m", "common"),
    [
        (500, 500, 0),
        (500, 500, 1),
        (500, 500, 500),
        (1000, 1000, 500),
        (300, 2000, 150),
        (2000, 300, 300),
        (1, 1, 1),
        (1, 5000, 1),
    ],
)
def test_matches_python_sets(n: int, m: int, common: int) -> None:
    bank, shop = sample(n, m, common)
    got, sender_gets = run(bank, shop)
    assert sender_gets is None
    assert isinstance(got, np.ndarray) and got.dtype == np.int64
    np.testing.assert_array_equal(got, expected(bank, shop))


@pytest.mark.parametrize(("n", "m"), [(0, 100), (100, 0), (0, 0)])
def test_empty_sets(n: int, m: int) -> None:
    bank, shop = sample(n, m, 0)
    got, _ = run(bank, shop)
    assert isinstance(got, np.ndarray) and got.size == 0


def test_mixed_key_kinds_and_unicode() -> None:
    bank: list[object] = ["é", "e\u0301", 5, "5", b"5", "长", "x" * 10_000, 2**100]
    shop: list[object] = ["长", 5, "x" * 10_000, "e\u0301", 2**100 + 1]
    got, _ = run(bank, shop)
    np.testing.assert_array_equal(got, expected(bank, shop))


def test_reveal_to_sender_gives_both_the_same_rows() -> None:
    bank, shop = sample(800, 1200, 333)
    got, sender_gets = run(bank, shop, reveal=True)
    assert isinstance(got, np.ndarray) and isinstance(sender_gets, np.ndarray)
    np.testing.assert_array_equal(np.sort(got), expected(bank, shop))
    assert [bank[i] for i in got] == [shop[j] for j in sender_gets]
    assert not np.array_equal(got, np.sort(got))  # an order that is not the receiver's own


def test_no_false_positives_between_disjoint_sets() -> None:
    """100,000 x 100,000 disjoint keys: 10**10 comparisons, none may match."""
    n = 100_000
    bank = fast_digests(np.arange(n, dtype=np.uint64))
    shop = fast_digests(np.arange(n, 2 * n, dtype=np.uint64))
    assert np.unique(np.concatenate([bank, shop]), axis=0).shape[0] == 2 * n
    results = simulate(psi, {"bank": (bank, False), "shop": (shop, False)}, timeout=120)
    got = results["bank"]
    assert isinstance(got, np.ndarray) and got.size == 0


def test_large_overlap_is_found_exactly() -> None:
    n = 60_000
    ids = RNG.permutation(4 * n).astype(np.uint64)
    bank_ids, shop_ids = ids[:n], np.concatenate([ids[: n // 2], ids[n : n + 2 * n]])
    spec = {"bank": (fast_digests(bank_ids), False), "shop": (fast_digests(shop_ids), False)}
    got = simulate(psi, spec, timeout=120)["bank"]
    np.testing.assert_array_equal(got, np.arange(n // 2))


def test_parameters_meet_the_security_levels() -> None:
    exact = math.log2(sum(math.comb(512, i) for i in range(128))) - 512
    assert CODE_BITS == 512 and abs(CODE_TAIL_LOG2 - exact) < 1e-9 and CODE_TAIL_LOG2 < -102
    # every (receiver row, sender code word) pair, at the largest sets allowed: still 2**-40
    pairs = math.log2(num_bins(MAX_ITEMS)) + math.log2(3 * MAX_ITEMS)
    assert pairs + CODE_TAIL_LOG2 <= -40
    # n * m comparisons of w-byte values: false-positive rate at most 2**-40
    for n, m in [(1, 1), (1000, 10**6), (10**6, 10**6), (MAX_ITEMS, MAX_ITEMS)]:
        width = output_bytes(n, m)
        assert math.log2(n * m) - 8 * width <= -40
        assert width <= 16
    assert output_bytes(10**6, 10**6) == 10
    assert {d.who for d in DISCLOSURE} >= {"the receiver", "the sender"}


def test_bad_inputs_are_refused() -> None:
    good = digests(range(10))

    def with_keys(keys: object, receiver: str = "bank", sender: str | None = None) -> None:
        def job(ctx: Context, _: object) -> object:
            return kkrt_intersect(ctx, keys, receiver, sender=sender)  # type: ignore[arg-type]

        with pytest.raises(PartyFailed, match="ConfigError"):
            simulate(job, {"bank": None, "shop": None}, timeout=5)

    with_keys(np.concatenate([good, good[3:5]]))  # duplicates
    with_keys(good.astype(np.int16))
    with_keys(good[:, :8])
    with_keys(good, receiver="nobody")
    with_keys(good, sender="bank")


def test_three_party_jobs_must_name_the_sender() -> None:
    def job(ctx: Context, keys: np.ndarray) -> object:
        if ctx.party == "third":
            return None
        return kkrt_intersect(ctx, keys, "bank")

    keys = digests(range(5))
    with pytest.raises(PartyFailed, match="name the sender"):
        simulate(job, {"bank": keys, "shop": keys, "third": keys}, timeout=5)

    def named(ctx: Context, keys: np.ndarray) -> object:
        if ctx.party == "third":
            return None
        return kkrt_intersect(ctx, keys, "bank", sender="shop")

    got = simulate(named, {"bank": keys, "shop": keys[2:], "third": keys})["bank"]
    np.testing.assert_array_equal(got, np.arange(2, 5))


def unsort(encodings: np.ndarray) -> np.ndarray:
    reversed_lists: np.ndarray = encodings[:, ::-1].copy()
    return reversed_lists


def double_match(matches: np.ndarray) -> np.ndarray:
    return np.concatenate([matches, matches[:1]])


def shift_position(matches: np.ndarray) -> np.ndarray:
    matches = matches.copy()
    matches[0, 1] = 10**9
    return matches


def setup_with(**changes: object) -> Callable[[dict[str, object]], dict[str, object]]:
    return lambda setup: {**setup, **changes}


@pytest.mark.parametrize(
    ("cheater", "target", "mutate", "text"),
    [
        ("shop", "encodings", lambda e: e[:, :-1], "shape"),
        ("shop", "encodings", lambda e: e[..., :-1], "shape"),
        ("shop", "encodings", lambda e: e.astype(np.int8), "int8"),
        ("shop", "encodings", lambda e: e.tolist(), "as list"),
        ("shop", "encodings", unsort, "not sorted"),
        ("shop", "setup", setup_with(size=-1), "set size"),
        ("shop", "setup", setup_with(size=True), "set size"),
        ("shop", "setup", setup_with(code_seed=b"short"), "code_seed"),
        ("shop", "setup", setup_with(extra=1), "setup message"),
        ("shop", "setup", lambda s: [1, 2], "setup message"),
        ("bank", "setup", setup_with(size=MAX_ITEMS + 1), "set size"),
        ("bank", "u", lambda u: u[:-8], "shape"),
        ("bank", "u", lambda u: u.view(np.int8), "int8"),
        ("bank", "matches", lambda m: m.astype(np.int32), "int32"),
        ("bank", "matches", lambda m: m[:, :1], "(k, 2)"),
        ("bank", "matches", double_match, "twice"),
        ("bank", "matches", shift_position, "outside"),
    ],
)
def test_malformed_peer_messages_are_refused(
    cheater: str, target: str, mutate: Callable[[Value], Value], text: str
) -> None:
    bank, shop = sample(300, 400, 100)
    keys = {"bank": digests(bank), "shop": digests(shop)}

    def job(ctx: Context, _: object) -> object:
        if ctx.party == cheater:
            original = ctx.send

            def send(peer: str, name: str, value: Value) -> None:
                original(peer, name, mutate(value) if name == target else value)

            ctx.send = send  # type: ignore[method-assign]
        return kkrt_intersect(ctx, keys[ctx.party], "bank", reveal_to_sender=True)

    with pytest.raises(PartyFailed) as info:
        simulate(job, {"bank": None, "shop": None}, timeout=10)
    victim = "shop" if cheater == "bank" else "bank"
    error = info.value.errors[victim]
    assert "ProtocolError" in error and f"'{cheater}'" in error and text in error, error


def test_long_runs_of_equal_prefixes_are_refused() -> None:
    """A sender cannot make the receiver's lookup walk far: 9+ values sharing 64 bits."""
    own = np.zeros((1, 10), dtype=np.uint8)
    theirs = np.zeros((12, 10), dtype=np.uint8)
    theirs[:, 9] = np.arange(1, 13)  # same first 8 bytes, all different from own
    with pytest.raises(ProtocolError, match="sharing 64 bits"):
        kkrt._lookup("shop", own, theirs)
    theirs[8:, 0] = 1  # runs of 8 are fine (honest: probability below 2**-200)
    np.testing.assert_array_equal(kkrt._lookup("shop", own, theirs), [-1])
    theirs[3] = 0
    np.testing.assert_array_equal(kkrt._lookup("shop", own, theirs), [3])


def launched_psi(ctx: Context, spec: list[object]) -> object:
    keys, reveal = spec
    assert isinstance(keys, np.ndarray) and isinstance(reveal, bool)
    return kkrt_intersect(ctx, keys, "bank", reveal_to_sender=reveal)


def test_runs_over_grpc_processes() -> None:
    bank, shop = sample(3000, 2000, 1200)
    results = launch(
        launched_psi,
        {"bank": [digests(bank), True], "shop": [digests(shop), True]},
        timeout=60,
    )
    got, sender_gets = results["bank"], results["shop"]
    assert isinstance(got, np.ndarray) and isinstance(sender_gets, np.ndarray)
    np.testing.assert_array_equal(np.sort(got), expected(bank, shop))
    assert [bank[i] for i in got] == [shop[j] for j in sender_gets]
