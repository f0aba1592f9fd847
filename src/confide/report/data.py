"""What a credit report holds: plain data only (numbers, strings, numpy arrays, pandas tables).

The report is written at the result receiver (usually the bank), from what that party holds
after a job: its own labels, the revealed predictions, the binning and coefficient results it
received and the job's disclosure list. Nothing here imports the secure packages, so the report
can be built from any pipeline's outputs, and the dataclasses check their contents on creation
(raising :class:`~confide.errors.ConfigError`), so :func:`~confide.report.render_html` never
meets a malformed table.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import pandas as pd

from confide.errors import ConfigError
from confide.metrics.inputs import as_scores, labels_and_scores
from confide.runtime.disclosure import Disclosure

__all__ = [
    "IMPORTANCE_COLUMNS",
    "IV_COLUMNS",
    "TREE_COLUMNS",
    "WOE_COLUMNS",
    "BoostingSection",
    "CreditReport",
    "DisclosureRow",
    "PartyInfo",
    "RunMetadata",
    "StageInfo",
    "disclosure_rows",
    "environment_versions",
]

FloatArray = npt.NDArray[np.float64]

#: Columns every IV table must have: one row per feature.
IV_COLUMNS = ("feature", "owner", "iv")
#: Columns every WOE table must have; ``events``, ``non_events`` and ``iv`` (the bin's IV
#: contribution) are shown when present.
WOE_COLUMNS = ("bin", "woe")
#: Columns every feature importance table must have (``total_gain`` is shown when present).
IMPORTANCE_COLUMNS = ("owner", "feature", "split_count")
#: Columns of a tree's table, one row per node: children (-1 at leaves), the split as
#: "owner: feature" (empty at leaves), its gain and the leaf value.
TREE_COLUMNS = ("node", "left", "right", "split", "gain", "value")


def environment_versions() -> dict[str, str]:
    """The versions that produced a report: Confide, Python, numpy and pandas."""
    from confide import __version__

    return {
        "confide": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


@dataclass(frozen=True)
class PartyInfo:
    """A party of the job, its roles (e.g. ``"data provider"``) and the rows it brought."""

    name: str
    roles: tuple[str, ...]
    rows: int | None = None


@dataclass(frozen=True)
class StageInfo:
    """One stage of the job (PSI, binning, training, scoring): wall time, bytes and protocol."""

    name: str
    seconds: float
    bytes_sent: int | None = None
    protocol: str = ""

    def __post_init__(self) -> None:
        if not math.isfinite(self.seconds) or self.seconds < 0:
            raise ConfigError(f"stage {self.name!r}: seconds must be a finite number >= 0")
        if self.bytes_sent is not None and self.bytes_sent < 0:
            raise ConfigError(f"stage {self.name!r}: bytes_sent must be >= 0")


@dataclass(frozen=True)
class RunMetadata:
    """Who took part, how much data, when, how long each stage took and with which versions.

    ``report_owner`` is the party this report was written for (it appears in the
    "not disclosed" notes). ``trust``: the trust assumption the results rest on, when it is not
    the parties' own (an enclave job: its vendor, or "simulation: no hardware protection").
    ``versions`` defaults to :func:`environment_versions` now.
    """

    parties: tuple[PartyInfo, ...]
    started_at: datetime
    stages: tuple[StageInfo, ...] = ()
    intersection_size: int | None = None
    train_size: int | None = None
    test_size: int | None = None
    job_id: str = ""
    report_owner: str = ""
    trust: str = ""
    versions: Mapping[str, str] = field(default_factory=environment_versions)

    def __post_init__(self) -> None:
        if not self.parties:
            raise ConfigError("run metadata needs at least one party")
        names = [party.name for party in self.parties]
        if len(set(names)) != len(names):
            raise ConfigError("run metadata lists a party twice")
        for name in ("intersection_size", "train_size", "test_size"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ConfigError(f"run metadata: {name} must be >= 0")


@dataclass(frozen=True)
class DisclosureRow:
    """One line of the disclosure list: in ``step``, ``receiver`` learned ``what``."""

    step: str
    receiver: str
    what: str
    note: str = ""


def disclosure_rows(step: str, disclosures: Iterable[Disclosure]) -> tuple[DisclosureRow, ...]:
    """A component's ``DISCLOSURE`` tuple as report rows for ``step``."""
    return tuple(DisclosureRow(step, item.who, item.learns, item.why) for item in disclosures)


@dataclass(frozen=True, eq=False)
class BoostingSection:
    """What a boosted-trees report shows instead of WOE, coefficients and the scorecard.

    ``params``: the hyper-parameters by name; ``n_trees``: trees in the model; ``importance``:
    a table with :data:`IMPORTANCE_COLUMNS` (and ``total_gain`` where known), one row per
    owner and feature; ``first_tree``: a table with :data:`TREE_COLUMNS` (no thresholds: they
    stay with their owners), or an empty table when the model has no tree.
    """

    params: Mapping[str, object]
    n_trees: int
    importance: pd.DataFrame
    first_tree: pd.DataFrame

    def __post_init__(self) -> None:
        if self.n_trees < 0:
            raise ConfigError("n_trees must be >= 0")
        _check_columns(self.importance, IMPORTANCE_COLUMNS, "the importance table")
        _check_finite(self.importance, "split_count", "the importance table")
        if "total_gain" in self.importance.columns:
            _check_finite(self.importance, "total_gain", "the importance table")
        if not self.first_tree.empty:
            _check_columns(self.first_tree, TREE_COLUMNS, "the first tree")
            for column in ("left", "right", "gain", "value"):
                _check_finite(self.first_tree, column, "the first tree")
            nodes = len(self.first_tree)
            children = self.first_tree[["left", "right"]].to_numpy()
            if ((children < -1) | (children >= nodes)).any():
                raise ConfigError("the first tree has children outside its nodes")
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


