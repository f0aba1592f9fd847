"""``confide demo-nodes``: the credit job through three node daemons (bank, platform, dealer).

``--model scorecard`` (the default) runs ``credit.scorecard`` (WOE and secure logistic
regression); ``--model boost`` runs ``credit.boost`` (vertical SecureBoost, which needs no
dealer: the dealer's node approves and only checks the settings) and writes
``boost-report.html`` instead of ``credit-report.html``.

``--execution tee`` submits the same spec with ``execution: tee`` on its step: the dealer, which
holds no data, hosts the job's simulated enclave (:mod:`confide.node.tee_run`). The demo builds
the enclave image from the installed Confide and measures it, makes the dealer's simulated
platform (its quoting key) and an output key for each of the bank and the platform; the data
parties' nodes pin the platform's public quoting key and both output keys, and their policies
list the image's measurement (``enclave_measurements``). The report's title and disclosure list
state the trust assumption, *simulation: no hardware protection*. ``--execution mpc`` (the
default) runs the job by MPC among the nodes, as ``make demo`` does.

Where ``confide demo`` launches the job's code directly, this demo goes the way an organisation
would: in ``--out`` it makes a federation of ``bank``, ``platform`` and ``dealer`` on free
loopback ports, a node config and a state folder (SQLite) per party, and generates the built-in
credit data. The bank registers its ``loans`` table and the platform its ``features`` table,
each with a usage policy (``<party>/<dataset>-policy.yaml``) that lets the three parties run
``credit.scorecard``, scores go to the bank only and model parts to the data parties; the
platform's policy denies its ``region`` column. Then one ``confide node start`` process per
party, and, through each node's admin API:

1. the bank submits the credit job; the bank's and the platform's nodes approve it by their
   policies, the dealer's operator (played by the demo: no policy speaks for a party without
   data) approves it; every node's job log is shown until the job ends;
2. the bank's ``scorecard.scores`` (or ``boost.scores``) result is fetched, the HTML report
   written as ``confide demo`` writes it, and the test AUC and KS printed;
3. the bank submits a second job that reads ``region``: the platform's node refuses it, and the
   refusal with its reason is printed as each node reports it.

The daemons are always stopped (SIGTERM, then SIGKILL), on success, error or Ctrl-C; then each
node's audit chain is exported to ``<party>/audit.jsonl`` with a ``confide audit verify`` line.
Human messages go to stderr; the summary (AUC, KS, report path) to stdout.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import pandas as pd
import typer
import yaml
from rich.console import Console
from rich.markup import escape

from confide.datasets import vertical_credit
from confide.errors import ConfideError
from confide.jobs.boost import BoostJobSettings, BoostOutcome
from confide.jobs.boost.component import NAME as BOOST_COMPONENT
from confide.jobs.credit import CreditOutcome, CreditSettings
from confide.jobs.credit.component import NAME as COMPONENT
from confide.net.federation import Federation, identity_paths, init_federation
from confide.node import (
    TERMINAL_STATES,
    AdminClient,
    DatasetRegistry,
    JobState,
    NodeStore,
    NotFound,
    SqlAuditStore,
    load_config,
)
from confide.node.client import NodeUnreachable
from confide.policy import load_policy
from confide.report import CreditReport, boost_job_report, credit_job_report, write_html
from confide.runtime.launcher import free_ports
from confide.tee import (
    EXECUTION,
    SIMULATION_TRUST,
    TEE,
    EnclaveImage,
    ReceiverKey,
    SimulatedPlatform,
    build_image,
)

__all__ = [
    "DENIED_COLUMN",
    "PARTIES",
    "DemoModel",
    "DemoNodes",
    "Execution",
    "boost_spec",
    "credit_spec",
    "dataset_policy",
    "demo_nodes",
]

#: The demo's parties: the label holder, the feature owner and the dealer (compute helper).
PARTIES = ("bank", "platform", "dealer")
#: Each data party's dataset name.
DATASETS = {"bank": "loans", "platform": "features"}
#: The party whose node hosts the enclave with ``--execution tee``: the dealer, which holds no data.
ENCLAVE_HOST = "dealer"
#: The reports' titles (with the trust assumption added for an enclave job).
CREDIT_TITLE = "Credit scorecard: vertical logistic regression on WOE features"
BOOST_TITLE = "Credit risk: vertical SecureBoost (gradient boosted trees)"
#: The platform's column that its policy denies (the second job reads it and is refused).
DENIED_COLUMN = "region"

#: Seconds to wait for a daemon's admin API to answer after its start.
_STARTUP_S = 60.0
#: Seconds for every node to see the forbidden job refused.
_REFUSAL_S = 30.0
#: How often the nodes are asked for news.
_POLL_S = 0.3
#: Seconds a daemon has to stop after SIGTERM before it is killed.
_STOP_S = 15.0


class DemoModel(str, enum.Enum):
    """The model the demo's job trains."""

    SCORECARD = "scorecard"
    BOOST = "boost"


