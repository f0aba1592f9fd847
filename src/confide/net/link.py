"""The link interface every protocol talks through, and the mailbox that links deliver into.

A link moves typed values (see :mod:`confide.net.wire`) between named parties. Protocol code
never opens sockets: it calls ``send(peer, tag, value)`` and ``recv(peer, tag, timeout)`` on the
link its context holds, and the same code runs over memory (threads) or gRPC (processes).

Tags are strings whose first ``/``-separated segment is the job id (the context builds them).
The sender of every delivered message is set by the link from the authenticated channel,
never read from the message.

Abort notices
-------------
A message with the tag ``"<job>/!abort"`` is an abort notice. Any member of the federation can
send one, and the link does not know a job's parties (they are in the job's spec, above this
layer), so a notice is recorded per job *and sender* and counts only once its sender is known
to the mailbox as a party of that job:

- the party that owns the mailbox (a node stopping one of its own jobs),
- a sender that a receive of that job has waited on (this party's code only receives from
  parties of the job), and
- the parties registered with :meth:`Mailbox.expect_parties` (by whoever knows the job's
  parties, such as the code that builds its context).

From the moment a notice counts, every receive of that job, waiting or future, that finds no
message already queued for it raises :class:`~confide.errors.PeerAborted` naming the party that
aborted and why. Messages that arrived before the notice are still received (a party that fails
on what its peer sent first reports its own error, not the peer's abort); later ones are
dropped on arrival, and the queued ones when the abort is forgotten. A notice from a member
that is not known as a party of the job changes nothing for that job's receives until it is (a
receive waiting on that member for that job). Jobs of a node's own channels (ids starting with
``!``) are never aborted by a notice.

What a mailbox remembers of aborts is bounded: notices and aborted jobs are forgotten
``abort_memory_s`` seconds after they arrived (:data:`ABORT_MEMORY_S`, longer than any receive
deadline), and at most ``max_jobs`` of each (:data:`MAX_REMEMBERED_JOBS`) are kept, the oldest
dropped first; so are the known parties of the most recently active jobs.
:meth:`Mailbox.forget` drops all of one job at once (at its end). :class:`JobMemory` bounds
what a link remembers per job (its failed jobs, their undelivered messages) the same way.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from typing import Generic, NamedTuple, TypeVar

from confide.errors import ConfigError, PeerAborted, PeerTimeout, PeerUnavailable
from confide.net.wire import Value

__all__ = [
    "ABORT_MEMORY_S",
    "ABORT_TAG",
    "MAX_REMEMBERED_JOBS",
    "JobMemory",
    "Link",
    "Mailbox",
    "job_of",
]

#: The last tag segment of an abort notice.
ABORT_TAG = "!abort"

#: How long a mailbox remembers an abort notice, or that a job was aborted, in seconds: far
#: longer than a receive deadline, so a job's receives fail for as long as they may wait.
ABORT_MEMORY_S = 3600.0

#: Most jobs a mailbox remembers notices, aborts and known parties of (the oldest go first).
MAX_REMEMBERED_JOBS = 4096

# Job ids of a node's own channels (such as its control messages) start with this.
_CHANNEL_PREFIX = "!"

#: How often a waiting receive wakes up to ask whether its peer went away.
_LIVENESS_POLL_S = 0.25


def job_of(tag: str) -> str:
    """The job id of a tag: its first ``/``-separated segment."""
    return tag.split("/", 1)[0]


_V = TypeVar("_V")


class JobMemory(Generic[_V]):
    """One value per job, remembered for ``memory_s`` seconds and for at most ``max_jobs``
    jobs; thread-safe.

    Adding a job forgets, first, the jobs added ``memory_s`` seconds or more before (by
    ``clock``), then the oldest beyond ``max_jobs``; :meth:`add` returns the jobs it forgot.
    Nothing is forgotten between adds: the memory only grows when a job is added.
    """

    def __init__(self, memory_s: float, max_jobs: int, clock: Callable[[], float]) -> None:
        if not memory_s > 0 or max_jobs < 1:
            raise ConfigError("abort_memory_s must be > 0 and max_jobs at least 1")
        self._memory_s = memory_s
        self._max_jobs = max_jobs
        self._clock = clock
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, tuple[float, _V]] = OrderedDict()

    def add(self, job: str, value: _V, *, replace: bool = True) -> list[str]:
        """Remember ``value`` for ``job`` (now); if ``job`` is remembered already and not
        ``replace``, keep its value and time. The jobs forgotten, by age or to make room."""
        with self._lock:
            if replace or job not in self._jobs:
                self._jobs.pop(job, None)
                self._jobs[job] = (self._clock(), value)
            forgotten = self._expire()
            while len(self._jobs) > self._max_jobs:
                forgotten.append(self._jobs.popitem(last=False)[0])
            return forgotten

    def pop(self, job: str) -> _V | None:
        """Forget ``job``; its value, or ``None`` if it was not remembered."""
        with self._lock:
            entry = self._jobs.pop(job, None)
            return None if entry is None else entry[1]

    def take_all(self) -> dict[str, _V]:
        """Every job's value, oldest first; the memory is then empty."""
        with self._lock:
            taken = {job: value for job, (_, value) in self._jobs.items()}
            self._jobs.clear()
            return taken

    def __contains__(self, job: object) -> bool:
        with self._lock:
            return job in self._jobs

    def __len__(self) -> int:
        return len(self._jobs)

    def _expire(self) -> list[str]:
        oldest = self._clock() - self._memory_s
        forgotten = []
        while self._jobs:
            job, (at, _) = next(iter(self._jobs.items()))
            if at > oldest:
                break
            del self._jobs[job]
            forgotten.append(job)
        return forgotten


