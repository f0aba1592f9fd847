"""Tests of the typed wire format: round trips, zero copy, alignment, and hostile input."""

from __future__ import annotations

import contextlib
import enum
import math
import random
import struct
from collections import OrderedDict
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from confide.errors import DecodeError, EncodeError, WireError
from confide.net.wire import (
    MAGIC,
    MAX_DEPTH,
    Value,
    decode,
    encode,
    encode_parts,
    encoded_size,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

U64 = struct.Struct("<Q")

DTYPES = [
    "?",
    "i1",
    "<i2",
    ">i2",
    "<i4",
    ">i4",
    "<i8",
    ">i8",
    "u1",
    "<u2",
    ">u2",
    "<u4",
    ">u4",
    "<u8",
    ">u8",
    "<f2",
    ">f2",
    "<f4",
    ">f4",
    "<f8",
    ">f8",
    "<c8",
    ">c8",
    "<c16",
    ">c16",
]


# ---------------------------------------------------------------------------------------------
# Helpers


def _le(dtype: np.dtype[Any]) -> np.dtype[Any]:
    return dtype.newbyteorder("<") if dtype.byteorder == ">" else dtype


def assert_same(expected: Value, actual: Value) -> None:
    """``actual`` is what decoding ``expected``'s encoding must give, exactly."""
    if isinstance(expected, bool):
        assert type(actual) is bool
        assert actual is expected
    elif isinstance(expected, int):
        assert type(actual) is int
        assert actual == expected
    elif isinstance(expected, float):
        assert type(actual) is float
        if math.isnan(expected):
            assert math.isnan(actual)
        else:
            assert struct.pack("<d", actual) == struct.pack("<d", expected)  # -0.0 too
    elif isinstance(expected, str):
        assert type(actual) is str
        assert actual == expected
    elif isinstance(expected, (bytes, bytearray, memoryview)):
        assert type(actual) is bytes
        assert actual == bytes(expected)
    elif expected is None:
        assert actual is None
    elif isinstance(expected, (list, tuple)):
        assert type(actual) is list
        assert len(actual) == len(expected)
        for e, a in zip(expected, actual, strict=True):
            assert_same(e, a)
    elif isinstance(expected, dict):
        assert type(actual) is dict
        assert list(actual) == list(expected)
        for key in expected:
            key_type = str if isinstance(key, str) else int
            assert type(next(k for k in actual if k == key)) is key_type
            assert_same(expected[key], actual[key])
    elif isinstance(expected, (np.ndarray, np.generic)):
        exp = np.asarray(expected)
        assert type(actual) is np.ndarray
        assert actual.dtype == _le(exp.dtype)
        assert actual.dtype.byteorder in "<|="
        assert actual.shape == exp.shape
        assert actual.tobytes() == exp.astype(_le(exp.dtype)).tobytes(order="C")
        assert actual.flags.writeable
        assert actual.flags.c_contiguous
    else:
        raise AssertionError(f"unexpected value type {type(expected)}")


def roundtrip(value: Value) -> None:
    frame = encode(value)
    assert isinstance(frame, bytearray)
    assert frame[:2] == MAGIC
    parts = encode_parts(value)
    assert encoded_size(parts) == len(frame)
    assert b"".join(parts) == frame
    assert_same(value, decode(bytes(frame)))
    assert_same(value, decode(bytearray(frame)))
    assert_same(value, decode(memoryview(bytes(frame))))
    assert_same(value, decode(frame))


def must_reject(data: bytes | bytearray) -> DecodeError:
    with pytest.raises(DecodeError) as info:
        decode(data)
    with pytest.raises(DecodeError):
        decode(bytearray(data))
    return info.value


def array_addresses(buf: bytearray) -> int:
    return int(np.frombuffer(buf, np.uint8).ctypes.data)


def walk_arrays(value: Value) -> list[npt.NDArray[Any]]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, list):
        return [a for item in value for a in walk_arrays(item)]
    if isinstance(value, dict):
        return [a for item in value.values() for a in walk_arrays(item)]
    return []


# ---------------------------------------------------------------------------------------------
# Strategies

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)
arrays = st.sampled_from(DTYPES).flatmap(lambda d: hnp.arrays(np.dtype(d), shapes))
ints = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.integers(min_value=-(2**2000), max_value=2**2000),
    st.sampled_from(
        [0, -1, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64, 2**1000, -(2**1000), 2**4096]
    ),
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    ints,
    st.floats(),
    st.binary(max_size=40),
    st.text(max_size=20),
    arrays,
)
keys = st.one_of(st.text(max_size=8), st.integers(min_value=-(2**80), max_value=2**80))
values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(keys, children, max_size=4),
    ),
    max_leaves=16,
)


