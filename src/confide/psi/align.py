"""What a PSI run gives each party, the order all receivers agree on, and tables aligned to it.

Every protocol (ECDH for two or more parties, OT-extension PSI) returns a :class:`PsiResult`:
for a receiving party, the positions of its own rows that are in the intersection, in one order
shared by every receiver, so that row ``i`` of each receiver's aligned table is the same
customer. The order is that of a pseudo-random value both sides of a match hold (in ECDH-PSI the
key raised to every party's fresh secret scalar; in OT-extension PSI its OPRF value): it
depends on nothing but the keys and the run's fresh secrets, so it says nothing about where a
row sat in any party's table. :func:`agreed_order` turns matched positions and those values into
that order; :func:`aligned_frame` cuts a party's DataFrame to it (inner join), or keeps the rows
outside the intersection after it, flagged (left join, for the label holder).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from confide.errors import ConfigError, ProtocolError

__all__ = ["FLAG_COLUMN", "PsiResult", "agreed_order", "aligned_frame", "aligned_rows"]

#: The column a left join adds: True for rows in the intersection, False for the others.
FLAG_COLUMN = "in_intersection"


@dataclass(frozen=True)
class PsiResult:
    """One party's outcome of a PSI run.

    ``rows``: positions (0-based, into this party's keys as given) of the keys in the
    intersection, in the order agreed by all receivers; ``None`` when this party receives nothing.
    ``size``: the size of the intersection when this party learns it, else ``None``.
    ``set_sizes``: every party's number of (distinct) keys, which every party learns.
    """

    rows: np.ndarray | None
    size: int | None
    set_sizes: Mapping[str, int] = field(default_factory=dict)
    receivers: tuple[str, ...] = ()
    protocol: str = ""

    @property
    def received(self) -> bool:
        """Whether this party received the intersection."""
        return self.rows is not None


def agreed_order(positions: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``positions`` sorted by ``values`` (one row of bytes each, compared as byte strings).

    Every receiver sorts its matches by the same values, so all get the same order. Two equal
    values would make the order ambiguous: a :class:`~confide.errors.ProtocolError`, which an
    honest run meets with probability below 2^-40.
    """
    values = np.ascontiguousarray(values, dtype=np.uint8)
    if values.ndim != 2 or values.shape[0] != len(positions):
        raise ConfigError("agreed_order needs one row of bytes per position")
    if len(positions) == 0:
        return np.asarray(positions, dtype=np.int64)
    view = values.view(f"S{values.shape[1]}").ravel()
    order = np.argsort(view, kind="stable")
    ordered = view[order]
    if np.any(ordered[1:] == ordered[:-1]):
        raise ProtocolError("two keys of the intersection share an ordering value; run again")
    return np.asarray(positions, dtype=np.int64)[order]


def aligned_rows(
    result: PsiResult, total: int, *, how: Literal["inner", "left"] = "inner"
) -> tuple[np.ndarray, np.ndarray]:
    """The row positions of an aligned table of ``total`` rows, and which are in the intersection.

    ``inner``: the intersection's rows in the agreed order. ``left``: those, then every other row
    in its original order. Only a receiving party can align.
    """
    if result.rows is None:
        raise ConfigError("this party did not receive the intersection, so it cannot align")
    if how not in ("inner", "left"):
        raise ConfigError(f"how must be 'inner' or 'left', got {how!r}")
    matched = np.asarray(result.rows, dtype=np.int64)
    if matched.size and (matched.min() < 0 or matched.max() >= total):
        raise ConfigError(f"the PSI result has rows outside a table of {total} rows")
    if how == "inner":
        return matched, np.ones(matched.size, dtype=bool)
    rest = np.ones(total, dtype=bool)
    rest[matched] = False
    others = np.flatnonzero(rest)
    flags = np.concatenate([np.ones(matched.size, dtype=bool), np.zeros(others.size, dtype=bool)])
    return np.concatenate([matched, others]), flags


def aligned_frame(
    frame: pd.DataFrame,
    result: PsiResult,
    *,
    how: Literal["inner", "left"] = "inner",
    flag_column: str = FLAG_COLUMN,
) -> pd.DataFrame:
    """``frame`` cut to the agreed order (see :func:`aligned_rows`), with a fresh 0..n-1 index.

    A left join adds ``flag_column`` (True for the intersection's rows, which come first).
    """
    rows, flags = aligned_rows(result, len(frame), how=how)
    aligned: pd.DataFrame = frame.iloc[rows].reset_index(drop=True)
    if how == "left":
        if flag_column in aligned.columns:
            raise ConfigError(f"the table already has a column {flag_column!r}; pick another")
        aligned[flag_column] = flags
    return aligned
