"""The gmpy2 integers both homomorphic schemes compute with: ``mpz``, its annotation, one.

gmpy2 ships no type information, so ``Mpz`` (``Any``) stands for ``mpz`` in annotations.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import gmpy2  # type: ignore[import-untyped]

__all__ = ["ONE", "Mpz", "mpz"]

mpz = gmpy2.mpz
Mpz: TypeAlias = Any  # gmpy2 ships no type information
ONE = mpz(1)
