"""The gRPC link: parties as processes (or machines), mutual TLS, pinned certificates, streaming.

Each party runs one gRPC server (service ``confide.Peer``) and one channel to every peer.
Sending is a call from the sender to the receiver's server:

1. The sender encodes the value (:mod:`confide.net.wire`). A small message travels as one
   request ``{"tag": str, "size": int, "data": bytes}`` on a long-lived bidirectional stream to
   the peer (``Stream``, see :mod:`confide.net.grpc_stream`), acknowledged in order; a larger one
   in a client-streaming call of its own (``Send``) as the header ``{"tag": str, "size": int}``
   followed by chunks of at most ``chunk_bytes``. No message ever approaches gRPC's size
   limits, and the sender holds at most one chunk beyond the value itself.
2. The receiver names the sender by the certificate it presented in the TLS handshake, compared
   byte for byte (by fingerprint) with the federation's pinned certificates. Nothing in the
   message says who sent it. An unpinned certificate fails the handshake (the trust bundle holds
   only the pinned, non-CA certificates); a pinned certificate of a party outside the federation
   cannot exist.
3. The receiver reassembles the stream into one buffer of the announced size (allocated lazily
   by the OS, bounded by ``max_message_bytes``), decodes it without copying arrays, puts it in
   its mailbox and acknowledges. A message is **delivered** when it is in the peer's mailbox,
   which its acknowledgement tells the sender.

When ``send`` returns. A small message's ``send`` returns once the message is queued on the
stream, without waiting for its acknowledgement (protocols send, then receive: waiting would
add a round trip to every round); at most a window of messages is in flight per peer, and a
send waits for room (back-pressure) until its deadline. A large message's ``send`` first lets
the small messages before it arrive (so that messages to a peer arrive in the order they were
sent), then returns after its acknowledgement. With ``wait_for_ack=True`` every ``send`` waits
for its acknowledgement and raises if the message is lost; so do sends of a tag whose first
segment starts with ``!`` (not a job's messages but a node's own channel, such as its control
messages, whose sender hands each undelivered message back; a job id never contains ``!``).

What a send that cannot be delivered does. A message not acknowledged by its deadline, refused
by the peer, or in flight when the peer went away is *lost* (it may or may not have reached the
peer, and it is never sent again). Its job is told once, by a ``LinkError`` (or
``ProtocolError`` for a refused message) raised from the job's next ``send`` or ``recv``, to or
from any peer, from a ``recv`` already waiting (within a quarter of a second), or from
:meth:`GrpcLink.flush`. The watchdog enforces the deadlines of messages in flight. ``close``
first lets what is in flight arrive (up to ``close_timeout`` seconds, and each message's own
deadline), then releases everything, then raises for lost messages whose job was never told,
unless that job had failed already (it was handed a link error, or it aborted). Abort notices
(``<job>/!abort``) are best effort: they are sent even after their job lost messages, and
their loss is never reported. What the link remembers of failed jobs is bounded as a mailbox's
memory of aborts is (:mod:`confide.net.link`): a job is forgotten ``abort_memory_s`` seconds
after it failed (:data:`~confide.net.link.ABORT_MEMORY_S`; noticed when another job fails),
and at most ``max_jobs``
(:data:`~confide.net.link.MAX_REMEMBERED_JOBS`) are kept, the oldest dropped first; the losses
of a job it forgets, not told yet, are dropped with it (a loss recorded after that, which only
a message in flight for longer than the memory can cause, is reported at ``close``). The
losses of a job that is never told (it never sends or receives again) are bounded the same
way by each peer's stream (:class:`~confide.net.grpc_stream.PeerStream`), so ``close``
reports only those of the last ``abort_memory_s`` seconds and ``max_jobs`` jobs.

A malformed message is refused (the sender is told as above, with a ``ProtocolError``) and
aborts the tag's job at the receiver, naming the sender, as an abort notice from that sender
would: only if the sender is a party of that job (see :mod:`confide.net.link`). While a peer
is still starting, messages wait for it with gRPC's reconnect backoff up to their deadline, then
are lost (``PeerUnavailable``). A receive that waits on a peer that had answered before and now
does not answer pings raises ``PeerUnavailable`` within about two seconds instead of waiting out
its whole deadline.

``bytes_sent`` counts the encoded bytes of every message ``send`` accepted (when it returned),
``bytes_received`` those of every message filed in this party's mailbox.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from typing import Any

import grpc
import numpy as np

from confide.errors import (
    AuthenticationError,
    ConfigError,
    DecodeError,
    LinkError,
    PeerUnavailable,
    ProtocolError,
)
from confide.net.federation import Federation, Identity
from confide.net.grpc_stream import (
    DEFAULT_WINDOW_BYTES,
    DEFAULT_WINDOW_MESSAGES,
    PeerStream,
    Watchdog,
    translate,
)
from confide.net.link import (
    ABORT_MEMORY_S,
    ABORT_TAG,
    MAX_REMEMBERED_JOBS,
    JobMemory,
    Link,
    job_of,
)
from confide.net.wire import Value, decode, encode, encode_parts, encoded_size

__all__ = [
    "DEFAULT_CHUNK_BYTES",
    "DEFAULT_CLOSE_TIMEOUT_S",
    "DEFAULT_MAX_MESSAGE_BYTES",
    "DEFAULT_WINDOW_BYTES",
    "DEFAULT_WINDOW_MESSAGES",
    "GrpcLink",
]

_SERVICE = "confide.Peer"
_SEND = f"/{_SERVICE}/Send"
_STREAM = f"/{_SERVICE}/Stream"
_PING = f"/{_SERVICE}/Ping"

#: Size of the chunks a message is streamed in: large enough to amortise per-message costs,
#: far below gRPC's 4 MiB default limit.
DEFAULT_CHUNK_BYTES = 1 << 21

#: Largest message a receiver accepts (its buffer is allocated at this size at most).
DEFAULT_MAX_MESSAGE_BYTES = 1 << 36

#: Longest ``close`` waits for the messages in flight to be acknowledged.
DEFAULT_CLOSE_TIMEOUT_S = 10.0

#: Sends of a tag whose job segment starts with this always wait for the acknowledgement.
_ACKED_PREFIX = "!"

#: A peer that had answered is declared gone after pings fail for this long.
_GONE_AFTER_S = 1.0
_PING_EVERY_S = 0.5
_PING_TIMEOUT_S = 0.5

_HEADER_KEYS = frozenset({"tag", "size", "data"})
_MAX_TAG_LENGTH = 4096


class _PeerState:
    """What this party knows about one peer's liveness."""

    def __init__(self) -> None:
        self.reached = False
        self.failing_since: float | None = None
        self.last_ping = 0.0


