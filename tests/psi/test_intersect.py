"""``psi.intersect`` and ``psi.align`` through the public API, for every protocol, on the same
adversarial inputs: Python's set intersection is the reference; memory and gRPC."""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

import numpy as np
import pandas as pd
import pytest

from confide import psi
from confide.errors import ConfigError, PartyFailed
from confide.psi.keys import DEFAULT_KEY_BATCH
from confide.runtime import Context, launch, simulate

Spec = dict[str, Any]
PROTOCOLS = ["ecdh", "kkrt"]


def psi_job(ctx: Context, spec: Spec) -> dict[str, Any]:
    """One party of a PSI; returns its keys of the intersection in the order it got them."""
    result = psi.intersect(
        ctx,
        spec["keys"],
        protocol=spec["protocol"],
        receivers=spec.get("receivers"),
        reveal_size=spec.get("reveal_size", False),
        options=psi.KeyOptions(dedupe=spec.get("dedupe", False)),
        workers=1,
    )
    rows = None if result.rows is None else [spec["keys"][i] for i in result.rows.tolist()]
    return {"rows": rows, "positions": None if result.rows is None else result.rows.tolist(),
            "size": result.size, "sizes": dict(result.set_sizes)}  # fmt: skip


def run(protocol: str, a: list[Any], b: list[Any], **extra: Any) -> dict[str, dict[str, Any]]:
    specs = {"a": {"keys": a, "protocol": protocol, **extra},
             "b": {"keys": b, "protocol": protocol, **extra}}  # fmt: skip
    return simulate(psi_job, specs, timeout=30)


def check(protocol: str, a: list[Any], b: list[Any]) -> list[Any]:
    """Both receive: each gets exactly the common keys, in one order; returns that order."""
    out = run(protocol, a, b)
    expected = set(a) & set(b)
    assert out["a"]["rows"] is not None and set(out["a"]["rows"]) == expected
    assert out["a"]["rows"] == out["b"]["rows"]  # row i is the same key at both
    assert len(out["a"]["rows"]) == len(expected) == out["a"]["size"] == out["b"]["size"]
    assert out["a"]["sizes"] == out["b"]["sizes"] == {"a": len(set(a)), "b": len(set(b))}
    rows: list[Any] = out["a"]["rows"]
    return rows


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize(
    ("a", "b"),
    [
        (list(range(300)), list(range(150, 500))),  # partial overlap
        (list(range(100)), list(range(100, 250))),  # none
        (list(range(100)), [42]),  # one
        ([7], [7]),  # one key each, the same
        (list(range(200)), list(range(200))),  # all
        ([], list(range(30))),  # an empty set
        (list(range(30)), []),
        ([], []),
    ],
)
def test_matches_python_set_intersection(protocol: str, a: list[int], b: list[int]) -> None:
    check(protocol, a, b[::-1])


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_random_sets(protocol: str) -> None:
    rng = np.random.default_rng(17)  # test data only
    universe = rng.integers(0, 10**15, size=3000)
    a = [int(x) for x in rng.choice(universe, size=1200, replace=False)]
    b = [int(x) for x in rng.choice(universe, size=1500, replace=False)]
    check(protocol, a, b)


