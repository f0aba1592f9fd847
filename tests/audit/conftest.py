"""Fixtures of the audit tests: one identity per party, made once per session."""

from __future__ import annotations

import pytest

from confide.net.federation import Identity
from tests.audit.helpers import make_identity


@pytest.fixture(scope="session")
def bank() -> Identity:
    return make_identity("bank")


@pytest.fixture(scope="session")
def platform() -> Identity:
    return make_identity("platform")