class Execution(str, enum.Enum):
    """Where the demo's job runs: by MPC among the nodes, or in the dealer's enclave."""

    MPC = "mpc"
    TEE = "tee"


class DemoFailed(ConfideError):
    """The demo could not complete (a daemon died, a job failed or was not refused)."""


# -- the job specs and policies ---------------------------------------------------------------


def dataset_policy(
    dataset: str, *, deny: tuple[str, ...] = (), measurements: tuple[str, ...] = ()
) -> str:
    """The usage policy (YAML) of a demo dataset: the credit jobs (scorecard or boosted trees),
    scores to the bank only; ``measurements``: the enclaves its key may be released to."""
    data: dict[str, Any] = {
        "dataset": dataset,
        "parties": list(PARTIES),
        "components": [COMPONENT, BOOST_COMPONENT],
        "outputs": {"scores": ["bank"], "model_part": ["bank", "platform"]},
        "approval": "auto",
    }
    if deny:
        data["columns"] = {"deny": list(deny)}
    if measurements:
        data["enclave_measurements"] = list(measurements)
    return yaml.safe_dump(data, sort_keys=False)


def credit_spec(
    name: str,
    settings: CreditSettings,
    reads: dict[str, list[str]],
    *,
    execution: Execution = Execution.MPC,
) -> str:
    """The credit job (YAML) as the bank submits it; ``reads`` maps a data party to columns;
    ``execution`` tee adds ``execution: tee`` to the step (the dealer hosts the enclave)."""
    params = settings.to_dict()
    params["feature_owners"] = list(settings.feature_owners)
    return _spec(name, "scorecard", COMPONENT, _with(params, execution), reads, settings.dealer)


def boost_spec(
    name: str,
    settings: BoostJobSettings,
    reads: dict[str, list[str]],
    *,
    execution: Execution = Execution.MPC,
) -> str:
    """The boosting job (YAML) as the bank submits it; ``reads`` maps a data party to columns;
    ``execution`` as for :func:`credit_spec`."""
    params = _with(settings.to_dict(), execution)
    return _spec(name, "boost", BOOST_COMPONENT, params, reads, settings.dealer)


def _with(params: dict[str, Any], execution: Execution) -> dict[str, Any]:
    return {**params, EXECUTION: TEE} if execution is Execution.TEE else params


def _spec(
    name: str,
    step: str,
    component: str,
    params: dict[str, Any],
    reads: dict[str, list[str]],
    helper: str | None,
) -> str:
    parties: dict[str, list[str]] = {
        "bank": ["data_provider", "task_initiator", "result_receiver"],
        "platform": ["data_provider", "result_receiver"],
    }
    if helper is not None:
        parties[helper] = ["compute_helper"]
    spec = {
        "name": name,
        "parties": parties,
        "datasets": {party: [dataset] for party, dataset in DATASETS.items()},
        "steps": [
            {
                "id": step,
                "component": component,
                "params": params,
                "reads": {party: {DATASETS[party]: cols} for party, cols in reads.items()},
                "outputs": [
                    {"name": "scores", "kind": "scores", "to": ["bank"]},
                    {"name": "model", "kind": "model_part", "to": ["bank", "platform"]},
                ],
            }
        ],
    }
    return yaml.safe_dump(spec, sort_keys=False)


# -- the nodes ---------------------------------------------------------------------------------