# ---------------------------------------------------------------------------------------------
# Round trips


@FAST
@given(values)
def test_roundtrip_property(value: Value) -> None:
    roundtrip(value)


@settings(max_examples=100, deadline=None)
@given(arrays)
def test_roundtrip_arrays(arr: npt.NDArray[Any]) -> None:
    roundtrip(arr)
    roundtrip(["pad", arr, {"odd": b"x", "arr": arr}])


@settings(max_examples=100, deadline=None)
@given(ints)
def test_roundtrip_ints(value: int) -> None:
    roundtrip(value)
    roundtrip({value: -value})


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -1,
        2**1000,
        -(2**1000),
        2**63,
        -(2**63) - 1,
        2**63 - 1,
        -(2**63),
        1.5,
        math.inf,
        -math.inf,
        math.nan,
        -0.0,
        b"",
        b"\x00\xff",
        "",
        "héllo ✓ 𝄞",
        [],
        {},
        [1, [2, [3, []]]],
        {"a": 1, 2: "b", -(2**100): [None]},
        (1, (2, 3)),
    ],
)
def test_roundtrip_examples(value: Value) -> None:
    roundtrip(value)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (0, 5), (5, 0), (3,), (2, 3, 4), (1,) * 32])
def test_roundtrip_every_dtype_and_shape(dtype: str, shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    raw = rng.integers(0, 256, size=int(np.prod(shape)) * np.dtype(dtype).itemsize, dtype=np.uint8)
    arr = raw.view(np.dtype(dtype)).reshape(shape) if raw.size else np.zeros(shape, dtype)
    if dtype == "?":
        arr = (raw % 2).astype(bool).reshape(shape)
    roundtrip(arr)


def test_conversions() -> None:
    class Color(enum.IntEnum):
        RED = 7

    class Name(str):
        pass

    assert decode(encode((1, 2))) == [1, 2]
    assert decode(encode(bytearray(b"ab"))) == b"ab"
    assert decode(encode(memoryview(b"abcdef")[::2])) == b"ace"
    assert decode(encode(np.arange(6, dtype=np.uint8).reshape(2, 3).data)) == bytes(range(6))
    assert decode(encode(OrderedDict(a=1))) == {"a": 1}
    out = decode(encode({Color.RED: Color.RED, Name("n"): Name("v")}))
    assert out == {7: 7, "n": "v"}
    assert all(type(k) in (int, str) for k in out)
    # np.float64 is a float subclass: it travels as a Python float.
    f = decode(encode(np.float64(2.5)))
    assert type(f) is float
    assert f == 2.5
    # Other numpy scalars travel as 0-d arrays.
    for scalar in (np.int64(3), np.float32(1.5), np.bool_(True), np.uint8(200), np.complex64(1j)):
        got = decode(encode(scalar))
        assert isinstance(got, np.ndarray)
        assert got.shape == ()
        assert got.dtype == scalar.dtype
        assert got[()] == scalar


def test_noncontiguous_and_big_endian_arrays() -> None:
    base = np.arange(60, dtype=">f8").reshape(3, 4, 5)
    for arr in (base, base[:, ::2, 1:], base.T, np.asfortranarray(base), base[1, :, 2]):
        got = decode(encode(arr))
        assert got.dtype == np.dtype("<f8")
        assert got.flags.c_contiguous
        np.testing.assert_array_equal(got, arr)

    class Sub(np.ndarray):
        pass

    sub = np.eye(2).view(Sub)
    got = decode(encode(sub))
    assert type(got) is np.ndarray
    np.testing.assert_array_equal(got, np.eye(2))


def test_large_bytes_are_zero_copy_parts() -> None:
    blob = bytes(range(256)) * 64
    mutable = bytearray(blob)
    parts = encode_parts([blob, mutable])
    assert any(p is blob for p in parts)
    assert any(isinstance(p, memoryview) and p.obj is mutable for p in parts)
    assert decode(b"".join(parts)) == [blob, blob]


# ---------------------------------------------------------------------------------------------
# Zero copy, writability, alignment


def test_encode_parts_is_zero_copy_for_big_arrays() -> None:
    arr = np.arange(1 << 17, dtype=np.float64)
    parts = encode_parts({"x": arr})
    views = [p for p in parts if isinstance(p, memoryview)]
    assert len(views) == 1
    assert np.shares_memory(np.frombuffer(views[0], np.uint8), arr)
    frame = encode({"x": arr})
    assert len(frame) == encoded_size(parts)
    assert not np.shares_memory(np.frombuffer(frame, np.uint8), arr)


def test_decode_bytearray_is_zero_copy_writable_and_aligned() -> None:
    rng = np.random.default_rng(1)
    value = [
        "a",
        rng.random((3, 7)),
        b"xyz",
        rng.integers(0, 9, 5, dtype=np.int16),
        {"k": np.arange(1 << 12, dtype=np.int32), "odd": "ab" * 3},
        np.array(3.5, dtype=np.float32),
        [1, np.ones((2, 2), dtype=np.complex128)],
    ]
    buf = encode(value)
    start = array_addresses(buf)
    whole = np.frombuffer(buf, np.uint8)
    got = decode(buf)
    arrays_out = walk_arrays(got)
    assert len(arrays_out) == 5
    for arr in arrays_out:
        assert arr.flags.writeable
        assert np.shares_memory(arr, whole)
        assert (arr.ctypes.data - start) % 16 == 0
    arrays_out[0][0, 0] = 42.0  # writes go to the buffer
    assert decode(bytes(buf))[1][0, 0] == 42.0


def test_decode_bytes_gives_writable_copies() -> None:
    frame = bytes(encode([np.arange(10), np.zeros((2, 3), np.float32)]))
    got = decode(frame)
    for arr in got:
        assert arr.flags.writeable
        assert arr.flags.owndata or not np.shares_memory(arr, np.frombuffer(frame, np.uint8))
        arr[...] = 1
    assert decode(frame)[0][3] == 3


def test_decode_memoryview_of_numpy_buffer_is_zero_copy() -> None:
    frame = encode(np.arange(100, dtype=np.int64))
    backing = np.frombuffer(bytearray(frame), np.uint8)
    got = decode(backing.data)
    assert np.shares_memory(got, backing)
    assert got.flags.writeable
    readonly = decode(memoryview(bytes(frame)))
    assert readonly.flags.writeable
    assert not np.shares_memory(readonly, backing)


def test_decode_odd_buffers() -> None:
    frame = bytes(encode([1, "two", np.arange(3.0)]))
    padded = frame + bytes(8 - len(frame) % 8)  # at least one trailing byte
    words = np.frombuffer(bytearray(padded), np.float64)  # a buffer of format "d"
    with pytest.raises(DecodeError, match="trailing"):
        decode(words.data)
    strided = memoryview(bytes(2 * len(frame)))[::2]
    with pytest.raises(DecodeError, match="contiguous"):
        decode(strided)
    got = decode(np.frombuffer(bytearray(frame), np.uint8).reshape(1, -1).data)
    np.testing.assert_array_equal(got[2], np.arange(3.0))


def test_decode_slice_of_a_larger_buffer() -> None:
    frame = encode({"a": np.arange(7, dtype=np.uint16)})
    buf = bytearray(b"junk" + frame + b"more")
    got = decode(memoryview(buf)[4 : 4 + len(frame)])
    np.testing.assert_array_equal(got["a"], np.arange(7))
    assert np.shares_memory(got["a"], np.frombuffer(buf, np.uint8))


# ---------------------------------------------------------------------------------------------
# Encode errors


class Opaque:
    pass


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (np.array([object()], dtype=object), "dtype object"),
        (np.array(["a"]), "dtype <U1"),
        (np.zeros(2, dtype=[("a", "i4")]), "dtype"),
        (np.zeros(2, dtype="datetime64[s]"), "datetime64"),
        (np.zeros(2, dtype=np.longdouble), "dtype"),
        (np.ma.masked_array([1, 2], mask=[False, True]), "masked"),
        (np.datetime64("2020-01-01"), "datetime64"),
        ({1, 2}, "set"),
        (frozenset(), "frozenset"),
        (Opaque(), "Opaque"),
        (1j, "complex"),
        ("\ud800", "surrogate"),
        ({(1, 2): 3}, "tuple"),
        ({True: 1}, "bool"),
        ({1.5: 1}, "float"),
        ({None: 1}, "NoneType"),
        (range(3), "range"),
    ],
)
def test_encode_rejects(value: object, fragment: str) -> None:
    with pytest.raises(EncodeError, match="top level") as info:
        encode(value)
    assert fragment in str(info.value)
    assert isinstance(info.value, TypeError)
    assert isinstance(info.value, WireError)
    with pytest.raises(EncodeError):
        encode_parts(value)


