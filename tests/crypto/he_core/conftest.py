"""Fixtures for the shared core: a small key pair of each scheme, and a worker pool."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from confide.crypto import he
from confide.crypto.parallel import WorkerPool

KeyPair = tuple[Any, Any]  # either scheme's: the tests make the same calls on both
SCHEMES = ("paillier", "ou")


@pytest.fixture(scope="package")
def key_pairs() -> dict[str, KeyPair]:
    """Two 1024-bit key pairs of each scheme (weak, for speed): ``scheme`` and ``scheme 2``."""
    return {
        f"{scheme}{suffix}": he.generate_keypair(scheme, 1024, allow_weak=True)
        for scheme in SCHEMES
        for suffix in ("", " 2")
    }


@pytest.fixture(params=SCHEMES)
def scheme(request: pytest.FixtureRequest) -> str:
    """Each scheme in turn."""
    name: str = request.param
    return name


@pytest.fixture
def keys(key_pairs: dict[str, KeyPair], scheme: str) -> KeyPair:
    """A key pair of :func:`scheme`."""
    return key_pairs[scheme]


@pytest.fixture(scope="package")
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(2) as workers:
        yield workers
