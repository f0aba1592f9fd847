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
   its mailbox and acknowledges. ``send`` returns after the acknowledgement.

A malformed message is refused (the sender's ``send`` raises ``ProtocolError``) and aborts the
tag's job at the receiver, naming the sender. While a peer is still starting, sends wait for it
with gRPC's reconnect backoff up to their deadline, then raise ``PeerUnavailable``. A receive that
waits on a peer that had answered before and now does not answer pings raises
``PeerUnavailable`` within about two seconds instead of waiting out its whole deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from concurrent import futures
from typing import Any

import grpc
import numpy as np

from confide.errors import (
    AuthenticationError,
    ConfigError,
    DecodeError,
    PeerUnavailable,
    ProtocolError,
)
from confide.net.federation import Federation, Identity
from confide.net.grpc_stream import PeerStream, Watchdog
from confide.net.link import ABORT_TAG, Link, job_of
from confide.net.wire import Value, decode, encode, encode_parts, encoded_size

__all__ = ["DEFAULT_CHUNK_BYTES", "DEFAULT_MAX_MESSAGE_BYTES", "GrpcLink"]

_SERVICE = "confide.Peer"
_SEND = f"/{_SERVICE}/Send"
_STREAM = f"/{_SERVICE}/Stream"
_PING = f"/{_SERVICE}/Ping"

#: Size of the chunks a message is streamed in: large enough to amortise per-message costs,
#: far below gRPC's 4 MiB default limit.
DEFAULT_CHUNK_BYTES = 1 << 21

#: Largest message a receiver accepts (its buffer is allocated at this size at most).
DEFAULT_MAX_MESSAGE_BYTES = 1 << 36

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
    """A party's link over gRPC with mutual TLS to the parties of a :class:`Federation`."""

    def __init__(
        self,
        identity: Identity,
        federation: Federation,
        *,
        listen: str | None = None,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        max_workers: int | None = None,
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
        self.federation = federation
        self.chunk_bytes = chunk_bytes
        self.max_message_bytes = max_message_bytes
        self.bytes_sent = 0
        self.bytes_received = 0
        self._stats_lock = threading.Lock()
        self._peers = tuple(p for p in federation.parties if p != identity.party)
        self._state = {peer: _PeerState() for peer in self._peers}
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
            self._streams[peer] = PeerStream(peer, channel.stream_stream(_STREAM))
            self._ping_calls[peer] = channel.unary_unary(_PING)
        self._watchdog = Watchdog(list(self._streams.values()))

    @property
    def peers(self) -> tuple[str, ...]:
        return self._peers

    # -- sending ---------------------------------------------------------------------------

    def send(self, peer: str, tag: str, value: Value, timeout: float = 60.0) -> None:
        self._check_peer(peer)
        parts = encode_parts(value)
        size = encoded_size(parts)
        try:
            if size <= self.chunk_bytes:
                message = bytes(encode({"tag": tag, "size": size, "data": b"".join(parts)}))
                self._streams[peer].post(message, timeout)
            else:
                self._send_calls[peer](
                    self._chunks(tag, parts, size), timeout=timeout, wait_for_ready=True
                )
        except grpc.RpcError as exc:
            raise _translate(peer, exc, timeout) from exc
        self._state[peer].reached = True
        with self._stats_lock:
            self.bytes_sent += size

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
            tag, size, inline = self._header(first)
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

    def _header(self, first: bytes) -> tuple[str, int, bytes | None]:
        header = decode(first)
        if not isinstance(header, dict) or not set(header) <= _HEADER_KEYS:
            raise ProtocolError(f"a message header must be a map with keys {sorted(_HEADER_KEYS)}")
        tag, size, inline = header.get("tag"), header.get("size"), header.get("data")
        if not isinstance(tag, str) or "/" not in tag or len(tag) > _MAX_TAG_LENGTH:
            raise ProtocolError("a message header needs a tag '<job>/<name>' of sane length")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ProtocolError("a message header needs a non-negative size")
        if size > self.max_message_bytes:
            raise ProtocolError(f"message of {size} bytes exceeds {self.max_message_bytes}")
        if inline is not None and (not isinstance(inline, bytes) or len(inline) != size):
            raise ProtocolError("inline data does not match the announced size")
        return tag, size, inline

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
            raise _translate(peer, exc, timeout) from exc
        self._state[peer].reached = True
        return time.perf_counter() - start

    def peer_gone(self, peer: str) -> bool:
        state = self._state[peer]
        now = time.monotonic()
        if state.reached and now - state.last_ping >= _PING_EVERY_S:
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
        self._watchdog.stop()
        for stream in self._streams.values():
            stream.close()
        self._server.stop(grace=0.5).wait()
        for channel in self._channels.values():
            channel.close()
        super().close()


def _translate(peer: str, exc: grpc.RpcError, timeout: float) -> Exception:
    code = exc.code() if hasattr(exc, "code") else None
    details = exc.details() if hasattr(exc, "details") else str(exc)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        return AuthenticationError(peer, f"refused our certificate: {details}")
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return ProtocolError(f"peer {peer!r} refused the message: {details}")
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return PeerUnavailable(peer, f"could not deliver within {timeout:g} s")
    return PeerUnavailable(peer, f"{code.name if code else 'error'}: {details}")
