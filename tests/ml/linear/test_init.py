"""The public names of confide.ml.linear, pinned, and its disclosure."""

from __future__ import annotations

import confide.ml.linear
from confide.runtime import Disclosure


def test_public_names() -> None:
    assert set(confide.ml.linear.__all__) == {
        "DISCLOSURE",
        "SIGMOID_METHODS",
        "C_to_l2",
        "LinearParams",
        "PlainLogisticRegression",
        "SecureLogisticRegression",
        "l2_to_C",
    }


def test_disclosure_names_who_learns_what() -> None:
    disclosure = confide.ml.linear.DISCLOSURE
    assert all(isinstance(d, Disclosure) for d in disclosure)
    text = " ".join(str(d) for d in disclosure)
    for needle in ("validation log loss", "its own coefficients", "result receiver", "dealer",
                   "partial score"):  # fmt: skip
        assert needle in text
