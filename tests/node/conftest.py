"""Fixtures of the node tests: a fresh node database on SQLite and on PostgreSQL.

Every store test runs twice: on a SQLite file in the test's temporary folder, and on the
PostgreSQL server named by ``CONFIDE_TEST_POSTGRES_URL`` (``scripts/test-postgres.sh start``
prints one), in a schema of its own that is dropped afterwards. Without that variable the
PostgreSQL cases skip, except under ``CI=true``, where they fail: CI must test both.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from confide.node import NodeStore

POSTGRES_ENV = "CONFIDE_TEST_POSTGRES_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1"}


def postgres_url() -> str:
    """The test server's URL; skips (fails under CI) when there is none."""
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    message = (
        f"PostgreSQL tests need {POSTGRES_ENV}: run `scripts/test-postgres.sh start` and "
        f"export {POSTGRES_ENV}=$(scripts/test-postgres.sh url)"
    )
    if _in_ci():
        pytest.fail(f"CI=true but {POSTGRES_ENV} is not set. {message}")
    pytest.skip(message)


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A URL on the test server whose tables go to a fresh schema, dropped afterwards."""
    base = postgres_url()
    schema = f"test_{secrets.token_hex(6)}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text("SET lock_timeout = '10s'"))
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL of an empty node database, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state' / 'node.db'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


@pytest.fixture
def store(database_url: str) -> Iterator[NodeStore]:
    """An open store on a fresh database of each backend."""
    with NodeStore.open(database_url) as opened:
        yield opened