def test_encode_error_names_the_path() -> None:
    with pytest.raises(EncodeError, match=r"Opaque at \[2\]\['x'\]$"):
        encode([1, 2, {"y": 3, "x": Opaque()}])
    with pytest.raises(EncodeError, match=r"set at \[0\]\[5\]\[1\]$"):
        encode(({5: [0, {1}]},))
    with pytest.raises(EncodeError, match=r"dict key of type tuple .* at \['a'\]$"):
        encode({"a": {(1,): 2}})


def test_depth_limit_on_encode() -> None:
    ok: Value = None
    for _ in range(MAX_DEPTH):
        ok = [ok]
    roundtrip(ok)
    with pytest.raises(EncodeError, match="MAX_DEPTH"):
        encode([ok])
    with pytest.raises(EncodeError, match="MAX_DEPTH"):
        encode({"k": ok})
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(EncodeError, match="MAX_DEPTH"):
        encode(cyclic)


def test_too_many_dims_on_encode() -> None:
    arr = np.zeros((1,) * 32)
    roundtrip(arr)
    try:
        deeper = np.zeros((1,) * 33)
    except ValueError:  # numpy 1.x caps arrays at 32 dims itself
        return
    with pytest.raises(EncodeError, match="dimensions"):
        encode(deeper)


