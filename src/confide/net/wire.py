"""The typed wire format: how values cross between parties that do not trust each other.

Why no pickle
-------------
Unpickling runs code chosen by whoever wrote the bytes, so a single malicious peer could take over
every party that reads its messages. This format carries data only: a fixed set of types, each
with an explicit, bounded layout. :func:`decode` either returns a value built from those types or
raises :class:`~confide.errors.DecodeError`. It never recurses deeper than :data:`MAX_DEPTH`, and
it compares every length, count and array size with the bytes actually left *before* allocating,
so the memory it uses is proportional to the input, whatever the headers claim.

Frame layout
------------
A frame is ``MAGIC`` followed by exactly one value; trailing bytes are an error. All integers in
headers are little-endian and fixed-width (``u8``, ``u64``, ``i64``). Each value is one type byte
followed by its payload:

========  ======  ==============  ===========================================================
type      byte    Python value    payload
========  ======  ==============  ===========================================================
``'N'``   0x4E    ``None``        (none)
``'F'``   0x46    ``False``       (none)
``'T'``   0x54    ``True``        (none)
``'i'``   0x69    ``int``         ``i64``, for -2**63 <= value < 2**63
``'I'``   0x49    ``int``         sign ``u8`` (0 = positive, 1 = negative), length ``n`` ``u64``,
                                  ``n`` bytes of big-endian magnitude; only for values outside
                                  the ``i64`` range, ``n >= 1`` and no leading zero byte
``'f'``   0x66    ``float``       IEEE-754 binary64, 8 bytes (NaN and infinities included)
``'b'``   0x62    ``bytes``       length ``n`` ``u64``, ``n`` bytes
``'s'``   0x73    ``str``         length ``n`` ``u64``, ``n`` bytes of strict UTF-8
``'l'``   0x6C    ``list``        count ``n`` ``u64``, ``n`` values
``'d'``   0x64    ``dict``        count ``n`` ``u64``, ``n`` pairs (key value, value); keys are
                                  ``'s'``, ``'i'`` or ``'I'`` values and never repeat
``'a'``   0x61    ``ndarray``     dtype code ``u8``, ``ndim`` ``u8`` (<= 32), ``ndim`` dims
                                  ``u64``, zero padding, then ``prod(dims) * itemsize`` bytes of
                                  C-order little-endian data
========  ======  ==============  ===========================================================

Array padding is not stored: both sides compute it from the offset of the byte after the last
dim, counted from the start of the frame (``MAGIC`` included), as the number of zero bytes that
brings that offset to a multiple of 16. A decoder reading a 16-aligned buffer can therefore hand
out arrays that view the buffer directly, with aligned data.

Array dtype codes:

====  ==========  ====  ==========  ====  ============
code  dtype       code  dtype       code  dtype
====  ==========  ====  ==========  ====  ============
0x01  bool        0x06  uint8       0x0B  float32
0x02  int8        0x07  uint16      0x0C  float64
0x03  int16       0x08  uint32      0x0D  complex64
0x04  int32       0x09  uint64      0x0E  complex128
0x05  int64       0x0A  float16
====  ==========  ====  ==========  ====  ============

Bool array bytes must be 0 or 1. Lists and dicts nest at most :data:`MAX_DEPTH` deep.

Conversions on encode
---------------------
Tuples become lists; ``bytearray`` and ``memoryview`` become ``bytes``; subclasses of ``str``,
``int``, ``float``, ``bytes``, ``list`` and ``dict`` (``IntEnum``, ``OrderedDict``, named tuples)
are sent as their base type. ``numpy`` scalars become 0-d arrays, except ``np.float64``, which is
a ``float`` subclass and so is sent (and decoded) as a Python ``float``. Big-endian arrays are
sent little-endian and non-contiguous ones in C order. ``bool`` dict keys are refused (``True``
and ``1`` are the same key). Anything else raises :class:`~confide.errors.EncodeError` naming
the type and where it sits in the value, e.g. ``at [2]['x']``.

Zero copy
---------
:func:`encode_parts` returns the frame as pieces in which large array (and bytes) data are
zero-copy views of the caller's objects: do not mutate them until the pieces are sent.
:func:`decode` of a writable buffer (``bytearray``, writable ``memoryview``) returns arrays that
view the buffer (which then cannot be resized while they live); of read-only bytes, it returns
copies, so decoded arrays are always writable.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from confide.errors import DecodeError, EncodeError

__all__ = [
    "MAGIC",
    "MAX_DEPTH",
    "MAX_NDIM",
    "Value",
    "decode",
    "encode",
    "encode_parts",
    "encoded_size",
]

# What crosses the wire: None, bool, int (any size), float, bytes, str, list (tuples are sent as
# lists), dict with str or int keys, and numpy arrays of bool, int8..int64, uint8..uint64,
# float16/32/64 and complex64/128 dtype (numpy scalars are sent as 0-d arrays), nested freely
# up to MAX_DEPTH levels of lists and dicts.
Value: TypeAlias = Any

MAGIC = b"\xcf\x01"
"""Frame prefix: a marker byte and the format version (1)."""

MAX_DEPTH = 64
"""Deepest nesting of lists and dicts, on encode and on decode."""

MAX_NDIM = 32
"""Most dimensions of an array."""

_ALIGN = 16
# Array and bytes data at least this large go into their own zero-copy piece in encode_parts.
_SPLIT_BYTES = 4096

_T_NONE = 0x4E  # 'N'
_T_FALSE = 0x46  # 'F'
_T_TRUE = 0x54  # 'T'
_T_INT = 0x69  # 'i'
_T_BIGINT = 0x49  # 'I'
_T_FLOAT = 0x66  # 'f'
_T_BYTES = 0x62  # 'b'
_T_STR = 0x73  # 's'
_T_LIST = 0x6C  # 'l'
_T_DICT = 0x64  # 'd'
_T_ARRAY = 0x61  # 'a'

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
_MAX_NBYTES = 2**63 - 1

_TYPE_LEN = struct.Struct("<BQ")
_TYPE_I64 = struct.Struct("<Bq")
_TYPE_F64 = struct.Struct("<Bd")
_TYPE_SIGN_LEN = struct.Struct("<BBQ")
_ARRAY_HEAD = struct.Struct("<BBB")
_U64 = struct.Struct("<Q")
_I64 = struct.Struct("<q")
_F64 = struct.Struct("<d")
_DIMS = tuple(struct.Struct(f"<{n}Q") for n in range(MAX_NDIM + 1))
_ZEROS = tuple(bytes(n) for n in range(_ALIGN))

_pack_type_len = _TYPE_LEN.pack
_pack_type_i64 = _TYPE_I64.pack
_pack_type_f64 = _TYPE_F64.pack
_unpack_u64 = _U64.unpack_from
_unpack_i64 = _I64.unpack_from
_unpack_f64 = _F64.unpack_from

_CODE_DTYPE: dict[int, np.dtype[Any]] = {
    0x01: np.dtype("|b1"),
    0x02: np.dtype("|i1"),
    0x03: np.dtype("<i2"),
    0x04: np.dtype("<i4"),
    0x05: np.dtype("<i8"),
    0x06: np.dtype("|u1"),
    0x07: np.dtype("<u2"),
    0x08: np.dtype("<u4"),
    0x09: np.dtype("<u8"),
    0x0A: np.dtype("<f2"),
    0x0B: np.dtype("<f4"),
    0x0C: np.dtype("<f8"),
    0x0D: np.dtype("<c8"),
    0x0E: np.dtype("<c16"),
}
# Keyed by (kind, itemsize) so that byte order and platform aliases (long vs long long) map to
# one code; long double ('g', 'G') is refused separately since it may share a kind and size.
_DTYPE_CODE: dict[tuple[str, int], int] = {
    (dt.kind, dt.itemsize): code for code, dt in _CODE_DTYPE.items()
}
_U8 = np.dtype(np.uint8)


# ---------------------------------------------------------------------------------------------
# Encoding


class _Unencodable(Exception):
    """Internal: a value cannot be encoded; containers add their key to ``path`` on the way up."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[object] = []


