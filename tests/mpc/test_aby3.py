"""aby3 specifics: engine operations against numpy, views, zero shares, counters, refusals, gRPC.

The protocol-level conformance (exact ring products, truncation within one unit, conversions)
runs in ``test_protocol.py`` with the ``aby3`` setups; here the engine's operations run on
three parties without a dealer, with the tolerances of ``test_engine.py`` (encoding rounds each
input by at most 2^-19, a truncation adds at most 2^-18).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from confide.errors import ConfigError, PartyFailed
from confide.mpc import MPC, Aby3, Kind, TrustedDealer
from confide.mpc.aby3 import DISCLOSURE
from confide.mpc.encoding import encode_ring
from confide.mpc.share import Share
from confide.mpc.zero_sharing import ReplicatedStreams
from confide.runtime import Context, Role, launch, simulate
from tests.mpc.helpers import barrier, record_deliveries
from tests.mpc.test_engine import CASES, ENC, EXACT, TRUNC, X, Y, inputs
from tests.mpc.test_semi2k import looks_uniform, same_distribution

PARTIES = ["p0", "p1", "p2"]
U64 = np.uint64


def run(fn: Any, arg: Any = None, parties: list[str] = PARTIES, **kwargs: Any) -> dict[str, Any]:
    """Run ``fn(ctx, arg)`` on ``parties`` (three data parties by default), no dealer."""
    return simulate(fn, {p: arg for p in parties}, timeout=kwargs.pop("timeout", 30), **kwargs)


def engine(ctx: Context, truncation: str = "pair") -> MPC:
    return MPC(ctx, protocol=Aby3(truncation))


# -- every engine operation against numpy ---------------------------------------------------------


def all_cases(ctx: Context, truncation: str) -> tuple[dict[str, Any], dict[str, str]]:
    mpc = engine(ctx, truncation)
    shares = inputs(mpc)
    outputs: dict[str, Share] = {}
    refused: dict[str, str] = {}
    for name in [*CASES, *EXACT]:
        compute = CASES[name][0] if name in CASES else EXACT[name][0]
        try:
            outputs[name] = compute(mpc, shares)
        except ConfigError as exc:  # raised before any message, the same on every party
            refused[name] = str(exc)
    return dict(zip(outputs, mpc.reveal_many(list(outputs.values())), strict=True)), refused


@pytest.mark.parametrize("truncation", ["pair", "local"])
def test_every_operation_matches_numpy(truncation: str) -> None:
    results = run(all_cases, truncation)
    for party in PARTIES:
        got, refused = results[party]
        # Local truncation may be refused only where exact-range truncation is needed.
        assert all("exact-range" in why for why in refused.values()), refused
        assert truncation == "local" or not refused, refused
        for name, (_, expected, tolerance) in CASES.items():
            if name not in refused:
                np.testing.assert_allclose(
                    got[name], expected(), rtol=0, atol=tolerance, err_msg=name
                )
        for name, (_, exact) in EXACT.items():
            np.testing.assert_array_equal(got[name], exact(), err_msg=name)


def edge_shapes(ctx: Context, _: None) -> list[Any]:
    """Scalars, empty arrays, vector dot products, broadcasting, in one engine."""
    mpc = engine(ctx)
    s = mpc.input("p2", 1.25 if ctx.party == "p2" else None)
    e = mpc.input("p1", np.zeros((0, 3)) if ctx.party == "p1" else None)
    v = mpc.input("p0", np.arange(4.0) if ctx.party == "p0" else None)
    m = mpc.input("p0", np.ones((3, 4)) if ctx.party == "p0" else None)
    bit = mpc.input("p1", np.int64(3) if ctx.party == "p1" else None, kind="boolean")
    injected = mpc.protocol.bit_to_arithmetic(bit)
    outputs = [s * s, e * e, e @ m, v @ v, m * v, mpc.truncate(s << 3, 3), injected]
    return mpc.reveal_many(outputs)


def test_scalars_empty_arrays_and_broadcasts() -> None:
    ss, ee, em, vv, mv, tr, injected = run(edge_shapes)["p1"]
    assert injected.shape == () and injected == 1
    np.testing.assert_allclose(ss, 1.5625, atol=TRUNC)
    assert ee.shape == (0, 3) and em.shape == (0, 4)
    np.testing.assert_allclose(vv, 14.0, atol=TRUNC)
    np.testing.assert_allclose(mv, np.ones((3, 4)) * np.arange(4.0), atol=TRUNC)
    np.testing.assert_allclose(tr, 10.0, atol=2.0**-15)  # 1.25 * 8 with 15 fractional bits


# -- reveal to one party, views, zero shares ---------------------------------------------------


def reveal_one(ctx: Context, _: None) -> dict[str, Any]:
    mpc = engine(ctx)
    x = mpc.input("p0", X if ctx.party == "p0" else None)
    y = x * 2.5
    barrier(ctx)
    seen = record_deliveries(ctx)
    barrier(ctx)
    before = mpc.rounds
    to_p1 = mpc.reveal(y, to="p1")
    both = mpc.reveal_many([x, y], to=["p1", "p2"])
    return {"to_p1": to_p1, "both": both, "seen": list(seen), "rounds": mpc.rounds - before}


def test_reveal_to_one_party_leaves_the_others_without_it() -> None:
    results = run(reveal_one)
    np.testing.assert_allclose(results["p1"]["to_p1"], X * 2.5, rtol=0, atol=2.5 * ENC + TRUNC)
    assert results["p0"]["to_p1"] is None and results["p2"]["to_p1"] is None
    assert results["p0"]["both"] == [None, None]
    # p0 and p1 send what p2 and p1 miss; nothing at all arrives at p0.
    assert results["p0"]["seen"] == []
    assert [sender for sender, _ in results["p1"]["seen"]] == ["p2", "p2"]
    assert [sender for sender, _ in results["p2"]["seen"]] == ["p0"]
    for party in ("p1", "p2"):
        np.testing.assert_allclose(results[party]["both"][0], X, rtol=0, atol=ENC)
    assert results["p1"]["rounds"] == 2 and results["p0"]["rounds"] == 1


N = 4096


def view_job(ctx: Context, spec: tuple[float, str]) -> np.ndarray | None:
    """The view of party ``spec[1]`` while p0 inputs a secret and all compute on it."""
    secret, watcher = spec
    mpc = engine(ctx)
    barrier(ctx)
    seen = record_deliveries(ctx)
    barrier(ctx)
    x = mpc.input("p0", np.full(N, secret) if ctx.party == "p0" else None)
    words = encode_ring(np.full(N, secret), 18).view(np.int64)
    b = mpc.input("p0", words if ctx.party == "p0" else None, kind=Kind.BOOLEAN)
    square = x * x
    local = MPC(ctx, Aby3("local"))
    y = local.input("p0", np.full(N, secret) if ctx.party == "p0" else None)
    y_square = y * y
    product = x.reshape(64, 64) @ square.reshape(64, 64)
    injected = mpc.protocol.bit_to_arithmetic(b >> 20)
    arith, _ = mpc.protocol.random_bits((N,))
    mpc.reveal(product, to="p0")
    barrier(ctx)
    if ctx.party != watcher:
        return None
    received = [v for _, value in seen for v in (value if isinstance(value, list) else [value])
                if isinstance(v, np.ndarray) and v.dtype == np.uint64]  # fmt: skip
    held: list[Share] = [x, b, square, y, y_square, product, injected, arith]
    # Each value once: a received component is also held (the two-sample test needs
    # independent samples).
    own = [p for s in held for p in s.parts if not any(np.shares_memory(p, v) for v in received)]
    return np.concatenate([np.ravel(a) for a in own + received])


@pytest.mark.parametrize("watcher", ["p1", "p2"])
def test_a_partys_view_does_not_depend_on_the_secret(watcher: str) -> None:
    views = [run(view_job, (secret, watcher))[watcher] for secret in (0.0, 12345.678)]
    zero, other = views
    assert zero is not None and other is not None
    assert zero.shape == other.shape and zero.size > 20 * N
    assert looks_uniform(zero) and looks_uniform(other)
    assert same_distribution(zero, other)
    # The same tests see a view that leaks the secret's encoding.
    leak = np.resize(encode_ring(np.array([12345.678]), 18), other.size)
    half = other.size // 2
    assert not same_distribution(zero, np.concatenate([other[:half], leak[half:]]))


def streams_job(ctx: Context, _: None) -> dict[str, Any]:
    streams = ReplicatedStreams.agree(ctx, PARTIES)
    return {
        "zero": streams.zero((20000,)),
        "xor": streams.zero((20000,), Kind.BOOLEAN),
        "random": streams.random((8,)),
        "holds": [streams.holds(j) for j in range(3)],
        "mixed": streams.zeros([(5,), (), (3,)], [Kind.BOOLEAN, Kind.ARITHMETIC, Kind.BOOLEAN]),
    }


def test_zero_shares_sum_to_zero_and_look_random() -> None:
    results = run(streams_job)
    zeros = [results[p]["zero"] for p in PARTIES]
    np.testing.assert_array_equal(zeros[0] + zeros[1] + zeros[2], np.zeros(20000, U64))
    xors = [results[p]["xor"] for p in PARTIES]
    np.testing.assert_array_equal(xors[0] ^ xors[1] ^ xors[2], np.zeros(20000, U64))
    assert all(looks_uniform(z) for z in zeros + xors)
    assert len({z.tobytes() for z in zeros}) == 3
    first, second, third = (results[p]["mixed"] for p in PARTIES)
    np.testing.assert_array_equal(first[0] ^ second[0] ^ third[0], np.zeros(5, U64))
    np.testing.assert_array_equal(first[1] + second[1] + third[1], np.zeros((), U64))
    np.testing.assert_array_equal(first[2] ^ second[2] ^ third[2], np.zeros(3, U64))
    assert all(z.any() for z in first[::2])  # random shares, not zeros
    # Each party holds streams i and i + 1; the holders of a stream draw the same words.
    for i, party in enumerate(PARTIES):
        assert results[party]["holds"] == [j in (i, (i + 1) % 3) for j in range(3)]
        following = PARTIES[(i + 1) % 3]
        np.testing.assert_array_equal(results[party]["random"][1], results[following]["random"][0])


# -- rounds, bytes, truncation errors ------------------------------------------------------------


def counters(ctx: Context, truncation: str) -> dict[str, int]:
    mpc = engine(ctx, truncation)
    x = mpc.input("p0", np.ones(1000) if ctx.party == "p0" else None)
    b = mpc.input("p1", np.ones(1000, np.int64) if ctx.party == "p1" else None, kind="boolean")
    out = {}
    ops: dict[str, Callable[[], object]] = {
        "mul": lambda: mpc.protocol.mul(x, x),
        "mul and truncate": lambda: x * x,
        "and": lambda: b & b,
        "matmul": lambda: mpc.protocol.matmul(x.reshape(10, 100), x.reshape(100, 10)),
        "inject": lambda: mpc.protocol.bit_to_arithmetic(b),
        "random bits": lambda: mpc.protocol.random_bits((1000,)),
        "open": lambda: mpc.reveal(x),
    }
    for name, op in ops.items():
        rounds, sent = mpc.rounds, mpc.bytes_sent
        op()
        out[f"{name} rounds"], out[f"{name} bytes"] = mpc.rounds - rounds, mpc.bytes_sent - sent
    return out


@pytest.mark.parametrize("truncation", ["pair", "local"])
def test_rounds_and_bytes_are_counted(truncation: str) -> None:
    results = run(counters, truncation)
    words = 8 * 1000
    for party in PARTIES:
        got = results[party]
        for name in ("mul", "and", "open"):
            assert got[f"{name} rounds"] == 1, name
            assert words <= got[f"{name} bytes"] < words + 400, name  # one element per element
        assert got["matmul rounds"] == 1 and 800 <= got["matmul bytes"] < 1200
        assert got["inject rounds"] == got["random bits rounds"] == 1
    # bit injection: p0 sends four candidates, p1 and p2 one pad each
    assert 4 * words <= results["p0"]["inject bytes"] < 4 * words + 400
    assert words <= results["p1"]["inject bytes"] < words + 400
    trunc = {p: results[p]["mul and truncate bytes"] - results[p]["mul bytes"] for p in PARTIES}
    rounds = {p: results[p]["mul and truncate rounds"] - 1 for p in PARTIES}
    if truncation == "pair":
        # Fused: the product is truncated without its resharing round, two rounds in all.
        assert rounds == {"p0": 1, "p1": 1, "p2": 1}
        both = {p: results[p]["mul and truncate bytes"] for p in PARTIES}
        # p0: c's share, then its reshare; p1 the same; p2 its product term to p0 and p1,
        # and the pair's two corrections to p1
        assert all(2 * words <= both[p] < 2 * words + 600 for p in ("p0", "p1"))
        assert 4 * words <= both["p2"] < 4 * words + 600
    else:
        assert rounds == {"p0": 1, "p1": 0, "p2": 1}
        assert words <= trunc["p0"] < words + 400 and trunc["p1"] == trunc["p2"] == 0


def local_failure_job(ctx: Context, magnitude: float) -> Any:
    """Truncate values near ``magnitude`` (with 36 fractional bits) both ways."""
    rng = np.random.default_rng(5)
    values = rng.uniform(magnitude / 2, magnitude, 4000) * rng.choice([-1, 1], 4000)
    out = []
    for truncation in ("local", "pair"):
        mpc = engine(ctx, truncation)
        x = mpc.input("p0", values if ctx.party == "p0" else None)
        shifted = x << 18  # the same value with 36 fractional bits, as after a product
        wide = shifted.with_parts(shifted.parts, frac_bits=36)
        out.append(mpc.reveal(mpc.truncate(wide, 18)))
    return values, out


def test_local_truncation_fails_where_documented_and_pairs_do_not() -> None:
    """Values near 2^24 with 36 fractional bits: the local method's failure odds are 2^-3."""
    values, (local, pair) = run(local_failure_job, 2.0**24)["p1"]
    local_wrong = np.abs(local - values) > 1e-3
    assert 0.02 < local_wrong.mean() < 0.3
    np.testing.assert_allclose(pair, values, rtol=0, atol=2.0**-18 + 2.0**-19)


