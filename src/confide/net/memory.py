"""The in-memory link: parties as threads of one process, for tests, notebooks and simulation.

Values still go through the wire format on every send, so a protocol that passes here sends only
what the gRPC link can carry, and no party ever holds a reference to another party's objects.
One kind of value skips the encoding: a list of native ``uint64`` arrays, what MPC protocols send
every round, which the wire format always carries. The receiver gets copies (as decoding would
give it fresh arrays), and ``bytes_sent`` counts the frame's exact size, computed from the shapes
(:func:`ring_frame_size`, checked against :func:`~confide.net.wire.encode` by the tests).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from typing import cast

import numpy as np

from confide.errors import ConfigError, PeerUnavailable
from confide.net.link import Link
from confide.net.wire import MAGIC, MAX_NDIM, Value, decode, encode

__all__ = ["MemoryHub", "MemoryLink", "ring_frame_size"]

_RING = np.dtype(np.uint64)
#: The wire format's layout (``confide.net.wire``): a list header is a type byte and a 64-bit
#: length; an array header a type, dtype code and dimension count, then 8 bytes per
#: dimension, then zero padding to a 16-byte frame offset before the data.
_LIST_HEAD = 9
_ARRAY_HEAD = 3
_ALIGN = 16


def ring_frame_size(arrays: list[np.ndarray]) -> int:
    """The size of the wire frame of a list of ``uint64`` arrays, without encoding it."""
    size = len(MAGIC) + _LIST_HEAD
    for a in arrays:
        size += _ARRAY_HEAD + 8 * a.ndim
        size += -size % _ALIGN
        size += a.nbytes
    return size


def _ring_arrays(value: Value) -> bool:
    """Whether ``value`` is a list of native ``uint64`` ndarrays the wire format carries as is."""
    return (
        type(value) is list
        and sys.byteorder == "little"
        and all(type(a) is np.ndarray and a.dtype == _RING and a.ndim <= MAX_NDIM for a in value)
    )


class MemoryHub:
    """The shared switchboard of a set of in-memory parties."""

    def __init__(self, parties: Iterable[str]) -> None:
        self.parties = tuple(parties)
        if len(set(self.parties)) != len(self.parties):
            raise ConfigError(f"party names must be unique, got {list(self.parties)}")
        self._lock = threading.Lock()
        self._links: dict[str, MemoryLink] = {}
        self._gone: set[str] = set()

    def link(self, party: str) -> MemoryLink:
        """The link of ``party`` (created on first use)."""
        if party not in self.parties:
            raise ConfigError(f"{party!r} is not one of the hub's parties {list(self.parties)}")
        with self._lock:
            if party not in self._links:
                self._links[party] = MemoryLink(self, party)
            return self._links[party]

    def links(self) -> dict[str, MemoryLink]:
        """One link per party, in party order."""
        return {party: self.link(party) for party in self.parties}

    def _deliver(self, sender: str, peer: str, tag: str, value: Value) -> None:
        """Hand ``peer`` a value of its own (decoded from a frame, or fresh copies)."""
        with self._lock:
            if peer in self._gone:
                raise PeerUnavailable(peer, "its link is closed")
            target = self._links.get(peer)
        if target is None:
            target = self.link(peer)
        target.mailbox.deliver(sender, tag, value)

    def _leave(self, party: str) -> None:
        with self._lock:
            self._gone.add(party)

    def _is_gone(self, party: str) -> bool:
        with self._lock:
            return party in self._gone


class MemoryLink(Link):
    """One party's end of a :class:`MemoryHub`."""

    def __init__(self, hub: MemoryHub, party: str) -> None:
        super().__init__(party)
        self._hub = hub
        self._peers = tuple(p for p in hub.parties if p != party)
        self.bytes_sent = 0

    @property
    def peers(self) -> tuple[str, ...]:
        return self._peers

    def send(self, peer: str, tag: str, value: Value, timeout: float = 60.0) -> None:
        self._check_peer(peer)
        if _ring_arrays(value):
            arrays = cast(list[np.ndarray], value)
            self.bytes_sent += ring_frame_size(arrays)
            self._hub._deliver(self.party, peer, tag, [np.array(a, order="C") for a in arrays])
            return
        payload = encode(value)
        self.bytes_sent += len(payload)
        self._hub._deliver(self.party, peer, tag, decode(payload))

    def peer_gone(self, peer: str) -> bool:
        return self._hub._is_gone(peer)

    def close(self) -> None:
        self._hub._leave(self.party)
        super().close()
