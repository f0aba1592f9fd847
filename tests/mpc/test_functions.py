"""Fixed-point functions against numpy, within their documented errors, on every protocol setup.

Every function runs on every setup of ``tests/mpc/test_protocol.py`` (``SETUPS``), so a new
protocol joins by joining that list. Inputs are a grid over each function's documented range
plus random points; the reference is numpy in float64 applied to the values the inputs decode
to (18 fractional bits), so the tolerance is the function's own error as documented in
``confide.mpc.functions`` (absolute and/or relative, stated per function below).

Setups that truncate with SecureML's local shifts run only the sigmoid family, on few elements:
those shifts fail with probability about ``2^-23`` per element and truncation at the sigmoid's
value sizes (below 2^40), so 32 elements keep a spurious failure below 1e-4 per run; the other
functions refuse such setups with ``ConfigError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from confide.errors import PartyFailed
from confide.mpc import MPC, Semi2k, Share, TrustedDealer
from confide.mpc.encoding import decode_ring, encode_ring
from confide.runtime import Context
from tests.mpc.helpers import DEALER
from tests.mpc.helpers import run as run_helpers
from tests.mpc.test_protocol import SETUPS, make, run

RNG = np.random.default_rng(23)
ULP = 2.0**-18


def quantized(values: np.ndarray) -> np.ndarray:
    """What the engine's encoding makes of ``values``."""
    decoded: np.ndarray = decode_ring(encode_ring(values, 18), 18)
    return decoded


def sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 0.5 * (1 + np.tanh(x / 2))  # no overflow for large |x|
    return out


def local(name: str) -> bool:
    return name.endswith("-local")


#: Inputs: a grid over each documented range plus random points.
WIDE = np.concatenate(
    [np.linspace(-20, 20, 161), RNG.uniform(-60, 60, 100), [0, 8, -8, 7.99, -7.99, 1e4, -1e4]]
)
SMALL = np.concatenate([np.linspace(-10, 10, 24), [0, 8, -8, 1e3, -1e3, 3.1, -2.9, 0.5]])
EXP = np.concatenate([np.linspace(-16, 16.5, 131), RNG.uniform(-30, 16.5, 100), [-1e3, 0]])
POSITIVE = np.concatenate([np.geomspace(2.0**-18, 2.0**40, 117), RNG.uniform(0, 100, 100)])
NONZERO = np.concatenate([POSITIVE, -POSITIVE[::3]])
NUMERATOR = RNG.uniform(-10, 10, NONZERO.shape)
LOGITS = RNG.uniform(-30, 30, (12, 7))
LOGITS[0] = 5.0  # all equal
LOGITS[1, 3] = 1e4  # one dominant
CUBE = RNG.uniform(-5, 5, (4, 3, 5))
MODERATE = np.geomspace(2.0**-8, 2.0**30, 39)  # within log's range for 12 to 20 bits


Case = tuple[
    Callable[[MPC, dict[str, Share]], Share],  # secure
    Callable[[], np.ndarray],  # reference on the quantized inputs
    Callable[[np.ndarray], np.ndarray],  # tolerance given the reference
]