# -- refusals ------------------------------------------------------------------------------------


def setup_job(ctx: Context, case: str) -> None:
    if case == "dealer":
        MPC(ctx, Aby3(), TrustedDealer())
    elif case == "unknown truncation":
        Aby3("nearest")
    else:
        MPC(ctx, Aby3())


@pytest.mark.parametrize(
    ("case", "parties", "message"),
    [
        ("two parties", ["p0", "p1"], "exactly three data parties, got 2"),
        ("four parties", ["p0", "p1", "p2", "p3"], "exactly three data parties, got 4"),
        ("dealer", ["p0", "p1", "p2", "dealer"], "takes no provider"),
        ("unknown truncation", PARTIES, "truncation must be one of"),
    ],
)
def test_bad_setups_are_refused_on_every_party(case: str, parties: list[str], message: str) -> None:
    roles = {"dealer": [Role.COMPUTE_HELPER]} if "dealer" in parties else None
    with pytest.raises(PartyFailed) as info:
        run(setup_job, case, parties, roles=roles, timeout=10)
    assert set(info.value.errors) == set(parties)
    for text in info.value.errors.values():
        assert text.startswith("ConfigError") and message in text, text


def cheat_job(ctx: Context, mode: str) -> Any:
    """p1 sends p0 a malformed resharing in the round of a multiplication."""
    mpc = engine(ctx)
    x = mpc.input("p2", np.ones(4) if ctx.party == "p2" else None)
    if ctx.party != "p1":
        return mpc.reveal(mpc.protocol.mul(x, x))
    bad = {"short": [np.zeros(3, np.uint64)], "dtype": [np.zeros(4)], "type": "x"}[mode]
    with ctx.scope("mpc"):
        ctx.send("p0", "reshare", bad)
    return None


