"""Shared OU fixtures: a small key pair for speed, one of the default size, and a worker pool."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from confide.crypto.ou import PrivateKey, PublicKey, generate_keypair
from confide.crypto.parallel import WorkerPool

KeyPair = tuple[PublicKey, PrivateKey]


@pytest.fixture(scope="package")
def keys() -> KeyPair:
    """A 1024-bit key pair: weak, for speed; the scheme is the same at every size."""
    return generate_keypair(1024, allow_weak=True)


@pytest.fixture(scope="package")
def default_keys() -> KeyPair:
    """A key pair of the default size (2048 bits)."""
    return generate_keypair()


@pytest.fixture(scope="package")
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(2) as workers:
        yield workers