class _Frame:
    """The frame being built: finished pieces plus the small-value buffer being appended to."""

    __slots__ = ("base", "buf", "parts")

    def __init__(self) -> None:
        self.buf = bytearray(MAGIC)
        self.parts: list[bytearray | bytes | memoryview] = []
        self.base = 0  # bytes in ``parts``, so the frame offset of buf[0]

    def attach(self, chunk: bytes | memoryview, nbytes: int) -> None:
        """End the current buffer and add ``chunk`` (not copied) as its own piece."""
        self.parts.append(self.buf)
        self.parts.append(chunk)
        self.base += len(self.buf) + nbytes
        self.buf = bytearray()

    def finish(self) -> list[bytearray | bytes | memoryview]:
        if self.buf or not self.parts:
            self.parts.append(self.buf)
        return self.parts


def _enc(v: object, f: _Frame, depth: int) -> None:
    # Most frequent types first; bool before int since bool is an int subclass.
    if isinstance(v, str):
        try:
            data = str.encode(v, "utf-8")
        except UnicodeEncodeError as exc:
            raise _Unencodable("str with lone surrogates is not valid UTF-8") from exc
        buf = f.buf
        buf += _pack_type_len(_T_STR, len(data))
        buf += data
    elif isinstance(v, bool):
        f.buf.append(_T_TRUE if v else _T_FALSE)
    elif isinstance(v, int):
        if _I64_MIN <= v <= _I64_MAX:
            f.buf += _pack_type_i64(_T_INT, v)
        else:
            _enc_bigint(int(v), f)
    elif isinstance(v, float):
        f.buf += _pack_type_f64(_T_FLOAT, v)
    elif isinstance(v, dict):
        _enc_dict(v, f, depth)
    elif isinstance(v, (list, tuple)):
        _enc_list(v, f, depth)
    elif v is None:
        f.buf.append(_T_NONE)
    elif isinstance(v, (bytes, bytearray, memoryview)):
        _enc_bytes(v, f)
    elif isinstance(v, np.ndarray):
        _enc_array(v, f)
    elif isinstance(v, np.generic):
        _enc_array(np.asarray(v), f)
    else:
        raise _Unencodable(f"cannot encode a value of type {_type_name(v)}")


