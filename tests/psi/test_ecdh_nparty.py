"""ECDH-PSI of three and four parties: correctness, receivers, what the leader sees, cheaters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from confide import psi
from confide.errors import PartyFailed
from confide.runtime import Context, launch, simulate

Spec = dict[str, Any]


def psi_job(ctx: Context, spec: Spec) -> dict[str, Any]:
    if "parties" in spec and ctx.party not in spec["parties"]:
        return {"rows": "not taking part", "size": None}
    result = psi.intersect(
        ctx,
        spec["keys"],
        receivers=spec.get("receivers"),
        parties=spec.get("parties"),
        reveal_size=spec.get("reveal_size", False),
        workers=1,
    )
    rows = None if result.rows is None else [spec["keys"][i] for i in result.rows.tolist()]
    return {"rows": rows, "size": result.size}


def run(sets: dict[str, list[Any]], **extra: Any) -> dict[str, dict[str, Any]]:
    return simulate(psi_job, {p: {"keys": keys, **extra} for p, keys in sets.items()}, timeout=30)


def random_sets(parties: str, size: int, seed: int) -> dict[str, list[int]]:
    rng = np.random.default_rng(seed)
    universe = rng.integers(0, 10**15, size=2 * size)
    return {p: [int(x) for x in rng.choice(universe, size=size, replace=False)] for p in parties}


@pytest.mark.parametrize("parties", ["abc", "abcd"])
def test_every_party_gets_the_common_keys_in_one_order(parties: str) -> None:
    sets = random_sets(parties, 300, seed=len(parties))
    expected = set.intersection(*(set(keys) for keys in sets.values()))
    assert 5 < len(expected) < 300
    out = run(sets)
    first = out[parties[0]]["rows"]
    assert set(first) == expected
    for party in parties:
        assert out[party]["rows"] == first and out[party]["size"] == len(expected)


@pytest.mark.parametrize(
    ("sets", "expected"),
    [
        ({"a": [1, 2, 3], "b": [2, 3, 4], "c": [3, 4, 5]}, {3}),
        ({"a": [1, 2], "b": [1, 2], "c": [3, 4]}, set()),  # a and b share keys c lacks
        ({"a": [], "b": [1, 2], "c": [1, 2]}, set()),
        ({"a": [1, 2], "b": [], "c": [1, 2]}, set()),
        ({"a": list(range(50)), "b": list(range(50)), "c": list(range(50))}, set(range(50))),
        ({"a": ["x", "y"], "b": ["y", "x"], "c": ["x"], "d": ["x", "y", "z"]}, {"x"}),
    ],
)
def test_edge_cases(sets: dict[str, list[Any]], expected: set[Any]) -> None:
    out = run(sets)
    for party in sets:
        assert set(out[party]["rows"]) == expected


@pytest.mark.parametrize("receivers", [["a"], ["c"], ["b", "d"], ["d"]])
def test_only_receivers_get_the_intersection(receivers: list[str]) -> None:
    sets = random_sets("abcd", 80, seed=11)
    expected = set.intersection(*(set(keys) for keys in sets.values()))
    out = run(sets, receivers=receivers)
    orders = {tuple(out[p]["rows"]) for p in receivers}
    assert len(orders) == 1 and set(next(iter(orders))) == expected
    for party in set("abcd") - set(receivers):
        assert out[party] == {"rows": None, "size": None}
    out = run(sets, receivers=receivers, reveal_size=True)
    for party in set("abcd") - set(receivers):
        assert out[party] == {"rows": None, "size": len(expected)}


def test_a_party_of_the_job_can_stay_out() -> None:
    sets = {"a": [1, 2, 3], "b": [2, 3], "c": [3, 2, 9], "dealer": []}
    out = run(sets, parties=["a", "b", "c"])
    assert set(out["a"]["rows"]) == {2, 3} and out["dealer"]["rows"] == "not taking part"


def leader_view(ctx: Context, spec: Spec) -> list[tuple[str, str]]:
    """Run a PSI with ``a`` as leader; ``a`` returns the names and shapes it received."""
    seen: list[tuple[str, str]] = []
    original = ctx.recv

    def recording(peer: str, name: str, timeout: float | None = None) -> Any:
        value = original(peer, name, timeout)
        shape = value.shape if isinstance(value, np.ndarray) else type(value).__name__
        seen.append((f"{peer}:{name}", str(shape)))
        return value

    ctx.recv = recording  # type: ignore[method-assign]
    psi.intersect(ctx, spec["keys"], receivers=["a"], workers=1)
    return seen


def test_the_leader_learns_nothing_about_the_others_partial_intersection() -> None:
    """What reaches the leader has the same shape whether b and c share 0 or all of c's keys."""
    views = []
    for shared in (0, 40):
        b = list(range(1000, 1100))
        c = list(range(1000, 1000 + shared)) + list(range(5000, 5040 - shared))
        views.append(simulate(leader_view, {"a": {"keys": [1, 2, 3]}, "b": {"keys": b},
                                            "c": {"keys": c}})["a"])  # fmt: skip
    assert views[0] == views[1]
    assert ("b:common", "(40, 32)") in views[0]  # padded to the smaller set (c: 40 keys)
    assert [name for name, _ in views[0]] == ["b:hello", "c:hello", "c:set", "b:common"]


def wrong_result(ctx: Context, mode: str) -> object:
    """The leader ``a`` sends receiver ``b`` a digest ``b`` does not hold, or a wrong ring set."""
    keys = {"a": [1, 2, 3], "b": [2, 3, 4], "c": [3, 2]}[ctx.party]
    original = ctx.send

    def send(peer: str, name: str, value: Any) -> None:
        if mode == "result" and name == "result":
            value = np.full_like(value, 7)
        if mode == "ring" and name == "set" and ctx.party == "c" and peer == "b":
            value = value[:-1]
        original(peer, name, value)

    ctx.send = send  # type: ignore[method-assign]
    return psi.intersect(ctx, keys, workers=1).size


def test_a_leader_sending_keys_a_receiver_lacks_is_refused() -> None:
    with pytest.raises(PartyFailed) as info:
        simulate(wrong_result, {"a": "result", "b": "result", "c": "result"}, timeout=10)
    assert "ProtocolError: 'a' sent key digests this party does not hold" in info.value.errors["b"]


def test_a_short_set_in_the_ring_is_refused() -> None:
    with pytest.raises(PartyFailed) as info:
        simulate(wrong_result, {"a": "ring", "b": "ring", "c": "ring"}, timeout=10)
    assert "ProtocolError: 'c' sent 1 points where 2 were expected" in info.value.errors["b"]


def test_three_parties_over_grpc_processes() -> None:
    sets = {"a": [f"k{i}" for i in range(0, 120)], "b": [f"k{i}" for i in range(60, 200)],
            "c": [f"k{i}" for i in range(90, 300)]}  # fmt: skip
    out = launch(psi_job, {p: {"keys": k, "receivers": ["b", "c"]} for p, k in sets.items()},
                 timeout=60)  # fmt: skip
    expected = {f"k{i}" for i in range(90, 120)}
    assert set(out["b"]["rows"]) == expected and out["b"]["rows"] == out["c"]["rows"]
    assert out["a"] == {"rows": None, "size": None}
