"""How numbers live in the MPC ring Z_2^64: fixed-point reals, integers and booleans on ``uint64``.

Every secret-shared value is an array of ``uint64`` ring elements; numpy's wrap-around arithmetic
is the ring's, so addition, subtraction and multiplication mod 2^64 cost nothing extra. A ring
element ``w`` stands for the signed integer ``w - 2^64`` when its top bit is set (two's
complement), and a value with ``f`` fractional bits stands for that integer divided by ``2^f``:

============  ===========================  ==============================================
Python value  ring element                 decoded back as
============  ===========================  ==============================================
float ``x``   ``round(x * 2^f) mod 2^64``  ``float64``: signed integer / ``2^f``
int ``n``     ``n mod 2^64`` (``f = 0``)   ``int64``: the signed integer
bool ``b``    ``0`` or ``1`` (``f = 0``)   ``int64`` 0 or 1
============  ===========================  ==============================================

The number of fractional bits travels with every share (``Share.frac_bits``); the default,
:data:`FRAC_BITS` (18, from :mod:`confide.params`), gives a resolution of 2^-18 (3.8e-6).

Headroom. A product of two values with ``f`` fractional bits carries ``2f`` of them until it is
truncated, so it must stay below ``2^(63 - 2f)`` in magnitude to be represented, and below
``2^(62 - 2f)`` (2^26 = 6.7e7 for ``f = 18``) for the dealer-assisted truncation's exact-range
guarantee (see :mod:`confide.mpc.semi2k`). Encoding refuses values whose scaled magnitude reaches
``2^63``; staying within the product headroom is the caller's part (scale features first).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError
from confide.params import MPC_FRAC_BITS, MPC_RING_BITS

__all__ = [
    "FRAC_BITS",
    "MAX_FRAC_BITS",
    "RING_BITS",
    "RING_DTYPE",
    "decode_ring",
    "encode_public",
    "encode_ring",
]

#: Bits of the ring: values live in Z_2^RING_BITS.
RING_BITS = MPC_RING_BITS
#: The numpy dtype of ring elements.
RING_DTYPE = np.dtype(np.uint64)
#: Default fractional bits of fixed-point values.
FRAC_BITS = MPC_FRAC_BITS
#: Most fractional bits a value may carry: a product of two such values still fits the ring.
MAX_FRAC_BITS = (RING_BITS - 2) // 2

_LIMIT = 2.0 ** (RING_BITS - 1)


def check_frac_bits(frac_bits: int) -> int:
    """``frac_bits`` if it is an int in [0, MAX_FRAC_BITS]; ``ConfigError`` otherwise."""
    if isinstance(frac_bits, bool) or not isinstance(frac_bits, int | np.integer):
        raise ConfigError(f"fractional bits must be an int, got {type(frac_bits).__name__}")
    if not 0 <= frac_bits <= MAX_FRAC_BITS:
        raise ConfigError(f"fractional bits must be in [0, {MAX_FRAC_BITS}], got {frac_bits}")
    return int(frac_bits)


def encode_ring(values: npt.ArrayLike, frac_bits: int = 0) -> np.ndarray:
    """Encode floats, integers or booleans as ring elements with ``frac_bits`` fractional bits.

    Floats are rounded to the nearest multiple of ``2^-frac_bits``; integers and booleans are
    scaled exactly. ``uint64`` input is taken as ring elements already (with ``frac_bits = 0``).
    Raises ``ConfigError`` for non-numeric or non-finite values and for values whose scaled
    magnitude reaches ``2^63``.
    """
    frac_bits = check_frac_bits(frac_bits)
    array = np.asarray(values)
    kind = array.dtype.kind
    if kind == "b":
        words: np.ndarray = array.astype(RING_DTYPE) << np.uint64(frac_bits)
        return words
    if kind in "iu":
        if array.dtype.itemsize > 8:
            raise ConfigError(f"cannot encode integers of dtype {array.dtype}")
        if kind == "u" and array.dtype.itemsize == 8 and frac_bits == 0:
            return array.astype(RING_DTYPE, copy=True)
        as_int = array.astype(np.int64)
        if frac_bits and as_int.size:
            bound = 1 << (RING_BITS - 1 - frac_bits)
            if int(as_int.max()) >= bound or int(as_int.min()) < -bound:
                raise ConfigError(
                    f"integers must have magnitude below 2**{RING_BITS - 1 - frac_bits} "
                    f"to carry {frac_bits} fractional bits"
                )
        scaled_int: np.ndarray = as_int.view(RING_DTYPE) << np.uint64(frac_bits)
        return scaled_int
    if kind == "f":
        scaled = array.astype(np.float64) * float(1 << frac_bits)
        if not np.all(np.isfinite(scaled)):
            raise ConfigError("only finite values can be encoded in the ring")
        rounded = np.rint(scaled)
        if rounded.size and float(np.max(np.abs(rounded))) >= _LIMIT:
            raise ConfigError(
                f"values must have magnitude below 2**{RING_BITS - 1 - frac_bits} "
                f"to be encoded with {frac_bits} fractional bits"
            )
        encoded: np.ndarray = rounded.astype(np.int64).view(RING_DTYPE)
        return encoded
    raise ConfigError(f"cannot encode values of dtype {array.dtype} in the ring")


def decode_ring(words: npt.ArrayLike, frac_bits: int = 0) -> np.ndarray:
    """Decode ring elements as signed values: ``float64`` if ``frac_bits`` > 0, else ``int64``.

    Any fractional bits a share can carry (up to ``RING_BITS - 1``) decode, not only those
    :func:`encode_ring` accepts: an untruncated product of two ``f``-bit values carries ``2f``.
    """
    if isinstance(frac_bits, bool) or not isinstance(frac_bits, int | np.integer):
        raise ConfigError(f"fractional bits must be an int, got {type(frac_bits).__name__}")
    if not 0 <= frac_bits < RING_BITS:
        raise ConfigError(f"fractional bits must be in [0, {RING_BITS - 1}], got {frac_bits}")
    frac_bits = int(frac_bits)
    array = np.asarray(words)
    if array.dtype != RING_DTYPE:
        raise ConfigError(f"ring elements must be uint64, got {array.dtype}")
    signed = array.view(np.int64)
    if frac_bits == 0:
        integers: np.ndarray = signed.copy()
        return integers
    decoded: np.ndarray = signed.astype(np.float64) / float(1 << frac_bits)
    return decoded


def encode_public(value: Any, frac_bits: int) -> tuple[np.ndarray, int]:
    """Encode a public operand (number or array) and say how many fractional bits it got.

    Integers, booleans and floats that are all whole numbers are encoded exactly with no
    fractional bits, so that multiplying by them needs no truncation; other floats get
    ``frac_bits``. Returns ``(ring elements, fractional bits)``.
    """
    array = np.asarray(value)
    if array.dtype.kind == "f":
        finite = np.isfinite(array)
        if (
            np.all(finite)
            and np.all(array == np.rint(array))
            and (array.size == 0 or float(np.max(np.abs(array))) < _LIMIT)
        ):
            return encode_ring(array.astype(np.int64), 0), 0
        return encode_ring(array, frac_bits), frac_bits
    if array.dtype.kind in "biu":
        return encode_ring(array, 0), 0
    raise ConfigError(f"a public operand must be numeric, got dtype {array.dtype}")
