"""Fixed-base exponentiation by window tables: many ``base**e mod modulus`` for one base.

Every OU encryption is ``g**m * h**r`` for the two fixed bases of the public key, so both powers
come from tables (see :mod:`confide.crypto.ou`). An exponent is cut into digits of
:data:`WINDOW_BITS` bits, least significant first; row ``i`` of a table holds
``base**(d * 2**(WINDOW_BITS * i))`` for every digit value ``d``, so ``base**e`` is one
multiplication per digit. Rows are built when an exponent first needs them.

Work goes row by row over a whole batch of exponents (one list comprehension per row), which
keeps the interpreter's share of the cost small next to gmpy2's multiplications.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from confide.crypto.he_core.gmp import ONE, Mpz

__all__: list[str] = []  # the package's own helpers, re-exported nowhere

#: Bits per digit. A row has ``2**12`` entries (1 MiB of 2048-bit numbers): 22 rows make the
#: randomness exponent, where 8-bit digits would take 32 multiplications and a tenth of the
#: memory. Measured on this machine class (modulo ``p**2`` and ``q``, 2048-bit key): 31 us for
#: ``h**r`` against 41 us with 8-bit digits; 14-bit digits would need 4 times the memory.
WINDOW_BITS = 12
_DIGIT_MASK = (1 << WINDOW_BITS) - 1

DigitArray = npt.NDArray[np.uint16]


class _WindowTable:
    """``base**e mod modulus`` for batches of exponents given as digit arrays (see module)."""

    __slots__ = ("_lock", "_next", "modulus", "rows")

    def __init__(self, base: Mpz, modulus: Mpz) -> None:
        self.modulus = modulus
        self.rows: list[list[Mpz]] = []
        self._next = base % modulus  # the base of the next row: base**(2**(WINDOW_BITS * i))
        self._lock = threading.Lock()

    def _ensure(self, count: int) -> list[list[Mpz]]:
        with self._lock:
            modulus = self.modulus
            while len(self.rows) < count:
                step = self._next
                row = [ONE, step]
                x = step
                for _ in range(_DIGIT_MASK - 1):
                    x = x * step % modulus
                    row.append(x)
                self.rows.append(row)
                self._next = x * step % modulus
            return self.rows[:count]

    def multiply(self, acc: list[Mpz] | None, digits: DigitArray) -> list[Mpz]:
        """``acc[i] * base**e_i mod modulus`` for the exponents ``e_i`` of ``digits``.

        ``digits`` has shape ``(count, rows)``, digit ``j`` of row ``i`` the ``j``-th window of
        ``e_i``; ``acc=None`` stands for ones. Columns that are zero everywhere cost nothing.
        """
        count, n_rows = digits.shape
        rows = self._ensure(n_rows)
        live = np.flatnonzero(digits.any(axis=0)) if count else np.zeros(0, np.int64)
        modulus = self.modulus
        for j in live.tolist():
            row = rows[j]
            column = digits[:, j].tolist()
            if acc is None:
                acc = [row[d] for d in column]
            else:
                acc = [a * row[d] % modulus for a, d in zip(acc, column)]  # noqa: B905 (hot loop)
        return [ONE] * count if acc is None else acc


def random_digits(count: int, bits: int) -> DigitArray:
    """Digits of ``count`` exponents uniform in ``[0, 2**(WINDOW_BITS * rows))``, from ``secrets``.

    ``rows = ceil(bits / WINDOW_BITS)``: at least ``bits`` random bits each.
    """
    rows = -(-bits // WINDOW_BITS)
    raw = np.frombuffer(secrets.token_bytes(2 * count * rows), dtype=np.uint16)
    digits: DigitArray = (raw & np.uint16(_DIGIT_MASK)).reshape(count, rows)
    return digits


def magnitude_digits(values: Sequence[int]) -> DigitArray:
    """Digits of ``|v|`` for each integer ``v`` (as many columns as the largest needs)."""
    count = len(values)
    if count == 0:
        return np.zeros((0, 0), dtype=np.uint16)
    top = max(abs(min(values)), abs(max(values)))
    rows = max(1, -(-int(top).bit_length() // WINDOW_BITS))
    if top < 2**63:
        mags = np.abs(np.array(values, dtype=np.int64))
        shifts = WINDOW_BITS * np.arange(rows, dtype=np.int64)
        return ((mags[:, None] >> shifts[None, :]) & _DIGIT_MASK).astype(np.uint16)
    # Two 12-bit digits per three little-endian bytes.
    pairs = -(-rows // 2)
    width = 3 * pairs
    blob = b"".join([abs(v).to_bytes(width, "little") for v in values])
    raw = np.frombuffer(blob, dtype=np.uint8).reshape(count, pairs, 3).astype(np.uint16)
    low = raw[:, :, 0] | ((raw[:, :, 1] & 0xF) << 8)
    high = (raw[:, :, 1] >> 4) | (raw[:, :, 2] << 4)
    return np.stack([low, high], axis=2).reshape(count, 2 * pairs)[:, :rows]