def _type_name(v: object) -> str:
    t = type(v)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def _enc_bigint(v: int, f: _Frame) -> None:
    magnitude = -v if v < 0 else v
    n = (magnitude.bit_length() + 7) // 8
    f.buf += _TYPE_SIGN_LEN.pack(_T_BIGINT, 1 if v < 0 else 0, n)
    f.buf += magnitude.to_bytes(n, "big")


def _enc_list(v: list[Any] | tuple[Any, ...], f: _Frame, depth: int) -> None:
    if depth >= MAX_DEPTH:
        raise _Unencodable(f"lists and dicts nest deeper than MAX_DEPTH={MAX_DEPTH} (a cycle?)")
    f.buf += _pack_type_len(_T_LIST, len(v))
    depth += 1
    i = 0
    try:
        for i, item in enumerate(v):  # noqa: B007 - ``i`` is read in the handler
            _enc(item, f, depth)
    except _Unencodable as exc:
        exc.path.append(i)
        raise


def _enc_dict(v: dict[Any, Any], f: _Frame, depth: int) -> None:
    if depth >= MAX_DEPTH:
        raise _Unencodable(f"lists and dicts nest deeper than MAX_DEPTH={MAX_DEPTH} (a cycle?)")
    f.buf += _pack_type_len(_T_DICT, len(v))
    depth += 1
    for key, item in v.items():
        if isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool)):
            _enc(key, f, depth)
        else:
            raise _Unencodable(
                f"cannot encode a dict key of type {_type_name(key)} ({key!r}); "
                "keys must be str or int"
            )
        try:
            _enc(item, f, depth)
        except _Unencodable as exc:
            exc.path.append(key)
            raise


