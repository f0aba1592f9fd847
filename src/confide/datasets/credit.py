"""Vertically split credit data: a bank with loan outcomes and a data platform with features.

Two sources, one shape (:class:`VerticalCredit`), so the demo, the tests and the benchmarks can
run the same vertical pipeline on either:

- :func:`vertical_credit` generates any number of customers from a seeded model, with a known
  ground truth. Not secret and not cryptographic: ``numpy.random`` is the right tool here.
- :func:`taiwan_vertical` splits the UCI "default of credit card clients" data set as
  ``../shared/data/README.md`` suggests.

In both, ``overlap`` is the share of each side's rows whose id the other side also holds: the
bank and the platform hold the same number of customers, ``overlap`` of them in common and the
rest each side's own, so the intersection is a strict subset of both when ``overlap < 1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from confide.errors import ConfigError

__all__ = [
    "BANK_COLUMNS",
    "PLATFORM_COLUMNS",
    "TAIWAN_BANK_COLUMNS",
    "TAIWAN_LABEL",
    "TAIWAN_PLATFORM_COLUMNS",
    "TRUE_COEFFICIENTS",
    "VerticalCredit",
    "taiwan_vertical",
    "vertical_credit",
]

FloatArray = npt.NDArray[np.float64]
#: One generated column: a numpy array, or a pandas categorical for the categorical ones.
Column = npt.NDArray[Any] | pd.Categorical

#: The bank's columns in :func:`vertical_credit`: id, label, then its repayment history.
BANK_COLUMNS = (
    "id",
    "default",
    "months_on_book",
    "num_accounts",
    "utilisation",
    "past_delinquencies",
    "payment_ratio",
)
#: The platform's columns in :func:`vertical_credit`: id, demographics, credit line, behaviour.
PLATFORM_COLUMNS = (
    "id",
    "age",
    "income",
    "employment_type",
    "region",
    "credit_line",
    "inquiries_6m",
    "online_activity",
)

EMPLOYMENT_TYPES = ("salaried", "self_employed", "contractor", "student", "retired", "unemployed")
REGIONS = ("north", "south", "east", "west", "central")

#: The true model, ``logit P(default) = intercept + sum(coefficient * term)``. Terms, by owner:
#: bank ``utilisation``, ``over_limit`` = max(utilisation - 0.9, 0), ``delinquencies`` =
#: min(past_delinquencies, 5), ``new_account`` = max(log(24 / months_on_book), 0),
#: ``payment_ratio``; platform ``log_income`` = log(income / 30,000), ``age_u`` =
#: ((age - 45) / 12)^2, ``inquiries`` = min(inquiries_6m, 8), ``line_to_income`` =
#: log(credit_line / income), one ``employment_*`` indicator per type (salaried is the base)
#: and ``region_*`` for north and south; across both, ``utilisation_x_low_income`` =
#: utilisation * (income < 20,000) and ``delinquencies_x_inquiries`` = delinquencies * inquiries.
#: The label is drawn from these before any value is blanked out as missing.
TRUE_COEFFICIENTS: Mapping[str, float] = MappingProxyType(
    {
        "intercept": -2.6,
        "utilisation": 2.0,
        "over_limit": 4.0,
        "delinquencies": 0.6,
        "new_account": 0.35,
        "payment_ratio": -2.5,
        "log_income": -0.5,
        "age_u": 0.3,
        "inquiries": 0.22,
        "line_to_income": 0.25,
        "employment_self_employed": 0.35,
        "employment_contractor": 0.25,
        "employment_student": 0.4,
        "employment_retired": -0.2,
        "employment_unemployed": 0.8,
        "region_north": 0.15,
        "region_south": -0.15,
        "utilisation_x_low_income": 1.5,
        "delinquencies_x_inquiries": 0.08,
    }
)

#: The UCI file's label column, and its split per ``../shared/data/README.md``.
TAIWAN_LABEL = "default.payment.next.month"
TAIWAN_PLATFORM_COLUMNS = ("ID", "LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE")
TAIWAN_BANK_COLUMNS = (
    "ID",
    TAIWAN_LABEL,
    *(f"PAY_{i}" for i in (0, 2, 3, 4, 5, 6)),
    *(f"BILL_AMT{i}" for i in range(1, 7)),
    *(f"PAY_AMT{i}" for i in range(1, 7)),
)


@dataclass(frozen=True, eq=False)
class VerticalCredit:
    """The bank's and the platform's tables, and how to read them (compared by identity).

    ``bank`` holds ``id_column``, ``label_column`` (1 = default) and the repayment history;
    ``platform`` holds ``id_column`` and its features, without the label. For generated data,
    ``coefficients`` is the true model (see ``TRUE_COEFFICIENTS``) and ``probability`` the true
    default probability of each bank row, in ``bank``'s order; for real data both are empty.
    """

    bank: pd.DataFrame
    platform: pd.DataFrame
    id_column: str = "id"
    label_column: str = "default"
    coefficients: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    probability: FloatArray = field(default_factory=lambda: np.zeros(0))

    @property
    def shared_ids(self) -> set[object]:
        """The ids both sides hold (computed in the clear: for tests and checks only)."""
        return set(self.bank[self.id_column]) & set(self.platform[self.id_column])


def vertical_credit(n_customers: int, *, overlap: float = 0.8, seed: int = 0) -> VerticalCredit:
    """Generated vertical credit data: ``n_customers`` rows at the bank and as many at the platform.

    ``round(overlap * n_customers)`` ids are on both sides, the rest of each side's ids are its
    own. Ids are strings such as ``"C000123"``, numbered at random; both tables are sorted by id.
    About 15% of customers default.

    The features are correlated through a hidden "financial stress" factor; incomes and credit
    lines are log-normal; ``employment_type`` and ``region`` are pandas categoricals. Missing
    values: about 2% of ``utilisation`` at the bank; about 4% of ``income`` (more for the
    self-employed), 2% of ``employment_type`` and 5% of ``online_activity`` at the platform.
    The label follows the logistic model of ``TRUE_COEFFICIENTS``, with nonlinear effects and
    interactions across the two sides, so that neither side alone predicts as well as both.
    Deterministic for a given ``seed``.
    """
    n = _check_size(n_customers)
    shared, own = _split_sizes(n, overlap)
    rng = np.random.default_rng(_check_seed(seed))
    population = shared + 2 * own
    bank_side, platform_side, truth = _simulate(rng, population)

    width = max(6, len(str(population - 1)))
    numbers = rng.permutation(population)
    ids = np.array([f"C{k:0{width}d}" for k in numbers.tolist()], dtype=object)
    # People 0..shared-1 are on both sides, then the bank's own, then the platform's own;
    # each side's rows are then put in id order.
    at_bank = np.arange(shared + own)
    at_platform = np.concatenate((np.arange(shared), np.arange(shared + own, population)))
    at_bank = at_bank[np.argsort(numbers[at_bank])]
    at_platform = at_platform[np.argsort(numbers[at_platform])]
    return VerticalCredit(
        bank=_frame(ids, bank_side, at_bank, BANK_COLUMNS),
        platform=_frame(ids, platform_side, at_platform, PLATFORM_COLUMNS),
        coefficients=TRUE_COEFFICIENTS,
        probability=truth[at_bank],
    )


def taiwan_vertical(path: str | Path, *, overlap: float = 0.9, seed: int = 0) -> VerticalCredit:
    """The UCI Taiwan credit-card data split between a bank and a platform.

    The bank holds ``ID``, the label ``default.payment.next.month`` and the repayment history
    (``PAY_*``, ``BILL_AMT*``, ``PAY_AMT*``); the platform holds ``ID``, ``LIMIT_BAL`` and the
    demographics (``SEX``, ``EDUCATION``, ``MARRIAGE``, ``AGE``). Each side keeps a different
    random subset of the customers, of equal size, ``overlap`` of each side's rows in common:
    with 30,000 customers and ``overlap=0.9`` each side holds 27,272 of them (about 91%) and
    24,545 are on both. Rows keep the file's order. Raises :class:`ConfigError` naming ``path``
    when the file is absent, unreadable or lacks a column.
    """
    source = Path(path)
    if not source.is_file():
        raise ConfigError(f"the Taiwan credit data is not at {source}")
    try:
        data = pd.read_csv(source)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the Taiwan credit data at {source}: {exc}") from exc
    missing = [c for c in (*TAIWAN_BANK_COLUMNS, *TAIWAN_PLATFORM_COLUMNS) if c not in data]
    if missing:
        raise ConfigError(f"{source} lacks the columns {missing}")
    total = len(data)
    # Each side holds n rows, s = overlap * n of them shared, and together they cover everyone:
    # 2n - s = total.
    n = int(np.floor(total / (2.0 - _check_overlap(overlap))))
    shared, own = _split_sizes(n, overlap)
    order = np.random.default_rng(_check_seed(seed)).permutation(total)
    at_bank = np.sort(order[: shared + own])
    at_platform = np.sort(np.concatenate((order[:shared], order[shared + own : shared + 2 * own])))
    return VerticalCredit(
        bank=data.iloc[at_bank][list(TAIWAN_BANK_COLUMNS)].reset_index(drop=True),
        platform=data.iloc[at_platform][list(TAIWAN_PLATFORM_COLUMNS)].reset_index(drop=True),
        id_column="ID",
        label_column=TAIWAN_LABEL,
    )


def _simulate(
    rng: np.random.Generator, m: int
) -> tuple[dict[str, Column], dict[str, Column], FloatArray]:
    """Both sides' columns for ``m`` people, and each one's true default probability."""
    stress = rng.standard_normal(m)

    # The platform: demographics, credit line and behaviour.
    age = np.clip(rng.normal(42.0, 13.0, m), 18.0, 85.0).round()
    employment = _employment(rng, age)
    log_income = (
        10.25
        + np.array([0.0, 0.15, -0.05, -1.0, -0.35, -0.9])[employment]
        + 0.012 * (age - 40.0)
        - 0.0006 * (age - 40.0) ** 2
        - 0.15 * stress
        + rng.normal(0.0, 0.5, m)
    )
    income = np.maximum(np.exp(log_income).round(-2), 100.0)
    region = rng.choice(len(REGIONS), size=m, p=[0.22, 0.2, 0.18, 0.15, 0.25])
    credit_line = np.maximum(
        (income * np.exp(rng.normal(-0.6, 0.55, m) + 0.2 * stress)).round(-2), 100.0
    )
    inquiries = rng.poisson(np.exp(-0.1 + 0.45 * stress + 0.4 * (age < 30)))
    online = rng.binomial(30, 1.0 / (1.0 + np.exp(0.04 * (age - 40.0) - 0.3 * stress)))

    # The bank: repayment history.
    months = np.clip(1.0 + rng.gamma(1.6, 30.0, m), 1.0, 360.0).round()
    accounts = 1 + rng.poisson(1.2 + 0.02 * (months / 12.0), m)
    utilisation = np.clip(
        1.15 / (1.0 + np.exp(1.0 - 0.55 * stress + rng.normal(0.0, 1.0, m))), 0.0, 1.15
    ).round(3)
    delinquencies = rng.poisson(np.exp(-1.4 + 0.6 * stress), m)
    payment_ratio = (1.0 / (1.0 + np.exp(-0.9 + 0.45 * stress + rng.normal(0.0, 0.9, m)))).round(3)

    c = TRUE_COEFFICIENTS
    late = np.minimum(delinquencies, 5).astype(np.float64)
    asked = np.minimum(inquiries, 8).astype(np.float64)
    logit = (
        c["intercept"]
        + c["utilisation"] * utilisation
        + c["over_limit"] * np.maximum(utilisation - 0.9, 0.0)
        + c["delinquencies"] * late
        + c["new_account"] * np.maximum(np.log(24.0 / months), 0.0)
        + c["payment_ratio"] * payment_ratio
        + c["log_income"] * np.log(income / 30_000.0)
        + c["age_u"] * ((age - 45.0) / 12.0) ** 2
        + c["inquiries"] * asked
        + c["line_to_income"] * np.log(credit_line / income)
        + np.array([0.0, *(c[f"employment_{t}"] for t in EMPLOYMENT_TYPES[1:])])[employment]
        + np.array([c["region_north"], c["region_south"], 0.0, 0.0, 0.0])[region]
        + c["utilisation_x_low_income"] * utilisation * (income < 20_000.0)
        + c["delinquencies_x_inquiries"] * late * asked
    )
    probability = 1.0 / (1.0 + np.exp(-logit))
    default = (rng.random(m) < probability).astype(np.int64)

    # Blank out some values, after the label is drawn.
    income_missing = rng.random(m) < np.where(employment == 1, 0.10, 0.03)
    employment_labels = _categorical(
        np.where(rng.random(m) < 0.02, -1, employment).astype(np.int64), EMPLOYMENT_TYPES
    )
    bank: dict[str, Column] = {
        "default": default,
        "months_on_book": months.astype(np.int64),
        "num_accounts": accounts.astype(np.int64),
        "utilisation": np.where(rng.random(m) < 0.02, np.nan, utilisation),
        "past_delinquencies": delinquencies.astype(np.int64),
        "payment_ratio": payment_ratio,
    }
    platform: dict[str, Column] = {
        "age": age.astype(np.int64),
        "income": np.where(income_missing, np.nan, income),
        "employment_type": employment_labels,
        "region": _categorical(region.astype(np.int64), REGIONS),
        "credit_line": credit_line,
        "inquiries_6m": inquiries.astype(np.int64),
        "online_activity": np.where(rng.random(m) < 0.05, np.nan, online.astype(np.float64)),
    }
    return bank, platform, probability


def _employment(rng: np.random.Generator, age: FloatArray) -> npt.NDArray[np.int64]:
    """Employment type codes (into ``EMPLOYMENT_TYPES``), with students young and retirees old."""
    weights = np.stack(
        [
            np.full(age.size, 0.58),
            np.full(age.size, 0.14),
            np.full(age.size, 0.10),
            np.where(age < 26, 0.5, 0.01),
            np.where(age >= 62, 1.2, 0.01),
            np.full(age.size, 0.06),
        ],
        axis=1,
    )
    cumulative = np.cumsum(weights / weights.sum(axis=1, keepdims=True), axis=1)
    draw = rng.random(age.size)[:, None]
    codes: npt.NDArray[np.int64] = np.minimum((draw > cumulative).sum(axis=1), 5).astype(np.int64)
    return codes


def _categorical(codes: npt.NDArray[np.int64], categories: tuple[str, ...]) -> pd.Categorical:
    """A pandas categorical from integer codes (-1 is missing)."""
    dtype: pd.CategoricalDtype = pd.CategoricalDtype(list(categories))
    return pd.Categorical.from_codes(codes, dtype=dtype)


def _frame(
    ids: npt.NDArray[np.object_],
    columns: dict[str, Column],
    rows: npt.NDArray[np.int64],
    names: tuple[str, ...],
) -> pd.DataFrame:
    """One side's table: the ids and the named columns, at ``rows``."""
    data: dict[str, Column] = {"id": ids[rows]}
    data.update({name: columns[name][rows] for name in names[1:]})
    frame: pd.DataFrame = pd.DataFrame(data)
    return frame


def _split_sizes(n: int, overlap: float) -> tuple[int, int]:
    """(shared, own) row counts of each side for ``n`` rows a side."""
    shared = round(_check_overlap(overlap) * n)
    return shared, n - shared


def _check_size(n_customers: int) -> int:
    if isinstance(n_customers, bool) or not isinstance(n_customers, int | np.integer):
        raise ConfigError(f"n_customers must be an integer, got {n_customers!r}")
    if n_customers < 1:
        raise ConfigError(f"n_customers must be at least 1, got {n_customers}")
    return int(n_customers)


def _check_overlap(overlap: float) -> float:
    if isinstance(overlap, bool) or not isinstance(overlap, int | float | np.floating):
        raise ConfigError(f"overlap must be a number in [0, 1], got {overlap!r}")
    if not 0.0 <= overlap <= 1.0:
        raise ConfigError(f"overlap must lie in [0, 1], got {overlap}")
    return float(overlap)


def _check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}")
    return int(seed)
