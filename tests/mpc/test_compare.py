"""Comparisons and boolean circuits against numpy, on every protocol setup.

Runs on every setup of ``tests/mpc/test_protocol.py`` (``SETUPS``: semi2k with two and three data
parties and a dealer, aby3, and their local-truncation variants): a new protocol joins these
tests by joining that list. Comparisons are exact, so results are compared with numpy exactly:
on the fixed-point values the inputs decode to, ties included, and on raw ring words across the
whole ring for the circuits. Each setup runs one job (a module-scoped fixture) that computes
everything; the tests then check one result each.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from confide.errors import PartyFailed
from confide.mpc import MPC, Kind, Share
from confide.mpc import circuits as C
from confide.mpc import compare as K
from confide.mpc.encoding import decode_ring, encode_ring
from confide.runtime import Context
from tests.mpc.helpers import DEALER
from tests.mpc.test_protocol import SETUPS, make, run

U64 = np.uint64
RNG = np.random.default_rng(11)
#: Fixed-point inputs with ties, zeros, signs and magnitudes up to 2^40 (exact range 2^44).
X = np.concatenate([RNG.uniform(-10, 10, 300), [0.0, -0.0, 1e-6, -1e-6, 2.0**40, -(2.0**40)]])
Y = np.concatenate([RNG.uniform(-10, 10, 300), [0.0, 1e-6, -1e-6, 0.0, -(2.0**40), 2.0**40]])
Y[:60] = X[:60]  # ties
#: Raw ring words across the whole ring, edges included (the circuits are exact for all).
EDGES = [0, 1, 2, 2**63 - 1, 2**63, 2**63 + 1, 2**64 - 1, 2**62, 2**64 - 2**62, 5]
W = np.concatenate([np.array(EDGES, dtype=U64), RNG.integers(0, 2**64, 130, dtype=U64)])
#: A matrix with ties along both axes, for the tournaments (odd lengths on purpose).
M = RNG.integers(-4, 5, (7, 5)).astype(np.float64) / 4

XQ, YQ, MQ = (decode_ring(encode_ring(v, 18), 18) for v in (X, Y, M))


def words_input(mpc: MPC, owner: str, values: np.ndarray) -> Share:
    """Share ring words as they are (the engine would encode them)."""
    given = values if mpc.ctx.party == owner else None
    return mpc.protocol.input(owner, given, values.shape, Kind.ARITHMETIC, 0)


def comparison_job(ctx: Context, name: str) -> dict[str, Any]:
    mpc = make(ctx, name)
    x = mpc.input("p0", X if ctx.party == "p0" else None)
    y = mpc.input("p1", Y if ctx.party == "p1" else None)
    m = mpc.input("p1", M if ctx.party == "p1" else None)
    w = words_input(mpc, "p0", W)
    results: dict[str, Share] = {}
    rounds: dict[str, int] = {}

    def record(key: str, value: Share) -> None:
        results[key] = value

    before = mpc.rounds
    record("less", x < y)
    rounds["less"] = mpc.rounds - before
    record("greater", x > y)
    record("less_equal", x <= y)
    record("greater_equal", x >= y)
    record("less public", x < 0.5)
    record("public greater", 3 > x)  # noqa: SIM300 (the reflected operator: x < 3)
    record("greater public int", mpc.greater(x, -2))
    before = mpc.rounds
    record("equal", mpc.equal(x, y))
    rounds["equal"] = mpc.rounds - before
    record("sign", mpc.sign(x - y))
    record("relu", mpc.relu(x))
    record("where", mpc.where(x < y, x, 2.5))
    record("maximum", mpc.maximum(x, y))
    record("minimum", mpc.minimum(x, y))
    for axis in (None, 0, 1, -1):
        record(f"max {axis}", mpc.max(m, axis=axis))
        record(f"min {axis}", mpc.min(m, axis=axis))
        record(f"argmax {axis}", mpc.argmax(m, axis=axis))
        record(f"argmin {axis}", mpc.argmin(m, axis=axis))
    before = mpc.rounds
    bits = C.sign_bits(mpc, [w])
    rounds["sign bits"] = mpc.rounds - before
    record("sign bits", C.bits_to_arithmetic(mpc, bits))
    record("sign of words", K.negative_flags(mpc, [w, w.reshape(10, 14)])[1])
    before = mpc.rounds
    boolean = C.to_boolean(mpc, w)
    rounds["to_boolean"] = mpc.rounds - before
    record("to_boolean", boolean)
    record("prefix_or", C.prefix_or(mpc, boolean))
    weights = [np.arange(64, dtype=U64), (U64(1) << np.arange(64, dtype=U64))[::-1]]
    injected = C.inject(mpc, boolean, weights)
    record("inject positions", injected[0])
    record("inject reversed", injected[1])
    keys = list(results)
    opened = mpc.reveal_many([results[k] for k in keys])
    return {
        "opened": dict(zip(keys, opened, strict=True)),
        "rounds": rounds,
        "kinds": {k: (results[k].kind, results[k].frac_bits, results[k].shape) for k in keys},
    }


@pytest.fixture(scope="module", params=list(SETUPS))
def computed(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    name: str = request.param
    return name, run(comparison_job, name)


def expected() -> dict[str, np.ndarray]:
    bits = (W[:, None] >> np.arange(64, dtype=U64)) & U64(1)
    ones = W.copy()
    for distance in (1, 2, 4, 8, 16, 32):
        ones |= ones >> U64(distance)
    out = {
        "less": XQ < YQ,
        "greater": XQ > YQ,
        "less_equal": XQ <= YQ,
        "greater_equal": XQ >= YQ,
        "less public": XQ < 0.5,
        "public greater": XQ < 3,
        "greater public int": XQ > -2,
        "equal": XQ == YQ,
        "sign": np.sign(XQ - YQ),
        "relu": np.maximum(XQ, 0),
        "where": np.where(XQ < YQ, XQ, 2.5),
        "maximum": np.maximum(XQ, YQ),
        "minimum": np.minimum(XQ, YQ),
        "sign bits": W >> U64(63),
        "sign of words": (W >> U64(63)).reshape(10, 14),
        "to_boolean": W,
        "prefix_or": ones,
        "inject positions": (bits * np.arange(64, dtype=U64)).sum(axis=1),
        "inject reversed": (bits * (U64(1) << np.arange(64, dtype=U64))[::-1]).sum(axis=1),
    }
    for axis in (None, 0, 1, -1):
        out[f"max {axis}"] = MQ.max(axis=axis)
        out[f"min {axis}"] = MQ.min(axis=axis)
        out[f"argmax {axis}"] = MQ.argmax(axis=axis)
        out[f"argmin {axis}"] = MQ.argmin(axis=axis)
    return out


EXPECTED = expected()


@pytest.mark.parametrize("key", list(EXPECTED))
def test_results_equal_numpy_exactly(computed: tuple[str, dict[str, Any]], key: str) -> None:
    name, results = computed
    want = EXPECTED[key]
    for party in SETUPS[name].parties:
        got = results[party]["opened"][key]
        if party == DEALER:
            assert got is None
            continue
        assert got.shape == np.shape(want)
        np.testing.assert_array_equal(got, np.asarray(want).astype(got.dtype))


def test_comparisons_are_integer_shares(computed: tuple[str, dict[str, Any]]) -> None:
    _, results = computed
    kinds = results["p0"]["kinds"]
    for key in ("less", "equal", "sign", "argmax 0", "sign bits"):
        assert kinds[key][:2] == (Kind.ARITHMETIC, 0), key
    assert kinds["relu"][:2] == (Kind.ARITHMETIC, 18)
    assert kinds["to_boolean"][0] is Kind.BOOLEAN
    assert kinds["max 1"][2] == (7,) and kinds["argmin 0"][2] == (5,) and kinds["max None"][2] == ()


def test_rounds_are_logarithmic(computed: tuple[str, dict[str, Any]]) -> None:
    """7 AND rounds for the carry tree, + 1 to convert; + carry-save rounds for > 2 components.

    The bit conversion takes one more round where the protocol makes its random bits with a
    round of its own (aby3).
    """
    name, results = computed
    rounds = results["p0"]["rounds"]
    extra = 0 if SETUPS[name].data_parties == 2 else 1  # three components: one carry-save round
    assert rounds["sign bits"] == 7 + extra
    assert rounds["to_boolean"] == 7 + extra
    assert rounds["less"] in (8 + extra, 9 + extra)
    assert rounds["equal"] in (9 + extra, 10 + extra)


def error_job(ctx: Context, case: str) -> None:
    mpc = make(ctx, "semi2k-2")
    x = mpc.input("p0", X if ctx.party == "p0" else None)
    if case == "boolean":
        b = mpc.input("p0", W if ctx.party == "p0" else None, kind="boolean")
        K.less(b, x)
    elif case == "public condition":
        mpc.where(np.ones(3), x, x)  # type: ignore[arg-type]
    elif case == "both public":
        K.less(1.0, 2.0)
    elif case == "axis":
        mpc.argmax(x, axis=2)
    elif case == "other engine":
        other = make(ctx, "semi2k-2")
        other.less(x, 1.0)


@pytest.mark.parametrize(
    "case", ["boolean", "public condition", "both public", "axis", "other engine"]
)
def test_bad_requests_fail_on_every_party(case: str) -> None:
    with pytest.raises(PartyFailed) as failed:
        run(lambda ctx, _: error_job(ctx, case), "semi2k-2")
    assert set(failed.value.errors) == set(SETUPS["semi2k-2"].parties)
    assert all("ConfigError" in e for e in failed.value.errors.values())


def test_shares_keep_identity_equality() -> None:
    """``==`` on shares is not overloaded (shares stay hashable); ``mpc.equal`` compares."""
    assert Share.__eq__ is object.__eq__
