"""X25519 for PSI: RFC 7748 vector, commutativity, hashing to the curve, point checks, the pool."""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import pytest

from confide.crypto import x25519
from confide.crypto.x25519 import (
    CurvePool,
    CurveTask,
    P,
    check_points,
    hash_multiply,
    hash_to_curve,
    is_on_curve,
    multiply,
    new_scalar,
)
from confide.errors import ConfigError, ProtocolError

DOMAIN = b"test/x25519"

# An order-8 point of Curve25519 (Bernstein's list of inputs giving all-zero outputs); the other
# order-8 point's u-coordinate is its inverse modulo p.
ORDER_8 = 39382357235489614581723060781553021112529911719440698176882885853963445705823


def digests(count: int) -> np.ndarray:
    return np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16)


def encode(u: int) -> np.ndarray:
    """One point as a (1, 32) array (no reduction: u may be non-canonical)."""
    return np.frombuffer(u.to_bytes(32, "little"), dtype=np.uint8).reshape(1, 32)


def as_int(point: np.ndarray) -> int:
    return int.from_bytes(point.tobytes(), "little")


def test_rfc7748_vector() -> None:
    """RFC 7748, section 5.2, first vector (its input u lies on the curve)."""
    scalar = bytes.fromhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
    u = bytes.fromhex("e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c")
    out = multiply(scalar, np.frombuffer(u, dtype=np.uint8).reshape(1, 32))
    assert out.tobytes().hex() == (
        "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"
    )


def test_raising_to_two_scalars_commutes() -> None:
    a, b = new_scalar(), new_scalar()
    d = digests(50)
    ab = multiply(b, hash_multiply(a, d, DOMAIN))
    ba = multiply(a, hash_multiply(b, d, DOMAIN))
    np.testing.assert_array_equal(ab, ba)
    assert len({row.tobytes() for row in ab}) == 50


def test_hash_to_curve_is_deterministic_on_the_curve_and_domain_separated() -> None:
    d = digests(200)
    points = hash_to_curve(d, DOMAIN)
    np.testing.assert_array_equal(points, hash_to_curve(d, DOMAIN))
    values = [as_int(row) for row in points]
    assert all(0 < u < P and is_on_curve(u) for u in values)
    other = hash_to_curve(d, DOMAIN + b"/other")
    assert not np.any(np.all(points == other, axis=1))
    # and what the pool computes is the same hash followed by the multiplication
    scalar = new_scalar()
    np.testing.assert_array_equal(hash_multiply(scalar, d, DOMAIN), multiply(scalar, points))


def test_about_half_of_all_u_coordinates_are_on_the_twist() -> None:
    """So hashing onto the curve only matters: the side is a visible bit of every point."""
    values = [int.from_bytes(os.urandom(32), "little") % P for _ in range(400)]
    on_curve = sum(is_on_curve(u) for u in values)
    assert 140 < on_curve < 260


def test_legendre_symbol_matches_eulers_criterion() -> None:
    for _ in range(50):
        value = int.from_bytes(os.urandom(32), "little") % P
        assert x25519._side(value) == x25519._side_python(value)
    assert x25519._side(0) == 0


def twist_point() -> int:
    while True:
        u = int.from_bytes(os.urandom(32), "little") % P
        if not is_on_curve(u):
            return u


@pytest.mark.parametrize(
    ("u", "reason"),
    [
        (0, "low order"),
        (1, "low order"),
        (ORDER_8, "low order"),
        (pow(ORDER_8, -1, P), "low order"),
        (P - 1, "not on Curve25519"),  # order 4 on the twist
    ],
)
def test_low_order_points_are_refused(u: int, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason):
        multiply(new_scalar(), encode(u), source="'mallory'")


def test_twist_points_are_refused_naming_sender_and_position() -> None:
    points = np.concatenate([hash_to_curve(digests(3), DOMAIN), encode(twist_point())])
    with pytest.raises(ProtocolError, match=r"'mallory' sent a point at position 3 .*not on"):
        multiply(new_scalar(), points, source="'mallory'")


