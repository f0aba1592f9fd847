"""Node-to-node control messages over the peer link: proposals, decisions, stops and queries.

Jobs are agreed on before they run, by small messages between the nodes' coordinators
(:mod:`confide.node.coordinator`). They travel on the same mTLS link as the jobs' own messages,
under the tag :data:`CONTROL_TAG`, whose first segment (``!control``) can never be a job id, so
they never mix with a job's messages. The sender of each message is the party whose pinned
certificate the link authenticated; nothing inside a message says who sent it.

=========== ================================================ =================================
type        fields                                           meaning
=========== ================================================ =================================
``propose`` ``job_id``, ``spec`` (YAML text)                 the sender proposes a job
``decision`` ``decision`` (:class:`~.approvals.SignedDecision`  the sender's signed approval or
            wire form)                                        refusal
``stop``    ``job_id``, ``outcome`` (refused, failed or       the job ended at the sender, and
            cancelled), ``reason``                            why
``ready``   ``job_id``, ``spec_hash``                        the sender holds every party's
                                                             valid approval of this spec and
                                                             will run the job
``query``   ``job_id``                                       "send me your decision again"
                                                             (after a restart)
=========== ================================================ =================================

Every message is a wire-format map with ``"v": 1`` and ``"type"``; :func:`decode_message`
checks every field and raises :class:`~confide.errors.ProtocolError` for anything else.

:class:`ControlChannel` sends and receives them: one sending thread per peer drains a queue
(so a slow or dead peer delays nobody, and messages to one peer keep their order), and one
receiving thread per peer hands each message to the coordinator. A message that cannot be
delivered within the send deadline is handed back to ``on_undelivered``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from confide.audit.fields import check_hash, check_job_id
from confide.errors import ConfideError, PeerAborted, PeerTimeout, PeerUnavailable, ProtocolError
from confide.net.link import Link
from confide.net.wire import Value
from confide.node.approvals import MAX_REASON_LENGTH, SignedDecision
from confide.node.records import JobState

__all__ = [
    "CONTROL_TAG",
    "MAX_SPEC_BYTES",
    "ControlChannel",
    "DecisionMessage",
    "Message",
    "Propose",
    "Query",
    "Ready",
    "Stop",
    "decode_message",
    "encode_message",
]

logger = logging.getLogger(__name__)

#: The tag of every control message.
CONTROL_TAG = "!control/message"

#: Largest job spec a proposal may carry, in bytes of UTF-8.
MAX_SPEC_BYTES = 1 << 20

#: How long a receiving thread waits before looking again whether the channel is closing.
_POLL_S = 0.5

_VERSION = 1
_STOP_OUTCOMES = frozenset({JobState.REFUSED, JobState.FAILED, JobState.CANCELLED})


@dataclass(frozen=True)
class Propose:
    """The sender proposes job ``job_id`` with spec ``spec`` (YAML)."""

    job_id: str
    spec: str


@dataclass(frozen=True)
class DecisionMessage:
    """The sender's signed decision on a job (checked by the receiver against its own copy)."""

    decision: SignedDecision

    @property
    def job_id(self) -> str:
        """The job the decision is about."""
        return self.decision.job_id


@dataclass(frozen=True)
class Stop:
    """Job ``job_id`` ended at the sender (refused, failed or cancelled), for ``reason``."""

    job_id: str
    outcome: JobState
    reason: str


@dataclass(frozen=True)
class Ready:
    """The sender holds every party's valid approval of job ``job_id`` with ``spec_hash``."""

    job_id: str
    spec_hash: str


@dataclass(frozen=True)
class Query:
    """The sender asks for this node's decision on ``job_id`` again."""

    job_id: str


Message = Propose | DecisionMessage | Stop | Ready | Query


def encode_message(message: Message) -> dict[str, Value]:
    """The wire form of ``message``."""
    if isinstance(message, Propose):
        return {"v": _VERSION, "type": "propose", "job_id": message.job_id, "spec": message.spec}
    if isinstance(message, DecisionMessage):
        return {"v": _VERSION, "type": "decision", "decision": message.decision.to_wire()}
    if isinstance(message, Stop):
        return {
            "v": _VERSION,
            "type": "stop",
            "job_id": message.job_id,
            "outcome": message.outcome.value,
            "reason": message.reason[:MAX_REASON_LENGTH],
        }
    if isinstance(message, Ready):
        return {
            "v": _VERSION,
            "type": "ready",
            "job_id": message.job_id,
            "spec_hash": message.spec_hash,
        }
    return {"v": _VERSION, "type": "query", "job_id": message.job_id}


def _fields(value: dict[str, Value], names: set[str]) -> None:
    expected = names | {"v", "type"}
    if set(value) != expected:
        raise ProtocolError(
            f"a {value.get('type')!r} control message must have exactly the keys {sorted(expected)}"
        )


def _job_id(value: Value) -> str:
    try:
        return check_job_id(value, "control message job id")
    except ConfideError as exc:
        raise ProtocolError(str(exc)) from None


