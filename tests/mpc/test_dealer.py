"""The trusted dealer: correlations that add up, seed compression, roles, malformed batches."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from confide.errors import ConfigError, PartyFailed
from confide.mpc import MPC, Semi2k, TrustedDealer
from confide.mpc.correlations import (
    AndTriple,
    BeaverTriple,
    Correlation,
    MatrixTriple,
    RandomBits,
    TruncationPair,
)
from confide.mpc.dealer import DISCLOSURE
from confide.runtime import Context, Role, simulate
from tests.mpc.helpers import DEALER, ROLES, barrier, data_parties, engine, record_deliveries, run

REQUESTS: list[Correlation] = [
    BeaverTriple((3, 1), (4,)),
    MatrixTriple((2, 5), (5, 3)),
    AndTriple((6,), (6,)),
    TruncationPair((7,), 18),
    RandomBits((2000,)),
]
DETERMINED_WORDS = 3 * 4 + 2 * 3 + 6 + 2 * 7 + 2000


def deal_job(ctx: Context, _: None) -> dict[str, Any]:
    mpc = engine(ctx)
    barrier(ctx)
    seen = record_deliveries(ctx)
    barrier(ctx)
    assert mpc.provider is not None
    dealt = mpc.provider.deal(REQUESTS)
    barrier(ctx)
    received = [value for sender, value in seen if sender == DEALER]
    return {"dealt": dealt, "received": received}


def combine(shares: list[np.ndarray], boolean: bool) -> np.ndarray:
    total = shares[0]
    for share in shares[1:]:
        total = total ^ share if boolean else total + share
    return total


@pytest.mark.parametrize("n", [2, 3])
def test_correlations_add_up(n: int) -> None:
    results = run(deal_job, n)
    assert results[DEALER]["dealt"] == [() for _ in REQUESTS]
    views = [results[p]["dealt"] for p in data_parties(n)]
    for k, request in enumerate(REQUESTS):
        components = request.free + request.determined
        values = [
            combine([view[k][j] for view in views], comp.kind.value == "boolean")
            for j, comp in enumerate(components)
        ]
        expected = request.compute(values[: len(request.free)])
        for got, want in zip(values[len(request.free) :], expected, strict=True):
            np.testing.assert_array_equal(got, want)
    bits = combine([view[4][0] for view in views], boolean=True)
    assert set(np.unique(bits)) <= {0, 1} and 800 < int(bits.sum()) < 1200


@pytest.mark.parametrize("n", [2, 3])
def test_only_the_last_party_gets_corrections_in_one_message(n: int) -> None:
    results = run(deal_job, n)
    last = data_parties(n)[-1]
    for party in data_parties(n)[:-1]:
        assert results[party]["received"] == []
    (batch,) = results[last]["received"]
    assert sum(int(word.size) for word in batch) == DETERMINED_WORDS


def pending_job(ctx: Context, _: None) -> dict[str, Any]:
    """Two pending batches: the second completes the first, in order."""
    mpc = engine(ctx)
    assert mpc.provider is not None
    first = mpc.provider.deal_pending(REQUESTS[:2])
    ready = [len(shares) for shares in first.ready]
    done_before = first.done
    second = mpc.provider.deal_pending(REQUESTS[2:])
    done_after = first.done  # dealing the next batch received the first's corrections
    return {
        "ready": ready,
        "done": (done_before, done_after),
        "dealt": first.result() + second.result(),
        "again": first.result() is first.result(),
    }


@pytest.mark.parametrize("n", [2, 3])
def test_pending_batches_give_the_free_shares_first(n: int) -> None:
    results = run(pending_job, n)
    last = data_parties(n)[-1]
    for party in data_parties(n):
        free_only = [len(r.free) for r in REQUESTS[:2]]
        everything = [len(r.free) + len(r.determined) for r in REQUESTS[:2]]
        assert results[party]["ready"] == (free_only if party == last else everything)
        assert results[party]["done"] == ((False, True) if party == last else (True, True))
        assert results[party]["again"]
    views = [results[p]["dealt"] for p in data_parties(n)]
    for k, request in enumerate(REQUESTS):
        components = request.free + request.determined
        values = [
            combine([view[k][j] for view in views], comp.kind.value == "boolean")
            for j, comp in enumerate(components)
        ]
        for got, want in zip(
            values[len(request.free) :], request.compute(values[: len(request.free)]), strict=True
        ):
            np.testing.assert_array_equal(got, want)


def test_free_shares_are_independent_across_parties() -> None:
    results = run(deal_job, 2)
    a0, a1 = (results[p]["dealt"][0][0] for p in data_parties(2))
    assert not np.array_equal(a0, a1)


def roles_job(ctx: Context, dealer: str | None) -> None:
    MPC(ctx, Semi2k(), TrustedDealer(dealer=dealer))


@pytest.mark.parametrize(
    ("roles", "dealer", "message"),
    [
        ({}, None, "exactly one party with role"),
        ({"d": [Role.COMPUTE_HELPER], "e": [Role.COMPUTE_HELPER]}, None, "exactly one"),
        ({"d": [Role.COMPUTE_HELPER]}, "zz", "not a party"),
        ({"d": [Role.COMPUTE_HELPER]}, "e", "must hold the role"),
        ({"d": [Role.COMPUTE_HELPER, Role.DATA_PROVIDER]}, None, "must hold no data"),
    ],
)
def test_missing_or_wrong_dealer_fails_everyone_alike(
    roles: dict[str, list[Role]], dealer: str | None, message: str
) -> None:
    with pytest.raises(PartyFailed) as info:
        simulate(roles_job, {p: dealer for p in ("a", "b", "d", "e")}, roles=roles, timeout=10)
    assert set(info.value.errors) == {"a", "b", "d", "e"}
    for text in info.value.errors.values():
        assert text.startswith("ConfigError") and message in text


def forger(ctx: Context, mode: str) -> None:
    """The dealer sends the last party a malformed batch."""
    mpc = engine(ctx) if ctx.party != DEALER else None
    if mpc is None:
        with ctx.scope("mpc"):
            for party in data_parties(2):
                ctx.send(party, "dealer_seed", bytes(16))
            ctx.send("p1", "deal", {"short": [], "type": "x"}[mode])
        return
    assert mpc.provider is not None
    mpc.provider.deal([BeaverTriple((3,), (3,))])


@pytest.mark.parametrize("mode", ["short", "type"])
def test_malformed_corrections_are_refused(mode: str) -> None:
    with pytest.raises(PartyFailed) as info:
        simulate(forger, {p: mode for p in ("p0", "p1", DEALER)}, roles=ROLES, timeout=10)
    assert "ProtocolError" in info.value.errors["p1"]


def test_dealer_declares_what_it_learns() -> None:
    assert any("collude" in str(item) for item in DISCLOSURE)
    with pytest.raises(ConfigError):
        TrustedDealer().deal([])
