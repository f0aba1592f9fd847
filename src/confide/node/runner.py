"""Running an approved job's steps on this node: one context, the DAG in order, results kept.

Every party's node runs the same steps in the same order (:func:`step_order`: the spec's DAG,
ties broken by the spec's order), each as a call of its component (:mod:`confide.jobs.registry`)
with one :class:`~confide.runtime.context.Context` per job: the job id, the job's parties by
name, their roles, a :class:`~confide.node.joblink.JobLink` on the node's link, and the node's
receive deadline. Tags are scoped by step, so the messages of two steps, or of two jobs on the
same link, never mix. For each step the runner

1. reads, for each of this party's datasets the step reads, exactly the declared columns
   (:meth:`~confide.node.DatasetRegistry.read`: the id column only if declared) and records a
   ``dataset_read`` audit entry with the columns and row count;
2. calls the component with those frames, the step's parameters and the outputs of the steps
   it comes after;
3. keeps each output this party receives as a result for this party only (wire-format bytes),
   refuses a value for an output this party does not receive, and records an
   ``output_released`` entry for every output of the step, with its receivers;
4. writes progress lines to the job log (``store.job_log``).

An enclave job (every step ``execution: tee``) runs differently: the node takes its part as
data provider, enclave host or result receiver (:func:`~confide.node.tee_run.run_tee_job`),
with the same context, audit entries (``dataset_read``, ``key_released``, ``output_released``)
and results kept per receiver.

After the last step it records the bytes exchanged with each peer and exchanges signed audit
chain heads with every party (:func:`~confide.audit.exchange_heads`). Any error ends the run:
the other parties are told at once (an abort notice on the link: their waiting receives fail
instead of running out their deadlines) and the coordinator records the failure. Messages that
leave the node name the error's type, and its text only for Confide's own errors, which never
quote data.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from confide.audit.exchange import exchange_heads
from confide.errors import ConfideError, ConfigError, PeerAborted
from confide.jobs.registry import ComponentInputs, ComponentOutputs
from confide.net.link import ABORT_TAG
from confide.net.wire import encode
from confide.node.joblink import JobLink
from confide.node.records import JobRecord, JobState
from confide.node.services import NodeServices
from confide.node.tee_run import run_tee_job
from confide.policy.job import JobSpec, Step
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure
from confide.tee import is_tee_job

__all__ = ["CANCEL_PREFIX", "DISCLOSURE", "JobEnd", "JobRunner", "describe", "step_order"]

logger = logging.getLogger(__name__)

DISCLOSURE = (
    Disclosure(
        "this node's components",
        "the declared columns of this party's datasets that a step reads, with the id column",
        "what each component then learns and sends is its own DISCLOSURE",
    ),
    Disclosure(
        "the other parties of a job",
        "that a step failed here and the type of the error (its text only for Confide's own "
        "errors, which never quote data); the bytes exchanged and this node's audit head",
        "so that they stop at once, and can later check this node's audit log",
    ),
    Disclosure(
        "each receiver of an output",
        "the output's value, kept in its own node's store only",
    ),
)

#: How an abort notice that cancels (rather than fails) a job starts.
CANCEL_PREFIX = "cancelled by "

#: Progress lines a component asks for are written at most this often.
_PROGRESS_EVERY_S = 0.5


def step_order(spec: JobSpec) -> list[Step]:
    """The steps, each after the steps it comes after, otherwise in the spec's order."""
    done: set[str] = set()
    order: list[Step] = []
    while len(order) < len(spec.steps):
        step = next(s for s in spec.steps if s.id not in done and set(s.after) <= done)
        order.append(step)
        done.add(step.id)
    return order


@dataclass(frozen=True)
class JobEnd:
    """How a run ended: ``finished``, ``failed`` or ``cancelled``; ``reason`` in full (kept on
    this node) and ``public_reason`` (what peers are told)."""

    state: JobState
    reason: str = ""
    public_reason: str = ""


def describe(exc: BaseException, party: str) -> tuple[str, str]:
    """The reason for this node (type and message) and for its peers (the message only if it
    is one of Confide's own errors, which never quote data)."""
    full = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, ConfideError):
        return full, f"failed at {party!r}: {full}"
    return full, f"failed at {party!r}: {type(exc).__name__} (see {party!r}'s node log)"