class _Notice(NamedTuple):
    """Who aborted a job, why, and when the mailbox learned it (``time.monotonic``)."""

    sender: str
    reason: str
    at: float


class Mailbox:
    """Messages delivered to one party, waiting to be received, keyed by (sender, tag).

    Messages with the same key are kept in arrival order. Thread-safe: links deliver from their
    own threads while the party's code receives. ``owner``: the party the mailbox belongs to
    (its own abort notices always count). See the module docstring for abort notices, and
    ``abort_memory_s`` and ``max_jobs``.
    """

    def __init__(
        self,
        owner: str | None = None,
        *,
        abort_memory_s: float = ABORT_MEMORY_S,
        max_jobs: int = MAX_REMEMBERED_JOBS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not abort_memory_s > 0 or max_jobs < 1:
            raise ConfigError("abort_memory_s must be > 0 and max_jobs at least 1")
        self.owner = owner
        self.abort_memory_s = abort_memory_s
        self.max_jobs = max_jobs
        self._clock = clock
        self._cond = threading.Condition()
        self._queues: dict[tuple[str, str], deque[Value]] = {}
        # Notices that do not count yet, per job and sender, oldest first.
        self._notices: OrderedDict[str, dict[str, _Notice]] = OrderedDict()
        # Jobs aborted by a notice that counts (the first one), oldest first.
        self._aborted: OrderedDict[str, _Notice] = OrderedDict()
        # Senders known to be parties of each job, the most recently active job last.
        self._parties: OrderedDict[str, set[str]] = OrderedDict()
        self._closed = False

    def deliver(self, sender: str, tag: str, value: Value) -> None:
        """Store a message from ``sender`` (already authenticated by the link)."""
        with self._cond:
            self._expire()
            job, _, rest = tag.partition("/")
            if rest == ABORT_TAG:
                if not job.startswith(_CHANNEL_PREFIX):
                    reason = value if isinstance(value, str) else "no reason given"
                    self._record_notice(job, _Notice(sender, reason, self._clock()))
            elif job not in self._aborted:  # an aborted job's messages are dropped
                self._queues.setdefault((sender, tag), deque()).append(value)
            self._cond.notify_all()

    def expect_parties(self, job: str, parties: Iterable[str]) -> None:
        """Know ``parties`` as the parties of ``job``: their abort notices for it count."""
        with self._cond:
            self._expire()
            self._known(job).update(parties)
            self._settle(job)
            self._cond.notify_all()

    def take(
        self,
        sender: str,
        tag: str,
        timeout: float,
        peer_gone: Callable[[], bool] | None = None,
        pump: Callable[[float], None] | None = None,
    ) -> Value:
        """Wait for the next message ``tag`` from ``sender``, a party of the tag's job.

        Raises :class:`PeerAborted` once a party of the job aborted it (see the module
        docstring), :class:`PeerUnavailable` if ``peer_gone()`` reports that the sender went
        away, :class:`PeerTimeout` at the deadline. A message that had already arrived is
        returned even if the sender is gone since. ``pump(seconds)``, for a link that reads in
        the receiving thread, waits up to that long for messages and delivers them (outside the
        mailbox's lock); without it, the receive waits for another thread's delivery.
        """
        deadline = time.monotonic() + timeout
        key = (sender, tag)
        job = job_of(tag)
        with self._cond:
            self._expire()
            self._known(job).add(sender)
            self._settle(job)
        while True:
            with self._cond:
                queue = self._queues.get(key)
                if queue:
                    value = queue.popleft()
                    if not queue:
                        del self._queues[key]
                    return value
                aborted = self._aborted.get(job)
                if aborted is not None:
                    raise PeerAborted(aborted.sender, aborted.reason)
                if self._closed:
                    raise PeerUnavailable(sender, "this party's link is closed")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PeerTimeout(sender, tag, timeout)
                if pump is None:
                    self._cond.wait(min(remaining, _LIVENESS_POLL_S))
                    if self._queues.get(key) or job in self._aborted:
                        continue
            if pump is not None:
                pump(min(remaining, _LIVENESS_POLL_S))
            # Asked outside the lock: a liveness probe may take a network round trip, and
            # deliveries must not wait for it.
            if peer_gone is not None and peer_gone():
                with self._cond:
                    if not self._queues.get(key):
                        raise PeerUnavailable(sender, "the connection to it went away")

    def wait_for_delivery(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for any delivery (or the mailbox's closing)."""
        with self._cond:
            self._cond.wait(timeout)

    def queued(self, job: str | None = None) -> int:
        """How many messages wait to be received (only ``job``'s, if given)."""
        with self._cond:
            return sum(
                len(queue)
                for (_, tag), queue in self._queues.items()
                if job is None or job_of(tag) == job
            )

    def forget(self, job: str) -> None:
        """Drop everything the mailbox holds of ``job``: messages, notices, abort, parties."""
        with self._cond:
            self._drop_messages(job)
            self._notices.pop(job, None)
            self._aborted.pop(job, None)
            self._parties.pop(job, None)

    def close(self) -> None:
        """Wake every waiting receive; later receives of missing messages fail at once."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # -- abort bookkeeping (called with the lock held) --------------------------------------

    def _known(self, job: str) -> set[str]:
        """The known parties of ``job`` (the owner included), marked as the most recent."""
        parties = self._parties.get(job)
        if parties is None:
            parties = self._parties[job] = set() if self.owner is None else {self.owner}
            while len(self._parties) > self.max_jobs:
                self._parties.popitem(last=False)
        else:
            self._parties.move_to_end(job)
        return parties

    def _record_notice(self, job: str, notice: _Notice) -> None:
        if job in self._aborted:
            return
        if notice.sender == self.owner or notice.sender in self._parties.get(job, ()):
            self._abort(job, notice)
            return
        senders = self._notices.setdefault(job, {})
        senders.setdefault(notice.sender, notice)
        while len(self._notices) > self.max_jobs:
            self._notices.popitem(last=False)

    def _settle(self, job: str) -> None:
        """Abort ``job`` if a notice recorded before now comes from a known party of it."""
        senders = self._notices.get(job)
        if not senders or job in self._aborted:
            return
        known = self._parties.get(job, set())
        counting = [notice for sender, notice in senders.items() if sender in known]
        if counting:
            self._abort(job, min(counting, key=lambda notice: notice.at))

    def _abort(self, job: str, notice: _Notice) -> None:
        self._notices.pop(job, None)
        self._aborted[job] = notice
        while len(self._aborted) > self.max_jobs:
            self._drop_messages(self._aborted.popitem(last=False)[0])

    def _drop_messages(self, job: str) -> None:
        for key in [key for key in self._queues if job_of(key[1]) == job]:
            del self._queues[key]

    def _expire(self) -> None:
        """Forget notices and aborts older than ``abort_memory_s`` (oldest first)."""
        oldest = self._clock() - self.abort_memory_s
        while self._aborted:
            job, notice = next(iter(self._aborted.items()))
            if notice.at > oldest:
                break
            del self._aborted[job]
            self._drop_messages(job)
        while self._notices:
            job, senders = next(iter(self._notices.items()))
            fresh = {s: n for s, n in senders.items() if n.at > oldest}
            if len(fresh) == len(senders):
                break
            if fresh:
                self._notices[job] = fresh
                break
            del self._notices[job]


class Link(ABC):
    """One party's connection to the other parties of a federation."""

    def __init__(self, party: str) -> None:
        self.party = party
        self.mailbox = Mailbox(party)

    @property
    @abstractmethod
    def peers(self) -> tuple[str, ...]:
        """The other parties this link can reach."""

    @abstractmethod
    def send(self, peer: str, tag: str, value: Value, timeout: float = 60.0) -> None:
        """Deliver ``value`` to ``peer``'s mailbox under ``tag``, in order per peer.

        A link may return once the message is on its way (the gRPC link queues it in a bounded
        window) or once it is there (the memory link); a message that cannot be delivered is
        reported to its job, at the latest at that job's next send or receive. Raises
        :class:`PeerUnavailable` if the peer cannot be reached within ``timeout``.
        """

    def recv(self, peer: str, tag: str, timeout: float) -> Value:
        """Wait up to ``timeout`` seconds for the next message ``tag`` from ``peer``."""
        self._check_peer(peer)
        return self.mailbox.take(peer, tag, timeout, lambda: self.peer_gone(peer))

    def peer_gone(self, peer: str) -> bool:
        """Whether ``peer`` was connected and is now known to have gone away."""
        return False

    def expect_parties(self, job_id: str, parties: Iterable[str]) -> None:
        """Tell the link the parties of ``job_id``: their abort notices for it count at once
        (see the module docstring). A link that forwards to another forwards this too."""
        self.mailbox.expect_parties(job_id, parties)

    def abort(
        self,
        job_id: str,
        reason: str,
        peers: Iterable[str] | None = None,
        timeout: float = 2.0,
    ) -> None:
        """Tell ``peers`` (default: all), best effort, that this party aborts ``job_id`` and why."""
        for peer in self.peers if peers is None else peers:
            try:
                self.send(peer, f"{job_id}/{ABORT_TAG}", reason, timeout=timeout)
            except Exception:  # noqa: S112 - best effort: the peer may be the one that died
                continue

    def close(self) -> None:
        """Release the link's resources; waiting receives fail with :class:`PeerUnavailable`."""
        self.mailbox.close()

    def _check_peer(self, peer: str) -> None:
        if peer not in self.peers:
            raise PeerUnavailable(peer, f"not a peer of {self.party!r} (peers: {list(self.peers)})")

    def __enter__(self) -> Link:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
