"""Joint statistics against their plaintext twin, in threads and as gRPC processes."""

from __future__ import annotations

import numpy as np
import pytest

from confide.datasets import horizontal_customers
from confide.errors import PartyFailed
from confide.runtime import launch, simulate
from confide.stats import JointStatistics, joint_statistics, plaintext_statistics
from confide.stats.joint import joint_statistics_job
from tests.credit_data import CREDIT_CSV

#: Relative tolerance of secure vs plaintext results: fixed point with 40 fractional bits on
#: float64 local sums leaves errors near 1e-13; 1e-9 gives room without hiding a real bug.
RTOL = 1e-9


def assert_equal_stats(secure: JointStatistics, plain: JointStatistics) -> None:
    assert secure.columns == plain.columns
    np.testing.assert_array_equal(secure.count, plain.count)
    for name in ("sum", "mean", "var"):
        np.testing.assert_allclose(getattr(secure, name), getattr(plain, name), rtol=RTOL)


@pytest.mark.parametrize("n_parties", [2, 3])
def test_equals_plaintext_on_generated_data(n_parties: int) -> None:
    parties = [f"p{i}" for i in range(n_parties)]
    tables = horizontal_customers(parties, [500 + 100 * i for i in range(n_parties)], seed=3)
    results = simulate(joint_statistics, tables)
    plain = plaintext_statistics([tables[p] for p in parties])
    for result in results.values():
        assert_equal_stats(result, plain)
    assert (plain.count < 500 * n_parties + 300 * n_parties).all()  # NaNs were left out


def test_large_mean_keeps_variance_precision() -> None:
    rng = np.random.default_rng(0)
    tables = {p: {"x": 1e9 + rng.standard_normal(1000)} for p in ("a", "b", "c")}
    secure = simulate(joint_statistics, tables)["a"]
    plain = plaintext_statistics(list(tables.values()))
    np.testing.assert_allclose(secure.var, plain.var, rtol=1e-6)


def test_empty_and_all_missing_columns() -> None:
    tables = {
        "a": {"x": np.array([1.0, 2.0]), "y": np.array([np.nan, np.nan])},
        "b": {"x": np.zeros(0), "y": np.zeros(0)},
    }
    secure = simulate(joint_statistics, tables)["b"]
    assert secure.count.tolist() == [2, 0]
    assert secure.mean[0] == 1.5 and np.isnan(secure.mean[1]) and np.isnan(secure.var[1])


def test_mismatched_columns_fail_on_every_party() -> None:
    tables = {"a": {"x": np.ones(3)}, "b": {"y": np.ones(3)}}
    with pytest.raises(PartyFailed) as info:
        simulate(joint_statistics, tables, timeout=10)
    assert set(info.value.errors) == {"a", "b"}
    assert all("ProtocolError" in text for text in info.value.errors.values())


def test_bad_local_table_is_reported() -> None:
    tables = {"a": {"x": np.array(["u", "v"])}, "b": {"x": np.ones(2)}}
    with pytest.raises(PartyFailed) as info:
        simulate(joint_statistics, tables, timeout=10)
    assert "numeric" in info.value.errors["a"]


def test_three_processes_over_grpc_equal_plaintext() -> None:
    parties = ["bank", "platform", "partner"]
    tables = horizontal_customers(parties, 2_000, seed=11)
    results = launch(joint_statistics_job, tables, timeout=60)
    plain = plaintext_statistics([tables[p] for p in parties])
    for party in parties:
        assert_equal_stats(JointStatistics.from_dict(results[party]), plain)


@pytest.mark.skipif(not CREDIT_CSV.exists(), reason=f"credit data not found at {CREDIT_CSV}")
def test_equals_plaintext_on_the_taiwan_credit_data() -> None:
    data = np.genfromtxt(CREDIT_CSV, delimiter=",", names=True)
    columns = [c for c in data.dtype.names or () if c not in ("ID",)]
    shares = np.array_split(np.arange(len(data)), 3)
    tables = {
        f"bank{i}": {c: np.asarray(data[c][rows], dtype=np.float64) for c in columns}
        for i, rows in enumerate(shares)
    }
    secure = simulate(joint_statistics, tables)["bank0"]
    assert_equal_stats(secure, plaintext_statistics(list(tables.values())))
    assert secure.count[0] == 30_000