def _enc_bytes(v: bytes | bytearray | memoryview, f: _Frame) -> None:
    chunk: bytes | memoryview
    if isinstance(v, memoryview):
        if not v.c_contiguous:
            chunk = v.tobytes()
        elif v.format != "B" or v.ndim != 1:
            chunk = v.cast("B") if v.ndim else v.tobytes()
        else:
            chunk = v
    elif isinstance(v, bytearray):
        chunk = memoryview(v)
    else:
        chunk = v
    n = len(chunk)
    f.buf += _pack_type_len(_T_BYTES, n)
    if n >= _SPLIT_BYTES:
        f.attach(chunk, n)
    else:
        f.buf += chunk


def _enc_array(a: npt.NDArray[Any], f: _Frame) -> None:
    if type(a) is not np.ndarray and isinstance(a, np.ma.MaskedArray):
        raise _Unencodable("cannot encode a numpy masked array (the mask would be lost)")
    dt = a.dtype
    code = None if dt.char in "gG" else _DTYPE_CODE.get((dt.kind, dt.itemsize))
    if code is None:
        raise _Unencodable(f"cannot encode a numpy array of dtype {dt}")
    if a.ndim > MAX_NDIM:
        raise _Unencodable(f"cannot encode a numpy array of {a.ndim} > {MAX_NDIM} dimensions")
    target = _CODE_DTYPE[code]
    if type(a) is not np.ndarray or dt != target or not a.flags.c_contiguous:
        a = np.asarray(a, dtype=target, order="C")
        if type(a) is not np.ndarray:  # asarray keeps subclasses (e.g. np.matrix)
            a = a.view(np.ndarray)
    buf = f.buf
    buf += _ARRAY_HEAD.pack(_T_ARRAY, code, a.ndim)
    buf += _DIMS[a.ndim].pack(*a.shape)
    buf += _ZEROS[-(f.base + len(buf)) % _ALIGN]
    n = a.nbytes
    if n:
        data = a.reshape(-1).view(_U8).data
        if n >= _SPLIT_BYTES:
            f.attach(data, n)
        else:
            buf += data


def _encode_frame(value: Value) -> list[bytearray | bytes | memoryview]:
    f = _Frame()
    try:
        _enc(value, f, 0)
    except _Unencodable as exc:
        where = "".join(f"[{key!r}]" for key in reversed(exc.path)) if exc.path else "top level"
        raise EncodeError(f"{exc.reason} at {where}") from exc.__cause__
    return f.finish()


def encode_parts(value: Value) -> list[bytes | memoryview]:
    """Encode ``value`` as a frame in pieces, to send one after another.

    Large array and bytes data are zero-copy views of the caller's objects (of a little-endian,
    C-contiguous copy where the array was not already one); everything else is in ``bytes``
    pieces. Raises :class:`~confide.errors.EncodeError` for values the format does not carry.
    """
    return [bytes(p) if isinstance(p, bytearray) else p for p in _encode_frame(value)]


def encoded_size(parts: Sequence[bytes | bytearray | memoryview]) -> int:
    """The total size in bytes of the pieces from :func:`encode_parts`."""
    return sum(p.nbytes if isinstance(p, memoryview) else len(p) for p in parts)


def encode(value: Value) -> bytearray:
    """Encode ``value`` as one frame, copying large array data exactly once.

    Raises :class:`~confide.errors.EncodeError` for values the format does not carry.
    """
    parts = _encode_frame(value)
    if len(parts) == 1 and isinstance(parts[0], bytearray):
        return parts[0]
    out = bytearray(encoded_size(parts))
    view = memoryview(out)  # slice assignment through a memoryview is a plain memcpy
    offset = 0
    for p in parts:
        n = p.nbytes if isinstance(p, memoryview) else len(p)
        view[offset : offset + n] = p
        offset += n
    view.release()
    return out


