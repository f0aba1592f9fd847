"""The public names of ``confide.preprocessing``, pinned."""

from __future__ import annotations

import confide.preprocessing as preprocessing


def test_public_names() -> None:
    assert sorted(preprocessing.__all__) == sorted(
        [
            "BLOCK_WORDS",
            "DEFAULT_IV_THRESHOLD",
            "DEFAULT_MIN_BIN_ROWS",
            "DEFAULT_MIN_FRACTION",
            "DISCLOSURE",
            "SMOOTHING",
            "BinSpec",
            "WoeResult",
            "WoeTable",
            "assign_bins",
            "check_labels",
            "count_events",
            "fit_bins",
            "plain_woe_iv",
            "resolve_min_rows",
            "select_by_iv",
            "table_from_counts",
            "vertical_woe",
            "woe_from_counts",
            "woe_table",
            "woe_transform",
        ]
    )
    assert all(hasattr(preprocessing, name) for name in preprocessing.__all__)


def test_disclosure_is_declared() -> None:
    assert preprocessing.DISCLOSURE
    assert all(note.who and note.learns for note in preprocessing.DISCLOSURE)
