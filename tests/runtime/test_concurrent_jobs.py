"""Two jobs running at the same time over the same links keep their messages apart."""

from __future__ import annotations

import threading

import numpy as np

from confide.datasets import horizontal_customers
from confide.net.link import Link
from confide.runtime import Context
from confide.stats import JointStatistics, joint_statistics, plaintext_statistics


def test_two_concurrent_jobs_do_not_mix(links: dict[str, Link]) -> None:
    parties = tuple(links)
    data = {
        "job-small": horizontal_customers(parties, 300, seed=1),
        "job-large": horizontal_customers(parties, 900, seed=2),
    }
    results: dict[tuple[str, str], JointStatistics] = {}
    errors: list[BaseException] = []

    def run(job: str, party: str) -> None:
        ctx = Context(party, links[party], parties=parties, job_id=job, timeout=30)
        try:
            results[(job, party)] = joint_statistics(ctx, data[job][party])
        except BaseException as exc:  # recorded for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job, party)) for job in data for party in parties]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    for job, tables in data.items():
        plain = plaintext_statistics([tables[p] for p in parties])
        for party in parties:
            np.testing.assert_allclose(results[(job, party)].mean, plain.mean, rtol=1e-9)
            np.testing.assert_array_equal(results[(job, party)].count, plain.count)
