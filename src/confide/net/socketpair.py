"""The socket-pair link: every party a process of one machine, joined by kernel socket pairs.

For running all the parties of a job on one machine you control (benchmarks, tests, a
simulation that should use every core) without the cost of TLS and gRPC. The memory link runs
parties as threads of one process, where Python's global interpreter lock lets only one of them
compute at a time; over socket pairs each party is its own process, and a message costs a few
system calls and one wake-up instead of a gRPC round trip. :func:`confide.launch` uses it
with ``transport="socketpair"``.

Who a message is from
---------------------
The launcher makes one Unix socket pair per ordered pair of parties before any party starts,
and hands each end only to the process of the party it belongs to (``pass_fds``). A frame's
sender is therefore the party at the other end of the socket it arrived on, never a name read
from the frame. There is no encryption and no certificate: the bytes never leave the kernel of
one machine, and the parties are processes of one user, who can read their memory anyway. Use
the gRPC link (:mod:`confide.net.grpc_link`) for parties that do not share a machine and a user.

Frames and reading
------------------
Each direction of each pair is its own socket pair. A frame is a 12-byte header (``u32`` tag
length, ``u64`` payload length, little-endian), the tag (UTF-8) and the payload in the wire
format (:mod:`confide.net.wire`: no pickle), written with one ``sendmsg`` where the kernel takes
it whole. There is no reader thread: a party reads while it waits, in its own thread. A receive
that finds no message waits for frames from every peer (``select``) and delivers each one it
reads, so abort notices and a peer's departure reach it whichever peer it waits on. Saving a
reader thread's wake-up and its turns at the interpreter lock matters because an MPC protocol
pays for a message every round. What the peer's socket cannot take at once waits in a per-peer
outbox (a copy) that a thread writes as the peer reads, so a send never waits for the peer to
read and two parties sending each other large arrays at once cannot block each other; past
:data:`OUTBOX_BYTES` queued, a send waits for the peer up to its deadline. Closing the link
first delivers what its outboxes hold to the peers still reading.

A frame that breaks the format (a tag that is not UTF-8, a length over the limits, a payload that
does not decode), one that stops arriving for :data:`FRAME_TIMEOUT_S` once started, or a peer
that closes its end mid-frame ends the connection from that peer: the stream cannot be
resynchronised, so the peer is reported gone (:class:`~confide.errors.PeerUnavailable` at the
next send to it or receive from it), as is a peer whose process exited.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import select
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping

from confide.errors import ConfigError, DecodeError, PeerUnavailable
from confide.net.grpc_link import DEFAULT_MAX_MESSAGE_BYTES
from confide.net.link import Link
from confide.net.wire import Value, decode, encode_parts, encoded_size

__all__ = [
    "FRAME_TIMEOUT_S",
    "MAX_TAG_BYTES",
    "OUTBOX_BYTES",
    "SocketPairLink",
    "socket_pairs",
    "socketpair_links",
]

_HEADER = struct.Struct("<IQ")
#: Longest tag a frame may carry.
MAX_TAG_BYTES = 1 << 16
#: Seconds a frame that has started to arrive may take to finish, and a peer may read nothing
#: of what waits for it.
FRAME_TIMEOUT_S = 60.0
#: Bytes queued for one peer beyond which a send waits (up to its deadline) for the peer to read.
OUTBOX_BYTES = 64 << 20
#: Send buffer asked of the kernel for each socket.
SEND_BUFFER_BYTES = 4 << 20
#: Pieces handed to one ``sendmsg`` (the system's limit is at least 1024).
_MAX_PIECES = 512
#: Longest wait in one go, so that a closing link or a departed peer is noticed.
_POLL_S = 0.25
#: Longest wait for another thread's deliveries before looking at the sockets again.
_SHARED_WAIT_S = 0.01
#: How often a closing link looks whether its outboxes have drained.
_FLUSH_POLL_S = 0.005


Pairs = dict[tuple[str, str], tuple[socket.socket, socket.socket]]


def socket_pairs(parties: Iterable[str]) -> Pairs:
    """One Unix socket pair per ordered pair of parties: ``(sender, receiver) -> (the sender's
    writing end, the receiver's reading end)``."""
    names = list(parties)
    if len(set(names)) != len(names):
        raise ConfigError(f"party names must be unique, got {names}")
    return {(a, b): socket.socketpair() for a in names for b in names if a != b}


def socketpair_links(parties: Iterable[str]) -> dict[str, SocketPairLink]:
    """Connected links for ``parties`` in this process (tests; :func:`confide.launch` gives
    each end to its own process instead)."""
    names = list(parties)
    pairs = socket_pairs(names)
    return {
        party: SocketPairLink(
            party,
            senders={b: pairs[(party, b)][0] for b in names if b != party},
            receivers={a: pairs[(a, party)][1] for a in names if a != party},
        )
        for party in names
    }


class SocketPairLink(Link):
    """One party's ends of the socket pairs that join it to its peers.

    ``senders[peer]`` is the writing end of the pair to ``peer``, ``receivers[peer]`` the
    reading end of the pair from it; the link owns and closes both.
    """

    def __init__(
        self,
        party: str,
        senders: Mapping[str, socket.socket],
        receivers: Mapping[str, socket.socket],
        *,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
    ) -> None:
        super().__init__(party)
        if set(senders) != set(receivers) or party in senders:
            raise ConfigError(
                f"{party!r} needs one socket to and one from each peer, "
                f"got to {sorted(senders)} and from {sorted(receivers)}"
            )
        self._senders = dict(senders)
        self._peers = tuple(senders)
        self._max_message_bytes = max_message_bytes
        for sock in self._senders.values():
            sock.setblocking(False)
            # A larger buffer takes MPC's multi-megabyte rounds in fewer pieces (the kernel caps
            # it at its wmem_max).
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
        # Readable sockets by descriptor, and whose they are; a peer's leaves when it is gone.
        self._readable: dict[int, tuple[str, socket.socket]] = {}
        for peer, sock in receivers.items():
            sock.settimeout(FRAME_TIMEOUT_S)
            self._readable[sock.fileno()] = (peer, sock)
        self._receivers = dict(receivers)
        self._send_locks = {peer: threading.Lock() for peer in self._peers}
        self._outboxes = {
            peer: _Outbox(sock, functools.partial(self._mark_gone, peer), peer)
            for peer, sock in self._senders.items()
        }
        # One thread at a time reads; the others wait for its deliveries.
        self._read_lock = threading.Lock()
        self._state = threading.Lock()
        self._gone: dict[str, str] = {}
        self._closed = False
        self.bytes_sent = 0
        self.bytes_received = 0

    @property
    def peers(self) -> tuple[str, ...]:
        return self._peers

    def send(self, peer: str, tag: str, value: Value, timeout: float = 60.0) -> None:
        self._check_peer(peer)
        self._check_open(peer)
        name = tag.encode("utf-8")
        if len(name) > MAX_TAG_BYTES:
            raise ConfigError(f"a tag may have at most {MAX_TAG_BYTES} bytes, got {len(name)}")
        parts = encode_parts(value)
        size = encoded_size(parts)
        if size > self._max_message_bytes:
            raise ConfigError(
                f"a message may have at most {self._max_message_bytes} bytes, got {size}"
            )
        views = [memoryview(_HEADER.pack(len(name), size) + name)]
        views += [memoryview(part).cast("B") for part in parts if len(part)]
        with self._send_locks[peer]:
            self._outboxes[peer].send(views, timeout)
        with self._state:
            self.bytes_sent += _HEADER.size + len(name) + size

    def recv(self, peer: str, tag: str, timeout: float) -> Value:
        self._check_peer(peer)
        return self.mailbox.take(peer, tag, timeout, lambda: self.peer_gone(peer), self._pump)

    def peer_gone(self, peer: str) -> bool:
        with self._state:
            return peer in self._gone

    def close(self) -> None:
        with self._state:
            if self._closed:
                return
            self._closed = True
        # What was sent is delivered to peers that are still reading, not dropped. Reading
        # meanwhile lets a peer that is sending to this party at the same time go on.
        deadline = time.monotonic() + FRAME_TIMEOUT_S
        while any(box.waiting() for box in self._outboxes.values()):
            if time.monotonic() > deadline:
                break
            self._pump(_FLUSH_POLL_S)
        for outbox in self._outboxes.values():
            outbox.close()
        with self._read_lock:  # not while another thread reads
            for sock in [*self._senders.values(), *self._receivers.values()]:
                _quietly_close(sock)
            self._readable.clear()
        super().close()

    # -- reading ------------------------------------------------------------------------------

    def _pump(self, timeout: float) -> None:
        """Wait up to ``timeout`` for incoming frames and deliver every frame that is ready; if
        another thread is reading, wait for its deliveries instead."""
        if not self._read_lock.acquire(blocking=False):
            self.mailbox.wait_for_delivery(min(timeout, _SHARED_WAIT_S))
            return
        try:
            readable = list(self._readable)
            if not readable:
                self.mailbox.wait_for_delivery(timeout)
                return
            try:
                ready, _, _ = select.select(readable, [], [], timeout)
            except (OSError, ValueError):  # a socket closed under us: the link is closing
                return
            for fd in ready:
                self._read_frame(*self._readable[fd])
        finally:
            self._read_lock.release()

    def _read_frame(self, peer: str, sock: socket.socket) -> None:
        """Read one frame from ``peer`` and deliver it; on failure, mark the peer gone."""
        try:
            header = _receive(sock, _HEADER.size)
            if header is None:
                self._drop_reader(peer, sock, "it closed the connection")
                return
            tag_length, size = _HEADER.unpack(header)
            if tag_length > MAX_TAG_BYTES or size > self._max_message_bytes:
                raise DecodeError(f"a frame announces {tag_length} tag and {size} payload bytes")
            name = _receive(sock, tag_length)
            payload = _receive(sock, size)
            if name is None or payload is None:
                raise DecodeError("the connection ended in the middle of a frame")
            value = decode(payload)
            tag = bytes(name).decode("utf-8")
        except (DecodeError, UnicodeDecodeError) as exc:
            self._drop_reader(peer, sock, f"it sent a malformed frame ({exc})")
            return
        except TimeoutError:
            self._drop_reader(peer, sock, f"a frame stopped arriving for {FRAME_TIMEOUT_S:g} s")
            return
        except OSError as exc:
            self._drop_reader(peer, sock, f"the connection to it went away ({exc.strerror})")
            return
        with self._state:
            self.bytes_received += _HEADER.size + tag_length + size
        self.mailbox.deliver(peer, tag, value)

    def _drop_reader(self, peer: str, sock: socket.socket, why: str) -> None:
        self._readable.pop(sock.fileno(), None)
        _quietly_close(sock)
        self._mark_gone(peer, why)

    def _mark_gone(self, peer: str, why: str) -> None:
        with self._state:
            self._gone.setdefault(peer, why)

    def _check_open(self, peer: str) -> None:
        with self._state:
            gone = self._gone.get(peer)
            closed = self._closed
        if closed:
            raise PeerUnavailable(peer, "this party's link is closed")
        if gone is not None:
            raise PeerUnavailable(peer, gone)


def _receive(sock: socket.socket, n: int) -> bytearray | None:
    """Exactly ``n`` bytes from ``sock``, or ``None`` if it ends before the first one."""
    buffer = bytearray(n)
    view = memoryview(buffer)
    got = 0
    while got < n:
        count = sock.recv_into(view[got:])
        if count == 0:
            if got:
                raise DecodeError(f"the connection ended after {got} of {n} bytes")
            return None
        got += count
    return buffer


class _Outbox:
    """The frames to one peer that its socket could not take at once, and the thread that
    writes them as the peer reads (so that a send never waits for the peer to read)."""

    def __init__(self, sock: socket.socket, gone: Callable[[str], None], peer: str) -> None:
        self._sock = sock
        self._gone = gone
        self._peer = peer
        self._cond = threading.Condition()
        self._pending: deque[memoryview] = deque()
        self._bytes = 0
        self._closed = False
        self._failed: str | None = None
        self._thread: threading.Thread | None = None

    def send(self, views: list[memoryview], timeout: float) -> None:
        """Write ``views`` now as far as the socket takes them, and queue the rest (copied)."""
        with self._cond:
            if self._failed is not None:
                raise PeerUnavailable(self._peer, self._failed)
            if not self._pending:
                try:
                    _write(self._sock, views)
                except OSError as exc:
                    self._fail(f"the connection to it went away ({exc.strerror})")
                    raise PeerUnavailable(self._peer, "the connection to it went away") from None
                if not views:
                    return
            deadline = time.monotonic() + timeout
            while self._pending and self._bytes >= OUTBOX_BYTES:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._failed is not None or self._closed:
                    raise PeerUnavailable(
                        self._peer,
                        self._failed or f"it did not take a message within {timeout:g} s",
                    )
                self._cond.wait(min(remaining, _POLL_S))
            for view in views:  # the caller may reuse its arrays once send returns
                self._pending.append(memoryview(bytes(view)))
                self._bytes += len(view)
            if self._thread is None:
                self._thread = threading.Thread(target=self._drain, name="outbox", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def waiting(self) -> bool:
        """Whether bytes still wait to be written to a peer that is not known to be gone."""
        with self._cond:
            return bool(self._pending) and self._failed is None

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _fail(self, why: str) -> None:
        self._failed = why
        self._gone(why)

    def _drain(self) -> None:
        last_progress = time.monotonic()
        while True:
            with self._cond:
                while not self._pending and not self._closed and self._failed is None:
                    self._cond.wait()
                if self._closed or self._failed is not None:
                    return
                views = list(itertools.islice(self._pending, _MAX_PIECES))
            try:
                _, ready, _ = select.select([], [self._sock], [], _POLL_S)
            except (OSError, ValueError):
                return  # closed under us
            if not ready:
                if time.monotonic() - last_progress > FRAME_TIMEOUT_S:
                    with self._cond:
                        self._fail(f"it read nothing for {FRAME_TIMEOUT_S:g} s")
                        self._cond.notify_all()
                    return
                continue
            with self._cond:
                before = sum(len(v) for v in views)
                try:
                    _write(self._sock, views)
                except OSError as exc:
                    self._fail(f"the connection to it went away ({exc.strerror})")
                    self._cond.notify_all()
                    return
                written = before - sum(len(v) for v in views)
                _advance(self._pending, written)
                self._bytes -= written
                if written:
                    last_progress = time.monotonic()
                self._cond.notify_all()


def _write(sock: socket.socket, views: list[memoryview]) -> None:
    """Write what the non-blocking ``sock`` takes of ``views`` now, dropping it from them
    (``OSError`` if the connection is broken)."""
    while views:
        try:
            sent = sock.sendmsg(views[:_MAX_PIECES])
        except BlockingIOError:
            return
        _advance(views, sent)


def _advance(views: list[memoryview] | deque[memoryview], sent: int) -> None:
    """Drop the first ``sent`` bytes from ``views``."""
    while sent:
        if sent >= len(views[0]):
            sent -= len(views[0])
            del views[0]
        else:
            views[0] = views[0][sent:]
            sent = 0


def _quietly_close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
