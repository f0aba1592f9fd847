"""A long-lived gRPC stream to one peer for small messages, with a bounded window in flight.

Setting up a gRPC call costs more than moving a small message: measured here, a unary call
round trip took about twice as long as one write and one acknowledgement on an open
bidirectional stream. So each link keeps one stream per peer, opened on first use, and sends
every small message on it: one request each, answered by one empty acknowledgement, in order.

**Delivered** means acknowledged: the peer acknowledges a message after it has decoded it and
filed it in its mailbox, so an acknowledged message is there for the peer's code to receive.

:meth:`PeerStream.post` does not wait for the acknowledgement (unless asked to): it puts the
message on the stream and returns, and a reader thread takes the acknowledgements as they come
back. Protocols send, then receive; waiting for each acknowledgement would add a network round
trip to every round. At most ``window_messages`` messages and ``window_bytes`` bytes are in
flight (posted, not yet acknowledged); a post waits for room until its deadline (back-pressure),
so memory stays bounded however fast a party sends.

Every message in flight keeps its own deadline, and the link's :class:`Watchdog` cancels the
stream of a message that passed it (a stream has no per-message deadline of its own). When the
stream fails (the peer refused a message, went away, closed the stream, or a deadline passed),
every message still in flight is **lost**: it may or may not have reached the peer's mailbox,
and it is never sent again (a resend could deliver it twice). The stream then records, for each
job that lost messages, one error saying why and how many, which :meth:`PeerStream.take_loss`
hands out once; the next post opens a new stream. Abort notices are best effort: their loss is
never recorded. A loss never handed out (its job never posts or receives again) is forgotten
as a link forgets a failed job (:class:`~confide.net.link.JobMemory`): ``loss_memory_s``
seconds after it was recorded, and beyond the ``max_lossy_jobs`` most recent, once another
job's loss is recorded.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc

from confide.errors import AuthenticationError, ConfideError, PeerUnavailable, ProtocolError
from confide.net.link import ABORT_MEMORY_S, MAX_REMEMBERED_JOBS, JobMemory

__all__ = [
    "DEFAULT_WINDOW_BYTES",
    "DEFAULT_WINDOW_MESSAGES",
    "PeerStream",
    "Watchdog",
    "translate",
]

#: Most messages in flight (posted, not yet acknowledged) on one stream. A round of an MPC
#: protocol sends one message per peer; pipelined code sends a few before it receives.
DEFAULT_WINDOW_MESSAGES = 64

#: Most bytes in flight on one stream (a single message larger than this still goes, alone).
DEFAULT_WINDOW_BYTES = 1 << 24

_CLOSED = "this party's link is closed"


@dataclass(frozen=True)
class _Failure:
    """Why a call failed, as the error a sender is given (built fresh for each job told)."""

    kind: type[PeerUnavailable] | type[AuthenticationError] | type[ProtocolError]
    text: str
    cause: BaseException | None = None

    def error(self, peer: str, job: str | None = None, lost: int = 0) -> ConfideError:
        text = self.text
        if lost:
            text += f" ({lost} message{'' if lost == 1 else 's'} of job {job!r} not delivered)"
        error: ConfideError
        if self.kind is ProtocolError:
            error = ProtocolError(f"peer {peer!r} {text}")
        else:
            error = self.kind(peer, text)
        error.__cause__ = self.cause
        return error


def _describe(exc: grpc.RpcError, deadline_text: str) -> _Failure:
    code = exc.code() if hasattr(exc, "code") else None
    details = exc.details() if hasattr(exc, "details") else str(exc)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return _Failure(AuthenticationError, f"refused our certificate: {details}", exc)
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return _Failure(ProtocolError, f"refused the message: {details}", exc)
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return _Failure(PeerUnavailable, deadline_text, exc)
    return _Failure(PeerUnavailable, f"{code.name if code else 'error'}: {details}", exc)


def translate(peer: str, exc: grpc.RpcError, timeout: float) -> ConfideError:
    """The Confide error for a failed call to ``peer`` whose deadline was ``timeout`` seconds."""
    return _describe(exc, f"could not deliver within {timeout:g} s").error(peer)


def _drain(requests: queue.SimpleQueue[bytes | None]) -> Iterator[bytes]:
    while (item := requests.get()) is not None:
        yield item


@dataclass(frozen=True)
class _InFlight:
    """A message posted and not yet acknowledged."""

    job: str
    size: int
    deadline: float
    timeout: float
    notice: bool


class _Call:
    """One open stream call: its requests, the messages awaiting acknowledgement, its reader."""

    def __init__(self, open_call: Callable[..., Any]) -> None:
        self.requests: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.responses: Any = open_call(_drain(self.requests), wait_for_ready=True)
        self.in_flight: deque[_InFlight] = deque()
        self.in_flight_bytes = 0
        self.posted = 0
        self.acked = 0
        self.ended = False
        self.failure: _Failure | None = None
        self.cancel_reason: str | None = None
        self.reader: threading.Thread | None = None


class PeerStream:
    """The sending end of the stream to one peer (see the module docstring); thread-safe.

    Messages posted from several threads go out, and are acknowledged, in the order their
    posts took the stream's lock. ``loss_memory_s``/``max_lossy_jobs``/``clock``: how long
    and for how many jobs it remembers losses not handed out yet, by ``clock``.
    """

    def __init__(
        self,
        peer: str,
        open_call: Callable[..., Any],
        *,
        window_messages: int = DEFAULT_WINDOW_MESSAGES,
        window_bytes: int = DEFAULT_WINDOW_BYTES,
        loss_memory_s: float = ABORT_MEMORY_S,
        max_lossy_jobs: int = MAX_REMEMBERED_JOBS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.peer = peer
        self.window_messages = window_messages
        self.window_bytes = window_bytes
        #: Whether the peer ever acknowledged a message on this stream.
        self.reached = False
        self._open_call = open_call
        self._cond = threading.Condition()
        self._call: _Call | None = None
        self._losses: JobMemory[ConfideError] = JobMemory(loss_memory_s, max_lossy_jobs, clock)
        self._closed = False

    def post(
        self,
        message: bytes,
        job: str,
        timeout: float,
        *,
        wait: bool = False,
        notice: bool = False,
    ) -> None:
        """Put ``message`` (of ``job``) on the stream; with ``wait``, also wait until delivered.

        Waits for room in the window for up to ``timeout`` seconds; the message must then be
        acknowledged within ``timeout`` seconds of this call, or it is lost. Raises
        :class:`PeerUnavailable` when there is no room in time, when the link is closed, or
        when an earlier message of ``job`` was lost while this post waited for room (then
        this one is not sent); with ``wait``, also the error of this message's loss.
        ``notice``: an abort notice, whose loss is never recorded.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            call = self._room(len(message), job, notice, deadline, timeout)
            seq = call.posted
            call.posted += 1
            call.in_flight.append(_InFlight(job, len(message), deadline, timeout, notice))
            call.in_flight_bytes += len(message)
            call.requests.put(message)
            if not wait:
                return
            while not call.ended and call.acked <= seq:
                self._cancel_overdue(call, time.monotonic())
                self._cond.wait(max(deadline - time.monotonic(), 0.0) + 0.05)
            if call.acked > seq:
                return
            error = self._losses.pop(job)
            failure = call.failure or _Failure(PeerUnavailable, "the stream ended")
            raise error if error is not None else failure.error(self.peer)

    def settle(self, deadline: float, job: str | None = None) -> bool:
        """Wait until every message posted so far (only ``job``'s, if given) is delivered or
        lost; ``False`` if some are still in flight at ``deadline`` (a ``time.monotonic``)."""
        with self._cond:
            call = self._call
            if call is None:
                return True
            target = call.posted
            if job is not None:
                last = [i for i, entry in enumerate(call.in_flight) if entry.job == job]
                target = call.acked + last[-1] + 1 if last else 0
            while not call.ended and call.acked < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def take_loss(self, job: str) -> ConfideError | None:
        """The error of ``job``'s messages lost on this stream, once; ``None`` if none were."""
        if not self._losses:  # the common case, without taking the lock
            return None
        with self._cond:
            return self._losses.pop(job)

    def take_losses(self) -> dict[str, ConfideError]:
        """Every job's loss not handed out yet, as {job: error}; they are not handed out again."""
        with self._cond:
            return self._losses.take_all()

    def cancel_if_overdue(self, now: float) -> None:
        """Cancel the stream if a message in flight passed its deadline (the watchdog's job)."""
        with self._cond:
            if self._call is not None:
                self._cancel_overdue(self._call, now)

    def close(self) -> None:
        """End the stream (the peer sees its end); messages still in flight are lost, and
        later posts fail. Call :meth:`settle` first to let them arrive."""
        with self._cond:
            self._closed = True
            call = self._call
            if call is None:
                return
            self._end(call, _Failure(PeerUnavailable, f"{_CLOSED} before the peer acknowledged"))
        call.responses.cancel()
        if call.reader is not None:
            call.reader.join(timeout=2.0)

    # -- inside the lock -------------------------------------------------------------------

    def _room(self, size: int, job: str, notice: bool, deadline: float, timeout: float) -> _Call:
        """The open call, once the window has room for ``size`` more bytes (opened if none)."""
        while True:
            if self._closed:
                raise PeerUnavailable(self.peer, _CLOSED)
            call = self._call
            if call is None:
                return self._open()
            count, nbytes = len(call.in_flight), call.in_flight_bytes
            if not count or (count < self.window_messages and nbytes + size <= self.window_bytes):
                return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PeerUnavailable(
                    self.peer,
                    f"could not deliver within {timeout:g} s: "
                    f"{count} earlier messages are not acknowledged yet",
                )
            self._cond.wait(remaining)
            if not notice and (error := self._losses.pop(job)) is not None:
                raise error

    def _open(self) -> _Call:
        call = _Call(self._open_call)
        call.reader = threading.Thread(
            target=self._read, args=(call,), name=f"confide-acks-{self.peer}", daemon=True
        )
        self._call = call
        call.reader.start()
        return call

    def _cancel_overdue(self, call: _Call, now: float) -> None:
        if call.ended or call.cancel_reason is not None:
            return
        overdue = next((entry for entry in call.in_flight if entry.deadline < now), None)
        if overdue is not None:
            call.cancel_reason = f"could not deliver within {overdue.timeout:g} s"
            call.responses.cancel()  # the reader sees CANCELLED and ends the call

    def _end(self, call: _Call, failure: _Failure) -> None:
        """Close the books of a call that ended: whatever is still in flight is lost."""
        if call.ended:
            return
        call.ended = True
        call.failure = failure
        lost = Counter(entry.job for entry in call.in_flight if not entry.notice)
        for job, count in lost.items():
            self._losses.add(job, failure.error(self.peer, job, count), replace=False)
        call.in_flight.clear()
        call.in_flight_bytes = 0
        call.requests.put(None)  # ends the request iterator that gRPC drains
        if self._call is call:
            self._call = None
        self._cond.notify_all()

    # -- the reader thread -----------------------------------------------------------------

    def _read(self, call: _Call) -> None:
        """Take ``call``'s acknowledgements until it ends; then end its books."""
        failure = _Failure(PeerUnavailable, "it closed the stream")
        try:
            for _ in call.responses:
                with self._cond:
                    if not call.in_flight:
                        failure = _Failure(ProtocolError, "acknowledged a message never sent")
                        break
                    entry = call.in_flight.popleft()
                    call.in_flight_bytes -= entry.size
                    call.acked += 1
                    self.reached = True
                    self._cond.notify_all()
        except grpc.RpcError as exc:
            failure = _describe(exc, "could not deliver in time")
            if call.cancel_reason is not None:
                failure = _Failure(PeerUnavailable, call.cancel_reason, exc)
        with self._cond:
            self._end(call, failure)
        call.responses.cancel()  # a no-op unless the loop above broke off


class Watchdog:
    """A daemon thread that cancels the streams with a message in flight past its deadline."""

    def __init__(self, streams: list[PeerStream], every: float = 0.05) -> None:
        self._streams = streams
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="confide-watchdog", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            now = time.monotonic()
            for stream in self._streams:
                stream.cancel_if_overdue(now)

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stop.set()
        self._thread.join()