ACCURATE_SIGMOID = 4e-4
CASES: dict[str, Case] = {
    "sigmoid": (
        lambda m, s: m.sigmoid(s["wide"]),
        lambda: sigmoid(quantized(WIDE)),
        lambda want: np.full_like(want, ACCURATE_SIGMOID),
    ),
    "sigmoid fast": (
        lambda m, s: m.sigmoid(s["wide"], method="fast"),
        lambda: sigmoid(quantized(WIDE)),
        lambda want: np.full_like(want, 0.057),
    ),
    "tanh": (
        lambda m, s: m.tanh(s["wide"]),
        lambda: np.tanh(quantized(WIDE)),
        lambda want: np.full_like(want, 2 * ACCURATE_SIGMOID),
    ),
    "exp": (
        lambda m, s: m.exp(s["exp"]),
        lambda: np.exp(quantized(EXP)),
        lambda want: 1e-5 * np.maximum(want, 1),
    ),
    "exp of a cube": (
        lambda m, s: m.exp(s["cube"]),
        lambda: np.exp(quantized(CUBE)),
        lambda want: 1e-5 * np.maximum(want, 1) + ULP,
    ),
    "log": (
        lambda m, s: m.log(s["positive"]),
        lambda: np.log(quantized(POSITIVE)),
        lambda want: np.full_like(want, 1e-5),
    ),
    "reciprocal": (
        lambda m, s: m.reciprocal(s["nonzero"]),
        lambda: 1 / quantized(NONZERO),
        lambda want: 1e-6 * np.abs(want) + 2 * ULP,
    ),
    "div": (
        lambda m, s: s["numerator"] / s["nonzero"],
        lambda: quantized(NUMERATOR) / quantized(NONZERO),
        lambda want: 1e-6 * np.abs(want) + 10 * 2 * ULP + ULP,
    ),
    "public over secret": (
        lambda m, s: 3 / s["nonzero"],
        lambda: 3 / quantized(NONZERO),
        lambda want: 1e-6 * np.abs(want) + 3 * 2 * ULP + ULP,
    ),
    "sqrt": (
        lambda m, s: m.sqrt(s["positive"]),
        lambda: np.sqrt(quantized(POSITIVE)),
        lambda want: 3e-6 * want + ULP,
    ),
    "sqrt of zero": (
        lambda m, s: m.sqrt(s["positive"] * 0),
        lambda: np.zeros(POSITIVE.shape),
        lambda want: np.full_like(want, ULP),
    ),
    "rsqrt": (
        lambda m, s: m.rsqrt(s["positive"]),
        lambda: 1 / np.sqrt(quantized(POSITIVE)),
        lambda want: 2.5e-5 * want + ULP,
    ),
    "softmax": (
        lambda m, s: m.softmax(s["logits"]),
        lambda: softmax(quantized(LOGITS), axis=-1),
        lambda want: np.full_like(want, 2e-5),
    ),
    "softmax axis 0": (
        lambda m, s: m.softmax(s["logits"], axis=0),
        lambda: softmax(quantized(LOGITS), axis=0),
        lambda want: np.full_like(want, 2e-5),
    ),
}
SIGMOID_FAMILY = ("sigmoid", "sigmoid fast", "tanh")


def softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    out: np.ndarray = e / e.sum(axis=axis, keepdims=True)
    return out


def functions_job(ctx: Context, name: str) -> dict[str, Any]:
    mpc = make(ctx, name)
    inputs = {
        "wide": WIDE if not local(name) else SMALL,
        "exp": EXP,
        "positive": POSITIVE,
        "nonzero": NONZERO,
        "numerator": NUMERATOR,
        "logits": LOGITS,
        "cube": CUBE,
    }
    shares = {
        key: mpc.input(
            "p0" if k % 2 else "p1", value if ctx.party == ("p0" if k % 2 else "p1") else None
        )
        for k, (key, value) in enumerate(inputs.items())
    }
    keys = [k for k in CASES if not local(name) or k in SIGMOID_FAMILY]
    results = [CASES[k][0](mpc, shares) for k in keys]
    opened = mpc.reveal_many(results)
    return {
        "opened": dict(zip(keys, opened, strict=True)),
        "frac_bits": {k: r.frac_bits for k, r in zip(keys, results, strict=True)},
    }


