"""The socket-pair link: every party a process of one machine, joined by kernel socket pairs.

For running all the parties of a job on one machine you control (benchmarks, tests, a
simulation that should use every core) without the cost of TLS and gRPC. The memory link runs
parties as threads of one process, where Python's global interpreter lock lets only one of them
compute at a time; over socket pairs each party is its own process, and a message costs two
system calls and a thread wake-up instead of a gRPC round trip. :func:`confide.launch` uses it
with ``transport="socketpair"``.

Who a message is from
---------------------
The launcher makes one Unix socket pair per ordered pair of parties before any party starts,
and hands each end only to the process of the party it belongs to (``pass_fds``). A frame's
sender is therefore the party at the other end of the socket it arrived on, never a name read
from the frame. There is no encryption and no certificate: the bytes never leave the kernel of
one machine, and the parties are processes of one user, who can read their memory anyway. Use
the gRPC link (:mod:`confide.net.grpc_link`) for parties that do not share a machine and a user.

Frames
------
Each direction of each pair is its own socket pair, so that the writing end can carry a send
deadline while the reading end blocks. A frame is a 12-byte header (``u32`` tag length, ``u64``
payload length, little-endian), the tag (UTF-8) and the payload in the wire format
(:mod:`confide.net.wire`: no pickle). One reader thread per peer reads frames and delivers them
to the mailbox. A frame that breaks the format (a tag that is not UTF-8, a length over the
limits, a payload that does not decode) or a peer that closes its end mid-frame ends the
connection from that peer: the stream cannot be resynchronised, so the peer is reported gone
(:class:`~confide.errors.PeerUnavailable` at the next receive from it), as is a peer whose
process exited.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Iterable, Mapping

from confide.errors import ConfigError, DecodeError, PeerUnavailable
from confide.net.link import Link
from confide.net.wire import Value, decode, encode

__all__ = [
    "MAX_TAG_BYTES",
    "SocketPairLink",
    "socket_pairs",
    "socketpair_links",
]

_HEADER = struct.Struct("<IQ")
#: Longest tag a frame may carry.
MAX_TAG_BYTES = 1 << 16
#: Largest payload a frame may carry (as the gRPC link's default).
DEFAULT_MAX_MESSAGE_BYTES = 1 << 36


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
        self._receivers = dict(receivers)
        self._peers = tuple(senders)
        self._max_message_bytes = max_message_bytes
        self._send_locks = {peer: threading.Lock() for peer in self._peers}
        self._state = threading.Lock()
        self._gone: dict[str, str] = {}
        self._closed = False
        self.bytes_sent = 0
        self.bytes_received = 0
        self._readers = [
            threading.Thread(
                target=self._read, args=(peer, sock), name=f"{party}<-{peer}", daemon=True
            )
            for peer, sock in self._receivers.items()
        ]
        for reader in self._readers:
            reader.start()

    @property
    def peers(self) -> tuple[str, ...]:
        return self._peers

    def send(self, peer: str, tag: str, value: Value, timeout: float = 60.0) -> None:
        self._check_peer(peer)
        with self._state:
            gone = self._gone.get(peer)
            closed = self._closed
        if closed:
            raise PeerUnavailable(peer, "this party's link is closed")
        if gone is not None:
            raise PeerUnavailable(peer, gone)
        name = tag.encode("utf-8")
        if len(name) > MAX_TAG_BYTES:
            raise ConfigError(f"a tag may have at most {MAX_TAG_BYTES} bytes, got {len(name)}")
        payload = encode(value)
        if len(payload) > self._max_message_bytes:
            raise ConfigError(
                f"a message may have at most {self._max_message_bytes} bytes, got {len(payload)}"
            )
        header = _HEADER.pack(len(name), len(payload)) + name
        with self._send_locks[peer]:
            try:
                _send_all(self._senders[peer], [header, payload], timeout)
            except TimeoutError:
                raise PeerUnavailable(
                    peer, f"it did not take a message within {timeout:g} s"
                ) from None
            except OSError as exc:
                self._mark_gone(peer, f"the connection to it went away ({exc.strerror or exc})")
                raise PeerUnavailable(peer, "the connection to it went away") from None
        with self._state:
            self.bytes_sent += len(header) + len(payload)

    def peer_gone(self, peer: str) -> bool:
        with self._state:
            return peer in self._gone

    def close(self) -> None:
        with self._state:
            if self._closed:
                return
            self._closed = True
        for sock in self._senders.values():
            _quietly_close(sock)
        for sock in self._receivers.values():
            _quietly_close(sock)  # shutdown wakes a reader blocked on it
        super().close()

    # -- reading ------------------------------------------------------------------------------

    def _read(self, peer: str, sock: socket.socket) -> None:
        """Deliver ``peer``'s frames until it closes, breaks the format, or the link closes."""
        try:
            while True:
                header = _receive(sock, _HEADER.size)
                if header is None:
                    self._mark_gone(peer, "it closed the connection")
                    return
                tag_length, size = _HEADER.unpack(header)
                if tag_length > MAX_TAG_BYTES or size > self._max_message_bytes:
                    raise DecodeError(
                        f"a frame announces {tag_length} tag and {size} payload bytes"
                    )
                name = _receive(sock, tag_length)
                payload = _receive(sock, size)
                if name is None or payload is None:
                    raise DecodeError("the connection ended in the middle of a frame")
                value = decode(payload)
                with self._state:
                    self.bytes_received += _HEADER.size + tag_length + size
                self.mailbox.deliver(peer, bytes(name).decode("utf-8"), value)
        except (DecodeError, UnicodeDecodeError) as exc:
            self._mark_gone(peer, f"it sent a malformed frame ({exc})")
            _quietly_close(sock)
        except OSError:
            self._mark_gone(peer, "the connection to it went away")

    def _mark_gone(self, peer: str, why: str) -> None:
        with self._state:
            self._gone.setdefault(peer, why)


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


def _send_all(sock: socket.socket, pieces: list[bytes | bytearray], timeout: float) -> None:
    """Write every piece in order, within ``timeout`` seconds in all."""
    deadline = time.monotonic() + timeout
    views = [memoryview(p) for p in pieces if len(p)]
    while views:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        sock.settimeout(remaining)
        sent = sock.sendmsg(views)
        while sent:
            if sent >= len(views[0]):
                sent -= len(views[0])
                views.pop(0)
            else:
                views[0] = views[0][sent:]
                sent = 0


def _quietly_close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
