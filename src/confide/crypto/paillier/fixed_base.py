"""Fixed-base exponentiation by table: many ``base**e mod modulus`` for one base.

The DJN randomness ``h_s**a`` of an encryption is such a power (see :mod:`confide.crypto.paillier`);
the keys keep one table modulo ``n**2`` (public key) or two modulo ``p**2`` and ``q**2`` (private
key).
"""

from __future__ import annotations

from confide.crypto.he_core.gmp import ONE, Mpz

__all__: list[str] = []  # the package's own helper, re-exported nowhere


class _FixedBase:
    """``base**e mod modulus`` for many exponents ``e``, by a table with one row per byte of ``e``.

    Row ``i`` holds ``base**(d * 256**i)`` for ``d`` in 1..255, so ``base**e`` is the product of
    one entry per nonzero byte of ``e``: ``len(e) - 1`` multiplications at most. The table has
    ``255 * exp_bytes`` entries (about 17 MiB for a 4096-bit modulus and 128-byte exponents,
    9 MiB for a 2048-bit one).
    """

    __slots__ = ("modulus", "rows")

    def __init__(self, base: Mpz, modulus: Mpz, exp_bytes: int) -> None:
        self.modulus = modulus
        rows = []
        step = base % modulus
        for _ in range(exp_bytes):
            row = [ONE, step]
            x = step
            for _ in range(254):
                x = x * step % modulus
                row.append(x)
            rows.append(row)
            step = x * step % modulus  # step**256: the base of the next byte position
        self.rows = rows

    def powers(self, digits: bytes, exp_bytes: int) -> list[Mpz]:
        """``base**e`` for each ``exp_bytes``-byte little-endian exponent ``e`` in ``digits``."""
        rows = self.rows
        modulus = self.modulus
        out = []
        for start in range(0, len(digits), exp_bytes):
            acc = ONE
            for row, d in zip(rows, digits[start : start + exp_bytes], strict=True):
                if d:
                    acc = acc * row[d] % modulus
            out.append(acc)
        return out
