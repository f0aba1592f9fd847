"""The dataset registry: CSV, Parquet and SQL sources, schemas, reading columns, changed files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from confide.errors import ConfigError
from confide.node import (
    AlreadyExists,
    DatasetChanged,
    DatasetRegistry,
    NodeStore,
    NotFound,
    SourceKind,
)
from tests.credit_data import CREDIT_CSV as CREDIT


def loans(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame: pd.DataFrame = pd.DataFrame(
        {
            "id": np.arange(1000, 1000 + rows),
            "income": rng.normal(50_000, 10_000, rows).round(2),
            "region": rng.choice(["north", "south", "east"], rows),
            "default": rng.integers(0, 2, rows),
        }
    )
    return frame


@pytest.fixture
def registry(store: NodeStore) -> DatasetRegistry:
    return DatasetRegistry(store)


def write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_is_registered_with_its_schema_and_hash(
    registry: DatasetRegistry, tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = loans()
    path = write(frame, tmp_path / f"loans{suffix}")
    monkeypatch.chdir(tmp_path)  # a relative path is stored absolute
    info = registry.add("loans", path=Path(path.name), id_column="id")
    assert info.kind is (SourceKind.CSV if suffix == ".csv" else SourceKind.PARQUET)
    assert info.location == str(path) and Path(info.location).is_absolute()
    assert info.column_names == ("id", "income", "region", "default")
    dtypes = dict((c.name, c.dtype) for c in info.columns)
    assert dtypes["id"] == "int64" and dtypes["income"] == "float64"
    assert info.rows == 40 and info.size_bytes == path.stat().st_size
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert registry.get("loans") == info and registry.list() == [info]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_read_returns_exactly_the_columns_asked_for(
    registry: DatasetRegistry, tmp_path: Path, suffix: str
) -> None:
    frame = loans()
    registry.add("loans", path=write(frame, tmp_path / f"loans{suffix}"), id_column="id")
    got = registry.read("loans", ["default", "income"])
    assert list(got.columns) == ["default", "income"]  # no id column unless asked for
    pd.testing.assert_frame_equal(got, frame[["default", "income"]], check_dtype=False)
    both = registry.read("loans", ["income", "id", "income"])
    pd.testing.assert_frame_equal(both, frame[["income", "id"]], check_dtype=False)
    assert list(registry.read("loans", ["id"]).columns) == ["id"]
    with pytest.raises(ConfigError, match="at least one column"):
        registry.read("loans", [])
    with pytest.raises(ConfigError, match=r"has no columns \['national_id', 'ssn'\]"):
        registry.read("loans", ["income", "ssn", "national_id"])
    with pytest.raises(ConfigError, match="list of names"):
        registry.read("loans", "income")


def test_a_file_changed_after_registration_is_refused(
    registry: DatasetRegistry, tmp_path: Path
) -> None:
    frame = loans()
    path = write(frame, tmp_path / "loans.csv")
    registry.add("loans", path=path, id_column="id")
    changed = frame.copy()
    changed.loc[3, "income"] += 1  # same size is likely; the hash still differs
    write(changed, path)
    with pytest.raises(DatasetChanged, match="changed since it was registered"):
        registry.read("loans", ["income"])
    write(frame, path)  # restored: readable again
    assert len(registry.read("loans", ["income"])) == 40
    path.unlink()
    with pytest.raises(ConfigError, match="does not exist"):
        registry.read("loans", ["income"])


def test_names_and_id_columns_are_checked(registry: DatasetRegistry, tmp_path: Path) -> None:
    frame = loans()
    path = write(frame, tmp_path / "loans.csv")
    for bad in ["", "../loans", "-loans", "a b", "x" * 129]:
        with pytest.raises(ConfigError, match="dataset name"):
            registry.add(bad, path=path, id_column="id")
    with pytest.raises(ConfigError, match="has no column 'customer' \\(the id column\\)"):
        registry.add("loans", path=path, id_column="customer")
    registry.add("loans", path=path, id_column="id")
    with pytest.raises(AlreadyExists, match="already registered"):
        registry.add("loans", path=path, id_column="id")
    repeated = write(pd.concat([frame, frame.head(3)]), tmp_path / "repeated.csv")
    with pytest.raises(ConfigError, match="has 3 repeated values"):
        registry.add("repeated", path=repeated, id_column="id")
    holes = frame.astype({"id": "float64"})
    holes.loc[[1, 5], "id"] = np.nan
    with pytest.raises(ConfigError, match="has 2 empty values"):
        registry.add("holes", path=write(holes, tmp_path / "holes.parquet"), id_column="id")
    with pytest.raises(ConfigError, match="neither CSV nor Parquet"):
        registry.add("other", path=tmp_path / "loans.xlsx", id_column="id")
    with pytest.raises(ConfigError, match="does not exist"):
        registry.add("other", path=tmp_path / "missing.csv", id_column="id")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ConfigError, match="cannot be read as parquet"):
        registry.add("bad", path=tmp_path / "bad.parquet", id_column="id")
    assert [d.name for d in registry.list()] == ["loans"]


def test_remove_forgets_the_dataset_but_not_the_file(
    registry: DatasetRegistry, tmp_path: Path
) -> None:
    path = write(loans(), tmp_path / "loans.csv")
    registry.add("loans", path=path, id_column="id")
    registry.remove("loans")
    assert registry.list() == [] and path.exists()
    with pytest.raises(NotFound):
        registry.read("loans", ["income"])


def sql_source(database_url: str, tmp_path: Path) -> str:
    """A URL of a database holding a ``loans`` table: the test schema on PostgreSQL, else
    a SQLite file of its own."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'source.db'}"
    return database_url


