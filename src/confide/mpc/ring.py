"""Exact matrix products in Z_2^64 on float64 BLAS, splitting each element into three limbs.

numpy's integer matmul does not use BLAS and runs about 40 times slower than float64 matmul;
yet float64 products are exact as long as no partial sum exceeds 2^53 in magnitude. So each
``uint64`` element is split into balanced (signed) limbs of 22, 20 and 22 bits::

    x = x0 + x1 * 2^22 + x2 * 2^42   (mod 2^64),   |x0|, |x2| <= 2^21,  |x1| <= 2^19

and ``a @ b`` mod 2^64 is assembled from the limb products whose shift stays below 64::

    a0 b0  +  (a0 b1 + a1 b0) 2^22  +  (a0 b2 + a2 b0) 2^42  +  a1 b1 2^44

(``a1 b2`` and ``a2 b1`` sit at 2^64 and vanish). The middle pair comes from one product,
Karatsuba's ``(a0 + a1)(b0 + b1) - a0 b0 - a1 b1``, so five float64 matmuls do the work of
six. The largest partial sum is that middle product's, at most
``K (2^21 + 2^19)^2 = 1.5625 K 2^42``, so inner dimensions up to ``K = 1310`` are exact; longer
ones are cut into blocks whose results are added in the ring.

Small products (fewer than :data:`LIMB_THRESHOLD` multiply-adds) use numpy's ``uint64`` matmul,
which wraps mod 2^64 and is faster there than splitting.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from confide.errors import ConfigError
from confide.mpc.encoding import RING_DTYPE

__all__ = ["LIMB_THRESHOLD", "MAX_BLOCK", "ring_matmul", "ring_matmul_sum"]

#: Longest inner dimension one limb product covers exactly: 1.5625 K 2^42 <= 2^53.
MAX_BLOCK = 1310
#: Multiply-adds (m * k * n) from which the limb method beats numpy's uint64 matmul (measured
#: crossover between 128^3 and 200^3 on a 2-core machine).
LIMB_THRESHOLD = 1 << 22

#: Limb widths, low to high; the offsets are 0, 22 and 42.
_WIDTHS = (22, 20, 22)
_OFFSETS = (0, 22, 42)
#: Half of each limb's range at its offset: adding it makes every balanced limb non-negative.
_BIAS = np.uint64(sum(1 << (o + w - 1) for o, w in zip(_OFFSETS, _WIDTHS, strict=True)))


#: Elements per chunk of the elementwise passes around the products, so that they run in the
#: cache rather than in memory (1000 x 1000 limbs in 40 rows at a time: 320 KB per array).
_CHUNK = 1 << 15


def _row_chunks(rows: int, cols: int) -> list[slice]:
    step = max(1, _CHUNK // max(cols, 1))
    return [slice(start, min(start + step, rows)) for start in range(0, rows, step)]


def _limbs(x: np.ndarray) -> list[np.ndarray]:
    """Balanced limbs (float64) of 2-D uint64 ``x``: x = l0 + l1 2^22 + l2 2^42 mod 2^64, and
    Karatsuba's ``l0 + l1``.

    With ``y = x + bias`` (bias: ``2^(w-1)`` at each limb's offset), the plain base-2^w digits
    ``u`` of ``y`` give the balanced limbs ``u - 2^(w-1)``: a shift, a mask and one converting
    subtraction per limb, chunk by chunk, into preallocated arrays.
    """
    rows, cols = x.shape
    limbs = [np.empty((rows, cols), dtype=np.float64) for _ in range(4)]
    chunks = _row_chunks(rows, cols)
    size = chunks[0].stop if chunks else 0
    y = np.empty((size, cols), dtype=RING_DTYPE)
    scratch = np.empty_like(y)
    for chunk in chunks:
        count = chunk.stop - chunk.start
        part, spare = y[:count], scratch[:count]
        np.add(x[chunk], _BIAS, out=part)
        for limb, offset, width in zip(limbs, _OFFSETS, _WIDTHS, strict=False):
            digits = part
            if offset:
                digits = np.right_shift(part, np.uint64(offset), out=spare)
            if offset + width < 64:
                digits = np.bitwise_and(digits, np.uint64((1 << width) - 1), out=spare)
            np.subtract(digits, float(1 << (width - 1)), out=limb[chunk])
        np.add(limbs[0][chunk], limbs[1][chunk], out=limbs[3][chunk])
    return limbs


def _assemble(
    p00: np.ndarray, middle: np.ndarray, p11: np.ndarray, outer: list[np.ndarray]
) -> np.ndarray:
    """``p00 + (middle - p00 - p11) 2^22 + sum(outer) 2^42 + p11 2^44`` mod 2^64, for float64
    products holding exact integers (below 2^53), chunk by chunk."""
    rows, cols = p00.shape
    out = np.empty((rows, cols), dtype=RING_DTYPE)
    chunks = _row_chunks(rows, cols)
    words = np.empty((chunks[0].stop if chunks else 0, cols), dtype=np.int64)
    terms = [(p00, _P00), (middle, _MIDDLE), (p11, _P11)]
    terms += [(product, _OUTER) for product in outer]
    for chunk in chunks:
        target = out[chunk]
        part = words[: chunk.stop - chunk.start]
        ring = part.view(RING_DTYPE)
        for k, (product, factor) in enumerate(terms):
            np.copyto(part, product[chunk], casting="unsafe")  # exact: integers below 2^53
            if k == 0:
                np.multiply(ring, factor, out=target)
            else:
                ring *= factor
                target += ring
    return out


#: Ring weights of the products: p00 and p11 also carry minus Karatsuba's middle weight.
_P00 = np.uint64((1 - (1 << 22)) % (1 << 64))
_MIDDLE = np.uint64(1 << 22)
_P11 = np.uint64((1 << 44) - (1 << 22))
_OUTER = np.uint64(1 << 42)


def _limb_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` mod 2^64 for 2-D uint64 arrays with ``a.shape[1] <= MAX_BLOCK``."""
    a0, a1, a2, a01 = _limbs(a)
    b0, b1, b2, b01 = _limbs(b)
    # Karatsuba: (a0 + a1)(b0 + b1) - a0 b0 - a1 b1 = a0 b1 + a1 b0, subtracted in the ring.
    return _assemble(a0 @ b0, a01 @ b01, a1 @ b1, [a0 @ b2, a2 @ b0])


def ring_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` exactly in Z_2^64, for 1-D or 2-D ``uint64`` arrays (numpy matmul shapes)."""
    if a.dtype != RING_DTYPE or b.dtype != RING_DTYPE:
        raise ConfigError(f"ring matmul needs uint64 operands, got {a.dtype} and {b.dtype}")
    if not (1 <= a.ndim <= 2 and 1 <= b.ndim <= 2):
        raise ConfigError(f"ring matmul takes 1-D or 2-D operands, got {a.shape} @ {b.shape}")
    left = a.reshape(1, -1) if a.ndim == 1 else a
    right = b.reshape(-1, 1) if b.ndim == 1 else b
    m, k = left.shape
    k2, n = right.shape
    if k != k2:
        raise ConfigError(f"matmul shapes {a.shape} and {b.shape} do not align")
    if m * k * n < LIMB_THRESHOLD or k == 0:
        out: np.ndarray = np.matmul(left, right)
    else:
        out = np.zeros((m, n), dtype=RING_DTYPE)
        blocks = -(-k // MAX_BLOCK)
        step = -(-k // blocks)  # blocks of equal length
        for start in range(0, k, step):
            out += _limb_matmul(left[:, start : start + step], right[start : start + step])
    result: np.ndarray = out.reshape(_product_shape(a, b))
    return result


def ring_matmul_sum(pairs: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """``sum_k a_k @ b_k`` exactly in Z_2^64, for operands :func:`ring_matmul` takes whose
    products have one shape: one product over the joined inner dimensions when they are small
    (fewer calls), else one :func:`ring_matmul` each, added up in place."""
    if not pairs:
        raise ConfigError("a sum of products needs at least one product")
    lefts = [a.reshape(1, -1) if a.ndim == 1 else a for a, _ in pairs]
    rights = [b.reshape(-1, 1) if b.ndim == 1 else b for _, b in pairs]
    m, n = lefts[0].shape[0], rights[0].shape[-1]
    inner = sum(a.shape[-1] for a in lefts)
    first = pairs[0]
    if (
        len(pairs) > 1
        and m * inner * n < LIMB_THRESHOLD
        and all(a.ndim == first[0].ndim and b.ndim == first[1].ndim for a, b in pairs)
    ):
        try:
            left, right = np.concatenate(lefts, axis=1), np.concatenate(rights, axis=0)
        except ValueError as exc:
            raise ConfigError("the products of a ring matmul sum do not align") from exc
        joined: np.ndarray = ring_matmul(left, right).reshape(_product_shape(*first))
        return joined
    total = ring_matmul(*first)
    for a, b in pairs[1:]:
        total += ring_matmul(a, b)
    return total


def _product_shape(a: np.ndarray, b: np.ndarray) -> tuple[int, ...]:
    """The shape of ``a @ b`` for 1-D or 2-D operands (numpy's rules)."""
    return tuple(a.shape[:-1]) + tuple(b.shape[1:])
