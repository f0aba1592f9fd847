"""Where the real credit data lies for tests (``../shared/data``), and the mark that skips
a test with a clear message when it is absent (see that folder's README for its provenance)."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The UCI Taiwan default-of-credit-card-clients table, beside the repository.
CREDIT_CSV = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "uci_taiwan_default_credit_card.csv"
)

#: Skips a test (or a module, as ``pytestmark``) when :data:`CREDIT_CSV` is not there.
needs_credit_data = pytest.mark.skipif(
    not CREDIT_CSV.exists(), reason=f"credit data not found at {CREDIT_CSV}"
)