SHARED = [
    "Jos\u00e9 \u00c5ngstr\u00f6m",  # precomposed accents
    "\U0001f469\u200d\U0001f469\u200d\U0001f467",  # an emoji family: zero-width joiners
    "\u05e9\u05dc\u05d5\u05dd",  # right to left
    "\u957f\u57ce",  # CJK
    "x" * 100_000,  # very long
    "\x00\x01\x7f",  # control characters
    " spaced ",
]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_adversarial_keys(protocol: str) -> None:
    a = [*SHARED, "only-a", "x" * 100_001, "Spaced"]
    b = [*SHARED, "only-b", "x" * 99_999, "spaced"]
    assert set(check(protocol, a, b)) == set(SHARED)
    # the same keys typed in another Unicode form match (NFC by default)
    nfd = [unicodedata.normalize("NFD", k) for k in b]
    assert nfd[0] != b[0]
    out = run(protocol, a, nfd)
    assert set(out["a"]["rows"]) == set(SHARED)
    assert [unicodedata.normalize("NFC", k) for k in out["b"]["rows"]] == out["a"]["rows"]
    huge = [2**200, -(2**70), 0, -1, 10**30]
    assert set(check(protocol, [*huge, 5, 6], [7, *huge])) == set(huge)
    assert set(check(protocol, [b"\x00", b"\xff" * 64], [b"\xff" * 64])) == {b"\xff" * 64}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_integers_against_strings_are_refused_clearly(protocol: str) -> None:
    with pytest.raises(PartyFailed) as info:
        run(protocol, [1, 2, 3], ["1", "2", "3"])
    assert "has str keys and this party has int keys" in info.value.errors["a"]
    assert "ConfigError" in info.value.errors["a"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_repeated_keys_are_refused_or_deduplicated(protocol: str) -> None:
    a = ["p", "q", "p", "r", "q", "s"]
    b = ["q", "s", "t"]
    with pytest.raises(PartyFailed, match="rows 0, 2"):
        run(protocol, a, b)
    out = run(protocol, a, b, dedupe=True)
    assert sorted(out["a"]["positions"]) == [1, 5]  # first occurrences, positions in the input
    assert out["a"]["rows"] == out["b"]["rows"]
    assert out["a"]["sizes"] == {"a": 4, "b": 3}


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("receiver", ["a", "b"])
def test_only_named_receivers_get_the_intersection(protocol: str, receiver: str) -> None:
    a, b = list(range(60)), list(range(40, 100))
    other = "b" if receiver == "a" else "a"
    out = run(protocol, a, b, receivers=[receiver])
    assert out[other]["rows"] is None and out[other]["size"] is None
    assert set(out[receiver]["rows"]) == set(range(40, 60)) and out[receiver]["size"] == 20
    out = run(protocol, a, b, receivers=[receiver], reveal_size=True)
    assert out[other]["rows"] is None and out[other]["size"] == 20
    assert out[other]["sizes"] == {"a": 60, "b": 60}


def test_kkrt_orders() -> None:
    """A lone KKRT receiver gets its input order; two receivers a fresh pseudo-random one."""
    keys = [f"k{i}" for i in range(400)]
    out = run("kkrt", keys, keys[::-1], receivers=["a"])
    assert out["a"]["rows"] == keys
    rows = check("kkrt", keys, keys[::-1])
    assert rows not in (keys, keys[::-1])
    assert rows != check("kkrt", keys, keys[::-1])


def test_receivers_must_agree() -> None:
    specs = {"a": {"keys": [1], "protocol": "kkrt", "receivers": ["a"]},
             "b": {"keys": [1], "protocol": "kkrt", "receivers": ["b"]}}  # fmt: skip
    with pytest.raises(PartyFailed, match="disagree on the PSI receivers"):
        simulate(psi_job, specs, timeout=10)


def test_kkrt_is_for_two_parties_and_can_leave_a_helper_out() -> None:
    keys = {"a": [1, 2, 3], "b": [2, 3, 4], "dealer": [3]}
    specs = {p: {"keys": k, "protocol": "kkrt"} for p, k in keys.items()}
    with pytest.raises(PartyFailed, match="exactly two parties"):
        simulate(psi_job, specs, timeout=10)

    def pair(ctx: Context, spec: Spec) -> list[int] | None:
        if ctx.party == "dealer":
            return None
        result = psi.intersect(ctx, spec["keys"], protocol="kkrt", parties=["a", "b"])
        return None if result.rows is None else result.rows.tolist()

    out = simulate(pair, specs, timeout=10)
    assert sorted(out["a"] or []) == [1, 2] and sorted(out["b"] or []) == [0, 1]
    with pytest.raises(ConfigError, match="exactly two"):
        psi.disclosure("kkrt", 3)
    notes = psi.disclosure("kkrt")
    assert {n.who for n in notes} >= {"every party", "each receiver"}


def align_job(ctx: Context, spec: Spec) -> pd.DataFrame | None:
    return psi.align(ctx, spec["frame"], "id", how=spec.get("how", "inner"),
                     protocol=spec["protocol"], receivers=spec.get("receivers"),
                     workers=1)  # fmt: skip


def frames(seed: int) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)  # test data only
    out = {}
    for party in ("a", "b"):
        ids = rng.choice(600, size=400, replace=False)
        out[party] = pd.DataFrame({"id": [f"c{i}" for i in ids], f"x_{party}": ids * 10})
    return out


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_alignment_is_row_by_row_the_same_at_both(protocol: str) -> None:
    tables = frames(seed=3)
    specs = {"a": {"frame": tables["a"], "how": "left", "protocol": protocol},
             "b": {"frame": tables["b"], "protocol": protocol}}  # fmt: skip
    out = simulate(align_job, specs)
    left, inner = out["a"], out["b"]
    assert left is not None and inner is not None
    merged = tables["a"].merge(tables["b"], on="id")
    n = len(merged)
    assert len(inner) == n and list(inner.index) == list(range(n))
    assert list(left["id"][:n]) == list(inner["id"])
    joined = pd.concat([left[:n].drop(columns="in_intersection"), inner.drop(columns="id")], axis=1)
    expected = merged.set_index("id").loc[joined["id"]].reset_index()
    pd.testing.assert_frame_equal(joined, expected[joined.columns])
    assert left["in_intersection"].tolist() == [True] * n + [False] * (len(left) - n)
    rest = tables["a"][~tables["a"]["id"].isin(merged["id"])]
    assert list(left["id"][n:]) == list(rest["id"])  # in their original order


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_non_receiver_aligns_nothing(protocol: str) -> None:
    tables = frames(seed=4)
    specs = {p: {"frame": t, "protocol": protocol, "receivers": ["b"]} for p, t in tables.items()}
    out = simulate(align_job, specs)
    assert out["a"] is None and out["b"] is not None
    assert set(out["b"]["id"]) == set(tables["a"]["id"]) & set(tables["b"]["id"])