# ---------------------------------------------------------------------------------------------
# Hostile input: hand-written lies


def frame(*pieces: bytes) -> bytes:
    return MAGIC + b"".join(pieces)


def u64(n: int) -> bytes:
    return U64.pack(n)


def s(text: str) -> bytes:
    data = text.encode()
    return b"s" + u64(len(data)) + data


def array_header(code: int, dims: list[int]) -> bytes:
    head = b"a" + bytes([code, len(dims)]) + b"".join(u64(d) for d in dims)
    return head + bytes(-(len(MAGIC) + len(head)) % 16)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "magic"),
        (b"\xcf", "magic"),
        (MAGIC, "truncated"),
        (b"\xcf\x02N", "magic"),
        (b"PKN", "magic"),
        (frame(b"N", b"N"), "trailing"),
        (frame(b"N", b"\x00" * 100), "trailing"),
        (frame(b"\xff"), "unknown type"),
        (frame(b"\x00"), "unknown type"),
        (frame(b"i\x01\x02"), "truncated"),
        (frame(b"f\x01"), "truncated"),
        (frame(b"s" + u64(2**63)), "truncated"),
        (frame(b"s" + u64(10) + b"abc"), "truncated"),
        (frame(b"s" + u64(2) + b"\xff\xfe"), "UTF-8"),
        (frame(b"s" + u64(3) + b"\xed\xa0\x80"), "UTF-8"),  # encoded surrogate
        (frame(b"b" + u64(2**64 - 1)), "truncated"),
        (frame(b"l" + u64(2**63)), "count"),
        (frame(b"l" + u64(2**64 - 1) + b"N" * 10), "count"),
        (frame(b"l" + u64(3) + b"NN"), "count"),
        (frame(b"l" + u64(2) + b"l" + u64(0)), "truncated"),
        (frame(b"d" + u64(2**62)), "count"),
        (frame(b"d" + u64(2) + s("a") + b"N" + s("a") + b"T"), "duplicate"),
        (frame(b"d" + u64(2) + b"i" + u64(1) + b"N" + b"i" + u64(1) + b"N"), "duplicate"),
        (frame(b"d" + u64(1) + b"N" + b"N"), "key"),
        (frame(b"d" + u64(1) + b"T" + b"N"), "key"),
        (frame(b"d" + u64(1) + b"f" + bytes(8) + b"N"), "key"),
        (frame(b"d" + u64(1) + b"l" + u64(0) + b"N"), "key"),
        (frame(b"I\x00" + u64(2**63)), "truncated"),
        (frame(b"I\x02" + u64(1) + b"\x01"), "sign"),
        (frame(b"I\x00" + u64(0)), "minimal"),
        (frame(b"I\x00" + u64(10) + b"\x00" * 10), "minimal"),
        (frame(b"I\x01" + u64(1) + b"\x05"), "canonical"),
        (frame(array_header(0x06, [2**60])), "truncated"),
        (frame(array_header(0x0C, [2**20, 2**20])), "truncated"),
        (frame(array_header(0x0C, [2**60])), "too big"),
        (frame(array_header(0x0C, [2**63, 2**63, 2**63])), "too big"),
        (frame(array_header(0x0C, [2**64 - 1, 0])), "too big"),
        (frame(array_header(0x01, [3]), b"\x00\x01\x02"), "bool"),
        (frame(array_header(0x00, [1]), bytes(8)), "dtype code"),
        (frame(array_header(0x0F, [1]), bytes(8)), "dtype code"),
        (frame(array_header(0xFF, [1]), bytes(8)), "dtype code"),
        (frame(b"a\x0c\xff" + u64(1) * 255), "dimensions"),
        (frame(b"a\x0c\x21" + u64(1) * 33), "dimensions"),
        (frame(b"a\x0c\x01" + u64(1)), "truncated"),
        (frame(b"a\x0c"), "truncated"),
        (frame(b"a\x0c\x01" + u64(1) + b"\x00\x00\x07\x00\x00" + bytes(8)), "padding"),
    ],
)
def test_decode_rejects_lies(data: bytes, fragment: str) -> None:
    err = must_reject(data)
    assert fragment.lower() in str(err).lower()


