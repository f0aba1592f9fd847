"""Seeded synthetic customer data, so that the demo and the tests run anywhere.

Not secret and not cryptographic: ``numpy.random`` is the right tool here (and only here).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from confide.errors import ConfigError

__all__ = ["HORIZONTAL_COLUMNS", "horizontal_customers"]

#: The columns every party holds in :func:`horizontal_customers`.
HORIZONTAL_COLUMNS = ("age", "income", "credit_limit", "utilisation", "months_on_book")


def horizontal_customers(
    parties: Sequence[str], rows: int | Sequence[int], *, seed: int = 0
) -> dict[str, dict[str, np.ndarray]]:
    """Customer tables with the same columns for each party (horizontally split data).

    Each party serves a different population (younger or older customers, richer or poorer),
    so that no party's statistics equal the joint ones. Incomes are log-normal, credit limits
    grow with income, utilisation is a beta-distributed share, and about 3% of incomes and 1% of
    utilisations are missing (NaN).
    """
    counts = [rows] * len(parties) if isinstance(rows, int) else list(rows)
    if len(counts) != len(parties) or any(n < 0 for n in counts):
        raise ConfigError("give one non-negative row count per party")
    rng = np.random.default_rng(seed)
    tables: dict[str, dict[str, np.ndarray]] = {}
    for index, (party, n) in enumerate(zip(parties, counts, strict=True)):
        shift = index - (len(parties) - 1) / 2
        age = np.clip(rng.normal(41 + 6 * shift, 11, n), 18, 90).round()
        income = np.exp(rng.normal(10.4 + 0.15 * shift + 0.01 * (age - 40), 0.55, n)).round(2)
        limit = (income * rng.uniform(0.2, 0.6, n)).round(-2)
        utilisation = rng.beta(2 + 0.3 * index, 5, n)
        months = rng.integers(1, 240, n).astype(np.float64)
        income[rng.random(n) < 0.03] = np.nan
        utilisation[rng.random(n) < 0.01] = np.nan
        tables[party] = {
            "age": age,
            "income": income,
            "credit_limit": limit,
            "utilisation": utilisation,
            "months_on_book": months,
        }
    return tables
