"""Bad input anywhere: the same clear ConfigError on every party, before any data is shared."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import PartyFailed
from tests.ml.linear.helpers import DEALER, dataset, failures, run

X, Y = dataset(300, 5)
BLOCKS = {"bank": X[:, :2], "platform": X[:, 2:]}
PARTIES = ("bank", "platform", DEALER)


def assert_everywhere(errors: dict[str, str], *needles: str) -> None:
    """Every party failed with a ConfigError that says each of ``needles``."""
    assert set(errors) == set(PARTIES)
    for text in errors.values():
        assert text.startswith("ConfigError: secure logistic regression cannot fit")
        for needle in needles:
            assert needle in text


def test_labels_not_binary() -> None:
    assert_everywhere(failures(BLOCKS, Y * 2), "bank: the labels must all be 0 or 1")
    assert_everywhere(failures(BLOCKS, np.zeros(len(Y))), "bank: the labels hold a single class")
    assert_everywhere(failures(BLOCKS, Y[:, None]), "bank: the labels must be a 1-d array")


def test_labels_at_the_wrong_party() -> None:
    errors = failures(BLOCKS, Y, at="platform")
    assert_everywhere(
        errors,
        "bank: the label holder must pass the labels y",
        "platform: labels are given here, but 'bank' holds the labels",
    )


def test_labels_and_features_at_the_dealer() -> None:
    errors = failures({**BLOCKS, DEALER: X}, Y)
    assert_everywhere(errors, "dealer: the dealer holds no data: pass X=None")
    assert_everywhere(failures(BLOCKS, Y, at=DEALER), "dealer: labels are given here")


def test_mismatched_row_counts() -> None:
    errors = failures({"bank": X[:, :2], "platform": X[:-1, 2:]}, Y)
    assert_everywhere(errors, "different numbers of rows (bank 300, platform 299)")
    errors = failures(BLOCKS, Y[:-1])
    assert_everywhere(errors, "bank: the label holder has 300 rows of features but 299 labels")


def test_nan_or_infinite_features() -> None:
    bad = X[:, 2:].copy()
    bad[7, 1] = np.nan
    errors = failures({"bank": X[:, :2], "platform": bad}, Y)
    assert_everywhere(errors, "platform: the features hold NaN or infinite values")
    assert "nan" not in errors["bank"].lower().replace("nan or", "")  # no data values travel
    bad[7, 1] = np.inf
    assert_everywhere(failures({"bank": X[:, :2], "platform": bad}, Y), "NaN or infinite")


def test_missing_or_malformed_features() -> None:
    assert_everywhere(failures({"bank": X[:, :2], "platform": None}, Y), "platform: pass this")
    words = np.array([["a"] * 3] * len(X))
    assert_everywhere(failures({"bank": X[:, :2], "platform": words}, Y), "must be numeric")
    assert_everywhere(failures({"bank": X[:, 0], "platform": X[:, 2:]}, Y), "must be a 2-d array")


def test_settings_invalid_or_different() -> None:
    assert_everywhere(failures(BLOCKS, Y, epochs=0), "invalid settings: epochs must be")
    errors = failures(BLOCKS, Y, l2=0.1, overrides={"platform": {"l2": 0.2}})
    assert_everywhere(errors, "the parties passed different settings")


def test_unknown_label_holder() -> None:
    errors = failures(BLOCKS, Y, label_holder="nobody")
    assert_everywhere(errors, "the label holder 'nobody' is not a data party of the engine")


def test_local_truncation_is_refused() -> None:
    """Each step truncates values near 2^57 ring units, where SecureML's shifts fail often."""
    errors = failures(BLOCKS, Y, protocol="semi2k-local")
    assert_everywhere(errors, "needs the engine's truncation='pair'")


def test_bad_prediction_input() -> None:
    """Prediction checks its inputs the same way, against the fitted columns."""
    bad = X[:10, 2:].copy()
    bad[0, 0] = np.nan
    for tests, needle in [
        ({"bank": X[:10, :2], "platform": bad}, "platform: the features hold NaN"),
        ({"bank": X[:10, :2], "platform": X[:9, 2:]}, "different numbers of rows"),
        ({"bank": X[:10, :1], "platform": X[:10, 2:]}, "prediction got {'bank': 1"),
    ]:
        with pytest.raises(PartyFailed) as info:
            run(BLOCKS, Y, tests=tests, epochs=1)
        errors = info.value.errors
        assert set(errors) == set(PARTIES)
        for text in errors.values():
            assert text.startswith("ConfigError:") and needle in text


def test_features_beyond_the_fixed_point_range() -> None:
    """A batch's raw gradient must fit 2^62 ring units: features below 2^26 / batch_size."""
    errors = failures({"bank": X[:, :2] * 1e5, "platform": X[:, 2:]}, Y, batch_size=1024)
    assert_everywhere(errors, "bank: the features must stay below 65536 in magnitude")
