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

import numpy as np

from confide.errors import ConfigError
from confide.mpc.encoding import RING_DTYPE

__all__ = ["LIMB_THRESHOLD", "MAX_BLOCK", "ring_matmul"]

#: Longest inner dimension one limb product covers exactly: 1.5625 K 2^42 <= 2^53.
MAX_BLOCK = 1310
#: Multiply-adds (m * k * n) from which the limb method beats numpy's uint64 matmul (measured
#: crossover between 128^3 and 200^3 on a 2-core machine).
LIMB_THRESHOLD = 1 << 22

#: Limb widths, low to high; the offsets are 0, 22 and 42.
_WIDTHS = (22, 20, 22)


def _limbs(x: np.ndarray) -> list[np.ndarray]:
    """Balanced limbs (float64) of uint64 ``x``: x = l0 + l1 2^22 + l2 2^42 mod 2^64."""
    limbs = []
    rest = x
    for width in _WIDTHS:
        half = np.uint64(1 << (width - 1))
        low = (rest + half) & np.uint64((1 << width) - 1)  # limb + 2^(width-1)
        limbs.append(low.astype(np.float64) - float(1 << (width - 1)))
        rest = (rest - low + half) >> np.uint64(width)  # (rest - limb) / 2^width, exact
    return limbs


def _as_ring(products: np.ndarray) -> np.ndarray:
    """Exact float64 integers (|v| < 2^53) as ring elements."""
    words: np.ndarray = products.astype(np.int64).view(RING_DTYPE)
    return words


def _limb_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` mod 2^64 for 2-D uint64 arrays with ``a.shape[1] <= MAX_BLOCK``."""
    a0, a1, a2 = _limbs(a)
    b0, b1, b2 = _limbs(b)
    p00 = _as_ring(a0 @ b0)
    p11 = _as_ring(a1 @ b1)
    middle = _as_ring((a0 + a1) @ (b0 + b1)) - p00 - p11
    outer = _as_ring(a0 @ b2) + _as_ring(a2 @ b0)
    out: np.ndarray = p00 + (middle << np.uint64(22))
    out += outer << np.uint64(42)
    out += p11 << np.uint64(44)
    return out


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
    shape = tuple(d for d, kept in ((m, a.ndim == 2), (n, b.ndim == 2)) if kept)
    result: np.ndarray = out.reshape(shape)
    return result