def test_a_sql_table_is_registered_by_reflection_and_read(
    registry: DatasetRegistry, database_url: str, tmp_path: Path
) -> None:
    url = sql_source(database_url, tmp_path)
    frame = loans().sample(frac=1.0, random_state=3)  # stored out of id order
    engine = create_engine(url)
    with engine.begin() as connection:
        frame.to_sql("loans", connection, index=False)
    info = registry.add_sql("loans", url=url, table="loans", id_column="id")
    assert info.kind is SourceKind.SQL and info.table == "loans" and info.rows == 40
    assert info.column_names == ("id", "income", "region", "default")
    assert info.sha256 is None and info.size_bytes is None
    password = make_url(url).password
    if password:
        assert str(password) not in json.dumps(info.to_json())
    got = registry.read("loans", ["income"])
    expected = frame.sort_values("id")[["income"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)  # ordered by id, not read
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE loans DROP COLUMN income")
    engine.dispose()
    with pytest.raises(DatasetChanged, match=r"no longer has the columns \['income'\]"):
        registry.read("loans", ["income"])
    with pytest.raises(ConfigError, match=r"'nothing' of .* does not exist"):
        registry.add_sql("nothing", url=url, table="nothing", id_column="id")


def test_a_sql_url_hides_its_password_in_listings(store: NodeStore) -> None:
    registry = DatasetRegistry(store)
    with pytest.raises(ConfigError) as caught:
        registry.add_sql(
            "remote",
            url="postgresql+psycopg://reader:s3cret@127.0.0.1:1/crm",
            table="t",
            id_column="id",
        )
    assert "s3cret" not in str(caught.value) and "***" in str(caught.value)


@pytest.mark.data
@pytest.mark.skipif(not CREDIT.exists(), reason=f"needs the credit data at {CREDIT}")
def test_the_credit_data_registers_and_reads_back(tmp_path: Path) -> None:
    with NodeStore.open(f"sqlite:///{tmp_path / 'node.db'}") as store:
        registry = DatasetRegistry(store)
        info = registry.add("credit", path=CREDIT, id_column="ID")
        assert info.rows == 30_000 and len(info.columns) == 25
        assert info.sha256 == "a0f0ab49d6326671d6cd83be5c88dcf18007025fe9a53ecd699119c871176ca1"
        got = registry.read("credit", ["ID", "LIMIT_BAL", "default.payment.next.month"])
    expected = pd.read_csv(CREDIT, usecols=["ID", "LIMIT_BAL", "default.payment.next.month"])
    pd.testing.assert_frame_equal(got, expected)
    assert got["default.payment.next.month"].mean() == pytest.approx(0.2212, abs=1e-4)