@pytest.mark.parametrize("mode", ["short", "dtype", "type"])
def test_malformed_messages_are_refused(mode: str) -> None:
    with pytest.raises(PartyFailed) as info:
        run(cheat_job, mode, timeout=10)
    assert "ProtocolError" in info.value.errors["p0"] and "'p1'" in info.value.errors["p0"]


def test_disclosure_is_declared() -> None:
    assert DISCLOSURE and all(item.who and item.learns for item in DISCLOSURE)


# -- the same code over gRPC processes -----------------------------------------------------------


def grpc_job(ctx: Context, data: Any) -> Any:
    """Inputs, a product, a matmul, a bit injection and reveals, as three processes."""
    mpc = MPC(ctx, Aby3())
    x = mpc.input("p0", data if ctx.party == "p0" else None)
    y = mpc.input("p2", data if ctx.party == "p2" else None)
    z = (x * 0.5 + 1.0) @ y.T
    bits = mpc.input("p1", np.arange(6) if ctx.party == "p1" else None, kind="boolean")
    injected = mpc.protocol.bit_to_arithmetic(bits)
    return mpc.reveal_many([z, injected], to="p1")


@pytest.mark.slow
def test_the_same_code_runs_over_grpc() -> None:
    x, y = X[:, :3], Y[:3, :3]
    data = np.concatenate([x, y])  # 7 x 3
    results = launch(grpc_job, {p: data for p in PARTIES}, timeout=60)
    z, injected = results["p1"]
    np.testing.assert_allclose(z, (data * 0.5 + 1.0) @ data.T, rtol=0, atol=3 * 30 * ENC + TRUNC)
    np.testing.assert_array_equal(injected, np.arange(6) & 1)
    assert results["p0"] == [None, None] and results["p2"] == [None, None]
