"""The job flow on one node: proposals, policy checks, signed decisions, start, stop.

    coordinator = Coordinator(services); coordinator.start()
    job = coordinator.submit(open("job.yaml").read())       # at the task initiator's node
    coordinator.approve(job.id)                              # an operator, where one is needed

The flow, as every node runs it (messages in :mod:`confide.node.control`):

1. **Submit.** The initiator's node checks the spec (this party is a ``task_initiator`` of it,
   every party is in the federation), gives it a fresh job id, records it (``proposed`` in the
   audit log) and sends ``propose`` to every other party of the job.
2. **Review.** Each node (the initiator's too) records the proposal and reviews the spec against
   its own policies and components (:func:`~confide.node.review.review_job`), before any data is
   read. It refuses when a rule is broken, approves when every policy of its datasets says
   ``auto``, and otherwise holds the job for its operator (``approve`` / ``refuse``). A proposal
   from a party that is not a ``task_initiator`` of the job is refused.
3. **Decide.** A decision is signed over the job id and the spec hash
   (:mod:`confide.node.approvals`), recorded, and sent to every other party, which checks the
   signature against the sender's pinned certificate and the hash against its own copy of the
   spec. A decision over another spec means the job was changed after it was proposed: the job
   is refused (failed, if it had been approved). A refusal refuses the job everywhere, with the
   refusing party's reason.
4. **Start.** When a node holds a valid approval from every party, it checks once more that its
   stored spec still has the approved hash, that every approval verifies and that its policies
   still allow the job, then tells every other party it is ``ready`` to run that spec. A node
   starts the job (:class:`~confide.node.runner.JobRunner`) only when every party is ready:
   no node reads data before every party has checked every approval against its own copy of
   the spec, so a job changed at one node is refused everywhere before it runs anywhere.
5. **End.** A run that fails tells the others at once (on the link) and with a ``stop``
   message; a cancel at any node stops the job at every node. A node that restarts marks the
   jobs it was running (or about to run) as failed, tells the others, and asks its peers again
   for the decisions it may have missed on the jobs still proposed.

Every step is recorded in the audit log (proposed, approved and refused with who and why,
started, dataset reads, outputs, bytes, failure, finish, and the peers' chain heads) and as
lines of the job's log. Decisions that arrive before their proposal (from a third party) wait
in a small buffer until it comes.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from confide.errors import ConfideError, ConfigError, ProtocolError
from confide.net.federation import Federation
from confide.node.approvals import SignedDecision, SpecMismatch, sign_decision
from confide.node.control import (
    ControlChannel,
    DecisionMessage,
    Message,
    Propose,
    Query,
    Ready,
    Stop,
)
from confide.node.errors import IllegalTransition, NotFound
from confide.node.records import TERMINAL_STATES, Decision, JobRecord, JobState
from confide.node.review import Verdict, review_job
from confide.node.runner import CANCEL_PREFIX, JobEnd, JobRunner
from confide.node.services import NodeServices
from confide.policy import JobSpec, parse_job
from confide.runtime.context import Role, new_job_id
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "Coordinator"]

logger = logging.getLogger(__name__)

DISCLOSURE = (
    Disclosure(
        "every party of a job",
        "its spec (parties, roles, dataset and column names, components, parameters, outputs "
        "and receivers), every party's signed decision with its reason, and why the job ended",
        "a refusal's reason names the broken rules of the refusing party's usage policies "
        "(allowed columns, receivers, limits), so that everyone sees why",
    ),
    Disclosure(
        "the peers of this node",
        "that a job it was asked about exists here and in which state (in answer to a query)",
    ),
)

#: Jobs whose early messages (a decision or stop before the proposal) are kept, at most.
_PENDING_JOBS = 256
#: Early messages kept per job, at most.
_PENDING_PER_JOB = 64
#: How often the parties of running jobs are checked for having gone away.
_WATCH_EVERY_S = 0.5


def _others(spec: JobSpec, party: str) -> list[str]:
    return [p for p in sorted(spec.parties) if p != party]


class Coordinator:
    """One node's side of the job flow (see the module docstring)."""

    def __init__(self, services: NodeServices) -> None:
        self.services = services
        self.party = services.party
        self._lock = threading.RLock()
        self._runners: dict[str, JobRunner] = {}
        self._pending: OrderedDict[str, list[tuple[str, Message]]] = OrderedDict()
        self._ready: dict[str, set[str]] = {}
        self._control = ControlChannel(
            services.link,
            self._on_message,
            on_undelivered=self._on_undelivered,
            send_timeout=services.control_timeout,
        )
        self._closed = False
        self._stopping = threading.Event()
        self._watchdog = threading.Thread(target=self._watch_peers, name="peer-watch", daemon=True)

    @property
    def federation(self) -> Federation:
        """The federation of this node."""
        return self.services.federation

    # -- lifetime -------------------------------------------------------------------------------

    def start(self) -> None:
        """Settle the jobs a previous run left behind, then start talking to the peers."""
        with self._lock:
            self._recover()
        self._control.start()
        self._watchdog.start()
        with self._lock:
            self._resync()

    def close(self, reason: str = "the node was stopped") -> None:
        """Fail the jobs running here (telling the peers), then stop the control channel."""
        with self._lock:
            self._closed = True
            runners = list(self._runners.values())
        for runner in runners:
            runner.stop(f"failed at {self.party!r}: {reason}", cancelled=False)
        for runner in runners:
            runner.join(timeout=10.0)
        self._stopping.set()
        if self._watchdog.is_alive():
            self._watchdog.join(timeout=5.0)
        self._control.close()

    def running(self) -> list[str]:
        """The ids of the jobs running here now."""
        with self._lock:
            return sorted(self._runners)

    # -- operator actions -------------------------------------------------------------------------

    def submit(self, spec_text: str) -> JobRecord:
        """Propose the job of YAML ``spec_text`` to its parties; this party must initiate it."""
        spec = parse_job(spec_text, "job spec")
        roles = spec.parties.get(self.party)
        if roles is None:
            raise ConfigError(f"{self.party!r} is not a party of the job, so it cannot submit it")
        if Role.TASK_INITIATOR not in roles:
            raise ConfigError(
                f"{self.party!r} is not a task_initiator of the job, so it cannot submit it"
            )
        outsiders = sorted(set(spec.parties) - set(self.federation.parties))
        if outsiders:
            raise ConfigError(f"parties {outsiders} are not in federation {self.federation.name!r}")
        with self._lock:
            self._check_open()
            job = self._create(new_job_id(), spec, proposer=self.party)
            proposal = Propose(job.id, job.spec_yaml)
            for peer in _others(spec, self.party):
                self._control.post(peer, proposal)
            self._review(job, spec)
            return self.services.store.get_job(job.id)

    def approve(self, job_id: str) -> JobRecord:
        """This node's operator approves a job held for it; its policies must still allow it."""
        with self._lock:
            self._check_open()
            job, spec = self._undecided(job_id, "approved")
            verdict = self._verdict(job, spec)
            if not verdict.allowed:
                raise ConfigError(
                    f"job {job_id!r} breaks this node's rules, so it cannot be approved "
                    f"(refuse it instead): {verdict.summary}"
                )
            self._decide(job, spec, Decision.APPROVED, "", automatic=False)
            return self.services.store.get_job(job_id)

    def refuse(self, job_id: str, reason: str) -> JobRecord:
        """This node's operator refuses a job held for it, for ``reason`` (shown to everyone)."""
        reason = reason.strip()
        if not reason:
            raise ConfigError("say why the job is refused: the reason is shown to every party")
        with self._lock:
            self._check_open()
            job, spec = self._undecided(job_id, "refused")
            self._decide(job, spec, Decision.REFUSED, reason, automatic=False)
            return self.services.store.get_job(job_id)

    def cancel(self, job_id: str, reason: str = "") -> JobRecord:
        """Stop a job that has not ended, here and at every other party."""
        text = f"{CANCEL_PREFIX}{self.party!r}: {reason.strip() or 'its operator cancelled it'}"
        with self._lock:
            self._check_open()
            job = self.services.store.get_job(job_id)
            if job.state in TERMINAL_STATES:
                raise IllegalTransition(f"job {job_id!r} is {job.state.value}; it has ended")
            self._end(job_id, JobState.CANCELLED, text, notify=True)
            runner = self._runners.get(job_id)
            others = _others(job.spec, self.party)
        self.services.link.abort(job_id, text, others)  # running peers stop at their next receive
        if runner is not None:
            runner.stop(text, cancelled=True)
        return self.services.store.get_job(job_id)

    def _check_open(self) -> None:
        if self._closed:
            raise ConfigError("the node is stopping")

    def _undecided(self, job_id: str, what: str) -> tuple[JobRecord, JobSpec]:
        job = self.services.store.get_job(job_id)
        if job.state is not JobState.PROPOSED:
            raise IllegalTransition(
                f"job {job_id!r} is {job.state.value}; only a proposed job can be {what}"
            )
        if any(a.party == self.party for a in self.services.store.approvals(job_id)):
            raise IllegalTransition(f"{self.party!r} already decided on job {job_id!r}")
        return job, job.spec

    # -- the flow ---------------------------------------------------------------------------------

    def _create(self, job_id: str, spec: JobSpec, *, proposer: str) -> JobRecord:
        job = self.services.store.create_job(job_id, spec, proposer=proposer)
        self.services.audit.proposed(
            job_id, spec_hash=job.spec_hash, initiator=proposer, name=spec.name
        )
        self._log(job_id, f"proposed by {proposer!r}: {spec.name!r}, spec hash {job.spec_hash}")
        for sender, message in self._pending.pop(job_id, []):
            self._dispatch(sender, message)
        return self.services.store.get_job(job_id)

    def _verdict(self, job: JobRecord, spec: JobSpec) -> Verdict:
        return review_job(
            spec,
            party=self.party,
            store=self.services.store,
            components=self.services.components,
            federation=self.federation,
            now=self.services.clock(),
            job_id=job.id,
            tee=self.services.tee,
        )

    def _review(self, job: JobRecord, spec: JobSpec) -> None:
        proposer_roles = spec.parties.get(job.proposer, frozenset())
        if Role.TASK_INITIATOR not in proposer_roles:
            reason = f"{job.proposer!r} proposed the job but is not one of its task_initiators"
            self._decide(job, spec, Decision.REFUSED, reason, automatic=True)
            return
        verdict = self._verdict(job, spec)
        if not verdict.allowed:
            self._decide(job, spec, Decision.REFUSED, verdict.summary, automatic=True)
        elif verdict.automatic:
            self._decide(job, spec, Decision.APPROVED, "", automatic=True)
        else:
            self._log(job.id, f"waiting for {self.party!r}'s operator: {verdict.summary}")

    def _decide(
        self, job: JobRecord, spec: JobSpec, decision: Decision, reason: str, *, automatic: bool
    ) -> None:
        signed = sign_decision(self.services.signer, job.id, job.spec_hash, decision, reason)
        self.services.store.record_approval(
            job.id, self.party, decision, signature=signed.signature, signed_payload=signed.payload
        )
        how = "automatically" if automatic else "by its operator"
        if signed.approved:
            self.services.audit.approved(
                job.id, spec_hash=job.spec_hash, by=self.party, automatic=automatic
            )
            self._log(job.id, f"approved by {self.party!r} ({how})")
        else:
            self.services.audit.refused(
                job.id, reason=signed.reason, by=self.party, automatic=automatic
            )
            self._log(job.id, f"refused by {self.party!r} ({how}): {signed.reason}")
        for peer in _others(spec, self.party):
            self._control.post(peer, DecisionMessage(signed))
        if signed.approved:
            self._maybe_start(job.id)
        else:
            self._end(job.id, JobState.REFUSED, f"refused by {self.party!r}: {signed.reason}")

    def _maybe_start(self, job_id: str) -> None:
        """Say ready once every party approved; start once every party is ready."""
        job = self.services.store.get_job(job_id)
        if job.state is not JobState.PROPOSED:
            return
        approvals = self.services.store.approvals(job_id)
        approved = {a.party for a in approvals if a.decision is Decision.APPROVED}
        if not set(job.spec.parties) <= approved:
            return
        ready = self._ready.setdefault(job_id, set())
        if self.party not in ready:
            try:
                self._check_approved(job)
            except ConfideError as exc:
                reason = f"refused by {self.party!r}: {type(exc).__name__}: {exc}"
                self._end(job_id, JobState.REFUSED, reason, notify=True)
                return
            ready.add(self.party)
            for peer in _others(job.spec, self.party):
                self._control.post(peer, Ready(job_id, job.spec_hash))
            self._log(job_id, "approved by every party; ready to run")
        if set(job.spec.parties) <= ready:
            del self._ready[job_id]
            self.services.store.set_job_state(job_id, JobState.APPROVED)
            self._start(job_id)

    def _check_approved(self, job: JobRecord) -> None:
        """Raise unless the stored spec has its hash, every approval verifies over it, and
        this node's rules still allow the job."""
        spec = job.spec  # the stored YAML must still have the stored hash
        for record in self.services.store.approvals(job.id):
            SignedDecision.from_record(record).check(
                self.federation, sender=record.party, job_id=job.id, spec_hash=job.spec_hash
            )
        verdict = self._verdict(job, spec)
        if not verdict.allowed:
            raise ConfigError(f"this node's rules no longer allow the job: {verdict.summary}")

    def _start(self, job_id: str) -> None:
        job = self.services.store.set_job_state(job_id, JobState.RUNNING)
        spec = job.spec
        self.services.audit.started(job_id, steps=[step.id for step in spec.steps])
        self._log(job_id, "started", 0.0)
        runner = JobRunner(self.services, job, on_end=self._on_runner_end)
        self._runners[job_id] = runner
        runner.start()

    def _on_runner_end(self, job_id: str, end: JobEnd) -> None:
        with self._lock:
            self._runners.pop(job_id, None)
            if end.state is JobState.FINISHED:
                if self.services.store.get_job(job_id).state is not JobState.RUNNING:
                    return  # ended meanwhile (a stop from a peer)
                # audit first: whoever sees the new state finds the entry that explains it
                self.services.audit.finished(job_id)
                self.services.store.set_job_state(job_id, JobState.FINISHED)
                self._log(job_id, "finished", 1.0)
                return
            self._end(
                job_id, end.state, end.reason, public_reason=end.public_reason,
                notify=end.state is JobState.FAILED,
            )  # fmt: skip

    def _end(
        self,
        job_id: str,
        outcome: JobState,
        reason: str,
        *,
        public_reason: str | None = None,
        notify: bool = False,
    ) -> None:
        """Move the job to ``outcome`` (refused, failed or cancelled) unless it has ended; record
        why; with ``notify``, tell the other parties."""
        self._ready.pop(job_id, None)
        job = self.services.store.get_job(job_id)
        if job.state in TERMINAL_STATES:
            return
        if outcome is JobState.REFUSED and job.state is not JobState.PROPOSED:
            outcome = JobState.FAILED
        if outcome is not JobState.REFUSED:  # refusals are audited with who refused
            # audit first: whoever sees the new state finds the entry that explains it
            self.services.audit.failed(job_id, reason=reason, outcome=outcome.value)
        self.services.store.set_job_state(job_id, outcome, reason=reason)
        self._log(job_id, f"{outcome.value}: {reason}")
        if notify:
            stop = Stop(job_id, outcome, public_reason or reason)
            for peer in _others(job.spec, self.party):
                self._control.post(peer, stop)
        runner = self._runners.get(job_id)
        if runner is not None and outcome is JobState.FAILED:
            runner.stop(public_reason or reason, cancelled=False)

    # -- messages from peers ----------------------------------------------------------------------

    def _on_message(self, sender: str, message: Message) -> None:
        with self._lock:
            if not self._closed:
                self._dispatch(sender, message)

    def _dispatch(self, sender: str, message: Message) -> None:
        if isinstance(message, Propose):
            self._on_propose(sender, message)
            return
        try:
            job = self.services.store.get_job(message.job_id)
        except NotFound:
            self._keep_for_later(sender, message)
            return
        if sender not in job.spec.parties:
            logger.warning("%r sent a message on job %s, of which it is no party", sender, job.id)
            return
        if isinstance(message, DecisionMessage):
            self._on_decision(sender, message.decision, job)
        elif isinstance(message, Stop):
            self._on_stop(sender, message, job)
        elif isinstance(message, Ready):
            self._on_ready(sender, message, job)
        else:
            self._on_query(sender, job)

    def _keep_for_later(self, sender: str, message: Message) -> None:
        if isinstance(message, Query):
            return
        waiting = self._pending.setdefault(message.job_id, [])
        self._pending.move_to_end(message.job_id)
        if len(waiting) < _PENDING_PER_JOB:
            waiting.append((sender, message))
        while len(self._pending) > _PENDING_JOBS:
            self._pending.popitem(last=False)

    def _on_propose(self, sender: str, message: Propose) -> None:
        try:
            spec = parse_job(message.spec, f"job {message.job_id!r} proposed by {sender!r}")
        except ConfigError as exc:
            reason = f"refused by {self.party!r}: the spec cannot be read: {exc}"
            self._control.post(sender, Stop(message.job_id, JobState.REFUSED, reason))
            return
        try:
            existing: JobRecord | None = self.services.store.get_job(message.job_id)
        except NotFound:
            existing = None
        if existing is not None:
            if existing.spec_hash == spec.hash and existing.proposer == sender:
                self._on_query(sender, existing)  # a repeated proposal: answer it again
                return
            reason = (
                f"{sender!r} proposed job {existing.id!r} again with another spec or proposer: "
                "the job was changed after it was proposed"
            )
            self._end(existing.id, JobState.REFUSED, reason, notify=True)
            return
        if self.party not in spec.parties:
            reason = f"refused by {self.party!r}: it is not a party of the job"
            self._control.post(sender, Stop(message.job_id, JobState.REFUSED, reason))
            return
        if sender not in spec.parties:
            logger.warning("%r proposed job %s, of which it is no party", sender, message.job_id)
            return
        job = self._create(message.job_id, spec, proposer=sender)
        if job.state is JobState.PROPOSED and not self._decided(job.id):
            self._review(job, spec)

    def _decided(self, job_id: str) -> bool:
        return any(a.party == self.party for a in self.services.store.approvals(job_id))

    def _on_decision(self, sender: str, decision: SignedDecision, job: JobRecord) -> None:
        try:
            decision.check(self.federation, sender=sender, job_id=job.id, spec_hash=job.spec_hash)
        except SpecMismatch as exc:
            self._end(job.id, JobState.REFUSED, f"refused by {self.party!r}: {exc}", notify=True)
            return
        except ProtocolError as exc:
            reason = f"refused by {self.party!r}: a bad decision from {sender!r}: {exc}"
            self._end(job.id, JobState.REFUSED, reason, notify=True)
            return
        earlier = [a for a in self.services.store.approvals(job.id) if a.party == sender]
        if earlier:
            if earlier[0].signed_payload != decision.payload:
                logger.warning("%r sent a second, different decision on job %s", sender, job.id)
            return
        self.services.store.record_approval(
            job.id, sender, decision.decision, signature=decision.signature,
            signed_payload=decision.payload,
        )  # fmt: skip
        if decision.approved:
            self.services.audit.approved(job.id, spec_hash=job.spec_hash, by=sender)
            self._log(job.id, f"approved by {sender!r}")
            self._maybe_start(job.id)
        else:
            self.services.audit.refused(job.id, reason=decision.reason or "no reason", by=sender)
            self._end(job.id, JobState.REFUSED, f"refused by {sender!r}: {decision.reason}")

    def _on_ready(self, sender: str, message: Ready, job: JobRecord) -> None:
        if job.state is not JobState.PROPOSED:
            return
        if message.spec_hash != job.spec_hash:
            reason = (
                f"refused by {self.party!r}: {sender!r} is ready to run another spec (hash "
                f"{message.spec_hash[:16]}…): the job was changed after it was proposed"
            )
            self._end(job.id, JobState.REFUSED, reason, notify=True)
            return
        self._ready.setdefault(job.id, set()).add(sender)
        self._maybe_start(job.id)

    def _on_stop(self, sender: str, message: Stop, job: JobRecord) -> None:
        self._end(job.id, message.outcome, message.reason)
        runner = self._runners.get(job.id)
        if runner is not None:
            runner.stop(message.reason, cancelled=message.outcome is JobState.CANCELLED)

    def _on_query(self, sender: str, job: JobRecord) -> None:
        for record in self.services.store.approvals(job.id):
            if record.party == self.party:
                signed = SignedDecision.from_record(record)
                self._control.post(sender, DecisionMessage(signed))
        if job.state in {JobState.REFUSED, JobState.FAILED, JobState.CANCELLED} and job.reason:
            self._control.post(sender, Stop(job.id, job.state, job.reason))

    def _on_undelivered(self, peer: str, message: Message, error: Exception) -> None:
        if not isinstance(message, Propose | DecisionMessage | Ready):
            return  # a stop or query is best effort
        reason = f"failed at {self.party!r}: {peer!r} could not be reached: {error}"
        with self._lock:
            try:
                self._end(message.job_id, JobState.FAILED, reason, notify=True)
            except NotFound:
                return

    # -- liveness -------------------------------------------------------------------------------

    def _watch_peers(self) -> None:
        """Fail the running jobs of a peer that went away, whether or not they wait on it now
        (a receive notices only the peer it waits on)."""
        while not self._stopping.wait(_WATCH_EVERY_S):
            with self._lock:
                running = {job_id: runner for job_id, runner in self._runners.items()}
            peers = {p for r in running.values() for p in r.spec.parties if p != self.party}
            gone = {peer for peer in sorted(peers) if self.services.link.peer_gone(peer)}
            for job_id, runner in running.items():
                lost = sorted(gone & set(runner.spec.parties))
                if lost:
                    why = (
                        f"failed at {self.party!r}: {lost[0]!r} went away (its connection is gone)"
                    )
                    logger.warning("job %s: %s", job_id, why)
                    runner.stop(why, cancelled=False)

    # -- restarts ---------------------------------------------------------------------------------

    def _recover(self) -> None:
        """Jobs left running or about to run by a previous run of this node have failed."""
        for job in self.services.store.list_jobs():
            if job.state is JobState.RUNNING:
                why = "this node stopped while the job was running"
            elif job.state is JobState.APPROVED:
                why = "this node stopped before the job could start"
            else:
                continue
            self._end(job.id, JobState.FAILED, f"failed at {self.party!r}: {why}", notify=True)

    def _resync(self) -> None:
        """Send this node's decisions on jobs still proposed again, and ask for the missing."""
        for job in self.services.store.list_jobs(JobState.PROPOSED):
            decided = {a.party for a in self.services.store.approvals(job.id)}
            for peer in _others(job.spec, self.party):
                if self.party in decided:
                    self._on_query(peer, job)
                if peer not in decided:
                    self._control.post(peer, Query(job.id))
            self._maybe_start(job.id)

    # -- the job log ------------------------------------------------------------------------------

    def _log(self, job_id: str, message: str, progress: float | None = None) -> None:
        self.services.store.append_log(job_id, message, progress=progress)