@dataclass(frozen=True, eq=False)
class CreditReport:
    """Everything one credit report shows; see :func:`~confide.report.credit_report` to build one.

    - ``metrics``: per sample (``"train"``, ``"test"``), headline numbers such as ``auc``,
      ``ks`` and ``gini``;
    - ``test_labels`` (0/1) and ``test_scores`` (predicted probability of default) drive the
      ROC and KS charts and the score histogram; ``test_points`` (scorecard points), when
      given, is histogrammed instead of the probabilities;
    - ``iv``: a table with :data:`IV_COLUMNS`; ``woe_tables``: per feature, a table with at
      least :data:`WOE_COLUMNS`;
    - ``coefficients``: per owner, feature to coefficient, or ``None`` where that owner kept its
      coefficients (shown as not disclosed);
    - ``lift``, ``calibration``: tables from :mod:`confide.metrics`; ``scorecard``: a
      :meth:`~confide.ml.scorecard.Scorecard.to_frame` table; ``psi``: train vs test scores;
    - ``disclosures``: who learned what, step by step;
    - ``boosting``: for a boosted-trees model, its parameters, importance and first tree,
      shown in place of the IV, WOE, coefficients and scorecard sections.
    """

    title: str
    metadata: RunMetadata
    metrics: Mapping[str, Mapping[str, float]]
    test_labels: FloatArray
    test_scores: FloatArray
    iv: pd.DataFrame
    woe_tables: Mapping[str, pd.DataFrame]
    coefficients: Mapping[str, Mapping[str, float] | None]
    disclosures: tuple[DisclosureRow, ...]
    lift: pd.DataFrame | None = None
    calibration: pd.DataFrame | None = None
    scorecard: pd.DataFrame | None = None
    psi: float | None = None
    test_points: FloatArray | None = None
    boosting: BoostingSection | None = None

    def __post_init__(self) -> None:
        labels, scores = labels_and_scores(self.test_labels, self.test_scores)
        object.__setattr__(self, "test_labels", labels)
        object.__setattr__(self, "test_scores", scores)
        if self.test_points is not None:
            points = as_scores(self.test_points, "test points")
            if points.shape != scores.shape:
                raise ConfigError("test points and test scores differ in length")
            object.__setattr__(self, "test_points", points)
        _check_columns(self.iv, IV_COLUMNS, "the IV table")
        _check_finite(self.iv, "iv", "the IV table")
        for feature, table in self.woe_tables.items():
            _check_columns(table, WOE_COLUMNS, f"the WOE table of {feature!r}")
            _check_finite(table, "woe", f"the WOE table of {feature!r}")
        for sample, values in self.metrics.items():
            if any(not math.isfinite(v) for v in values.values()):
                raise ConfigError(f"the {sample!r} metrics must be finite numbers")
        for owner, coefficients in self.coefficients.items():
            if coefficients is not None and any(
                not math.isfinite(c) for c in coefficients.values()
            ):
                raise ConfigError(f"the coefficients of {owner!r} must be finite numbers")
        if self.psi is not None and not (math.isfinite(self.psi) and self.psi >= 0):
            raise ConfigError("psi must be a finite number >= 0")
        object.__setattr__(self, "disclosures", tuple(self.disclosures))
        object.__setattr__(self, "woe_tables", MappingProxyType(dict(self.woe_tables)))

    @property
    def owners(self) -> tuple[str, ...]:
        """Every feature owner, parties first (in metadata order), then any others named."""
        named = [party.name for party in self.metadata.parties]
        extra = [str(owner) for owner in self.iv["owner"].unique() if owner not in named]
        extra += [owner for owner in self.coefficients if owner not in named + extra]
        return tuple(named + extra)


def _check_columns(table: object, required: tuple[str, ...], what: str) -> None:
    if not isinstance(table, pd.DataFrame):
        raise ConfigError(f"{what} must be a pandas DataFrame, got {type(table).__name__}")
    missing = [column for column in required if column not in table.columns]
    if missing:
        raise ConfigError(f"{what} lacks columns {missing}")


def _check_finite(table: pd.DataFrame, column: str, what: str) -> None:
    values = table[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise ConfigError(f"{what}: column {column!r} must hold numbers")
    bad = ~np.isfinite(values.to_numpy(dtype=np.float64, na_value=np.nan))
    if bad.any():
        raise ConfigError(f"{what}: {int(bad.sum())} values of {column!r} are NaN or infinite")