def test_deep_nesting_is_decode_error_not_recursion_error() -> None:
    deep = frame(b"".join(b"l" + u64(1) for _ in range(10_000)), b"N")
    must_reject(deep)
    dict_deep = frame(b"".join(b"d" + u64(1) + s("k") for _ in range(10_000)), b"N")
    must_reject(dict_deep)
    at_limit = frame(b"l" + u64(1)) + (b"l" + u64(1)) * (MAX_DEPTH - 1) + b"N"
    assert decode(at_limit) is not None
    over = frame(b"l" + u64(1)) + (b"l" + u64(1)) * MAX_DEPTH + b"N"
    with pytest.raises(DecodeError, match="MAX_DEPTH"):
        decode(over)


def test_decode_rejects_non_buffers() -> None:
    for bad in ("text", None, 12, [1, 2]):
        with pytest.raises(DecodeError):
            decode(bad)  # type: ignore[arg-type]


def test_decode_of_empty_array_with_huge_dims_allocates_nothing() -> None:
    got = decode(frame(array_header(0x01, [2**40, 0, 2**20])))
    assert got.shape == (2**40, 0, 2**20)
    assert got.nbytes == 0


# ---------------------------------------------------------------------------------------------
# Fuzzing


def check_decode(data: bytes) -> None:
    """Decoding must return a value or raise DecodeError; anything else fails the test."""
    for buf in (data, bytearray(data)):
        with contextlib.suppress(DecodeError):
            decode(buf)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_fuzz_random_bytes(data: bytes) -> None:
    check_decode(data)
    check_decode(MAGIC + data)


@settings(max_examples=150, deadline=None)
@given(values, st.data())
def test_fuzz_mutations_of_valid_frames(value: Value, data: st.DataObject) -> None:
    good = bytes(encode(value))
    cut = data.draw(st.integers(min_value=0, max_value=len(good)))
    check_decode(good[:cut])
    pos = data.draw(st.integers(min_value=0, max_value=len(good) - 1))
    byte = data.draw(st.integers(min_value=0, max_value=255))
    check_decode(good[:pos] + bytes([byte]) + good[pos + 1 :])


CORPUS: list[Value] = [
    {"tag": "share", "round": 3, "vals": [1.5, -2, None, True, b"\x00\x01"]},
    [2**200, -(2**70), "ünïcode", {7: [[], {}], "a": (1, 2)}],
    {"x": np.arange(12, dtype=np.int32).reshape(3, 4), "y": np.array(True)},
    [np.zeros((0, 5)), np.ones(3, dtype=np.complex64), np.array([True, False])],
    [[[[[["deep"]]]]], np.float16(1.0), np.arange(4, dtype=">u2")],
]


def test_fuzz_seeded_mutations() -> None:
    rng = random.Random(20240601)
    frames = [bytes(encode(v)) for v in CORPUS]
    interesting = [0x00, 0x01, 0x7F, 0x80, 0xFF, *b"NFTiIfbslda", 0x20, 0x21]
    for _ in range(3000):
        data = bytearray(rng.choice(frames))
        kind = rng.randrange(6)
        if kind == 0:  # truncate
            del data[rng.randrange(len(data)) :]
        elif kind == 1:  # flip a few random bytes
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 2:  # an interesting byte
            data[rng.randrange(len(data))] = rng.choice(interesting)
        elif kind == 3:  # a lying 8-byte length
            pos = rng.randrange(len(data))
            data[pos : pos + 8] = U64.pack(rng.choice([2**63, 2**64 - 1, 2**32, 1 << 60]))
        elif kind == 4:  # insert or delete a run
            pos = rng.randrange(len(data))
            if rng.random() < 0.5:
                del data[pos : pos + rng.randint(1, 9)]
            else:
                data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 9)))
        else:  # append garbage
            data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 5)))
        check_decode(bytes(data))