@dataclass
class DemoNodes:
    """The demo's node configs and daemon processes, in ``folder``."""

    folder: Path
    receive_timeout: float
    configs: dict[str, Path] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    image: EnclaveImage | None = None

    def home(self, party: str) -> Path:
        return self.folder / party

    def prepare_enclave(self) -> EnclaveImage:
        """The dealer's enclave: the measured image, its simulated platform, and the data
        parties' output keys (written here; the configs name them)."""
        self.home(ENCLAVE_HOST).mkdir(mode=0o700)
        self.image = build_image(self.folder / ENCLAVE_HOST / "enclave-image")
        SimulatedPlatform.create(self.folder / ENCLAVE_HOST / "platform")
        keys = self.folder / "output-keys"
        keys.mkdir()
        for party in DATASETS:
            ReceiverKey.generate().save(keys / f"{party}.key", keys / f"{party}.pub")
        return self.image

    def _tee_section(self, party: str) -> dict[str, Any]:
        """The ``tee`` section of ``party``'s config (enclave jobs only)."""
        host = self.folder / ENCLAVE_HOST
        if party == ENCLAVE_HOST:
            image = needed_image(self.image)
            return {"enclave": {"image": str(image.path), "platform": str(host / "platform")}}
        keys = self.folder / "output-keys"
        platform = SimulatedPlatform.open(host / "platform")
        return {
            "platform_keys": [str(platform.public_key_path)],
            "receiver_keys": {p: str(keys / f"{p}.pub") for p in DATASETS},
            "output_key": str(keys / f"{party}.key"),
        }

    def write_configs(self) -> None:
        """A federation on free loopback ports; a config and a state folder per party (and,
        with an enclave prepared, each one's ``tee`` section)."""
        ports = free_ports(2 * len(PARTIES))
        fed_path = init_federation(
            PARTIES, self.folder / "federation", ports=ports[: len(PARTIES)], name="demo"
        )
        federation = Federation.load(fed_path)
        for party, admin_port in zip(PARTIES, ports[len(PARTIES) :], strict=True):
            home = self.home(party)
            home.mkdir(mode=0o700, exist_ok=True)
            key, cert = identity_paths(fed_path, party)
            config: dict[str, Any] = {
                "party": party,
                "federation": str(fed_path.resolve()),
                "identity": {"key": str(key.resolve()), "certificate": str(cert.resolve())},
                "state_dir": str((home / "state").resolve()),
                "admin": {"host": "127.0.0.1", "port": admin_port},
                "peer": {"listen": federation.address(party)},
            }
            if self.image is not None:
                config["tee"] = self._tee_section(party)
            path = home / "node.yaml"
            path.write_text(yaml.safe_dump(config, sort_keys=False))
            self.configs[party] = path

    def register(self, party: str, table: pd.DataFrame, id_column: str, policy_yaml: str) -> None:
        """Write ``party``'s table, register it and set its usage policy (as its operator)."""
        name = DATASETS[party]
        home = self.home(party)
        table_path = home / f"{name}.parquet"
        table.to_parquet(table_path, index=False)
        policy_path = home / f"{name}-policy.yaml"
        policy_path.write_text(policy_yaml)
        config = load_config(self.configs[party])
        config.ensure_state_dir()
        with NodeStore.open(config.database_url) as store:
            DatasetRegistry(store).add(name, path=table_path, id_column=id_column)
            store.put_policy(load_policy(policy_path))

    def start(self) -> None:
        """Start every daemon, then wait until each admin API answers."""
        for party in PARTIES:
            command = [
                sys.executable, "-m", "confide.cli.app", "node", "start",
                "--config", str(self.configs[party]),
                "--receive-timeout", str(self.receive_timeout),
            ]  # fmt: skip
            with (self.home(party) / "daemon.log").open("ab") as log:
                self.processes[party] = subprocess.Popen(
                    command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log
                )
        for party in PARTIES:
            _wait(functools.partial(self._answers, party), _STARTUP_S, f"{party}'s node to start")

    def _answers(self, party: str) -> bool:
        self.check_alive()
        try:
            self.client(party).node()
        except NodeUnreachable:
            return False
        return True

    def check_alive(self) -> None:
        """Raise :class:`DemoFailed` if a daemon has exited."""
        for party, process in self.processes.items():
            if process.poll() is not None:
                log = self.home(party) / "daemon.log"
                tail = log.read_text(errors="replace")[-1500:]
                raise DemoFailed(f"{party}'s node exited ({process.returncode}); {log}:\n{tail}")

    def client(self, party: str) -> AdminClient:
        return AdminClient.from_config(load_config(self.configs[party]), timeout=10.0)

    def stop(self) -> None:
        """SIGTERM every daemon, SIGKILL any still running after a while; wait for all."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + _STOP_S
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def export_audit(self, party: str) -> Path:
        """Write ``party``'s audit chain as JSON lines next to its config; the file's path."""
        out = self.home(party) / "audit.jsonl"
        with NodeStore.open(load_config(self.configs[party]).database_url) as store:
            entries = list(SqlAuditStore(store.database).entries())
        out.write_bytes(b"".join(entry.to_line() for entry in entries))
        return out


def needed_image(image: EnclaveImage | None) -> EnclaveImage:
    """``image``, or :class:`DemoFailed` if the enclave was not prepared."""
    if image is None:
        raise DemoFailed("the enclave image was not built")
    return image


def _wait(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise DemoFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(_POLL_S)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt meanwhile, so that cleanup runs for it too."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- following jobs -----------------------------------------------------------------------------


def _job_at(nodes: DemoNodes, party: str, job_id: str) -> dict[str, Any] | None:
    try:
        return nodes.client(party).job(job_id)
    except NotFound:
        return None


def _approve_as_dealer(nodes: DemoNodes, job_id: str, err: Console) -> None:
    """The dealer's operator approves the job once its node holds it."""

    def held() -> dict[str, Any] | None:
        nodes.check_alive()
        job = _job_at(nodes, "dealer", job_id)
        return job if job is not None and "dealer" in job["waiting_for"] else None

    _wait(held, _STARTUP_S, "the job to reach the dealer's node")
    nodes.client("dealer").approve(job_id)
    err.print(
        "  [cyan]   dealer[/] approved by its operator (it brings no data: no policy decides)"
    )


