"""Truncations dealt ahead: within one unit of floor(x / 2^f), in the order they were dealt."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from confide.errors import ConfigError, PartyFailed
from confide.ml.linear.truncation import Truncations
from confide.mpc import MPC, Aby3, Semi2k, TrustedDealer
from confide.mpc.encoding import encode_ring
from confide.runtime import Context, simulate
from tests.ml.linear.helpers import DEALER, ROLES

VALUES = np.random.default_rng(9).uniform(-3e3, 3e3, 500)


def truncate_job(ctx: Context, spec: dict[str, Any]) -> Any:
    mpc = MPC(ctx, Semi2k(), TrustedDealer()) if spec["semi2k"] else MPC(ctx, Aby3())
    truncations = Truncations(mpc)
    x = mpc.input("p0", VALUES if ctx.party == "p0" else None, shape=VALUES.shape)
    scaled = mpc.mul(x, 1 << 20)  # exact: the words of x with 20 more fractional bits
    wide = scaled.with_parts(scaled.parts, frac_bits=x.frac_bits + 20)
    truncations.prefetch(spec["dealt"])
    out = [truncations.truncate(wide, 20), truncations.truncate(wide[:10], 20)]
    return truncations.ahead, mpc.reveal_many(out, to="p0")


@pytest.mark.parametrize("semi2k", [True, False])
def test_within_one_unit_in_the_last_place(semi2k: bool) -> None:
    parties = ["p0", "p1", DEALER] if semi2k else ["p0", "p1", "p2"]
    spec = {"semi2k": semi2k, "dealt": [((500,), 20), ((10,), 20)]}
    results = simulate(truncate_job, dict.fromkeys(parties, spec), roles=ROLES if semi2k else None)
    ahead, (full, head) = results["p0"]
    assert ahead is semi2k
    expected = encode_ring(VALUES, 18).view(np.int64) / 2**18
    for got, want in ((full, expected), (head, expected[:10])):
        assert np.max(np.abs(got - want)) <= 2**-18 + 1e-12


def test_out_of_order_is_refused() -> None:
    spec = {"semi2k": True, "dealt": [((10,), 20), ((500,), 20)]}
    with pytest.raises(PartyFailed) as info:
        simulate(truncate_job, dict.fromkeys(["p0", "p1", DEALER], spec), roles=ROLES)
    assert all("another order than prefetched" in e for e in info.value.errors.values())
    assert ConfigError.__name__ in info.value.errors["p0"]
