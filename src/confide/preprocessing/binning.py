"""Binning of one owner's columns, local and in the clear: the bins that WOE and IV are built on.

Each feature owner bins its own columns before any secure step
(:mod:`confide.preprocessing.vertical`) and keeps the bin edges and categories to itself.
:func:`fit_bins` learns a :class:`BinSpec` per column; :func:`assign_bins` maps rows to bin
indices, vectorised.

How columns are binned:

- **Numeric** columns (any numeric dtype) get ordered, right-open intervals ``[a, b)``; the first
  reaches down to ``-inf`` and the last up to ``+inf``, so values outside the range seen at fit
  time still fall in a bin. ``method="quantile"`` puts the edges at the quantiles (ties collapse
  into one edge), ``"equal_width"`` spreads them evenly between the minimum and the maximum. A
  column with at most ``n_bins`` distinct values starts one bin at each value, so small integer
  codes (``PAY_0``, ``SEX``) stay ordered and mergeable. Pass such a column in ``categorical`` to
  bin its codes as unordered categories instead.
- **Categorical** columns (dtype object, string, category or bool, and those named in
  ``categorical``) get one bin per category. Categories with fewer than ``min_rows`` rows, and
  those beyond the ``n_bins - 1`` most frequent, go to one ``"(other)"`` bin; while that bin
  itself has fewer than ``min_rows`` rows, the smallest remaining category joins it.
- **Merging.** While a numeric bin holds fewer than ``min_rows`` rows (empty bins included), it is
  merged with its smaller neighbour (the left one on a tie). ``min_rows`` defaults to 5% of the
  rows; it is what keeps a bin's event count from telling a feature owner single labels.
- **Missing values** (NaN, None, pd.NA) get a bin of their own, the last, labelled ``"missing"``,
  if there are at least ``min_rows`` of them; fewer are folded into the most populous bin, whose
  label then ends in ``" or missing"``. Missing values met only later, at transform time, also go
  to the most populous bin (``BinSpec.missing_bin``); unseen categories go to the ``"(other)"``
  bin, or to the most populous one when there is none (``BinSpec.other_bin``).
- **Unbinnable columns.** A constant column, or one whose rows all end in one bin after merging,
  carries no information: :func:`fit_bins` raises ``ConfigError`` naming it, or with
  ``single_bin="drop"`` leaves it out with a ``UserWarning`` naming it.

Errors name columns and counts, never data values, since they may travel to peers.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype

from confide.errors import ConfigError

__all__ = [
    "DEFAULT_MIN_FRACTION",
    "BinSpec",
    "assign_bins",
    "fit_bins",
    "resolve_min_rows",
]

#: The default smallest bin, as a share of the rows: 5%, the usual floor in credit scorecards.
DEFAULT_MIN_FRACTION = 0.05

BinKind = Literal["numeric", "categorical"]
Method = Literal["quantile", "equal_width"]

_KINDS = ("numeric", "categorical")
_METHODS = ("quantile", "equal_width")
_MISSING = "missing"
_OTHER = "(other)"


@dataclass(frozen=True)
class BinSpec:
    """How one column is cut into bins (fitted by :func:`fit_bins`; kept by the column's owner).

    ``labels[k]`` describes bin ``k`` for people: ``"(-inf, 2.5)"``, ``"[2.5, 7)"``,
    ``"= salaried"``, ``"(other)"``, ``"missing"``. Numeric bins are the intervals between the
    ascending interior ``edges`` (bin ``k`` is ``[edges[k-1], edges[k])``); categorical bin ``k``
    holds the categories ``groups[k]``. When ``has_missing_bin``, the last bin holds the missing
    values and nothing else; otherwise missing values fall in ``missing_bin``. ``other_bin`` is
    where a categorical column's unseen categories fall (``None`` for numeric columns).
    """

    feature: str
    kind: BinKind
    labels: tuple[str, ...]
    edges: tuple[float, ...] = ()
    groups: tuple[tuple[Hashable, ...], ...] = ()
    missing_bin: int = 0
    has_missing_bin: bool = False
    other_bin: int | None = None

    def __post_init__(self) -> None:
        name = self.feature
        if not isinstance(name, str) or not name:
            raise ConfigError("a bin spec needs a feature name")
        if self.kind not in _KINDS:
            raise ConfigError(f"bin spec {name!r}: kind must be one of {_KINDS}")
        n = len(self.labels)
        if n < 1 or not all(isinstance(label, str) for label in self.labels):
            raise ConfigError(f"bin spec {name!r} needs one string label per bin")
        if not 0 <= self.missing_bin < n:
            raise ConfigError(f"bin spec {name!r}: missing_bin is out of range")
        if self.has_missing_bin and self.missing_bin != n - 1:
            raise ConfigError(f"bin spec {name!r}: a missing bin must be the last bin")
        value_bins = n - int(self.has_missing_bin)
        if self.kind == "numeric":
            edges = np.asarray(self.edges, dtype=np.float64)
            if len(edges) != value_bins - 1 or self.groups or self.other_bin is not None:
                raise ConfigError(f"bin spec {name!r}: a numeric spec has one edge less than bins")
            if not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0):
                raise ConfigError(f"bin spec {name!r}: edges must be finite and increasing")
        else:
            flat = [c for group in self.groups for c in group]
            if len(self.groups) != value_bins or self.edges:
                raise ConfigError(f"bin spec {name!r}: a categorical spec needs one group per bin")
            if len(set(flat)) != len(flat):
                raise ConfigError(f"bin spec {name!r}: a category appears in two bins")
            if self.other_bin is None or not 0 <= self.other_bin < value_bins:
                raise ConfigError(f"bin spec {name!r}: other_bin is out of range")

    @property
    def n_bins(self) -> int:
        """The number of bins."""
        return len(self.labels)


def resolve_min_rows(min_rows: int | float | None, n_rows: int) -> int:
    """The smallest bin in rows: ``min_rows`` itself (an int), a share of ``n_rows`` (a float in
    (0, 1)), or 5% of ``n_rows`` (``None``); at least 1."""
    if min_rows is None:
        return max(1, math.ceil(DEFAULT_MIN_FRACTION * n_rows))
    if isinstance(min_rows, bool) or not isinstance(min_rows, int | float):
        raise ConfigError(f"min_rows must be an int or a float, got {type(min_rows).__name__}")
    if isinstance(min_rows, float):
        if not 0.0 < min_rows < 1.0:
            raise ConfigError(
                f"min_rows as a float is a share of the rows in (0, 1), got {min_rows}"
            )
        return max(1, math.ceil(min_rows * n_rows))
    if min_rows < 1:
        raise ConfigError(f"min_rows must be at least 1, got {min_rows}")
    return int(min_rows)


def fit_bins(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    method: Method = "quantile",
    n_bins: int = 10,
    min_rows: int | float | None = None,
    categorical: Collection[str] | None = None,
    single_bin: Literal["raise", "drop"] = "raise",
) -> dict[str, BinSpec]:
    """Fit a :class:`BinSpec` for each of ``columns`` (default: every column of ``frame``).

    ``method`` cuts numeric columns (``"quantile"`` or ``"equal_width"``) into at most ``n_bins``
    bins before merging; ``min_rows`` is the smallest bin (see :func:`resolve_min_rows`);
    ``categorical`` names columns to bin as categories whatever their dtype. A column that ends
    in one bin raises ``ConfigError``, or with ``single_bin="drop"`` is left out with a warning.
    Leave ids and the label out of ``columns``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"fit_bins takes a pandas DataFrame, got {type(frame).__name__}")
    if method not in _METHODS:
        raise ConfigError(f"method must be one of {_METHODS}, got {method!r}")
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins < 2:
        raise ConfigError(f"n_bins must be an int of at least 2, got {n_bins!r}")
    if single_bin not in ("raise", "drop"):
        raise ConfigError(f"single_bin must be 'raise' or 'drop', got {single_bin!r}")
    names = list(frame.columns) if columns is None else list(columns)
    _check_columns(frame, names)
    as_categories = set(categorical or ())
    unknown = sorted(as_categories - set(frame.columns))
    if unknown:
        raise ConfigError(f"categorical names columns the frame lacks: {unknown}")
    floor = resolve_min_rows(min_rows, len(frame))
    specs: dict[str, BinSpec] = {}
    for name in names:
        series = frame[name]
        try:
            if name in as_categories or not _is_numeric(series):
                specs[name] = _fit_categorical(name, series, n_bins, floor)
            else:
                specs[name] = _fit_numeric(
                    name, _numeric_values(name, series), method, n_bins, floor
                )
        except _SingleBin as exc:
            if single_bin == "raise":
                raise ConfigError(str(exc)) from None
            warnings.warn(f"{exc}: left out", UserWarning, stacklevel=2)
    return specs