def _follow(nodes: DemoNodes, job_id: str, err: Console) -> dict[str, Any]:
    """Print every node's new job log lines until the bank's job ends; its final detail."""
    after: dict[str, int | None] = dict.fromkeys(PARTIES)
    ended: dict[str, Any] | None = None
    while True:
        nodes.check_alive()
        for party in PARTIES:
            try:
                lines = nodes.client(party).logs(job_id, after[party])
            except NotFound:
                continue
            for line in lines:
                done = "" if line["progress"] is None else f" [{100 * line['progress']:.0f}%]"
                err.print(f"  [cyan]{party:>9}[/] {escape(line['message'])}{done}", soft_wrap=True)
            after[party] = lines[-1]["seq"] if lines else after[party]
        if ended is not None:
            return ended  # one more read after the end, for the last lines
        job = nodes.client("bank").job(job_id)
        if JobState(job["state"]) in TERMINAL_STATES:
            ended = job
        else:
            time.sleep(_POLL_S)


def _refusals(nodes: DemoNodes, job_id: str) -> dict[str, dict[str, Any]]:
    """Every node's view of the job once it has ended there."""

    def ended_everywhere() -> dict[str, dict[str, Any]] | None:
        nodes.check_alive()
        views = {party: _job_at(nodes, party, job_id) for party in PARTIES}
        if all(v is not None and JobState(v["state"]) in TERMINAL_STATES for v in views.values()):
            return {party: view for party, view in views.items() if view is not None}
        return None

    found: dict[str, dict[str, Any]] = _wait(
        ended_everywhere, _REFUSAL_S, "every node to end the forbidden job"
    )
    return found


# -- the command --------------------------------------------------------------------------------


