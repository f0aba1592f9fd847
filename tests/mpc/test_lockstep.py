"""Fused rounds and programs in lock-step (``confide.mpc.lockstep``), on every protocol setup.

Ring results are exact and compared with numpy bit for bit; truncations are allowed their one
unit. Rounds are counted by the engine, so sharing them is checked, not assumed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from confide.mpc import MPC, Kind, Share
from confide.mpc.lockstep import Program, run, run_together
from confide.mpc.protocol import RoundRequest
from confide.runtime import Context
from tests.mpc.test_protocol import SETUPS, make, names, share_input, signed, words
from tests.mpc.test_protocol import run as run_setup

SIZE = 300
#: Rounds of one fused round holding a pair truncation: aby3's pair truncation takes two.
PAIR_ROUNDS = {"semi2k-2": 1, "semi2k-3": 1, "semi2k-2-local": 1, "aby3": 2, "aby3-local": 2}


def inputs() -> dict[str, np.ndarray]:
    return {
        "x": words(1, SIZE),
        "y": words(2, SIZE),
        "bx": words(3, SIZE),
        "by": words(4, SIZE),
        "small": signed(5, 2**40, SIZE),
        # 2^55 ring units: local shifts would fail on about one element in 2^8 here.
        "large": signed(6, 2**55, 4096),
    }


def fused_job(ctx: Context, name: str) -> dict[str, Any]:
    """One fused round of every kind of operation, then the same operations one by one."""
    mpc = make(ctx, name)
    values = inputs()
    kinds = {"bx": Kind.BOOLEAN, "by": Kind.BOOLEAN}
    s = {
        key: share_input(mpc, f"p{k % 2}", v, kinds.get(key, Kind.ARITHMETIC))
        for k, (key, v) in enumerate(values.items())
    }
    before = mpc.rounds
    request = RoundRequest(
        ands=[(s["bx"], s["by"])],
        muls=[(s["x"], s["y"])],
        truncs=[s["small"], s["large"]],
        trunc_bits=[18, 18],
        opens=[s["x"]],
        exact_truncation=True,
    )
    result = mpc.protocol.fused_round(request)
    rounds = mpc.rounds - before
    opened = mpc.protocol.open([*result.ands, *result.muls, *result.truncs])
    return {"opened": opened, "direct": result.opens, "rounds": rounds}


@names
def test_a_fused_round_computes_every_operation(name: str) -> None:
    results = run_setup(fused_job, name)
    v = inputs()
    for party in SETUPS[name].parties[: SETUPS[name].data_parties]:
        out = results[party]
        conjunction, product, small, large = out["opened"]
        np.testing.assert_array_equal(conjunction, v["bx"] & v["by"])
        np.testing.assert_array_equal(product, v["x"] * v["y"])
        for got, x in ((small, v["small"]), (large, v["large"])):
            error = got.view(np.int64) - (x.view(np.int64) >> 18)
            assert set(np.unique(error)) <= {0, 1}
        np.testing.assert_array_equal(out["direct"][0], v["x"])
        assert out["rounds"] == PAIR_ROUNDS[name]


def product_truncation_job(ctx: Context, name: str) -> dict[str, Any]:
    """Products truncated in a fused round, beside a plain product and a truncation."""
    mpc = make(ctx, name)
    a, b = signed(7, 2**30, SIZE), signed(8, 2**30, SIZE)
    x, y = share_input(mpc, "p0", a), share_input(mpc, "p1", b)
    before = mpc.rounds
    request = RoundRequest(
        muls=[(x, y)],
        mul_truncs=[(x, y), (y, y)],
        mul_trunc_bits=[18, 20],
        truncs=[x],
        trunc_bits=[18],
        exact_truncation=True,
    )
    result = mpc.protocol.fused_round(request)
    rounds = mpc.rounds - before
    opened = mpc.protocol.open([*result.muls, *result.mul_truncs, *result.truncs])
    return {"opened": opened, "rounds": rounds}


@names
def test_products_truncated_in_a_fused_round(name: str) -> None:
    results = run_setup(product_truncation_job, name)
    a, b = signed(7, 2**30, SIZE).view(np.int64), signed(8, 2**30, SIZE).view(np.int64)
    for party in SETUPS[name].parties[: SETUPS[name].data_parties]:
        product, first, second, plain = results[party]["opened"]
        np.testing.assert_array_equal(product.view(np.int64), a * b)
        for got, want in (((first, (a * b) >> 18)), (second, (b * b) >> 20), (plain, a >> 18)):
            assert set(np.unique(got.view(np.int64) - want)) <= {0, 1}
        # aby3 truncates the products in the truncation's two rounds; semi2k needs their round.
        assert results[party]["rounds"] == 2


def squares(x: Share, times: int) -> Program[Share]:
    """``x^(2^times)`` in the ring, one product per round."""
    for _ in range(times):
        answer = yield RoundRequest(muls=[(x, x)])
        (x,) = answer.muls
    return x


def conjunctions(x: Share, y: Share, times: int) -> Program[Share]:
    """``x & y`` ANDed with ``y`` again ``times - 1`` times, one AND per round."""
    for _ in range(times):
        answer = yield RoundRequest(ands=[(x, y)])
        (x,) = answer.ands
    return x


def lockstep_job(ctx: Context, name: str) -> dict[str, Any]:
    mpc = make(ctx, name)
    v = inputs()
    x = share_input(mpc, "p0", v["x"])
    bx = share_input(mpc, "p1", v["bx"], Kind.BOOLEAN)
    by = share_input(mpc, "p0", v["by"], Kind.BOOLEAN)
    before = mpc.rounds
    alone = run(mpc.protocol, squares(x, 3))
    alone_rounds = mpc.rounds - before
    before = mpc.rounds
    power, both = run_together(mpc.protocol, [squares(x, 3), conjunctions(bx, by, 2)])
    together_rounds = mpc.rounds - before
    return {
        "opened": mpc.protocol.open([alone, power, both]),
        "rounds": (alone_rounds, together_rounds),
    }


@names
def test_programs_in_lockstep_share_their_rounds(name: str) -> None:
    results = run_setup(lockstep_job, name)
    v = inputs()
    want = v["x"] * v["x"]
    want = want * want
    want = want * want
    for party in SETUPS[name].parties[: SETUPS[name].data_parties]:
        alone, power, both = results[party]["opened"]
        np.testing.assert_array_equal(alone, want)
        np.testing.assert_array_equal(power, want)
        np.testing.assert_array_equal(both, v["bx"] & v["by"])
        assert results[party]["rounds"] == (3, 3)


def sigmoid_rounds_job(ctx: Context, name: str) -> int:
    mpc: MPC = make(ctx, name)
    x = mpc.input("p0", np.linspace(-10, 10, 64) if ctx.party == "p0" else None)
    before = mpc.rounds
    mpc.sigmoid(x)
    return mpc.rounds - before


@pytest.mark.parametrize(("name", "rounds"), [("semi2k-2", 9), ("semi2k-2-local", 9), ("aby3", 13)])
def test_the_accurate_sigmoid_runs_its_polynomial_beside_its_comparison(
    name: str, rounds: int
) -> None:
    assert run_setup(sigmoid_rounds_job, name)["p0"] == rounds
