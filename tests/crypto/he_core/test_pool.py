"""Chunking work for a pool, and the pool tasks that need only the modulus."""

from __future__ import annotations

import secrets

import numpy as np

from confide.crypto.he_core import ops, pool
from confide.crypto.he_core.gmp import mpz
from confide.crypto.parallel import WorkerPool

MODULUS = mpz(2**521 - 1)
WIDTH = 66


def test_small_work_stays_and_large_work_is_chunked() -> None:
    workers = WorkerPool(3)  # never started: chunks() only reads its size
    try:
        assert pool.chunks(None, 10_000, 8) is None
        assert pool.chunks(workers, 15, 8) is None
        parts = pool.chunks(workers, 1000, 8)
        assert parts is not None and len(parts) == 12  # four per worker
        assert [i for s in parts for i in range(s.start, s.stop)] == list(range(1000))
        assert len(pool.chunks(workers, 40, 8) or []) == 5  # no chunk under the floor
    finally:
        workers.close()


def test_tasks_equal_the_functions_they_run() -> None:
    cs = [mpz(secrets.randbelow(int(MODULUS) - 1) + 1) for _ in range(30)]
    blob = ops.to_blob(cs, WIDTH)
    m = int(MODULUS)
    ks = [secrets.randbelow(2**32) - 2**31 for _ in cs]
    table = np.frombuffer(secrets.token_bytes(60), dtype=np.uint8).reshape(30, 2) % 4
    table = table.astype(np.int64)
    assert ops.from_blob(pool.work_mul((m, WIDTH, blob, ks)), WIDTH) == ops.mul_list(
        cs, ks, MODULUS
    )
    grouped = pool.work_group_sum((m, WIDTH, blob, table, 4))
    assert ops.from_blob(grouped, WIDTH) == ops.group_sums(cs, table, 4, MODULUS)
    packed = pool.work_pack((m, WIDTH, blob, 4, 20))
    assert ops.from_blob(packed, WIDTH) == ops.pack_list(cs, 4, 20, MODULUS)


def test_spread_stays_local_without_a_pool() -> None:
    seen = []

    def local(s: slice) -> list[object]:
        seen.append(s)
        return [mpz(i) for i in range(s.start, s.stop)]

    out = pool.spread(None, 5, 1, local, pool.work_mul, lambda s: (), WIDTH)
    assert out == list(range(5)) and seen == [slice(0, 5)]
