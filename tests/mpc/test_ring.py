"""Exact ring matmul on float64 limbs against Python integers and numpy's uint64 matmul."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ConfigError
from confide.mpc import ring
from confide.mpc.ring import MAX_BLOCK, ring_matmul, ring_matmul_sum

RING = 2**64
# Every balanced limb (widths 22, 20, 22 at offsets 0, 22, 42) at its most negative or most
# positive value: the largest partial sums the float64 products must hold exactly.
LOW = (-(2**21) - 2**19 * 2**22 - 2**21 * 2**42) % RING
HIGH = (2**21 - 1) + (2**19 - 1) * 2**22 + (2**21 - 1) * 2**42
EDGES = [0, 1, 2, 2**21 - 1, 2**21, 2**22 - 1, 2**41, 2**42 - 2**21, 2**62, 2**63 - 1, 2**63,
         2**63 + 1, RING - 2**21, RING - 2**21 - 1, RING - 1, LOW, HIGH]  # fmt: skip


def reference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The product with Python integers, reduced mod 2^64."""
    left = a.astype(object)
    right = b.astype(object)
    product = left @ right
    reduce = np.vectorize(lambda v: v % RING, otypes=[object])
    reduced: np.ndarray = reduce(product).astype(np.uint64)
    return reduced


@pytest.fixture(autouse=True)
def always_limbs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small products would take numpy's path: force the limb method under test."""
    monkeypatch.setattr(ring, "LIMB_THRESHOLD", 0)


def test_random_products_match_python_integers() -> None:
    rng = np.random.default_rng(1)
    a = rng.integers(0, RING, (7, 33), dtype=np.uint64, endpoint=False)
    b = rng.integers(0, RING, (33, 5), dtype=np.uint64, endpoint=False)
    np.testing.assert_array_equal(ring_matmul(a, b), reference(a, b))


def test_edge_values_wrap_exactly() -> None:
    edges = np.array(EDGES, dtype=np.uint64)
    a = np.stack([np.roll(edges, k) for k in range(len(edges))])
    np.testing.assert_array_equal(ring_matmul(a, a.T.copy()), reference(a, a.T))


def near_extreme(shape: tuple[int, ...], sign: int, seed: int) -> np.ndarray:
    """Values whose three limbs all sit within 1000 of their extreme, all of one sign."""
    rng = np.random.default_rng(seed)
    total = np.zeros(shape, dtype=object)
    offset = 0
    for width in (22, 20, 22):
        top = 2 ** (width - 1)
        magnitude = rng.integers(top - 1000, top + 1, shape)
        limb = -magnitude if sign < 0 else np.minimum(magnitude, top - 1)
        total = total + limb.astype(object) * 2**offset
        offset += width
    reduced: np.ndarray = np.vectorize(lambda v: v % RING, otypes=[object])(total).astype(np.uint64)
    return reduced


@pytest.mark.parametrize("sign", [1, -1])
def test_worst_case_partial_sums_stay_exact(sign: int) -> None:
    """Same-sign extreme limbs: exact over MAX_BLOCK, and a longer block would not be."""
    a = near_extreme((4, MAX_BLOCK + 90), sign, 1)
    b = near_extreme((MAX_BLOCK + 90, 3), sign, 2)
    block = slice(0, MAX_BLOCK)
    np.testing.assert_array_equal(
        ring_matmul(a[:, block], b[block]), reference(a[:, block], b[block])
    )
    np.testing.assert_array_equal(ring_matmul(a, b), reference(a, b))  # cut into two blocks
    assert not np.array_equal(ring._limb_matmul(a, b), reference(a, b))  # the bound is tight


def test_long_inner_dimensions_are_blocked() -> None:
    rng = np.random.default_rng(2)
    a = rng.integers(0, RING, (4, 2 * MAX_BLOCK + 3), dtype=np.uint64, endpoint=False)
    b = rng.integers(0, RING, (2 * MAX_BLOCK + 3, 3), dtype=np.uint64, endpoint=False)
    np.testing.assert_array_equal(ring_matmul(a, b), a @ b)


@pytest.mark.parametrize(
    ("left", "right"), [((5,), (5, 3)), ((4, 5), (5,)), ((5,), (5,)), ((4, 0), (0, 2))]
)
def test_vector_shapes_follow_numpy(left: tuple[int, ...], right: tuple[int, ...]) -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, RING, left, dtype=np.uint64, endpoint=False)
    b = rng.integers(0, RING, right, dtype=np.uint64, endpoint=False)
    out = ring_matmul(a, b)
    expected = np.matmul(a, b)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)


def test_numpy_path_for_small_products(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ring, "LIMB_THRESHOLD", 1 << 40)
    a = np.array([[RING - 1, 2]], dtype=np.uint64)
    b = np.array([[RING - 1], [2**63]], dtype=np.uint64)
    np.testing.assert_array_equal(ring_matmul(a, b), reference(a, b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (np.ones((2, 3), np.int64), np.ones((3, 2), np.uint64)),
        (np.ones((2, 3), np.uint64), np.ones((2, 2), np.uint64)),
        (np.ones((2, 2, 2), np.uint64), np.ones((2, 2), np.uint64)),
    ],
)
def test_bad_operands_are_refused(a: np.ndarray, b: np.ndarray) -> None:
    with pytest.raises(ConfigError):
        ring_matmul(a, b)


@pytest.mark.parametrize("threshold", [0, 1 << 40])  # joined when small, one product each else
@pytest.mark.parametrize(
    "shapes",
    [
        [((4, 7), (7, 3)), ((4, 2), (2, 3))],
        [((4, 7), (7,)), ((4, 5), (5,))],
        [((6,), (6, 2)), ((3,), (3, 2)), ((1,), (1, 2))],
        [((2, 3), (3, 2))],
    ],
)
def test_sums_of_products_match_numpy(
    monkeypatch: pytest.MonkeyPatch,
    threshold: int,
    shapes: list[tuple[tuple[int, ...], tuple[int, ...]]],
) -> None:
    monkeypatch.setattr(ring, "LIMB_THRESHOLD", threshold)
    rng = np.random.default_rng(5)
    pairs = [
        (rng.integers(0, RING, a, dtype=np.uint64, endpoint=False),
         rng.integers(0, RING, b, dtype=np.uint64, endpoint=False))
        for a, b in shapes
    ]  # fmt: skip
    expected = sum((np.matmul(a, b) for a, b in pairs[1:]), np.matmul(*pairs[0]))
    got = ring_matmul_sum(pairs)
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def test_a_sum_needs_aligned_products() -> None:
    with pytest.raises(ConfigError):
        ring_matmul_sum([])
    with pytest.raises(ConfigError):
        ring_matmul_sum([(np.ones((2, 3), np.uint64), np.ones((2, 2), np.uint64))] * 2)