# ---------------------------------------------------------------------------------------------
# Decoding


def _need(mv: memoryview, pos: int, n: int, what: str) -> None:
    if n > len(mv) - pos:
        raise _truncated(mv, pos, n, what)


def _truncated(mv: memoryview, pos: int, n: int, what: str) -> DecodeError:
    return DecodeError(f"truncated: {what} needs {n} bytes at offset {pos}, {len(mv) - pos} remain")


def _dec(mv: memoryview, pos: int, depth: int, copy: bool) -> tuple[Value, int]:
    end = len(mv)
    if pos >= end:
        raise DecodeError(f"truncated: a value is missing at offset {pos}")
    t = mv[pos]
    pos += 1
    if t == _T_STR:
        if pos + 8 > end:
            raise _truncated(mv, pos, 8, "a str length")
        n = _unpack_u64(mv, pos)[0]
        pos += 8
        if n > end - pos:
            raise _truncated(mv, pos, n, "a str")
        try:
            return str(mv[pos : pos + n], "utf-8"), pos + n
        except UnicodeDecodeError as exc:
            raise DecodeError(f"invalid UTF-8 in the str at offset {pos}") from exc
    if t == _T_INT:
        if pos + 8 > end:
            raise _truncated(mv, pos, 8, "an int")
        return _unpack_i64(mv, pos)[0], pos + 8
    if t == _T_DICT:
        return _dec_dict(mv, pos, depth, copy)
    if t == _T_LIST:
        return _dec_list(mv, pos, depth, copy)
    if t == _T_FLOAT:
        if pos + 8 > end:
            raise _truncated(mv, pos, 8, "a float")
        return _unpack_f64(mv, pos)[0], pos + 8
    if t == _T_NONE:
        return None, pos
    if t == _T_TRUE:
        return True, pos
    if t == _T_FALSE:
        return False, pos
    if t == _T_BYTES:
        _need(mv, pos, 8, "a bytes length")
        n = _unpack_u64(mv, pos)[0]
        pos += 8
        _need(mv, pos, n, "bytes")
        return mv[pos : pos + n].tobytes(), pos + n
    if t == _T_ARRAY:
        return _dec_array(mv, pos, copy)
    if t == _T_BIGINT:
        return _dec_bigint(mv, pos)
    raise DecodeError(f"unknown type byte 0x{t:02x} at offset {pos - 1}")


def _dec_bigint(mv: memoryview, pos: int) -> tuple[int, int]:
    _need(mv, pos, 9, "a big int header")
    sign = mv[pos]
    n = _unpack_u64(mv, pos + 1)[0]
    pos += 9
    if sign > 1:
        raise DecodeError(f"big int sign byte {sign} is not 0 or 1 at offset {pos - 9}")
    _need(mv, pos, n, "a big int")
    if n == 0 or mv[pos] == 0:
        raise DecodeError(f"big int magnitude at offset {pos} is not minimal")
    magnitude = int.from_bytes(mv[pos : pos + n], "big")
    v = -magnitude if sign else magnitude
    if _I64_MIN <= v <= _I64_MAX:
        raise DecodeError(f"big int at offset {pos} fits in i64 (not canonical)")
    return v, pos + n


def _dec_count(mv: memoryview, pos: int, depth: int, per_item: int, what: str) -> int:
    if depth >= MAX_DEPTH:
        raise DecodeError(f"lists and dicts nest deeper than MAX_DEPTH={MAX_DEPTH} at offset {pos}")
    _need(mv, pos, 8, f"a {what} count")
    n: int = _unpack_u64(mv, pos)[0]
    # Every item takes at least one byte, so a count beyond what remains is a lie.
    if n * per_item > len(mv) - pos - 8:
        raise DecodeError(f"{what} count {n} at offset {pos} exceeds the bytes that remain")
    return n