def test_progress_reaches_every_stage() -> None:
    def job(ctx: Context, spec: Spec) -> list[str]:
        events: list[tuple[str, int, int]] = []
        psi.intersect(ctx, spec["keys"], protocol=spec["protocol"], workers=1,
                      progress=lambda *event: events.append(event))  # fmt: skip
        assert all(0 <= done <= total for _, done, total in events)
        return list(dict.fromkeys(stage for stage, _, _ in events))

    keys = list(range(500))
    out = simulate(job, {p: {"keys": keys, "protocol": "kkrt"} for p in "ab"})
    assert out["a"] == ["hash", "oprf"]
    out = simulate(job, {p: {"keys": keys, "protocol": "ecdh"} for p in "ab"})
    assert out["a"] == ["hash", "encrypt", "reencrypt"]


class CountedKey(str):
    """A key that counts how many keys are alive at once (made, and not yet garbage)."""

    lock = threading.Lock()
    alive = 0
    most = 0

    def __new__(cls, text: str) -> CountedKey:
        with cls.lock:
            cls.alive += 1
            cls.most = max(cls.most, cls.alive)
        return super().__new__(cls, text)

    def __del__(self) -> None:
        with CountedKey.lock:
            CountedKey.alive -= 1


def streamed_job(ctx: Context, spec: tuple[int, int]) -> int | None:
    count, offset = spec
    keys = (CountedKey(f"customer-{i:012d}") for i in range(offset, offset + count))
    return psi.intersect(ctx, keys, protocol="kkrt").size


def test_a_large_stream_of_keys_is_never_held_whole() -> None:
    """200,000 keys a side from generators: at most two batches of each side's keys are alive
    at any time (the batch being read and the one being hashed), never the stream."""
    count = 200_000
    CountedKey.most = CountedKey.alive = 0
    out = simulate(streamed_job, {"a": (count, 0), "b": (count, count // 2)}, timeout=60)
    assert out == {"a": count // 2, "b": count // 2}
    assert CountedKey.most <= 2 * 2 * DEFAULT_KEY_BATCH < 2 * count


def grpc_job(ctx: Context, spec: Spec) -> dict[str, Any]:
    """Both protocols and a left join for ``a``, in one job of separate processes."""
    out: dict[str, Any] = {}
    for protocol in PROTOCOLS:
        with ctx.scope(protocol):
            receivers = ["a"] if protocol == "ecdh" else None
            result = psi.intersect(ctx, spec["keys"], protocol=protocol, receivers=receivers)
            rows = None if result.rows is None else [spec["keys"][i] for i in result.rows]
            out[protocol] = {"rows": rows, "size": result.size}
    frame = pd.DataFrame({"id": spec["keys"], "v": range(len(spec["keys"]))})
    aligned = psi.align(ctx, frame, "id", how="left" if ctx.party == "a" else "inner",
                        protocol="kkrt")  # fmt: skip
    assert aligned is not None
    out["aligned"] = aligned["id"].tolist()
    return out


def test_both_protocols_over_grpc_processes() -> None:
    a = [f"id-{i}" for i in range(0, 2000)]
    b = [f"id-{i}" for i in range(1500, 2600)][::-1]
    out = launch(grpc_job, {"a": {"keys": a}, "b": {"keys": b}}, timeout=60)
    common = set(a) & set(b)
    assert set(out["a"]["ecdh"]["rows"]) == common and out["b"]["ecdh"]["rows"] is None
    assert set(out["a"]["kkrt"]["rows"]) == common
    assert out["a"]["kkrt"]["rows"] == out["b"]["kkrt"]["rows"]
    n = len(common)
    assert out["a"]["aligned"][:n] == out["b"]["aligned"] and len(out["a"]["aligned"]) == len(a)
