"""The engine front: every operation against numpy, reveals, counters, errors, and gRPC.

Tolerances follow the fixed-point error analysis with ``f = 18`` fractional bits: encoding
rounds each input by at most 2^-19; a truncation adds at most 2^-18; a product ``x y`` is off
by at most ``(|x| + |y|) 2^-19 + 2^-18`` (plus a negligible 2^-38), and a dot product of
length ``k`` by ``k`` times the encoding term plus one truncation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from confide.errors import PartyFailed
from confide.mpc import MPC, Kind, Semi2k, Share, TrustedDealer
from confide.mpc.engine import DISCLOSURE
from confide.runtime import Context, launch
from tests.mpc.helpers import DEALER, ROLES, barrier, data_parties, engine, record_deliveries, run

RNG = np.random.default_rng(7)
X = RNG.uniform(-4, 4, (4, 5))
V = RNG.uniform(-4, 4, (4, 5))
Y = RNG.uniform(-4, 4, (5, 3))
W = RNG.uniform(-4, 4, 5)
N = RNG.integers(-1000, 1000, (4, 5))
B = RNG.integers(0, 2**63, 6, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
C = RNG.integers(0, 2**63, 6, dtype=np.uint64)
PUBLIC = RNG.uniform(-2, 2, (4, 5))

ENC = 2.0**-19  # encoding error of one input
TRUNC = 2.0**-18  # error of one truncation
MUL = 8 * ENC + TRUNC  # |x|, |y| <= 4

Inputs = dict[str, Share]
CASES: dict[str, tuple[Callable[[MPC, Inputs], Share], Callable[[], Any], float]] = {
    "add": (lambda m, s: s["x"] + s["v"], lambda: X + V, 2 * ENC),
    "sub": (lambda m, s: s["x"] - s["v"], lambda: X - V, 2 * ENC),
    "neg": (lambda m, s: -s["x"], lambda: -X, ENC),
    "add public float": (lambda m, s: s["x"] + 1.5, lambda: X + 1.5, ENC),
    "public minus share": (lambda m, s: 2.25 - s["x"], lambda: 2.25 - X, ENC),
    "add public array": (lambda m, s: s["x"] + PUBLIC, lambda: X + PUBLIC, 2 * ENC),
    "add broadcast": (lambda m, s: s["x"] + s["w"], lambda: X + W, 2 * ENC),
    "add integer share": (lambda m, s: s["x"] + s["n"], lambda: X + N, ENC),
    "mul": (lambda m, s: s["x"] * s["v"], lambda: X * V, MUL),
    "mul broadcast": (lambda m, s: s["x"] * s["w"], lambda: X * W, MUL),
    "mul public float": (lambda m, s: s["x"] * 0.3, lambda: X * 0.3, ENC + TRUNC + 4 * ENC),
    "mul public whole": (lambda m, s: s["x"] * 3.0, lambda: X * 3, 3 * ENC),
    "mul public array": (lambda m, s: PUBLIC * s["x"], lambda: PUBLIC * X, 2 * ENC + MUL),
    "mul integer share": (lambda m, s: s["x"] * s["n"], lambda: X * N, 1000 * ENC),
    "divide by public": (lambda m, s: s["x"] / 8, lambda: X / 8, ENC / 8 + TRUNC),
    "matmul": (lambda m, s: s["x"] @ s["y"], lambda: X @ Y, 5 * 8 * ENC + TRUNC),
    "matmul vector": (lambda m, s: s["x"] @ s["w"], lambda: X @ W, 5 * 8 * ENC + TRUNC),
    "matmul public right": (lambda m, s: s["x"] @ Y, lambda: X @ Y, 5 * 4 * ENC * 2 + TRUNC),
    "matmul public left": (lambda m, s: PUBLIC.T @ s["x"], lambda: PUBLIC.T @ X, 4 * MUL),
    "gram": (lambda m, s: s["x"].T @ s["x"], lambda: X.T @ X, 4 * 8 * ENC + TRUNC),
    "sum all": (lambda m, s: s["x"].sum(), lambda: X.sum(), 20 * ENC),
    "sum axis 0": (lambda m, s: s["x"].sum(axis=0), lambda: X.sum(axis=0), 4 * ENC),
    # the public factor 1/5 is itself encoded to 2^-19, times a sum up to 20
    "mean axis 1": (lambda m, s: s["x"].mean(axis=1), lambda: X.mean(axis=1), 21 * ENC + TRUNC),
    "reshape": (lambda m, s: s["x"].reshape(2, 10), lambda: X.reshape(2, 10), ENC),
    "transpose": (lambda m, s: s["x"].T, lambda: X.T, ENC),
    "index": (lambda m, s: s["x"][1:3, [0, 4]], lambda: X[1:3, [0, 4]], ENC),
    "concatenate": (
        lambda m, s: m.concatenate([s["x"], s["v"]], axis=1),
        lambda: np.concatenate([X, V], axis=1),
        ENC,
    ),
    "stack": (lambda m, s: m.stack([s["w"], s["w"]]), lambda: np.stack([W, W]), ENC),
    "public": (lambda m, s: m.public(PUBLIC) + s["x"], lambda: PUBLIC + X, 2 * ENC),
    "shift left": (lambda m, s: s["x"] << 2, lambda: X * 4, 4 * ENC),
}
EXACT: dict[str, tuple[Callable[[MPC, Inputs], Share], Callable[[], Any]]] = {
    "integer product": (lambda m, s: s["n"] * s["n"] + 2, lambda: N * N + 2),
    "integer sum": (lambda m, s: s["n"].sum(axis=1) * 3, lambda: N.sum(axis=1) * 3),
    "xor": (lambda m, s: s["b"] ^ s["c"], lambda: B ^ C),
    "and": (lambda m, s: s["b"] & s["c"], lambda: B & C),
    "and public": (lambda m, s: s["b"] & 0xFF, lambda: B & np.uint64(0xFF)),
    "or": (lambda m, s: s["b"] | s["c"], lambda: B | C),
    "xor public": (lambda m, s: 5 ^ s["b"], lambda: B ^ np.uint64(5)),
    "invert": (lambda m, s: ~s["b"], lambda: ~B),
    "shifts": (
        lambda m, s: (s["b"] >> 3) ^ (s["c"] << 7),
        lambda: (B >> np.uint64(3)) ^ (C << np.uint64(7)),
    ),
}


def inputs(mpc: MPC) -> Inputs:
    me = mpc.ctx.party
    last = mpc.parties[-1]

    def own(owner: str, value: Any) -> Any:
        return value if me == owner else None

    return {
        "x": mpc.input("p0", own("p0", X)),
        "v": mpc.input(last, own(last, V)),
        "y": mpc.input("p1", own("p1", Y), shape=(5, 3)),
        "w": mpc.input(last, own(last, W)),
        "n": mpc.input("p1", own("p1", N)),
        "b": mpc.input("p0", own("p0", B), kind=Kind.BOOLEAN),
        "c": mpc.input(last, own(last, C), kind="boolean"),
    }


def all_cases(ctx: Context, _: None) -> dict[str, Any]:
    mpc = engine(ctx)
    shares = inputs(mpc)
    names = [*CASES, *EXACT]
    outputs = [CASES[n][0](mpc, shares) if n in CASES else EXACT[n][0](mpc, shares) for n in names]
    return dict(zip(names, mpc.reveal_many(outputs), strict=True))


@pytest.mark.parametrize("n", [2, 3])
def test_every_operation_matches_numpy(n: int) -> None:
    results = run(all_cases, n)
    assert all(value is None for value in results[DEALER].values())
    for party in data_parties(n):
        got = results[party]
        for name, (_, expected, tolerance) in CASES.items():
            assert got[name].dtype == np.float64, name
            np.testing.assert_allclose(got[name], expected(), rtol=0, atol=tolerance, err_msg=name)
        for name, (_, exact) in EXACT.items():
            np.testing.assert_array_equal(got[name], exact(), err_msg=name)
        assert got["integer product"].dtype == np.int64
        assert got["xor"].dtype == np.uint64


def reveal_one(ctx: Context, _: None) -> dict[str, Any]:
    mpc = engine(ctx)
    x = mpc.input("p0", X if ctx.party == "p0" else None)
    y = x * 2.5
    barrier(ctx)
    seen = record_deliveries(ctx)
    barrier(ctx)
    before = mpc.rounds
    to_p1 = mpc.reveal(y, to="p1")
    both = mpc.reveal_many([x, y], to=["p1", DEALER])
    return {"to_p1": to_p1, "both": both, "seen": list(seen), "rounds": mpc.rounds - before}


def test_reveal_to_one_party_leaves_the_others_without_it() -> None:
    results = run(reveal_one, 3)
    np.testing.assert_allclose(results["p1"]["to_p1"], X * 2.5, rtol=0, atol=2.5 * ENC + TRUNC)
    for party in ("p0", "p2"):
        assert results[party]["to_p1"] is None
        assert results[party]["both"] == [None, None]
        assert results[party]["seen"] == []  # nothing arrives for a reveal to others
    for party in ("p1", DEALER):
        np.testing.assert_allclose(results[party]["both"][0], X, rtol=0, atol=ENC)
    assert results["p1"]["rounds"] == 2  # two reveals, each one round


def counters(ctx: Context, _: None) -> dict[str, int]:
    mpc = engine(ctx)
    x = mpc.input("p0", np.ones(1000) if ctx.party == "p0" else None)
    start_rounds, start_bytes = mpc.rounds, mpc.bytes_sent
    for _step in range(3):
        x = x * x
    return {"rounds": mpc.rounds - start_rounds, "bytes": mpc.bytes_sent - start_bytes}


def test_rounds_and_bytes_are_counted() -> None:
    results = run(counters, 2)
    assert results["p0"]["rounds"] == 6  # each product: one Beaver round, one truncation round
    # per product, each data party sends x - a and y - b, then x + r: 3 * 8 bytes per element
    assert 3 * 3 * 8000 <= results["p0"]["bytes"] < 3 * 3 * 8000 + 3000
    # the dealer sends the last party c (8 bytes) and the truncation pair's 2 words (16 bytes)
    assert 3 * 3 * 8000 <= results[DEALER]["bytes"] < 3 * 3 * 8000 + 3000
    assert results[DEALER]["rounds"] == 0


def wide_job(ctx: Context, _: None) -> dict[str, Any]:
    """Untruncated products (36 fractional bits) revealed as they are, and truncations by
    different amounts in one round."""
    mpc = engine(ctx)
    shares = inputs(mpc)
    x, v = shares["x"], shares["v"]
    raw = mpc.protocol.mul(x, v)
    before = mpc.rounds
    halves = mpc.truncate_many([raw, x], [18, 1])
    rounds = mpc.rounds - before
    revealed = mpc.reveal_many([raw, *halves])
    return {"frac_bits": [raw.frac_bits, *(h.frac_bits for h in halves)], "revealed": revealed,
            "rounds": rounds}  # fmt: skip


def test_untruncated_products_reveal_with_all_their_bits() -> None:
    got = run(wide_job, 2)["p0"]
    assert got["frac_bits"] == [36, 18, 17]
    assert got["rounds"] == 1
    xq, vq = (np.round(a * 2.0**18) / 2.0**18 for a in (X, V))  # the encoded inputs
    raw, product, half = got["revealed"]
    np.testing.assert_allclose(raw, xq * vq, rtol=0, atol=2.0**-30)  # exact but for float64
    np.testing.assert_allclose(product, X * V, rtol=0, atol=MUL)
    np.testing.assert_allclose(half, X, rtol=0, atol=ENC + 2.0**-17)


def test_disclosures_are_declared() -> None:
    def job(ctx: Context, _: None) -> int:
        return len(engine(ctx).disclosure)

    results = run(job, 2)
    assert results["p0"] >= len(DISCLOSURE) + 2


# -- errors: the same ConfigError on every party, before any message ------------------------------


def failing(ctx: Context, case: str) -> None:
    mpc = engine(ctx)
    x = mpc.input("p0", np.ones((2, 3)) if ctx.party == "p0" else None)
    y = mpc.input("p1", np.ones((4, 3)) if ctx.party == "p1" else None)
    if case == "shapes":
        _ = x + y
    elif case == "mul shapes":
        _ = x * y
    elif case == "matmul shapes":
        _ = x @ y
    elif case == "two engines":
        other = MPC(ctx, Semi2k(), TrustedDealer())
        z = other.input("p0", np.ones((2, 3)) if ctx.party == "p0" else None)
        barrier(ctx)  # every party is done with the messages before the mistake
        _ = x * z
    elif case == "dealer input":
        mpc.input(DEALER, None)
    elif case == "boolean arithmetic":
        _ = mpc.input("p0", np.ones(3, np.int64) if ctx.party == "p0" else None, kind="boolean") + 1
    elif case == "secret truth":
        bool(x)
    elif case == "reveal to stranger":
        mpc.reveal(x, to="nobody")
    elif case == "reused protocol":
        protocol = Semi2k()
        MPC(ctx, protocol, TrustedDealer())
        barrier(ctx)  # every party is past the first engine's setup
        MPC(ctx, protocol, TrustedDealer())


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("shapes", "do not broadcast"),
        ("mul shapes", "do not broadcast"),
        ("matmul shapes", "do not align"),
        ("two engines", "never mix"),
        ("dealer input", "holds no shares"),
        ("boolean arithmetic", "arithmetic shares"),
        ("secret truth", "no truth value"),
        ("reveal to stranger", "cannot reveal"),
        ("reused protocol", "already serves"),
    ],
)
def test_errors_are_raised_on_every_party(case: str, message: str) -> None:
    with pytest.raises(PartyFailed) as info:
        run(failing, 2, case, timeout=10)
    assert set(info.value.errors) == {"p0", "p1", DEALER}
    for text in info.value.errors.values():
        assert text.startswith("ConfigError") and message in text, text


def input_mistakes(ctx: Context, case: str) -> None:
    mpc = engine(ctx)
    mine = np.ones(3)
    if case == "missing value":
        mpc.input("p0", None)
    elif case == "value from another":
        mpc.input("p0", mine)
    elif case == "wrong shape":
        mpc.input("p0", mine if ctx.party == "p0" else None, shape=(4,))


@pytest.mark.parametrize(
    ("case", "party", "message"),
    [
        ("missing value", "p0", "must give the value"),
        ("value from another", "p1", "only 'p0' gives a value"),
        ("wrong shape", "p0", "not (4,)"),
        ("wrong shape", "p1", "not (4,)"),
    ],
)
def test_input_mistakes_are_named(case: str, party: str, message: str) -> None:
    with pytest.raises(PartyFailed) as info:
        run(input_mistakes, 2, case, timeout=10)
    assert "ConfigError" in info.value.errors[party] and message in info.value.errors[party]


# -- the same code over gRPC processes -----------------------------------------------------------


def grpc_job(ctx: Context, data: Any) -> Any:
    """Inputs, a product, a matmul and reveals, run as separate processes."""
    mpc = MPC(ctx, Semi2k(), TrustedDealer())
    x = mpc.input("p0", data if ctx.party == "p0" else None)
    y = mpc.input("p1", data if ctx.party == "p1" else None)
    z = (x * y + 1.0) @ y.T
    return mpc.reveal_many([z, x.sum(axis=0)], to="p1")


@pytest.mark.slow
def test_the_same_code_runs_over_grpc() -> None:
    x, y = X[:, :3], V[:, :3]
    inputs = {"p0": x, "p1": y, DEALER: None}
    results = launch(grpc_job, inputs, roles=ROLES, timeout=60)
    z, total = results["p1"]
    # u = x * y + 1 is within 10 ENC (|x|, |y| <= 4) and below 17; then three terms of
    # |u| ENC + |y| 10 ENC, and one truncation.
    np.testing.assert_allclose(z, (x * y + 1.0) @ y.T, rtol=0, atol=3 * (17 + 40) * ENC + TRUNC)
    np.testing.assert_allclose(total, x.sum(axis=0), rtol=0, atol=4 * ENC)
    assert results["p0"] == [None, None] and results[DEALER] == [None, None]