def _dec_list(mv: memoryview, pos: int, depth: int, copy: bool) -> tuple[list[Value], int]:
    n = _dec_count(mv, pos, depth, 1, "list")
    pos += 8
    depth += 1
    out: list[Value] = []
    append = out.append
    for _ in range(n):
        item, pos = _dec(mv, pos, depth, copy)
        append(item)
    return out, pos


def _dec_dict(mv: memoryview, pos: int, depth: int, copy: bool) -> tuple[dict[Value, Value], int]:
    n = _dec_count(mv, pos, depth, 2, "dict")
    pos += 8
    depth += 1
    out: dict[Value, Value] = {}
    for _ in range(n):
        if pos < len(mv) and mv[pos] not in (_T_STR, _T_INT, _T_BIGINT):
            raise DecodeError(f"dict key at offset {pos} is not a str or int")
        key, pos = _dec(mv, pos, depth, copy)
        if key in out:
            raise DecodeError(f"duplicate dict key {key!r} before offset {pos}")
        out[key], pos = _dec(mv, pos, depth, copy)
    return out, pos


def _dec_array(mv: memoryview, pos: int, copy: bool) -> tuple[npt.NDArray[Any], int]:
    _need(mv, pos, 2, "an array header")
    code = mv[pos]
    ndim = mv[pos + 1]
    pos += 2
    dt = _CODE_DTYPE.get(code)
    if dt is None:
        raise DecodeError(f"unknown array dtype code 0x{code:02x} at offset {pos - 2}")
    if ndim > MAX_NDIM:
        raise DecodeError(f"array of {ndim} > {MAX_NDIM} dimensions at offset {pos - 1}")
    _need(mv, pos, 8 * ndim, "array dims")
    dims: tuple[int, ...] = _DIMS[ndim].unpack_from(mv, pos)
    pos += 8 * ndim
    pad = -pos % _ALIGN
    _need(mv, pos, pad, "array padding")
    if pad and any(mv[pos : pos + pad]):
        raise DecodeError(f"array padding at offset {pos} is not zero")
    pos += pad
    count = 1
    nonzero = 1
    for d in dims:
        count *= d
        if d:
            nonzero *= d
    if nonzero * dt.itemsize > _MAX_NBYTES:
        raise DecodeError(f"array dims {dims} are too big for any array")
    nbytes = count * dt.itemsize
    _need(mv, pos, nbytes, f"array data of shape {dims}")
    if not nbytes:
        return np.zeros(dims, dtype=dt), pos
    if code == 0x01 and np.frombuffer(mv, _U8, nbytes, pos).max() > 1:
        raise DecodeError(f"bool array at offset {pos} holds bytes other than 0 and 1")
    arr = np.frombuffer(mv, dt, count, pos).reshape(dims)
    return (arr.copy() if copy else arr), pos + nbytes


def decode(data: bytes | bytearray | memoryview) -> Value:
    """Decode one frame; raise :class:`~confide.errors.DecodeError` if it is not a valid one.

    Arrays view ``data`` without copying when it is writable (a ``bytearray`` or a writable
    ``memoryview``); they are copies when it is read-only (``bytes``). Either way they are
    writable.
    """
    try:
        mv = memoryview(data)
    except TypeError as exc:
        raise DecodeError(f"cannot decode a {_type_name(data)}: not a bytes-like object") from exc
    try:
        if not mv.c_contiguous:
            raise DecodeError("cannot decode a non-contiguous buffer")
        if mv.format != "B" or mv.ndim != 1:
            mv = mv.cast("B") if mv.ndim else memoryview(mv.tobytes())
        if mv[:2] != MAGIC:
            raise DecodeError(f"not a wire frame: expected magic {MAGIC!r}, got {bytes(mv[:2])!r}")
        value, pos = _dec(mv, len(MAGIC), 0, mv.readonly)
        if pos != len(mv):
            raise DecodeError(f"{len(mv) - pos} trailing bytes after the value at offset {pos}")
        return value
    except DecodeError:
        raise
    except (struct.error, ValueError, TypeError, OverflowError, IndexError) as exc:
        raise DecodeError(f"malformed frame: {exc}") from exc
