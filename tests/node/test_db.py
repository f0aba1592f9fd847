"""Opening the node database: URLs, SQLite settings and file modes, schema version, errors."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect

from confide.errors import ConfigError
from confide.node import NodeStore, StoreError, open_database
from confide.node.db import SCHEMA_VERSION, MetaRow, normalize_url

TABLES = {
    "confide_meta",
    "confide_datasets",
    "confide_policies",
    "confide_jobs",
    "confide_approvals",
    "confide_results",
    "confide_job_log",
    "confide_audit",
}


def test_urls_are_normalised_or_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert normalize_url("sqlite:///node.db").database == str(tmp_path / "node.db")
    pg = normalize_url("postgresql://confide:pw@db:5432/state")
    assert pg.drivername == "postgresql+psycopg" and pg.password == "pw"
    for memory in ["sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"]:
        with pytest.raises(ConfigError, match="must be a SQLite file"):
            normalize_url(memory)
    with pytest.raises(ConfigError, match="not 'mysql'"):
        normalize_url("mysql+pymysql://u@h/d")
    with pytest.raises(ConfigError, match="not a SQLAlchemy URL"):
        normalize_url("node.db")


def test_every_table_is_created(database_url: str) -> None:
    database = open_database(database_url)
    try:
        assert set(inspect(database.engine).get_table_names()) >= TABLES
        with database.read("test") as session:
            row = session.get(MetaRow, "schema_version")
            assert row is not None and row.value == str(SCHEMA_VERSION)
    finally:
        database.close()
    open_database(database_url).close()  # opening again leaves the tables as they are


def test_a_sqlite_database_is_private_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "state" / "node.db"
    with NodeStore.open(f"sqlite:///{path}") as store:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        with store.database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_another_schema_version_is_refused(database_url: str) -> None:
    with NodeStore.open(database_url) as store, store.database.write("test") as session:
        row = session.get(MetaRow, "schema_version")
        assert row is not None
        row.value = str(SCHEMA_VERSION + 1)
    with pytest.raises(StoreError, match=f"has schema version {SCHEMA_VERSION + 1}"):
        open_database(database_url)


def test_an_unreachable_server_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError, match="OperationalError") as caught:
        open_database("postgresql://confide:hunter2@127.0.0.1:1/state?connect_timeout=2")
    assert "hunter2" not in str(caught.value) and "***" in str(caught.value)


def test_an_unwritable_sqlite_folder_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError, match="cannot be created"):
        open_database(f"sqlite:///{tmp_path / 'file' / 'node.db'}")