class JobRunner:
    """Runs one approved job on a thread of its own (see the module docstring).

    ``on_end(job_id, end)`` is called once, from the runner's thread, when the run is over.
    """

    def __init__(
        self,
        services: NodeServices,
        job: JobRecord,
        *,
        on_end: Callable[[str, JobEnd], None],
    ) -> None:
        self.services = services
        self.job = job
        self.spec = job.spec
        self._on_end = on_end
        self._link = JobLink(services.link)
        self._cancel_reason: str | None = None
        self._stop_reason: str | None = None
        self._last_progress = 0.0
        self._bytes_recorded = False
        self._thread = threading.Thread(target=self.run, name=f"job-{job.id}", daemon=True)

    def start(self) -> None:
        """Run the job on its own thread."""
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Wait for the run to end."""
        self._thread.join(timeout)

    def stop(self, reason: str, *, cancelled: bool) -> None:
        """End the run at its next receive (or before its next step), cancelled or failed."""
        if cancelled:
            self._cancel_reason = reason
        else:
            self._stop_reason = reason
        self.services.link.mailbox.deliver(
            self.services.party, f"{self.job.id}/{ABORT_TAG}", reason
        )

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> None:
        """Run every step, then exchange audit heads; report the end to ``on_end``."""
        try:
            end = self._execute()
        except BaseException as exc:
            end = self._failure(exc)
            self._abandon(end)
            if not isinstance(exc, Exception):  # interrupted: still report, then go on
                self._on_end(self.job.id, end)
                raise
        self._on_end(self.job.id, end)

    def _execute(self) -> JobEnd:
        ctx = Context(
            self.services.party,
            self._link,
            parties=sorted(self.spec.parties),
            job_id=self.job.id,
            roles=self.spec.parties,
            timeout=self.services.receive_timeout,
        )
        if is_tee_job(self.spec):
            run_tee_job(ctx, self.services, self.job, self._log)
        else:
            self._steps(ctx)
        self._record_bytes()
        exchange_heads(ctx, self.services.audit, self.services.federation)
        return JobEnd(JobState.FINISHED)

    def _abandon(self, end: JobEnd) -> None:
        """After a failure, best effort: log it, tell the peers, record the bytes moved."""
        try:
            if end.state is JobState.FAILED:
                self._log(f"failed: {end.reason}")
                self.services.link.abort(self.job.id, end.public_reason, self._others())
            self._record_bytes()
        except ConfideError:
            logger.exception("recording the failure of job %s failed", self.job.id)

    def _others(self) -> list[str]:
        return [p for p in sorted(self.spec.parties) if p != self.services.party]

    def _failure(self, exc: BaseException) -> JobEnd:
        if self._cancel_reason is not None:
            return JobEnd(JobState.CANCELLED, self._cancel_reason, self._cancel_reason)
        if self._stop_reason is not None:
            return JobEnd(JobState.FAILED, self._stop_reason, self._stop_reason)
        if isinstance(exc, PeerAborted) and exc.reason.startswith(CANCEL_PREFIX):
            return JobEnd(JobState.CANCELLED, exc.reason, exc.reason)
        full, public = describe(exc, self.services.party)
        return JobEnd(JobState.FAILED, full, public)

    def _steps(self, ctx: Context) -> None:
        order = step_order(self.spec)
        outputs: dict[str, ComponentOutputs] = {}
        for index, step in enumerate(order):
            stopped = self._cancel_reason or self._stop_reason
            if stopped is not None:
                raise ConfigError(stopped)
            component = self.services.components.get(step.component)
            started = time.perf_counter()
            where = f"step {step.id!r} ({step.component})"
            self._log(f"{where} started", index / len(order))
            frames, id_columns = self._read(step)

            inputs = ComponentInputs(
                party=self.services.party,
                spec=self.spec,
                step=step,
                frames=frames,
                id_columns=id_columns,
                upstream={before: outputs[before] for before in step.after},
                progress=self._progress_for(step, index, len(order)),
            )
            with ctx.scope("step", step.id):
                result = component.fn(ctx, inputs)
            if not isinstance(result, ComponentOutputs):
                raise ConfigError(f"component {step.component!r} did not return ComponentOutputs")
            self._release(step, result)
            outputs[step.id] = result
            seconds = time.perf_counter() - started
            self._log(f"{where} finished in {seconds:.2f} s", (index + 1) / len(order))

    def _read(self, step: Step) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
        frames: dict[str, pd.DataFrame] = {}
        id_columns: dict[str, str] = {}
        party = self.services.party
        for name in self.spec.datasets.get(party, ()):
            columns = step.columns_read(party, name)
            if not columns:
                continue
            frame = self.services.datasets.read(name, list(columns))
            self.services.audit.dataset_read(
                self.job.id, dataset=name, columns=list(frame.columns), rows=len(frame),
                step=step.id,
            )  # fmt: skip
            frames[name] = frame
            id_columns[name] = self.services.datasets.get(name).id_column
        return frames, id_columns

    def _release(self, step: Step, result: ComponentOutputs) -> None:
        party = self.services.party
        declared = {output.name for output in step.outputs}
        unknown = sorted(set(result.values) - declared)
        if unknown:
            raise ConfigError(
                f"component {step.component!r} returned undeclared outputs {unknown} in step "
                f"{step.id!r}"
            )
        for output in step.outputs:
            mine = party in output.receivers
            if mine and output.name not in result.values:
                raise ConfigError(
                    f"component {step.component!r} gave no value for output {output.name!r} "
                    f"of step {step.id!r}, which {party!r} receives"
                )
            if not mine and output.name in result.values:
                raise ConfigError(
                    f"component {step.component!r} gave {party!r} a value for output "
                    f"{output.name!r} of step {step.id!r}, which goes only to "
                    f"{list(output.receivers)}"
                )
            name = f"{step.id}.{output.name}"
            if mine:
                payload = bytes(encode(result.values[output.name]))
                self.services.store.put_result(
                    self.job.id, party, name, output.kind, payload=payload
                )
            self.services.audit.output_released(
                self.job.id, output=name, kind=output.kind.value,
                receivers=list(output.receivers), stored_here=mine,
            )  # fmt: skip

    # -- records ------------------------------------------------------------------------------

    def _record_bytes(self) -> None:
        sent, received = self._link.sent, self._link.received
        if (sent or received) and not self._bytes_recorded:
            self._bytes_recorded = True
            self.services.audit.bytes_exchanged(self.job.id, sent=sent, received=received)

    def _log(self, message: str, progress: float | None = None) -> None:
        self.services.store.append_log(self.job.id, message, progress=progress)

    def _progress_for(self, step: Step, index: int, steps: int) -> Callable[[float, str], None]:
        def progress(fraction: float, message: str) -> None:
            self._progress(step, message, (index + min(max(fraction, 0.0), 1.0)) / steps)

        return progress

    def _progress(self, step: Step, message: str, progress: float) -> None:
        now = time.monotonic()
        if now - self._last_progress < _PROGRESS_EVERY_S:
            return
        self._last_progress = now
        self._log(f"step {step.id!r}: {message}", progress)
