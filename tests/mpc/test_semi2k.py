"""semi2k specifics: a party's view is independent of the secrets, setup checks, bad peers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from confide.errors import PartyFailed
from confide.mpc import MPC, Semi2k, TrustedDealer
from confide.mpc.correlations import BeaverTriple
from confide.mpc.encoding import encode_ring
from confide.mpc.semi2k import DISCLOSURE, Truncation
from confide.runtime import Context, simulate
from tests.mpc.helpers import DEALER, ROLES, barrier, engine, record_deliveries, run

N = 4096


def view_job(ctx: Context, secret: float) -> np.ndarray | None:
    """p1's view while p0 inputs ``secret`` and both square it and multiply it by a matrix."""
    mpc = engine(ctx)
    barrier(ctx)
    seen = record_deliveries(ctx)
    barrier(ctx)
    x = mpc.input("p0", np.full(N, secret) if ctx.party == "p0" else None)
    square = x * x
    product = x.reshape(64, 64) @ square.reshape(64, 64)
    mpc.reveal(product, to="p0")
    barrier(ctx)
    if ctx.party != "p1":
        return None
    received = [np.asarray(v).ravel() for _, value in seen
                for v in (value if isinstance(value, list) else [value])
                if isinstance(v, np.ndarray)]  # fmt: skip
    return np.concatenate([x.parts[0], square.parts[0], product.parts[0].ravel(), *received])


def looks_uniform(words: np.ndarray) -> bool:
    """Every one of the 64 bit positions is set in half the words, within 5 sigma."""
    bits = (words[:, None] >> np.arange(64, dtype=np.uint64)) & np.uint64(1)
    frequency = bits.mean(axis=0)
    return bool(np.all(np.abs(frequency - 0.5) < 5 * 0.5 / np.sqrt(len(words))).item())


def same_distribution(a: np.ndarray, b: np.ndarray) -> bool:
    """Two-sample chi-square on the top byte: below the mean of chi2(255) plus 6 sigma."""
    ha = np.bincount((a >> np.uint64(56)).astype(np.int64), minlength=256)
    hb = np.bincount((b >> np.uint64(56)).astype(np.int64), minlength=256)
    both = ha + hb
    used = both > 0
    statistic = float(np.sum((ha[used] - hb[used]) ** 2 / both[used]))
    return statistic < 255 + 6 * float(np.sqrt(2 * 255))


def test_a_partys_view_does_not_depend_on_the_secret() -> None:
    views = [run(view_job, 2, secret)["p1"] for secret in (0.0, 12345.678)]
    zero, other = views
    assert zero is not None and other is not None
    assert zero.shape == other.shape and zero.size > 10 * N
    assert looks_uniform(zero) and looks_uniform(other)
    assert same_distribution(zero, other)
    # The tests can tell a view that leaks: the secret's encoding, or it mixed into the view.
    leak = np.resize(encode_ring(np.array([12345.678]), 18), other.size)
    assert not looks_uniform(leak)
    half = other.size // 2
    assert not same_distribution(zero, np.concatenate([other[:half], leak[half:]]))


def setup_job(ctx: Context, case: str) -> None:
    if case == "no provider":
        MPC(ctx, Semi2k())
    elif case == "local with three":
        MPC(ctx, Semi2k(Truncation.LOCAL), TrustedDealer())
    elif case == "unknown truncation":
        Semi2k("nearest")


@pytest.mark.parametrize(
    ("case", "n", "message"),
    [
        ("no provider", 2, "needs a provider"),
        ("local with three", 3, "exactly two data parties"),
        ("unknown truncation", 2, "truncation must be one of"),
    ],
)
def test_bad_setups_are_refused_everywhere(case: str, n: int, message: str) -> None:
    with pytest.raises(PartyFailed) as info:
        run(setup_job, n, case, timeout=10)
    for text in info.value.errors.values():
        assert text.startswith("ConfigError") and message in text


def test_one_data_party_is_not_enough() -> None:
    with pytest.raises(PartyFailed) as info:
        simulate(lambda ctx, _: engine(ctx), {"p0": None, DEALER: None}, roles=ROLES, timeout=10)
    assert "at least two data parties" in info.value.errors["p0"]


def cheat_job(ctx: Context, mode: str) -> Any:
    """p1 sends p0 a malformed opening in the Beaver round of a multiplication."""
    mpc = engine(ctx)
    x = mpc.input("p0", np.ones(4) if ctx.party == "p0" else None)
    if ctx.party != "p1":
        return mpc.reveal(x * x)
    assert mpc.provider is not None
    mpc.provider.deal([BeaverTriple((4,), (4,))])
    bad = {"short": [np.zeros(4, np.uint64)], "dtype": [np.zeros(4), np.zeros(4)],
           "type": "x"}[mode]  # fmt: skip
    with ctx.scope("mpc"):
        ctx.send("p0", "open", bad)
    return None


@pytest.mark.parametrize("mode", ["short", "dtype", "type"])
def test_malformed_openings_are_refused(mode: str) -> None:
    with pytest.raises(PartyFailed) as info:
        run(cheat_job, 2, mode, timeout=10)
    assert "ProtocolError" in info.value.errors["p0"] and "'p1'" in info.value.errors["p0"]


def local_failure_job(ctx: Context, magnitude: float) -> Any:
    """Truncate values near ``magnitude`` (with 36 fractional bits) both ways."""
    rng = np.random.default_rng(5)
    values = rng.uniform(magnitude / 2, magnitude, 4000) * rng.choice([-1, 1], 4000)
    mpcs = [MPC(ctx, Semi2k(t), TrustedDealer()) for t in (Truncation.LOCAL, Truncation.PAIR)]
    out = []
    for mpc in mpcs:
        x = mpc.input("p0", values if ctx.party == "p0" else None)
        shifted = x << 18  # the same value with 36 fractional bits, as after a product
        wide = shifted.with_parts(shifted.parts, frac_bits=36)
        out.append(mpc.reveal(mpc.truncate(wide, 18)))
    return values, out


def test_local_truncation_fails_where_documented_and_pairs_do_not() -> None:
    """Values near 2^24 with 36 fractional bits: the local method's failure odds are 2^-3."""
    values, (local, pair) = run(local_failure_job, 2, 2.0**24)["p0"]
    local_wrong = np.abs(local - values) > 1e-3
    assert 0.02 < local_wrong.mean() < 0.3
    np.testing.assert_allclose(pair, values, rtol=0, atol=2.0**-18 + 2.0**-19)


def test_disclosure_is_declared() -> None:
    assert DISCLOSURE and all(item.who and item.learns for item in DISCLOSURE)
