"""WOE and IV in the clear against a computation by hand, and the checks on labels and counts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.preprocessing import (
    BinSpec,
    check_labels,
    count_events,
    plain_woe_iv,
    woe_from_counts,
    woe_table,
)

# Three bins: (events, non-events) = (1, 2), (2, 2), (0, 3); E = 3, N = 7.
BINS = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2])
LABELS = np.array([1, 0, 0, 1, 1, 0, 0, 0, 0, 0])
SPEC = BinSpec("x", "numeric", ("(-inf, 1)", "[1, 2)", "[2, +inf)"), edges=(1.0, 2.0))


def test_counts() -> None:
    events, non_events = count_events(BINS, LABELS, 3)
    assert events.tolist() == [1, 2, 0] and non_events.tolist() == [2, 2, 3]
    assert events.dtype == np.int64 and non_events.dtype == np.int64


def test_woe_and_iv_by_hand_with_smoothing() -> None:
    # Every cell + 0.5: non-event shares (2.5, 2.5, 3.5) / 8.5, event shares (1.5, 2.5, 0.5) / 4.5.
    p = [2.5 / 8.5, 2.5 / 8.5, 3.5 / 8.5]
    q = [1.5 / 4.5, 2.5 / 4.5, 0.5 / 4.5]
    woe = [math.log(p[k] / q[k]) for k in range(3)]
    iv = sum((p[k] - q[k]) * woe[k] for k in range(3))
    table = woe_table(BINS, LABELS, SPEC, owner="bank")
    np.testing.assert_allclose(table.woe, woe, rtol=1e-15)
    assert table.iv == pytest.approx(iv, rel=1e-15)
    assert table.labels == SPEC.labels and table.owner == "bank" and table.feature == "x"
    assert table.woe[2] > 0 > table.woe[1]  # positive WOE: fewer defaults than average


def test_textbook_formulas_without_smoothing() -> None:
    woe, iv = woe_from_counts(np.array([10, 30]), np.array([60, 40]), smoothing=0.0)
    # Non-event shares 0.6, 0.4; event shares 0.25, 0.75.
    expected = [math.log(0.6 / 0.25), math.log(0.4 / 0.75)]
    np.testing.assert_allclose(woe, expected, rtol=1e-15)
    assert iv == pytest.approx((0.6 - 0.25) * expected[0] + (0.4 - 0.75) * expected[1], rel=1e-15)
    with pytest.raises(ConfigError, match="smoothing"):
        woe_from_counts(np.array([0, 30]), np.array([60, 40]), smoothing=0.0)


def test_report_frame() -> None:
    frame = woe_table(BINS, LABELS, SPEC).to_frame()
    assert frame["rows"].tolist() == [3, 4, 3]
    np.testing.assert_allclose(frame["event_rate"], [1 / 3, 0.5, 0.0])
    assert frame["iv"].sum() == pytest.approx(woe_table(BINS, LABELS, SPEC).iv, rel=1e-12)


def test_plain_woe_iv_over_several_columns() -> None:
    bins = np.column_stack([BINS, BINS[::-1]])
    specs = {"x": SPEC, "y": BinSpec("y", "numeric", SPEC.labels, edges=(1.0, 2.0))}
    tables = plain_woe_iv(bins, specs, LABELS, owner="p")
    assert list(tables) == ["x", "y"]
    assert tables["x"].iv == woe_table(BINS, LABELS, SPEC).iv
    assert tables["y"].events.tolist() == [0, 2, 1]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([0, 1, 2]), "0 or 1; 1 are not"),
        (np.array([0.0, 1.0, np.nan]), "missing"),
        (np.array(["0", "1", "1"]), "dtype"),
        (np.zeros(3), "both classes"),
        (np.ones((2, 2)), "1-D"),
    ],
)
def test_labels_must_be_binary_with_both_classes(labels: np.ndarray, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        check_labels(labels)


def test_labels_may_be_booleans_or_floats() -> None:
    assert check_labels(np.array([True, False])).tolist() == [1, 0]
    assert check_labels(np.array([0.0, 1.0])).dtype == np.int64


def test_bin_indices_out_of_range_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"\[0, 3\)"):
        count_events(np.array([0, 3]), np.array([0, 1]), 3)