@pytest.mark.parametrize("u", [P, P + 1, 2**255 - 1, 2**255 + 9, 2**256 - 1])
def test_non_canonical_encodings_are_refused(u: int) -> None:
    with pytest.raises(ProtocolError, match="non-canonical"):
        check_points(encode(u), source="'mallory'")


@pytest.mark.parametrize(
    "value",
    [
        np.zeros((4, 31), dtype=np.uint8),
        np.zeros((4, 33), dtype=np.uint8),
        np.zeros((4, 32), dtype=np.int64),
        np.zeros(32, dtype=np.uint8),
        [bytes(32)],
        bytes(32),
    ],
)
def test_wrong_shapes_and_types_are_refused(value: object) -> None:
    with pytest.raises(ProtocolError, match="uint8 array of shape"):
        check_points(value, source="'mallory'")


def test_an_exact_count_is_enforced() -> None:
    with pytest.raises(ProtocolError, match="sent 2 points where 3 were expected"):
        check_points(hash_to_curve(digests(2), DOMAIN), source="'mallory'", rows=3)


def test_task_and_pool_arguments_are_checked() -> None:
    with pytest.raises(ConfigError):
        CurveTask("divide", np.zeros((1, 32), dtype=np.uint8), "x")  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        CurveTask("multiply", np.zeros((1, 16), dtype=np.uint8), "x")
    with pytest.raises(ConfigError):
        CurvePool(0)
    with CurvePool(1) as pool, pytest.raises(ConfigError, match="32 bytes"):
        pool.run(b"short", CurveTask("hash", digests(1), "x", 0, DOMAIN))


def child_processes() -> set[int]:
    """Process ids whose parent is this test process (Linux /proc)."""
    children = set()
    for stat in os.scandir("/proc"):
        if not stat.name.isdigit():
            continue
        try:
            with open(f"/proc/{stat.name}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            children.add(int(stat.name))
    return children


def test_worker_processes_give_the_same_results_in_order_and_are_cleaned_up() -> None:
    scalar = new_scalar()
    d = digests(700)
    tasks = [CurveTask("hash", d[i : i + 100], "own keys", i, DOMAIN) for i in range(0, 700, 100)]
    before = child_processes()
    with CurvePool(2, chunk=64) as pool:
        results = list(pool.imap(scalar, tasks))
        assert len(child_processes() - before) == 2
        again = pool.run(scalar, CurveTask("multiply", results[0][1], "'peer'"))
    assert child_processes() - before == set()
    assert [task.offset for task, _ in results] == list(range(0, 700, 100))
    hashed = np.concatenate([points for _, points in results])
    np.testing.assert_array_equal(hashed, hash_multiply(scalar, d, DOMAIN))
    np.testing.assert_array_equal(again, multiply(scalar, hashed[:100]))


def test_worker_processes_refuse_bad_points_with_their_position() -> None:
    points = np.concatenate([hash_to_curve(digests(150), DOMAIN), encode(ORDER_8)])
    before = child_processes()
    with CurvePool(2, chunk=64) as pool, pytest.raises(ProtocolError, match="position 1150 "):
        pool.run(new_scalar(), CurveTask("multiply", points, "'mallory'", offset=1000))
    assert child_processes() - before == set()


def test_tasks_are_pulled_lazily_so_memory_is_bounded() -> None:
    """However long the stream, at most two chunks per worker are taken before results flow."""
    pulled = 0

    def stream() -> Iterator[CurveTask]:
        nonlocal pulled
        for i in range(40):
            pulled += 1
            yield CurveTask("hash", digests(32), "own keys", 32 * i, DOMAIN)

    with CurvePool(2, chunk=32) as pool:
        results = pool.imap(new_scalar(), stream())
        next(results)
        assert pulled <= 2 * 2
        assert sum(1 for _ in results) == 39
    pulled = 0
    with CurvePool(1) as pool:
        next(pool.imap(new_scalar(), stream()))
        assert pulled == 1


def test_small_jobs_stay_in_process() -> None:
    assert CurvePool.for_points(100).workers == 1
    assert CurvePool.for_points(10**6, workers=3).workers == 3