def demo_nodes(
    rows: Annotated[
        int, typer.Option(min=200, help="Customers at each of bank and platform.")
    ] = 100_000,
    overlap: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Share of customers in common.")
    ] = 0.8,
    seed: Annotated[int, typer.Option(help="Seed of the data generator and of the split.")] = 7,
    out: Annotated[
        Path, typer.Option(help="Folder for the nodes, their data, the report and the logs.")
    ] = Path("demo-nodes-out"),
    model: Annotated[
        DemoModel,
        typer.Option(
            help="scorecard: WOE and secure logistic regression (credit.scorecard); boost: "
            "vertical SecureBoost (credit.boost)."
        ),
    ] = DemoModel.SCORECARD,
    epochs: Annotated[
        int, typer.Option(min=1, help="Scorecard: training epochs (early stopping may end sooner).")
    ] = 10,
    trees: Annotated[int, typer.Option(min=1, help="Boost: number of trees.")] = 10,
    depth: Annotated[int, typer.Option(min=1, help="Boost: depth of each tree.")] = 4,
    timeout: Annotated[
        float, typer.Option(min=5.0, help="Receive deadline of each node's jobs, seconds.")
    ] = 120.0,
    execution: Annotated[
        Execution,
        typer.Option(
            help="mpc: the job runs by MPC among the nodes; tee: in a simulated enclave that "
            "the dealer's node hosts (simulation: no hardware protection)."
        ),
    ] = Execution.MPC,
) -> None:
    """Run the credit job through three node daemons (bank, platform, dealer) on loopback."""
    err = Console(stderr=True)
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for stale in (
        "federation",
        "output-keys",
        *PARTIES,
    ):  # an earlier run's nodes: the demo's own folders
        shutil.rmtree(out / stale, ignore_errors=True)
    nodes = DemoNodes(out.resolve(), receive_timeout=timeout)
    job = _DemoJob(model, seed=seed, epochs=epochs, trees=trees, depth=depth, execution=execution)
    try:
        with _sigterm_as_interrupt():
            _run(nodes, err, job, rows=rows, overlap=overlap, seed=seed)
    except ConfideError as exc:
        err.print(f"[bold red]the demo failed:[/] {escape(str(exc))}", soft_wrap=True)
        raise typer.Exit(1) from exc
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130) from None
    finally:
        if nodes.processes:
            err.print("stopping the three nodes")
            nodes.stop()
            _print_audit(nodes, err)
    err.print(f"demo time {time.perf_counter() - started:.1f} s (with node start and data)")


@dataclass(frozen=True)
class _DemoJob:
    """The job the demo submits: the scorecard or the boosted trees, and their settings."""

    model: DemoModel
    seed: int
    epochs: int
    trees: int
    depth: int
    execution: Execution = Execution.MPC

    @property
    def step(self) -> str:
        return "boost" if self.model is DemoModel.BOOST else "scorecard"

    @property
    def what(self) -> str:
        job = "boosting job" if self.model is DemoModel.BOOST else "credit job"
        return f"{job} (in the dealer's enclave)" if self.execution is Execution.TEE else job

    @property
    def trust(self) -> str:
        """The trust assumption the report states: the enclave's, for an enclave job."""
        return SIMULATION_TRUST if self.execution is Execution.TEE else ""

    def title(self) -> str:
        """The report's title, with the enclave's trust assumption for an enclave job."""
        boost = self.model is DemoModel.BOOST
        if self.execution is Execution.TEE:
            model = "gradient boosted trees" if boost else "logistic regression on WOE features"
            return f"Credit risk: {model} in an enclave ({SIMULATION_TRUST})"
        return BOOST_TITLE if boost else CREDIT_TITLE

    def spec(self, name: str, id_column: str, label_column: str, reads: dict[str, Any]) -> str:
        if self.model is DemoModel.BOOST:
            settings = BoostJobSettings(
                dealer="dealer",
                id_column=id_column,
                label_column=label_column,
                split_seed=self.seed,
                n_estimators=self.trees,
                max_depth=self.depth,
            )
            return boost_spec(name, settings, reads, execution=self.execution)
        credit = CreditSettings(
            id_column=id_column, label_column=label_column, split_seed=self.seed, epochs=self.epochs
        )
        return credit_spec(name, credit, reads, execution=self.execution)

    def report(self, value: dict[str, Any], job_id: str, started_at: datetime) -> _Result:
        """The report, its file name and the summary, from the bank's result."""
        if self.model is DemoModel.BOOST:
            boost = BoostOutcome.from_dict(value)
            return _Result(
                boost_job_report(
                    boost,
                    job_id=job_id,
                    started_at=started_at,
                    title=self.title(),
                    trust=self.trust,
                ),
                "boost-report.html",
                f"{boost.intersection:,} customers in common; {boost.n_trees} trees",
                boost.metrics["test"],
            )
        credit = CreditOutcome.from_dict(value)
        return _Result(
            credit_job_report(
                credit,
                job_id=job_id,
                started_at=started_at,
                title=self.title(),
                trust=self.trust,
            ),
            "credit-report.html",
            f"{credit.intersection:,} customers in common; {len(credit.selected)} of "
            f"{len(credit.iv)} features kept by IV",
            credit.metrics["test"],
        )


