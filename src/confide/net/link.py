"""The link interface every protocol talks through, and the mailbox that links deliver into.

A link moves typed values (see :mod:`confide.net.wire`) between named parties. Protocol code
never opens sockets: it calls ``send(peer, tag, value)`` and ``recv(peer, tag, timeout)`` on the
link its context holds, and the same code runs over memory (threads) or gRPC (processes).

Tags are strings whose first ``/``-separated segment is the job id (the context builds them).
A message with the tag ``"<job>/!abort"`` is an abort notice: every receive of that job, waiting
or future, raises :class:`~confide.errors.PeerAborted` naming the party that aborted and why.
The sender of every delivered message is set by the link from the authenticated channel,
never read from the message.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable

from confide.errors import PeerAborted, PeerTimeout, PeerUnavailable
from confide.net.wire import Value

__all__ = ["ABORT_TAG", "Link", "Mailbox", "job_of"]

#: The last tag segment of an abort notice.
ABORT_TAG = "!abort"

#: How often a waiting receive wakes up to ask whether its peer went away.
_LIVENESS_POLL_S = 0.25


def job_of(tag: str) -> str:
    """The job id of a tag: its first ``/``-separated segment."""
    return tag.split("/", 1)[0]


class Mailbox:
    """Messages delivered to one party, waiting to be received, keyed by (sender, tag).

    Messages with the same key are kept in arrival order. Thread-safe: links deliver from their
    own threads while the party's code receives.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._queues: dict[tuple[str, str], deque[Value]] = {}
        self._aborted: dict[str, tuple[str, str]] = {}
        self._closed = False

    def deliver(self, sender: str, tag: str, value: Value) -> None:
        """Store a message from ``sender`` (already authenticated by the link)."""
        with self._cond:
            job, _, rest = tag.partition("/")
            if rest == ABORT_TAG:
                reason = value if isinstance(value, str) else "no reason given"
                self._aborted.setdefault(job, (sender, reason))
            else:
                self._queues.setdefault((sender, tag), deque()).append(value)
            self._cond.notify_all()

    def take(
        self,
        sender: str,
        tag: str,
        timeout: float,
        peer_gone: Callable[[], bool] | None = None,
    ) -> Value:
        """Wait for the next message ``tag`` from ``sender``.

        Raises :class:`PeerAborted` if any party aborted the tag's job, :class:`PeerUnavailable`
        if ``peer_gone()`` reports that the sender went away, :class:`PeerTimeout` at the deadline.
        A message that had already arrived is returned even if the sender is gone since.
        """
        deadline = time.monotonic() + timeout
        key = (sender, tag)
        job = job_of(tag)
        while True:
            with self._cond:
                queue = self._queues.get(key)
                if queue:
                    value = queue.popleft()
                    if not queue:
                        del self._queues[key]
                    return value
                if job in self._aborted:
                    who, reason = self._aborted[job]
                    raise PeerAborted(who, reason)
                if self._closed:
                    raise PeerUnavailable(sender, "this party's link is closed")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise PeerTimeout(sender, tag, timeout)
                self._cond.wait(min(remaining, _LIVENESS_POLL_S))
                if self._queues.get(key) or job in self._aborted:
                    continue
            # Asked outside the lock: a liveness probe may take a network round trip, and
            # deliveries must not wait for it.
            if peer_gone is not None and peer_gone():
                with self._cond:
                    if not self._queues.get(key):
                        raise PeerUnavailable(sender, "the connection to it went away")

    def close(self) -> None:
        """Wake every waiting receive; later receives of missing messages fail at once."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class Link(ABC):
    """One party's connection to the other parties of a federation."""

    def __init__(self, party: str) -> None:
        self.party = party
        self.mailbox = Mailbox()

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
