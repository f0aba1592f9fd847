"""A node's review of a job spec: may it run here, and without the operator?

    verdict = review_job(spec, party="bank", store=store, components=registry, now=now,
                         federation=federation, job_id="job-1a2b")
    if not verdict.allowed: refuse(verdict.reasons)
    elif verdict.automatic: approve()
    else: hold_for_operator(verdict.reasons)

Called when a job is proposed (before any data is read) and again when it starts. A job is
refused when any of these fails, every failure listed:

- this party is a party of the job, and every party of the job is in the federation;
- every component is installed here and accepts its step (:meth:`ComponentRegistry.problems`);
  for an enclave job (:func:`~confide.tee.is_tee_job`), instead, the enclave runs every step
  and this node has what its part needs (:func:`~confide.node.tee_setup.tee_problems`: an
  enclave at the host, pinned keys at a provider, an output key at a receiver, ...);
- every dataset the job lists for this party is registered here, has a usage policy (no policy
  allows nothing), and that policy allows the job (:func:`confide.policy.evaluate`, with the
  dataset's uses so far: :func:`dataset_uses`).

A job that passes runs without the operator only when every one of those policies says
``approval: auto``; a job to which this party contributes no dataset (a compute helper, a
result receiver) waits for its operator, since no policy of its own speaks for it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from confide.jobs.registry import ComponentRegistry
from confide.net.federation import Federation
from confide.node.errors import NotFound
from confide.node.records import Decision, JobState
from confide.node.store import NodeStore
from confide.node.tee_setup import TeeNode, tee_problems
from confide.policy import Dataset, JobSpec, Usage, evaluate
from confide.policy import Decision as PolicyDecision
from confide.tee import is_tee_job

__all__ = ["Verdict", "dataset_uses", "review_job"]

#: States of a job whose approval by this node counts as a use of its datasets: all but
#: refused (a refused job never starts). A job that failed or was cancelled may have read data.
_USING_STATES = frozenset(JobState) - {JobState.REFUSED}


@dataclass(frozen=True)
class Verdict:
    """The outcome of a review: refused (``allowed`` false, ``reasons`` say why), approved
    automatically, or held for the operator (``reasons`` say why it is not automatic)."""

    allowed: bool
    automatic: bool
    reasons: tuple[str, ...]
    decisions: tuple[PolicyDecision, ...] = ()

    @property
    def summary(self) -> str:
        """The reasons as one sentence."""
        return "; ".join(self.reasons)


def dataset_uses(store: NodeStore, party: str, dataset: str, *, exclude: str | None) -> int:
    """How many jobs other than ``exclude`` this node approved that list ``dataset`` for
    ``party`` and were not refused: the uses a policy's ``max_uses`` counts.

    A job counts from this node's approval on (before it runs), so two jobs proposed at once
    cannot both take the last use. Each count reads the jobs of the store (one query per job):
    fine for the thousands of jobs a node sees in a year.
    """
    count = 0
    for job in store.list_jobs():
        if job.id == exclude or job.state not in _USING_STATES:
            continue
        if dataset not in job.spec.datasets.get(party, ()):
            continue
        mine = [a for a in store.approvals(job.id) if a.party == party]
        if mine and mine[0].decision is Decision.APPROVED:
            count += 1
    return count


def review_job(
    spec: JobSpec,
    *,
    party: str,
    store: NodeStore,
    components: ComponentRegistry,
    federation: Federation,
    now: datetime.datetime,
    job_id: str | None = None,
    tee: TeeNode | None = None,
) -> Verdict:
    """Review ``spec`` as ``party``'s node (see the module docstring); ``job_id`` is the job
    under review, left out of the dataset use counts; ``tee`` the node's means for enclave
    jobs (none by default)."""
    if party not in spec.parties:
        return Verdict(False, False, (f"{party!r} is not a party of the job",))
    reasons: list[str] = []
    outsiders = sorted(set(spec.parties) - set(federation.parties))
    if outsiders:
        reasons.append(f"parties {outsiders} are not in federation {federation.name!r}")
    if is_tee_job(spec):
        tee = TeeNode() if tee is None else tee
        reasons.extend(tee_problems(spec, party=party, tee=tee, store=store))
    else:
        reasons.extend(components.problems(spec))
    decisions: list[PolicyDecision] = []
    mine = spec.datasets.get(party, ())
    for name in mine:
        try:
            info = store.get_dataset(name)
        except NotFound:
            reasons.append(f"dataset {name!r} is not registered on {party!r}'s node")
            continue
        policy = store.get_policy(name)
        if policy is None:
            reasons.append(f"dataset {name!r} of {party!r} has no usage policy: nothing is allowed")
            continue
        uses = Usage(dataset_uses(store, party, name, exclude=job_id))
        decision = evaluate(policy, spec, Dataset(party, name, info.column_names), uses, now)
        decisions.append(decision)
        reasons.extend(decision.reasons())
    if reasons:
        return Verdict(False, False, tuple(reasons), tuple(decisions))
    if not mine:
        why = f"{party!r} contributes no dataset to the job, so its operator decides"
        return Verdict(True, False, (why,), ())
    manual = [d.dataset for d in decisions if not d.auto_approve]
    if manual:
        why = f"the usage policies of {manual} ask for the operator's approval"
        return Verdict(True, False, (why,), tuple(decisions))
    return Verdict(True, True, (), tuple(decisions))