@pytest.fixture(scope="module", params=list(SETUPS))
def computed(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    name: str = request.param
    return name, run(functions_job, name)


@pytest.mark.parametrize("key", list(CASES))
def test_function_within_its_documented_error(
    computed: tuple[str, dict[str, Any]], key: str
) -> None:
    name, results = computed
    if local(name) and key not in SIGMOID_FAMILY:
        pytest.skip("needs exact-range truncation (see test_local_truncation_is_refused)")
    _, reference, tolerance = CASES[key]
    want = reference()
    if local(name):
        want = np.tanh(quantized(SMALL)) if key == "tanh" else sigmoid(quantized(SMALL))
    for party in SETUPS[name].parties:
        got = results[party]["opened"][key]
        if party == DEALER:
            assert got is None
            continue
        assert got.shape == want.shape
        error = np.abs(got - want)
        bound = tolerance(want)
        worst = int(np.argmax(error - bound))
        assert np.all(error <= bound), (key, float(np.ravel(want)[worst]), float(error.max()))
    assert results["p0"]["frac_bits"][key] == 18


def local_job(ctx: Context, which: str) -> None:
    mpc = make(ctx, "semi2k-2-local")
    x = mpc.input("p0", POSITIVE if ctx.party == "p0" else None)
    getattr(mpc, which)(x)


@pytest.mark.parametrize("which", ["exp", "log", "reciprocal", "sqrt", "rsqrt", "softmax"])
def test_local_truncation_is_refused(which: str) -> None:
    with pytest.raises(PartyFailed) as failed:
        run(lambda ctx, _: local_job(ctx, which), "semi2k-2-local")
    assert set(failed.value.errors) == set(SETUPS["semi2k-2-local"].parties)
    assert all("exact-range truncation" in e for e in failed.value.errors.values())


def precision_job(ctx: Context, frac_bits: int) -> None:
    mpc = MPC(ctx, Semi2k(), TrustedDealer(), frac_bits=frac_bits)
    mpc.exp(mpc.input("p0", SMALL if ctx.party == "p0" else None))


def test_scaled_functions_refuse_unsupported_precision() -> None:
    with pytest.raises(PartyFailed) as failed:
        run_helpers(precision_job, 2, 22)
    assert set(failed.value.errors) == {"p0", "p1", DEALER}
    assert all("12 to 20 fractional bits" in e for e in failed.value.errors.values())


def test_functions_at_other_precisions() -> None:
    """12 and 20 fractional bits: errors grow as 2^-frac_bits from their 18-bit values.

    The sigmoid: its approximation error plus four steps of the fixed-point grid, for the
    rounding of the truncations in its polynomial and division (one step is 2.4e-4 at 12 bits:
    the error there reached 5.7e-4 in about one run in seven).
    """
    for frac_bits, scale in ((12, 64.0), (20, 1.0)):
        results = run_helpers(functions_at, 2, frac_bits)
        got_sigmoid, got_log = results["p1"]
        grid = 2.0**-frac_bits
        np.testing.assert_allclose(got_sigmoid, sigmoid(SMALL), atol=ACCURATE_SIGMOID + 4 * grid)
        np.testing.assert_allclose(got_log, np.log(quantized(MODERATE)), atol=1e-5 * scale, rtol=0)


def functions_at(ctx: Context, frac_bits: int) -> Any:
    mpc = MPC(ctx, Semi2k(), TrustedDealer(), frac_bits=frac_bits)
    x = mpc.input("p0", SMALL if ctx.party == "p0" else None)
    p = mpc.input("p1", MODERATE if ctx.party == "p1" else None)
    return mpc.reveal_many([mpc.sigmoid(x), mpc.log(p)])


def error_job(ctx: Context, case: str) -> None:
    mpc = make(ctx, "semi2k-2")
    x = mpc.input("p0", LOGITS if ctx.party == "p0" else None)
    if case == "method":
        mpc.sigmoid(x, method="taylor")
    elif case == "axis":
        mpc.softmax(x, axis=2)
    elif case == "boolean":
        b = mpc.input("p1", np.arange(4) if ctx.party == "p1" else None, kind="boolean")
        mpc.exp(b)
    elif case == "public":
        mpc.sqrt(4.0)  # type: ignore[arg-type]


@pytest.mark.parametrize("case", ["method", "axis", "boolean", "public"])
def test_bad_requests_fail_on_every_party(case: str) -> None:
    with pytest.raises(PartyFailed) as failed:
        run(lambda ctx, _: error_job(ctx, case), "semi2k-2")
    assert set(failed.value.errors) == set(SETUPS["semi2k-2"].parties)
    assert all("ConfigError" in e for e in failed.value.errors.values())


def test_integer_inputs_are_rescaled() -> None:
    def job(ctx: Context, _: Any) -> Any:
        mpc = make(ctx, "semi2k-2")
        n = mpc.input("p0", np.arange(1, 6) if ctx.party == "p0" else None)
        return mpc.reveal_many([mpc.log(n), mpc.sigmoid(n)])

    log, sig = run(job, "semi2k-2")["p1"]
    np.testing.assert_allclose(log, np.log(np.arange(1, 6)), atol=1e-5)
    np.testing.assert_allclose(sig, sigmoid(np.arange(1, 6)), atol=ACCURATE_SIGMOID)