def assign_bins(frame: pd.DataFrame, specs: Mapping[str, BinSpec]) -> np.ndarray:
    """The bin index of every row in every spec's column: an ``int64`` array, rows x specs.

    Columns come in the order of ``specs``. Values never seen at fit time still get a bin (see
    the module docstring); a numeric spec on a column that is not numeric raises ``ConfigError``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"assign_bins takes a pandas DataFrame, got {type(frame).__name__}")
    _check_columns(frame, list(specs))
    out = np.empty((len(frame), len(specs)), dtype=np.int64)
    for j, (name, spec) in enumerate(specs.items()):
        if not isinstance(spec, BinSpec) or spec.feature != name:
            raise ConfigError(f"specs[{name!r}] must be the BinSpec of feature {name!r}")
        series = frame[name]
        if spec.kind == "numeric":
            values = _numeric_values(name, series)
            index = np.searchsorted(np.asarray(spec.edges), values, side="right")
            out[:, j] = np.where(np.isnan(values), spec.missing_bin, index)
        else:
            out[:, j] = _category_bins(spec, series)
    return out


# -- numeric columns -------------------------------------------------------------------------------


class _SingleBin(Exception):
    """A column whose rows all fall into one bin (internal: fit_bins raises or warns)."""


def _is_numeric(series: pd.Series) -> bool:
    return is_numeric_dtype(series.dtype) and not is_bool_dtype(series.dtype)


def _numeric_values(name: str, series: pd.Series) -> np.ndarray:
    """The column as float64 with NaN for missing values; ``ConfigError`` if not numeric."""
    if not _is_numeric(series):
        raise ConfigError(f"column {name!r} is not numeric")
    values: np.ndarray = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        raise ConfigError(f"column {name!r} has infinite values")
    return values


def _fit_numeric(name: str, values: np.ndarray, method: Method, n_bins: int, floor: int) -> BinSpec:
    present = values[~np.isnan(values)]
    n_missing = len(values) - len(present)
    distinct = np.unique(present)
    if len(distinct) == 0:
        raise _SingleBin(f"column {name!r} has no values")
    if len(distinct) == 1 and n_missing == 0:
        raise _SingleBin(f"column {name!r} is constant")
    if len(distinct) <= n_bins:
        edges = distinct[1:]
    elif method == "quantile":
        edges = np.unique(np.quantile(present, np.linspace(0.0, 1.0, n_bins + 1)[1:-1]))
        edges = edges[edges > distinct[0]]
    else:
        edges = np.linspace(distinct[0], distinct[-1], n_bins + 1)[1:-1]
    counts = np.bincount(np.searchsorted(edges, present, side="right"), minlength=len(edges) + 1)
    edges, counts = _merge_adjacent(edges, counts, floor)
    labels = _interval_labels(edges)
    missing_bin, separate = _place_missing(counts, n_missing, floor, labels)
    if len(labels) == 1:
        raise _SingleBin(f"all rows of column {name!r} fall into one bin with min_rows={floor}")
    return BinSpec(
        name,
        "numeric",
        tuple(labels),
        edges=tuple(float(e) for e in edges),
        missing_bin=missing_bin,
        has_missing_bin=separate,
    )


def _merge_adjacent(
    edges: np.ndarray, counts: np.ndarray, floor: int
) -> tuple[np.ndarray, np.ndarray]:
    """Merge each bin below ``floor`` rows into its smaller neighbour until none is left."""
    cuts, sizes = [float(e) for e in edges], [int(c) for c in counts]
    while len(sizes) > 1 and min(sizes) < floor:
        i = int(np.argmin(sizes))
        if i == 0:
            j = 1
        elif i == len(sizes) - 1:
            j = i - 1
        else:
            j = i - 1 if sizes[i - 1] <= sizes[i + 1] else i + 1
        low = min(i, j)
        sizes[low] += sizes.pop(low + 1)
        del cuts[low]  # the edge between bins low and low + 1
    return np.asarray(cuts, dtype=np.float64), np.asarray(sizes, dtype=np.int64)


def _interval_labels(edges: np.ndarray) -> list[str]:
    bounds = ["-inf", *(_number(e) for e in edges), "+inf"]
    return [
        f"{'(' if k == 0 else '['}{bounds[k]}, {bounds[k + 1]})" for k in range(len(bounds) - 1)
    ]


def _number(value: float) -> str:
    return f"{value:.10g}"


def _place_missing(
    counts: np.ndarray, n_missing: int, floor: int, labels: list[str]
) -> tuple[int, bool]:
    """Where missing values go: a bin of their own (appended to ``labels``) or the largest bin."""
    if n_missing >= floor:
        labels.append(_MISSING)
        return len(labels) - 1, True
    largest = int(np.argmax(counts))
    if n_missing:
        labels[largest] += f" or {_MISSING}"
    return largest, False


# -- categorical columns ---------------------------------------------------------------------------


def _fit_categorical(name: str, series: pd.Series, n_bins: int, floor: int) -> BinSpec:
    missing = series.isna().to_numpy()
    n_missing = int(missing.sum())
    counts = series[~missing].value_counts(sort=False)
    categories = _category_order(series, list(counts.index))
    sizes = {c: int(n) for c, n in zip(counts.index, counts.to_numpy(), strict=True)}
    if not categories:
        raise _SingleBin(f"column {name!r} has no values")
    if len(categories) == 1 and n_missing == 0:
        raise _SingleBin(f"column {name!r} is constant")
    by_size = sorted(categories, key=lambda c: -sizes[c])  # stable: ties keep category order
    kept = [c for c in by_size if sizes[c] >= floor]
    if len(kept) > n_bins:
        kept = kept[: n_bins - 1]
    other = [c for c in categories if c not in set(kept)]
    while other and sum(sizes[c] for c in other) < floor and kept:
        other.append(kept.pop())  # the smallest kept category joins "(other)"
    kept_set = set(kept)
    groups: list[tuple[Hashable, ...]] = [(c,) for c in categories if c in kept_set]
    labels = [f"= {c}" for c in categories if c in kept_set]
    bin_counts = [sizes[c] for c in categories if c in kept_set]
    if other:
        groups.append(tuple(c for c in categories if c in set(other)))
        labels.append(_OTHER)
        bin_counts.append(sum(sizes[c] for c in other))
    largest = int(np.argmax(bin_counts))
    other_bin = len(groups) - 1 if other else largest
    missing_bin, separate = _place_missing(np.asarray(bin_counts), n_missing, floor, labels)
    if len(labels) == 1:
        raise _SingleBin(f"all rows of column {name!r} fall into one bin with min_rows={floor}")
    return BinSpec(
        name,
        "categorical",
        tuple(labels),
        groups=tuple(groups),
        missing_bin=missing_bin,
        has_missing_bin=separate,
        other_bin=other_bin,
    )


def _category_order(series: pd.Series, seen: list[Hashable]) -> list[Hashable]:
    """The categories seen: in the dtype's order for pandas categoricals, else sorted (as text
    when the values do not compare)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(seen)
        return [c for c in series.dtype.categories if c in present]
    try:
        return sorted(seen)  # type: ignore[type-var]
    except TypeError:
        return sorted(seen, key=lambda c: (type(c).__name__, str(c)))


def _category_bins(spec: BinSpec, series: pd.Series) -> np.ndarray:
    """Bin indices of a categorical column: known categories, then unseen ones and missing."""
    known = [c for group in spec.groups for c in group]
    lookup = np.array([k for k, group in enumerate(spec.groups) for _ in group], dtype=np.int64)
    values = pd.Index(series.astype(object), dtype=object)
    codes = np.asarray(pd.Index(known, dtype=object).get_indexer(values), dtype=np.int64)
    missing = series.isna().to_numpy()
    other_bin = spec.missing_bin if spec.other_bin is None else spec.other_bin  # never None here
    unseen = np.where(missing, spec.missing_bin, other_bin)
    bins: np.ndarray = np.where(codes >= 0, lookup[np.maximum(codes, 0)], unseen)
    return bins


def _check_columns(frame: pd.DataFrame, names: list[str]) -> None:
    if not all(isinstance(n, str) and n for n in names):
        raise ConfigError("columns to bin must have non-empty string names")
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ConfigError(f"the frame lacks the columns {missing}")
    if len(set(names)) != len(names):
        raise ConfigError("a column is named twice")
