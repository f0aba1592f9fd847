"""Node benchmark: a job run through node daemons against the same components called directly.

    python bench/node.py [--quick] [--peers] [--json PATH] [--rows N ...] [--repeats R]

Workload ``psi+stats N rows``: two parties, ``bank`` and ``platform``, each hold a CSV of N rows
(id, income, age; half of the ids in common). The job aligns them on ``id`` (``psi.ecdh``) and
then computes joint statistics of income and age (``stats.joint``): the built-in components of
:mod:`confide.node.components`. Sizes: 100,000 rows (``--quick``: 20,000).

``direct``: one :func:`confide.launch` (a process per party, gRPC with mutual TLS); after a
barrier, each party reads its CSV for each step (as the node does) and calls the two component
functions itself. ``seconds`` runs from the barrier to the last party's return.

``via nodes``: two daemons (``confide node start``, gRPC with mutual TLS, SQLite state), started
once before the runs and kept up, as an organisation runs its node. ``seconds`` runs from the
``confide job submit`` call at the bank (through its admin API) until both nodes report the job
finished: the proposal, both policy reviews, signed approvals, the ready round, dataset reads
with their SHA-256 checks, the components, results kept, audit entries and the exchange of
audit heads. The row ``overhead vs direct`` holds ``via nodes / direct - 1`` (target: below
0.05 at 100,000 rows). ``submission to start`` is the time from the submit call to the later of
the two nodes' ``started`` log lines (the agreement rounds); it is also measured on a job of
100 rows, where the data costs nothing. Each figure is the best of ``--repeats`` runs (runs of
the two systems alternate, so a busy moment of a shared machine hits both alike).
``bytes_sent``: what both parties sent in the job (the nodes' audit logs; the links in direct
runs). There is no peer system for this workload: ``--peers`` only says so.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from confide.errors import ConfideError
from confide.jobs.registry import ComponentInputs
from confide.net.federation import Federation, identity_paths, init_federation
from confide.node import AdminClient, DatasetRegistry, NodeStore, SqlAuditStore, load_config
from confide.node.components import psi_ecdh, stats_joint
from confide.policy import JobSpec, parse_job, parse_policy
from confide.runtime import Context, launch
from confide.runtime.launcher import free_ports
from confide.runtime.party import link_bytes

PARTIES = ("bank", "platform")
DATASETS = {"bank": "loans", "platform": "features"}
Row = dict[str, Any]


def write_table(path: Path, party: str, n: int, seed: int) -> None:
    """``party``'s CSV: ``n`` rows, half of the ids shared with the other party (test data)."""
    rng = np.random.default_rng(seed)  # benchmark data, not secrets
    ids = rng.permutation(2 * n - n // 2)
    mine = ids[:n] if party == "bank" else ids[n - n // 2 :]
    own = np.random.default_rng(seed + (1 if party == "bank" else 2))
    pd.DataFrame(
        {
            "id": mine,
            "income": own.normal(3000.0, 800.0, n).round(2),
            "age": own.integers(20, 70, n),
        }
    ).to_csv(path, index=False)


def job_yaml(name: str, suffix: str = "") -> str:
    """The job (YAML) on the datasets ``loans<suffix>`` and ``features<suffix>``."""
    names = {p: DATASETS[p] + suffix for p in PARTIES}
    reads_id = {p: {names[p]: ["id"]} for p in PARTIES}
    reads = {p: {names[p]: ["income", "age"]} for p in PARTIES}
    roles = {p: ["data_provider", "result_receiver"] for p in PARTIES}
    roles["bank"].append("task_initiator")
    return yaml.safe_dump(
        {
            "name": name,
            "parties": roles,
            "datasets": {p: [names[p]] for p in PARTIES},
            "steps": [
                {"id": "align", "component": "psi.ecdh", "reads": reads_id,
                 "outputs": [{"name": "ids", "kind": "intersection", "to": list(PARTIES)}]},
                {"id": "stats", "component": "stats.joint", "after": ["align"], "reads": reads,
                 "outputs": [{"name": "summary", "kind": "statistics", "to": list(PARTIES),
                              "min_group_size": 10}]},
            ],
        },
        sort_keys=False,
    )  # fmt: skip


def policy_yaml(dataset: str) -> str:
    return yaml.safe_dump(
        {
            "dataset": dataset,
            "parties": list(PARTIES),
            "components": ["psi.ecdh", "stats.joint"],
            "outputs": {"intersection": list(PARTIES), "statistics": list(PARTIES)},
            "min_group_size": 10,
            "approval": "auto",
        }
    )


# -- direct: the component functions, called by each party's own code -------------------------


def direct_job(ctx: Context, task: dict[str, Any]) -> dict[str, float]:
    """Read the CSV for each step and call the two components, as the node would."""
    spec: JobSpec = parse_job(task["spec"])
    dataset, path = DATASETS[ctx.party], task["path"]
    with ctx.scope("bench-barrier"):
        ctx.broadcast("here", True)
        ctx.gather("here")
    start = time.perf_counter()
    sent_before = link_bytes(ctx)[0]
    for step, component in ((spec.step("align"), psi_ecdh), (spec.step("stats"), stats_joint)):
        columns = ["id", *[c for c in step.columns_read(ctx.party, dataset) if c != "id"]]
        frame = pd.read_csv(path)[columns]
        inputs = ComponentInputs(ctx.party, spec, step, frames={dataset: frame})
        with ctx.scope("step", step.id):
            component(ctx, inputs)
    return {"seconds": time.perf_counter() - start, "sent": link_bytes(ctx)[0] - sent_before}


def run_direct(folder: Path, n: int) -> tuple[float, int]:
    spec = job_yaml("direct")
    tasks = {p: {"spec": spec, "path": str(folder / f"{p}-{n}.csv")} for p in PARTIES}
    results = launch(direct_job, tasks, timeout=600)
    return max(r["seconds"] for r in results.values()), sum(
        int(r["sent"]) for r in results.values()
    )


# -- via nodes -----------------------------------------------------------------------------------


class Nodes:
    """Two daemons on loopback, with a dataset per size and its policy."""

    def __init__(self, folder: Path, sizes: Sequence[int], seed: int) -> None:
        self.folder = folder
        fed_path = init_federation(PARTIES, folder / "federation", ports=free_ports(2))
        federation = Federation.load(fed_path)
        self.configs: dict[str, Path] = {}
        self.processes: list[subprocess.Popen[bytes]] = []
        for party, admin_port in zip(PARTIES, free_ports(2), strict=True):
            home = folder / party
            home.mkdir()
            key, cert = identity_paths(fed_path, party)
            config = {
                "party": party, "federation": str(fed_path), "state_dir": str(home),
                "identity": {"key": str(key), "certificate": str(cert)},
                "admin": {"host": "127.0.0.1", "port": admin_port},
                "peer": {"listen": federation.address(party)},
            }  # fmt: skip
            self.configs[party] = home / "node.yaml"
            self.configs[party].write_text(yaml.safe_dump(config))
            with NodeStore.open(load_config(self.configs[party]).database_url) as store:
                for size in (*sizes, 100):
                    path = folder / f"{party}-{size}.csv"
                    write_table(path, party, size, seed)
                    name = f"{DATASETS[party]}-{size}"
                    DatasetRegistry(store).add(name, path=path, id_column="id")
                    store.put_policy(parse_policy(policy_yaml(name)))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        for party in PARTIES:
            log = (folder / party / "daemon.log").open("wb")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "confide.cli.app", "node", "start",
                 "--config", str(self.configs[party]), "--receive-timeout", "600"],
                env=env, stdout=subprocess.DEVNULL, stderr=log,
            ))  # fmt: skip
            log.close()
        self.clients = {p: AdminClient.from_config(load_config(c)) for p, c in self.configs.items()}
        deadline = time.monotonic() + 120
        for client in self.clients.values():
            while True:
                try:
                    client.node()
                    break
                except ConfideError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)

    def run(self, n: int) -> tuple[float, float, int]:
        """Submit the job on the datasets of size ``n``: (seconds to the end, seconds to the
        later start, bytes sent)."""
        spec = job_yaml(f"bench {n}", f"-{n}")
        wall = time.time()
        start = time.perf_counter()
        job_id = self.clients["bank"].submit(spec)["id"]
        started = {}
        for party, client in self.clients.items():  # the log is the cheapest thing to poll
            after: int | None = None
            while True:
                lines = client.logs(job_id, after)
                for line in lines:
                    if line["message"] == "started":
                        started[party] = datetime.datetime.fromisoformat(line["at"]).timestamp()
                    if line["message"].startswith(("failed", "refused", "cancelled")):
                        raise RuntimeError(f"job {job_id} at {party}: {line['message']}")
                if lines and lines[-1]["message"] == "finished":
                    break
                after = lines[-1]["seq"] if lines else after
                time.sleep(0.01)
        seconds = time.perf_counter() - start
        return seconds, max(started.values()) - wall, self.bytes_sent(job_id)

    def bytes_sent(self, job_id: str) -> int:
        total = 0
        for config in self.configs.values():
            with NodeStore.open(load_config(config).database_url) as store:
                for entry in SqlAuditStore(store.database).entries():
                    if entry.job_id == job_id and entry.event.value == "bytes_exchanged":
                        total += sum(entry.payload["sent"].values())
        return total

    def close(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# -- the table -----------------------------------------------------------------------------------


def row(workload: str, system: str, seconds: float, sent: int | None,
        metric: str | None = None, value: float | None = None) -> Row:  # fmt: skip
    return {"workload": workload, "system": system, "parties": 2, "seconds": seconds,
            "bytes_sent": sent, "rounds": None, "metric": metric, "value": value}  # fmt: skip


def print_table(rows: Sequence[Row]) -> None:
    print(f"{'workload':<36} {'system':<8} {'seconds':>9} {'MB sent':>9} {'metric':>22} "
          f"{'value':>9}")  # fmt: skip
    for r in rows:
        mb = "" if r["bytes_sent"] is None else f"{r['bytes_sent'] / 1e6:.2f}"
        value = "" if r["value"] is None else f"{r['value']:.4f}"
        print(f"{r['workload']:<36} {r['system']:<8} {r['seconds']:>9.3f} {mb:>9} "
              f"{r['metric'] or '':>22} {value:>9}")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 rows, about a minute")
    parser.add_argument("--peers", action="store_true", help="(no peer system for this one)")
    parser.add_argument("--json", help="write the rows as JSON to this path")
    parser.add_argument("--rows", type=int, nargs="+", help="rows per party (overrides sizes)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each system per size")
    parser.add_argument("--seed", type=int, default=0, help="seed of the tables")
    args = parser.parse_args(argv)
    sizes = args.rows or ([20_000] if args.quick else [100_000])
    if any(n < 100 for n in sizes) or args.repeats < 1:
        parser.error("--rows must be at least 100 and --repeats at least 1")
    if args.peers:
        print("no peer system runs node orchestration here; --peers adds nothing", file=sys.stderr)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="confide-bench-node-") as tmp:
        folder = Path(tmp)
        nodes = Nodes(folder, sizes, args.seed)
        try:
            latencies = [nodes.run(100)[1] for _ in range(args.repeats)]
            rows.append(row("submission to start, 100 rows", "confide", min(latencies), None,
                            "latency", min(latencies)))  # fmt: skip
            for n in sizes:
                direct, node = [], []
                for _ in range(args.repeats):
                    direct.append(run_direct(folder, n))
                    node.append(nodes.run(n))
                best_direct = min(direct)
                best_node = min(node)
                rows.append(row(f"psi+stats {n:,} rows, direct", "confide", best_direct[0],
                                best_direct[1]))  # fmt: skip
                rows.append(row(f"psi+stats {n:,} rows, via nodes", "confide", best_node[0],
                                best_node[2], "overhead vs direct",
                                best_node[0] / best_direct[0] - 1))  # fmt: skip
                starts = [run[1] for run in node]
                rows.append(row(f"submission to start, {n:,} rows", "confide", min(starts), None,
                                "latency", min(starts)))  # fmt: skip
        finally:
            nodes.close()
    print_table(rows)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
