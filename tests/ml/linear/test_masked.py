"""The feature products of both backends against numpy, and what a peer sees of the features.

Products are exact ring arithmetic, so the only error is the encoding of the inputs (each
within 2^-19): products of values below 4 in magnitude over at most 7 columns or 60 rows stay
within ``PRODUCT_TOLERANCE`` (1e-3) of numpy's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.ml.linear.backend import feature_products
from confide.ml.linear.inputs import Layout
from confide.ml.linear.masked import MaskedFeatures, MaskedProduct
from confide.ml.linear.shared import SharedFeatures
from confide.mpc import MPC, Aby3, Semi2k, TrustedDealer
from confide.net.link import Mailbox
from confide.net.wire import Value
from confide.runtime import Context, simulate
from tests.ml.linear.helpers import DEALER, ROLES

PRODUCT_TOLERANCE = 1e-3
RNG = np.random.default_rng(4)
FEATURES = RNG.uniform(-2, 2, (60, 6))
WEIGHTS = RNG.uniform(-1, 1, 7)  # six columns and the intercept
ERRORS = RNG.uniform(-1, 1, 60)
SPLIT = {"bank": (0, 2), "platform": (2, 6)}
ROWS: list[Any] = [slice(0, 60), slice(10, 35), np.array([3, 59, 7, 7, 20])]


def products_job(ctx: Context, protocol: str) -> dict[str, Any]:
    mpc = MPC(ctx, Semi2k(), TrustedDealer()) if protocol == "semi2k" else MPC(ctx, Aby3())
    parties = mpc.parties
    columns = {p: SPLIT.get(p, (0, 0)) for p in parties}  # aby3's third party: no columns
    layout = Layout(parties, tuple(high - low for low, high in columns.values()), 60, "bank", True)
    mine = None
    if ctx.party in columns:
        low, high = columns[ctx.party]
        mine = FEATURES[:, low:high]
    products = feature_products(mpc, layout, mine, 60)
    w = mpc.input("bank", WEIGHTS if ctx.party == "bank" else None, shape=(7,))
    out = []
    for rows in ROWS:
        count = products.count(rows)
        e = mpc.input("platform", ERRORS[rows] if ctx.party == "platform" else None, shape=(count,))
        out += [products.times(rows, w), products.transpose_times(rows, e)]
    # untruncated products carry 2f fractional bits: read their words with f (so times 2^f)
    revealed = mpc.reveal_many(
        [x.with_parts(x.parts, frac_bits=mpc.frac_bits) for x in out], to="bank"
    )
    return {"backend": type(products).__name__, "revealed": revealed}


@pytest.mark.parametrize(("protocol", "backend"), [("semi2k", MaskedFeatures), ("aby3", None)])
def test_products_match_numpy(protocol: str, backend: type | None) -> None:
    parties = ["bank", "platform", DEALER] if protocol == "semi2k" else ["bank", "platform", "c"]
    roles = ROLES if protocol == "semi2k" else None
    results = simulate(products_job, dict.fromkeys(parties, protocol), roles=roles, timeout=30)
    expected = (MaskedFeatures if backend else SharedFeatures).__name__
    assert results["bank"]["backend"] == expected
    matrix = np.hstack([FEATURES, np.ones((60, 1))])
    revealed = results["bank"]["revealed"]
    for k, rows in enumerate(ROWS):
        scores, gradient = revealed[2 * k], revealed[2 * k + 1]
        np.testing.assert_allclose(scores / 2**18, matrix[rows] @ WEIGHTS, atol=PRODUCT_TOLERANCE)
        expected_gradient = matrix[rows].T @ ERRORS[rows]
        np.testing.assert_allclose(gradient / 2**18, expected_gradient, atol=PRODUCT_TOLERANCE)
    assert results["platform"]["revealed"] == [None] * 2 * len(ROWS)


def view_job(ctx: Context, _: Any) -> list[tuple[str, Value]]:
    """Record every message this party receives while the features are masked."""
    seen: list[tuple[str, Value]] = []
    mailbox: Mailbox = ctx.link.mailbox
    original = mailbox.deliver

    def deliver(sender: str, tag: str, value: Value) -> None:
        seen.append((sender, value))
        original(sender, tag, value)

    mailbox.deliver = deliver  # type: ignore[method-assign]
    mpc = MPC(ctx, Semi2k(), TrustedDealer())
    layout = Layout(mpc.parties, (2, 4), 60, "bank", True)
    low, high = SPLIT.get(ctx.party, (0, 0))
    mine = FEATURES[:, low:high] if ctx.party in SPLIT else None
    MaskedFeatures(mpc, layout, mine, 60)
    return seen


def test_peers_see_masked_features_and_the_dealer_only_seeds() -> None:
    seen = simulate(view_job, dict.fromkeys(["bank", "platform", DEALER]), roles=ROLES)
    from_platform = [v for s, v in seen["bank"] if s == "platform" and isinstance(v, np.ndarray)]
    (masked,) = [v for v in from_platform if v.shape == (60, 4)]
    # uniform ring words: about half of the top bits set, nothing like the encoded features
    top = (masked >> np.uint64(63)).mean()
    assert 0.35 < top < 0.65
    assert not np.any(np.abs(masked.view(np.int64)) < 2**40)
    for sender, value in seen[DEALER]:
        assert isinstance(value, bytes) and len(value) == 16, sender  # seeds only


def test_only_the_dealer_computes_masked_products() -> None:
    with pytest.raises(ConfigError, match="only the dealer"):
        MaskedProduct(4, 3, False).compute([np.zeros(3, np.uint64)])
