"""One job's view of the node's link: the same peers, with the bytes it moves counted per peer.

The node keeps one link (gRPC with mTLS) for all its jobs; their messages never mix because
every tag starts with the job id. To record in the audit log how many bytes each job sent to
and received from each peer, the runner gives each job's context a :class:`JobLink`, which
forwards every call to the node's link and counts the encoded size of each message
(:func:`~confide.net.wire.encoded_size`, the bytes the wire carries). Closing it leaves the
node's link open.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from confide.net.link import Link
from confide.net.wire import Value, encode_parts, encoded_size

__all__ = ["JobLink"]


class JobLink(Link):
    """Forwards to ``link`` and counts bytes per peer (see the module docstring)."""

    def __init__(self, link: Link) -> None:
        super().__init__(link.party)
        self.link = link
        self._lock = threading.Lock()
        self._sent: dict[str, int] = {}
        self._received: dict[str, int] = {}

    @property
    def peers(self) -> tuple[str, ...]:
        return self.link.peers

    def send(self, peer: str, tag: str, value: Value, timeout: float = 60.0) -> None:
        self.link.send(peer, tag, value, timeout)
        self._count(self._sent, peer, value)

    def recv(self, peer: str, tag: str, timeout: float) -> Value:
        value = self.link.recv(peer, tag, timeout)
        self._count(self._received, peer, value)
        return value

    def peer_gone(self, peer: str) -> bool:
        return self.link.peer_gone(peer)

    def expect_parties(self, job_id: str, parties: Iterable[str]) -> None:
        self.link.expect_parties(job_id, parties)

    def _count(self, counts: dict[str, int], peer: str, value: Value) -> None:
        size = encoded_size(encode_parts(value))
        with self._lock:
            counts[peer] = counts.get(peer, 0) + size

    @property
    def sent(self) -> dict[str, int]:
        """Bytes sent to each peer so far."""
        with self._lock:
            return dict(self._sent)

    @property
    def received(self) -> dict[str, int]:
        """Bytes received from each peer so far."""
        with self._lock:
            return dict(self._received)

    @property
    def bytes_sent(self) -> int:
        """Bytes sent to all peers (what :func:`~confide.runtime.party.link_bytes` reads)."""
        return sum(self.sent.values())

    @property
    def bytes_received(self) -> int:
        """Bytes received from all peers."""
        return sum(self.received.values())

    def close(self) -> None:
        """Nothing to release: the node's link outlives its jobs."""

    def __repr__(self) -> str:
        return f"JobLink({self.link!r})"
