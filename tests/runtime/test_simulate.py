"""``simulate``: results per party, and failures that reach every party fast."""

from __future__ import annotations

import time

import pytest

from confide.errors import ConfigError, PartyFailed
from confide.runtime import Context, simulate


def ring_pass(ctx: Context, value: int) -> int:
    """Each party sends its value to the next party in the ring and returns what it got."""
    nxt = ctx.parties[(ctx.index + 1) % len(ctx.parties)]
    prev = ctx.parties[ctx.index - 1]
    ctx.send(nxt, "v", value)
    return int(ctx.recv(prev, "v"))


def test_results_by_party() -> None:
    assert simulate(ring_pass, {"a": 1, "b": 2, "c": 3}) == {"a": 3, "b": 1, "c": 2}


def failing(ctx: Context, fail: bool) -> int:
    if fail:
        raise ValueError("bad input at this party")
    return int(ctx.recv(ctx.others[0], "never"))


def test_one_failure_fails_every_party_fast() -> None:
    started = time.monotonic()
    with pytest.raises(PartyFailed) as info:
        simulate(failing, {"a": True, "b": False, "c": False}, timeout=60)
    assert time.monotonic() - started < 5
    errors = info.value.errors
    assert "ValueError: bad input at this party" in errors["a"]
    assert errors["b"].startswith("PeerAborted") and "'a'" in errors["b"]
    assert set(errors) == {"a", "b", "c"}


def test_needs_two_parties() -> None:
    with pytest.raises(ConfigError):
        simulate(ring_pass, {"a": 1})