def _text(value: Value, what: str, limit: int) -> str:
    if not isinstance(value, str) or len(value.encode("utf-8", "surrogatepass")) > limit:
        raise ProtocolError(f"a control message's {what} must be text of at most {limit} bytes")
    return value


def decode_message(value: Value) -> Message:
    """The message in wire value ``value``; :class:`ProtocolError` if it is not a valid one."""
    if not isinstance(value, dict) or value.get("v") != _VERSION:
        raise ProtocolError(f"a control message must be a map with version {_VERSION}")
    kind = value.get("type")
    if kind == "propose":
        _fields(value, {"job_id", "spec"})
        return Propose(_job_id(value["job_id"]), _text(value["spec"], "spec", MAX_SPEC_BYTES))
    if kind == "decision":
        _fields(value, {"decision"})
        return DecisionMessage(SignedDecision.from_wire(value["decision"]))
    if kind == "stop":
        _fields(value, {"job_id", "outcome", "reason"})
        try:
            outcome = JobState(value["outcome"])
        except ValueError:
            outcome = JobState.PROPOSED  # refused just below
        if outcome not in _STOP_OUTCOMES:
            raise ProtocolError("a stop message's outcome must be refused, failed or cancelled")
        reason = _text(value["reason"], "reason", 4 * MAX_REASON_LENGTH)
        return Stop(_job_id(value["job_id"]), outcome, reason)
    if kind == "ready":
        _fields(value, {"job_id", "spec_hash"})
        try:
            spec_hash = check_hash(value["spec_hash"], "ready message spec hash")
        except ConfideError as exc:
            raise ProtocolError(str(exc)) from None
        return Ready(_job_id(value["job_id"]), spec_hash)
    if kind == "query":
        _fields(value, {"job_id"})
        return Query(_job_id(value["job_id"]))
    raise ProtocolError(f"unknown control message type {kind!r}")


Handler = Callable[[str, Message], None]
Undelivered = Callable[[str, Message, Exception], None]


class ControlChannel:
    """Sends control messages to the peers of ``link`` and hands received ones to ``handler``.

    ``handler(sender, message)`` runs on the sender's receiving thread; it should not block
    for long (messages from that sender wait behind it). ``on_undelivered(peer, message,
    error)`` runs on the peer's sending thread when a message could not be delivered within
    ``send_timeout`` seconds.
    """

    def __init__(
        self,
        link: Link,
        handler: Handler,
        *,
        on_undelivered: Undelivered,
        send_timeout: float = 10.0,
    ) -> None:
        self.link = link
        self._handler = handler
        self._on_undelivered = on_undelivered
        self._send_timeout = send_timeout
        self._closing = threading.Event()
        self._outboxes: dict[str, queue.SimpleQueue[Message | None]] = {
            peer: queue.SimpleQueue() for peer in link.peers
        }
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        """Start the sending and receiving threads."""
        for peer in self.link.peers:
            for target, role in ((self._receive, "rx"), (self._send, "tx")):
                thread = threading.Thread(
                    target=target, args=(peer,), name=f"control-{role}-{peer}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def post(self, peer: str, message: Message) -> None:
        """Queue ``message`` for ``peer`` (returns at once)."""
        outbox = self._outboxes.get(peer)
        if outbox is None:
            raise ProtocolError(f"{peer!r} is not a peer of {self.link.party!r}")
        outbox.put(message)

    def _send(self, peer: str) -> None:
        outbox = self._outboxes[peer]
        while (message := outbox.get()) is not None:
            try:
                self.link.send(peer, CONTROL_TAG, encode_message(message), self._send_timeout)
            except ConfideError as exc:
                if self._closing.is_set():
                    return
                logger.warning("control message to %r not delivered: %s", peer, exc)
                self._on_undelivered(peer, message, exc)

    def _receive(self, peer: str) -> None:
        while not self._closing.is_set():
            try:
                value = self.link.mailbox.take(peer, CONTROL_TAG, _POLL_S)
            except PeerTimeout:
                continue
            except PeerAborted:
                # A peer sent an abort notice for the control "job": ignored, but it makes
                # every wait fail at once, so poll instead of spinning.
                time.sleep(_POLL_S)
                continue
            except PeerUnavailable:
                return  # the link is closed
            try:
                message = decode_message(value)
            except ProtocolError as exc:
                logger.warning("a malformed control message from %r was dropped: %s", peer, exc)
                continue
            try:
                self._handler(peer, message)
            except Exception:
                logger.exception("handling a control message from %r failed", peer)

    def close(self, drain_s: float = 2.0) -> None:
        """Stop the threads, giving queued messages up to ``drain_s`` seconds to go out; the
        link stays open."""
        for outbox in self._outboxes.values():
            outbox.put(None)
        deadline = time.monotonic() + drain_s
        senders = [t for t in self._threads if t.name.startswith("control-tx-")]
        for thread in senders:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        self._closing.set()
        for thread in self._threads:
            if thread not in senders:
                thread.join(timeout=2 * _POLL_S)