class GrpcLink(Link):
    """A party's link over gRPC with mutual TLS to the parties of a :class:`Federation`.

    ``chunk_bytes``: the largest message sent on the peer's stream, and the chunk size of
    larger ones. ``max_message_bytes``: the largest message this party accepts.
    ``window_messages``/``window_bytes``: most messages and bytes in flight (sent, not yet
    acknowledged) to each peer. ``wait_for_ack``: every ``send`` waits for the acknowledgement
    (an attribute, which may be changed at any time).
    ``close_timeout``: longest ``close`` waits for the messages in flight.
    ``abort_memory_s``/``max_jobs``/``clock``: how long and how many failed jobs the link
    remembers (module docstring), by ``clock`` (``time.monotonic``).
    """

    def __init__(
        self,
        identity: Identity,
        federation: Federation,
        *,
        listen: str | None = None,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_workers: int | None = None,
        window_messages: int = DEFAULT_WINDOW_MESSAGES,
        window_bytes: int = DEFAULT_WINDOW_BYTES,
        wait_for_ack: bool = False,
        close_timeout: float = DEFAULT_CLOSE_TIMEOUT_S,
        abort_memory_s: float = ABORT_MEMORY_S,
        max_jobs: int = MAX_REMEMBERED_JOBS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(identity.party)
        if identity.party not in federation.parties:
            raise ConfigError(
                f"{identity.party!r} is not a party of federation {federation.name!r}"
            )
        if federation.identify(identity.cert_pem) != identity.party:
            raise ConfigError(
                f"{identity.party!r}'s certificate is not the one the federation pins for it"
            )
        if not 1024 <= chunk_bytes <= 1 << 22:
            raise ConfigError(f"chunk_bytes must be in 1 KiB..4 MiB, got {chunk_bytes}")
        if window_messages < 1 or window_bytes < 1:
            raise ConfigError("window_messages and window_bytes must be at least 1")
        if close_timeout < 0:
            raise ConfigError(f"close_timeout must be >= 0, got {close_timeout:g}")
        self.federation = federation
        self.chunk_bytes = chunk_bytes
        self.max_message_bytes = max_message_bytes
        self.wait_for_ack = wait_for_ack
        self.close_timeout = close_timeout
        self.bytes_sent = 0
        self.bytes_received = 0
        self._stats_lock = threading.Lock()
        self._peers = tuple(p for p in federation.parties if p != identity.party)
        self._state = {peer: _PeerState() for peer in self._peers}
        # The jobs that failed here (told of a link error, or aborted).
        self._failed_jobs: JobMemory[None] = JobMemory(abort_memory_s, max_jobs, clock)
        self._closed = False
        bundle = federation.trust_bundle()
        options = [
            ("grpc.max_receive_message_length", chunk_bytes + (1 << 16)),
            ("grpc.max_send_message_length", chunk_bytes + (1 << 16)),
        ]
        self._server = grpc.server(
            # Each peer's stream holds one server thread for its lifetime; leave room for the
            # streamed large messages and pings beside them.
            futures.ThreadPoolExecutor(
                max_workers=max_workers or 2 * len(self._peers) + 4,
                thread_name_prefix="confide-rx",
            ),
            options=options,
        )
        self._server.add_generic_rpc_handlers(
            (
                grpc.method_handlers_generic_handler(
                    _SERVICE,
                    {
                        "Send": grpc.stream_unary_rpc_method_handler(self._on_send),
                        "Stream": grpc.stream_stream_rpc_method_handler(self._on_stream),
                        "Ping": grpc.unary_unary_rpc_method_handler(self._on_ping),
                    },
                ),
            )
        )
        server_credentials = grpc.ssl_server_credentials(
            [(identity.key_pem, identity.cert_pem)],
            root_certificates=bundle,
            require_client_auth=True,
        )
        address = listen or federation.address(identity.party)
        try:
            bound = self._server.add_secure_port(address, server_credentials)
        except RuntimeError as exc:
            raise ConfigError(f"{identity.party!r} cannot listen on {address}: {exc}") from exc
        if bound == 0:
            raise ConfigError(f"{identity.party!r} cannot listen on {address}")
        self._server.start()
        channel_credentials = grpc.ssl_channel_credentials(
            root_certificates=bundle,
            private_key=identity.key_pem,
            certificate_chain=identity.cert_pem,
        )
        self._channels: dict[str, grpc.Channel] = {}
        self._send_calls: dict[str, Any] = {}
        self._streams: dict[str, PeerStream] = {}
        self._ping_calls: dict[str, Any] = {}
        for peer in self._peers:
            channel = grpc.secure_channel(
                federation.address(peer),
                channel_credentials,
                options=[
                    *options,
                    ("grpc.ssl_target_name_override", peer),
                    ("grpc.default_authority", peer),
                    ("grpc.initial_reconnect_backoff_ms", 100),
                    ("grpc.min_reconnect_backoff_ms", 100),
                    ("grpc.max_reconnect_backoff_ms", 1000),
                ],
            )
            self._channels[peer] = channel
            self._send_calls[peer] = channel.stream_unary(_SEND)
            self._streams[peer] = PeerStream(
                peer,
                channel.stream_stream(_STREAM),
                window_messages=window_messages,
                window_bytes=window_bytes,
                loss_memory_s=abort_memory_s,
                max_lossy_jobs=max_jobs,
                clock=clock,
            )
            self._ping_calls[peer] = channel.unary_unary(_PING)
        self._watchdog = Watchdog(list(self._streams.values()))

    @property
    def peers(self) -> tuple[str, ...]:
        return self._peers

    def failed(self, job: str) -> bool:
        """Whether the link remembers ``job`` as failed here: it was handed a link error, or it
        aborted (see the module docstring for how long; older jobs are forgotten when another
        fails)."""
        return job in self._failed_jobs

    def _mark_failed(self, job: str) -> None:
        for forgotten in self._failed_jobs.add(job, None):
            for stream in self._streams.values():
                stream.take_loss(forgotten)

    # -- sending ---------------------------------------------------------------------------

    def send(self, peer: str, tag: str, value: Value, timeout: float = 60.0) -> None:
        """Send ``value`` to ``peer`` under ``tag``; see the module docstring for when it
        returns, and how a message that cannot be delivered is reported."""
        self._check_peer(peer)
        job = job_of(tag)
        notice = tag.partition("/")[2] == ABORT_TAG
        if notice:
            self._mark_failed(job)  # failing already: close need not report its losses
        try:
            if not notice:
                self._raise_lost(job)
            parts = encode_parts(value)
            size = encoded_size(parts)
            if size <= self.chunk_bytes:
                message = bytes(encode({"tag": tag, "size": size, "data": b"".join(parts)}))
                wait = self.wait_for_ack or job.startswith(_ACKED_PREFIX)
                self._streams[peer].post(message, job, timeout, wait=wait, notice=notice)
            else:
                self._send_large(peer, tag, parts, size, timeout, notice)
        except (LinkError, ProtocolError):
            self._mark_failed(job)
            raise
        with self._stats_lock:
            self.bytes_sent += size

    def _send_large(
        self,
        peer: str,
        tag: str,
        parts: Sequence[bytes | memoryview],
        size: int,
        timeout: float,
        notice: bool,
    ) -> None:
        """Stream one large message in a call of its own, after the small ones before it."""
        deadline = time.monotonic() + timeout
        if not self._streams[peer].settle(deadline):
            raise PeerUnavailable(peer, f"could not deliver within {timeout:g} s")
        if not notice:
            self._raise_lost(job_of(tag))
        chunks = self._chunks(tag, parts, size)
        remaining = max(deadline - time.monotonic(), 1e-3)
        try:
            self._send_calls[peer](chunks, timeout=remaining, wait_for_ready=True)
        except grpc.RpcError as exc:
            raise translate(peer, exc, timeout) from exc
        self._state[peer].reached = True

    def flush(self, timeout: float = 60.0, *, job: str | None = None) -> None:
        """Wait until every message sent so far (only ``job``'s, if given) is delivered or lost;
        raise the error of lost ones whose job was not told yet (the first, noting the others).

        Raises :class:`PeerUnavailable` if messages are still in flight after ``timeout``.
        """
        deadline = time.monotonic() + timeout
        for peer, stream in self._streams.items():
            if not stream.settle(deadline, job):
                raise PeerUnavailable(peer, f"messages not acknowledged within {timeout:g} s")
        if job is not None:
            self._raise_lost(job)
            return
        lost = [
            error for stream in self._streams.values() for error in stream.take_losses().values()
        ]
        if lost:
            raise _first_noting_others(lost)

    def _raise_lost(self, job: str) -> None:
        """Raise the error of ``job``'s lost messages, if any were lost and not reported yet."""
        for stream in self._streams.values():
            error = stream.take_loss(job)
            if error is not None:
                raise error

    def _chunks(self, tag: str, parts: Sequence[bytes | memoryview], size: int) -> Iterator[bytes]:
        yield bytes(encode({"tag": tag, "size": size}))
        pending = bytearray()
        for part in parts:
            view = memoryview(part).cast("B")
            while len(view):
                room = self.chunk_bytes - len(pending)
                if not pending and len(view) >= self.chunk_bytes:
                    yield bytes(view[: self.chunk_bytes])
                    view = view[self.chunk_bytes :]
                    continue
                pending += view[:room]
                view = view[room:]
                if len(pending) == self.chunk_bytes:
                    yield bytes(pending)
                    pending.clear()
        if pending:
            yield bytes(pending)

    # -- receiving -------------------------------------------------------------------------

    def recv(self, peer: str, tag: str, timeout: float) -> Value:
        """Wait up to ``timeout`` seconds for the next message ``tag`` from ``peer``; raises
        the error of the job's lost messages instead, if it lost some (before or while
        waiting)."""
        self._check_peer(peer)
        job = job_of(tag)

        def lost_or_gone() -> bool:
            self._raise_lost(job)
            return self.peer_gone(peer)

        try:
            self._raise_lost(job)
            return self.mailbox.take(peer, tag, timeout, lost_or_gone)
        except (LinkError, ProtocolError):
            self._mark_failed(job)
            raise

    def _authenticate(self, context: grpc.ServicerContext) -> str:
        certs = context.auth_context().get("x509_pem_cert") or [b""]
        sender = self.federation.identify(certs[0])
        if sender is None or sender == self.party:
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "certificate not pinned")
            raise AuthenticationError("unknown", "certificate not pinned")  # abort raises first
        self._state[sender].reached = True
        return sender

    def _on_ping(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        self._authenticate(context)
        return b""

    def _on_stream(
        self, requests: Iterator[bytes], context: grpc.ServicerContext
    ) -> Iterator[bytes]:
        sender = self._authenticate(context)
        for request in requests:
            self._accept(sender, request, iter(()), context)
            yield b""

    def _on_send(self, requests: Iterator[bytes], context: grpc.ServicerContext) -> bytes:
        sender = self._authenticate(context)
        self._accept(sender, next(requests, b""), requests, context)
        return b""

    def _accept(
        self,
        sender: str,
        first: bytes,
        rest: Iterator[bytes],
        context: grpc.ServicerContext,
    ) -> None:
        """Decode one message (its first request and any chunks) and file it from ``sender``."""
        tag: str | None = None
        try:
            header = _header(first)
            tag = _tag(header)  # known from here on: a later fault aborts its job
            size, inline = self._size(header)
            value = self._payload(rest, size, inline)
        except (DecodeError, ProtocolError) as exc:
            reason = f"sent a malformed message: {exc}"
            if tag is not None:
                # The receiving party's code must not wait out its deadline for a message that
                # will never come: the job is aborted here, naming the sender.
                self.mailbox.deliver(sender, f"{job_of(tag)}/{ABORT_TAG}", reason)
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, reason)
            return  # not reached: abort raises
        with self._stats_lock:
            self.bytes_received += size
        self.mailbox.deliver(sender, tag, value)

    def _size(self, header: dict[str, Any]) -> tuple[int, bytes | None]:
        size, inline = header.get("size"), header.get("data")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ProtocolError("a message header needs a non-negative size")
        if size > self.max_message_bytes:
            raise ProtocolError(f"message of {size} bytes exceeds {self.max_message_bytes}")
        if inline is not None and (not isinstance(inline, bytes) or len(inline) != size):
            raise ProtocolError("inline data does not match the announced size")
        return size, inline

    def _payload(self, requests: Iterator[bytes], size: int, inline: bytes | None) -> Value:
        if inline is not None:
            if next(requests, None) is not None:
                raise ProtocolError("a message with inline data must not stream chunks")
            return decode(bytearray(inline))
        buffer = np.empty(size, dtype=np.uint8)  # pages are committed only as chunks fill them
        filled = 0
        for chunk in requests:
            end = filled + len(chunk)
            if end > size:
                raise ProtocolError(f"stream carries more than the announced {size} bytes")
            buffer[filled:end] = np.frombuffer(chunk, dtype=np.uint8)
            filled = end
        if filled != size:
            raise ProtocolError(f"stream ended after {filled} of {size} bytes")
        return decode(buffer.data)

    # -- liveness --------------------------------------------------------------------------

    def ping(self, peer: str, timeout: float = 5.0) -> float:
        """Seconds one authenticated, empty call to ``peer`` takes; ``PeerUnavailable`` if none."""
        self._check_peer(peer)
        start = time.perf_counter()
        try:
            self._ping_calls[peer](b"", timeout=timeout)
        except grpc.RpcError as exc:
            raise translate(peer, exc, timeout) from exc
        self._state[peer].reached = True
        return time.perf_counter() - start

    def peer_gone(self, peer: str) -> bool:
        state = self._state[peer]
        now = time.monotonic()
        reached = state.reached or self._streams[peer].reached
        if reached and now - state.last_ping >= _PING_EVERY_S:
            state.last_ping = now
            try:
                self.ping(peer, timeout=_PING_TIMEOUT_S)
            except PeerUnavailable:
                if state.failing_since is None:
                    state.failing_since = now
            else:
                state.failing_since = None
        return state.failing_since is not None and now - state.failing_since >= _GONE_AFTER_S

    def close(self) -> None:
        """Let the messages in flight arrive (see ``close_timeout``), release everything, then
        raise the error of lost messages whose job was never told and had not failed."""
        if self._closed:
            return
        self._closed = True
        deadline = time.monotonic() + self.close_timeout
        for stream in self._streams.values():
            stream.settle(deadline)
        self._watchdog.stop()
        for stream in self._streams.values():
            stream.close()
        self._server.stop(grace=0.5).wait()
        for channel in self._channels.values():
            channel.close()
        super().close()
        lost = [
            error
            for stream in self._streams.values()
            for job, error in stream.take_losses().items()
            if job not in self._failed_jobs
        ]
        if lost:
            raise _first_noting_others(lost)


def _header(first: bytes) -> dict[str, Any]:
    header = decode(first)
    if not isinstance(header, dict) or not set(header) <= _HEADER_KEYS:
        raise ProtocolError(f"a message header must be a map with keys {sorted(_HEADER_KEYS)}")
    return header


def _tag(header: dict[str, Any]) -> str:
    tag = header.get("tag")
    if not isinstance(tag, str) or "/" not in tag or len(tag) > _MAX_TAG_LENGTH:
        raise ProtocolError("a message header needs a tag '<job>/<name>' of sane length")
    return tag


def _first_noting_others(errors: Sequence[Exception]) -> Exception:
    """The first error, its message extended by the others'."""
    first = errors[0]
    if len(errors) > 1:
        others = "; ".join(f"{type(e).__name__}: {e}" for e in errors[1:])
        first.args = (f"{first}; also {others}",)
    return first