@dataclass(frozen=True)
class _Result:
    """What the demo shows of the bank's result: the report and the summary's numbers."""

    report: CreditReport
    file_name: str
    line: str
    test: dict[str, float]


def _run(
    nodes: DemoNodes, err: Console, job: _DemoJob, *, rows: int, overlap: float, seed: int
) -> None:
    data = vertical_credit(rows, overlap=overlap, seed=seed)
    err.print(
        f"[bold]Confide nodes demo[/]: {rows:,} customers at the bank and {rows:,} at the "
        f"platform ({overlap:.0%} in common); nodes in {nodes.folder}/"
    )
    measurements: tuple[str, ...] = ()
    if job.execution is Execution.TEE:
        image = nodes.prepare_enclave()
        measurements = (image.measurement,)
        err.print(
            f"enclave image built and measured: {image.measurement} ({SIMULATION_TRUST}); "
            "the dealer hosts it, the bank and the platform pin its platform key"
        )
    nodes.write_configs()
    nodes.register(
        "bank",
        data.bank,
        data.id_column,
        dataset_policy(DATASETS["bank"], measurements=measurements),
    )
    nodes.register(
        "platform",
        data.platform,
        data.id_column,
        dataset_policy(DATASETS["platform"], deny=(DENIED_COLUMN,), measurements=measurements),
    )
    err.print(
        f"datasets registered with usage policies (the platform's denies {DENIED_COLUMN!r}); "
        "starting the bank's, the platform's and the dealer's nodes"
    )
    nodes.start()
    features = [c for c in data.platform.columns if c != DENIED_COLUMN]
    reads = {"bank": list(data.bank.columns), "platform": features}
    bank = nodes.client("bank")

    started_at = datetime.now(timezone.utc)
    began = time.perf_counter()
    spec = job.spec(f"credit-{job.step}", data.id_column, data.label_column, reads)
    job_id = bank.submit(spec)["id"]
    err.print(f"the bank submits the {job.what} {job_id}")
    _approve_as_dealer(nodes, job_id, err)
    ended = _follow(nodes, job_id, err)
    if ended["state"] != JobState.FINISHED.value:
        raise DemoFailed(f"job {job_id} {ended['state']}: {ended['reason']}")
    elapsed = time.perf_counter() - began
    value = bank.result(job_id, f"{job.step}.scores")["value"]
    result = job.report(value, job_id, started_at)
    path = write_html(result.report, nodes.folder / result.file_name)
    _print_summary(result, elapsed, path)

    forbidden = dict(reads, platform=[*features, DENIED_COLUMN])
    second_spec = job.spec("credit-with-region", data.id_column, data.label_column, forbidden)
    second = bank.submit(second_spec)["id"]
    err.print(f"the bank submits job {second}, which reads the platform's denied {DENIED_COLUMN!r}")
    views = _refusals(nodes, second)
    out = Console()
    for party, view in views.items():
        out.print(
            f"{party}: job {second} {view['state']}: {escape(view['reason'] or '')}",
            soft_wrap=True,
        )
    if any(view["state"] != JobState.REFUSED.value for view in views.values()):
        raise DemoFailed(f"the forbidden job {second} was not refused at every node")


def _print_summary(result: _Result, elapsed: float, path: Path) -> None:
    out = Console()
    test = result.test
    out.print(f"{result.line}; {int(test['n']):,} test rows; job time {elapsed:.1f} s")
    out.print(f"AUC {test['auc']:.4f}  KS {test['ks']:.4f}  Gini {test['gini']:.4f}")
    out.print(f"report: {path.resolve()}", soft_wrap=True)


def _print_audit(nodes: DemoNodes, err: Console) -> None:
    for party in PARTIES:
        try:
            log = nodes.export_audit(party)
        except (ConfideError, OSError) as exc:
            err.print(f"{party}'s audit log could not be exported: {escape(str(exc))}")
            continue
        _, cert = identity_paths(nodes.folder / "federation" / "federation.yaml", party)
        err.print(
            f"{party}'s audit log: {log}\n  check it: confide audit verify --log {log} "
            f"--certificate {cert}",
            soft_wrap=True,
        )
