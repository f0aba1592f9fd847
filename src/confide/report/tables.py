"""HTML tables for the report: a pandas table or key/value pairs, every cell escaped.

Numbers are formatted for reading, not for re-computation: whole numbers with thousands
separators, others with four decimals (two when large), infinities as the infinity sign and
missing values as a dash. Numeric columns are right-aligned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from html import escape

import numpy as np
import pandas as pd

__all__ = ["format_bytes", "format_value", "frame_table", "pairs_table"]

MISSING = "\u2013"


def format_value(value: object) -> str:
    """A cell's text: see the module docstring. Strings come back as they are (unescaped)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return MISSING
        if math.isinf(number):
            return "\u221e" if number > 0 else "\u2212\u221e"
        if number.is_integer() and abs(number) < 1e15:
            return f"{int(number):,}"
        return f"{number:,.4f}" if abs(number) < 1000 else f"{number:,.2f}"
    return str(value)


def format_bytes(count: int | None) -> str:
    """A byte count in B, kB, MB or GB (powers of 1000)."""
    if count is None:
        return MISSING
    size = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} GB"


def frame_table(
    frame: pd.DataFrame,
    *,
    headers: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
) -> str:
    """``frame`` (the given ``columns``, all by default) as an HTML table.

    ``headers`` renames columns for display. The index is not shown.
    """
    names = [str(c) for c in (columns if columns is not None else frame.columns)]
    labels = headers or {}
    numeric = {name: _is_numeric(frame[name]) for name in names}
    formats = {name: _column_format(frame[name]) for name in names}
    head = "".join(
        f"<th{_num_class(numeric[name])}>{escape(labels.get(name, name))}</th>" for name in names
    )
    rows = []
    for values in zip(*(frame[name].tolist() for name in names), strict=True):
        cells = "".join(
            f"<td{_num_class(numeric[name])}>{escape(formats[name](value))}</td>"
            for name, value in zip(names, values, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def pairs_table(pairs: Sequence[tuple[str, str]]) -> str:
    """Key/value pairs as a two-column table (keys as row headers)."""
    rows = "".join(
        f'<tr><th scope="row">{escape(key)}</th><td>{escape(value)}</td></tr>'
        for key, value in pairs
    )
    return f'<table class="pairs"><tbody>{rows}</tbody></table>'


def _column_format(column: pd.Series) -> Callable[[object], str]:
    """How to write the cells of ``column``: one number of decimals for a whole float column.

    A float column whose finite values are all whole is written as whole numbers; any other
    float column gets four decimals throughout (two when its largest value reaches 1,000), so
    the digits line up. Other columns use :func:`format_value` cell by cell.
    """
    if not pd.api.types.is_float_dtype(column):
        return format_value
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    finite = values[np.isfinite(values)]
    if finite.size == 0 or bool(np.all(finite == np.round(finite))):
        return format_value
    decimals = 2 if float(np.abs(finite).max()) >= 1000 else 4

    def write(value: object) -> str:
        if isinstance(value, float | np.floating) and math.isfinite(float(value)):
            return f"{float(value):,.{decimals}f}"
        return format_value(value)

    return write


def _is_numeric(column: pd.Series) -> bool:
    """Numeric dtype, or an object column of numbers (and missing values) only."""
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_numeric_dtype(column):
        return True
    return column.dtype == object and all(
        value is None or isinstance(value, int | float | np.number) for value in column
    )


def _num_class(numeric: bool) -> str:
    return ' class="num"' if numeric else ""
