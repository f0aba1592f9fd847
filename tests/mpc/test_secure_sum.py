"""Secure sum: exact totals, fixed-point round trips, masked messages, malformed peers."""

from __future__ import annotations

import secrets

import numpy as np
import pytest

from confide.errors import ConfigError, PartyFailed
from confide.mpc.secure_sum import RING, decode_fixed, encode_fixed, secure_sum
from confide.runtime import Context, simulate


def sum_job(ctx: Context, values: list[int]) -> list[int]:
    return secure_sum(ctx, values)


@pytest.mark.parametrize("n_parties", [2, 3, 5])
def test_total_is_exact(n_parties: int) -> None:
    inputs = {f"p{i}": [secrets.randbelow(RING) for _ in range(7)] for i in range(n_parties)}
    expected = [sum(col) % RING for col in zip(*inputs.values(), strict=True)]
    results = simulate(sum_job, inputs)
    assert all(result == expected for result in results.values())


def test_repeated_sums_in_one_job_use_fresh_tags() -> None:
    def twice(ctx: Context, v: int) -> tuple[list[int], list[int]]:
        return secure_sum(ctx, [v]), secure_sum(ctx, [2 * v])

    results = simulate(twice, {"a": 1, "b": 2, "c": 3})
    assert results["a"] == ([6], [12])


def test_what_a_party_sees_is_masked() -> None:
    """The masked vectors a party receives are not the other parties' inputs."""
    seen: dict[str, list[int]] = {}

    def spy(ctx: Context, values: list[int]) -> list[int]:
        total = secure_sum(ctx, values)
        return total

    original = Context.gather

    def recording_gather(
        self: Context, name: str, timeout: float | None = None
    ) -> dict[str, object]:
        got = original(self, name, timeout)
        if name == "masked" and self.party == "a":
            seen.update(got)
        return got

    Context.gather = recording_gather  # type: ignore[method-assign]
    try:
        simulate(spy, {"a": [0] * 64, "b": [5] * 64, "c": [9] * 64})
    finally:
        Context.gather = original  # type: ignore[method-assign]
    for peer, masked in seen.items():
        assert masked != [5] * 64 and masked != [9] * 64, peer
        top_bits = [m >> 127 for m in masked]
        assert 8 < sum(top_bits) < 56  # uniform over the ring, not small numbers


def test_fixed_point_round_trip() -> None:
    values = np.array([0.0, -1.5, 3.25, 1e12, -7.77e-9, 123456.789])
    np.testing.assert_allclose(decode_fixed(encode_fixed(values)), values, rtol=0, atol=2**-40)


@pytest.mark.parametrize("bad", [[np.nan], [np.inf], [1e30]])
def test_fixed_point_refuses_bad_values(bad: list[float]) -> None:
    with pytest.raises(ConfigError):
        encode_fixed(bad)


def cheater(ctx: Context, mode: str) -> list[int]:
    """Party "bad" sends a wrong masked vector; the others must refuse it."""
    if ctx.party != "bad":
        return secure_sum(ctx, [1, 2, 3])
    with ctx.scope("secure_sum"):
        for peer in ctx.others:
            if ctx.parties.index(peer) > ctx.index:
                ctx.send(peer, "seed", secrets.token_bytes(16))
            else:
                ctx.recv(peer, "seed")
        bad_value: object = {"short": [1, 2], "big": [RING, 0, 0], "type": "xyz"}[mode]
        ctx.broadcast("masked", bad_value)
        return []


@pytest.mark.parametrize("mode", ["short", "big", "type"])
def test_malformed_masked_vectors_are_refused(mode: str) -> None:
    with pytest.raises(PartyFailed) as info:
        simulate(cheater, {"good": mode, "bad": mode}, timeout=10)
    assert "ProtocolError" in info.value.errors["good"]
    assert "'bad'" in info.value.errors["good"]
