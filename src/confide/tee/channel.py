"""The pipe between the enclave host and the enclave: length-prefixed wire frames with deadlines.

Each message is a u64 (little-endian) byte count followed by one frame of the typed wire format
(:mod:`confide.net.wire`); no pickle crosses, in either direction. Every read and write has a
deadline, so a stuck or dead peer gives a :class:`~confide.tee.errors.EnclaveError` rather than
a hang, and a length beyond :data:`MAX_FRAME_BYTES` is refused before anything is allocated.
``on_frame(direction, frame)``, if given, sees every frame sent (``"out"``) and received
(``"in"``): the tests use it to check what the host holds.
"""

from __future__ import annotations

import os
import select
import struct
import time
from collections.abc import Callable

from confide.errors import DecodeError
from confide.net.wire import Value, decode, encode_parts
from confide.tee.errors import EnclaveError

__all__ = ["MAX_FRAME_BYTES", "Channel"]

#: The largest frame either side accepts (sealed data does not cross; it is read from files).
MAX_FRAME_BYTES = 1 << 32
_LENGTH = struct.Struct("<Q")
_READ_BYTES = 1 << 20

FrameHook = Callable[[str, bytes], None]


class Channel:
    """Frames over a pair of file descriptors (module docstring)."""

    def __init__(
        self,
        read_fd: int,
        write_fd: int,
        *,
        timeout: float,
        peer: str = "enclave",
        on_frame: FrameHook | None = None,
    ) -> None:
        self._read_fd = read_fd
        self._write_fd = write_fd
        self.timeout = timeout
        self._peer = peer
        self._on_frame = on_frame

    def send(self, value: Value) -> int:
        """Send one message; return its size in bytes."""
        parts = encode_parts(value)
        size = sum(len(memoryview(p)) for p in parts)
        if self._on_frame is not None:
            self._on_frame("out", b"".join(bytes(p) for p in parts))
        limit = self.timeout
        deadline = time.monotonic() + limit
        self._write(_LENGTH.pack(size), deadline, limit)
        for part in parts:
            self._write(part, deadline, limit)
        return size

    def recv(self, timeout: float | None = None) -> Value:
        """The next message; :class:`EnclaveError` if none comes in time or it is malformed."""
        limit = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + limit
        (size,) = _LENGTH.unpack(self._read(_LENGTH.size, deadline, limit))
        if size > MAX_FRAME_BYTES:
            raise EnclaveError(f"the {self._peer} sent a frame of {size} bytes, over the limit")
        frame = self._read(size, deadline, limit)
        if self._on_frame is not None:
            self._on_frame("in", bytes(frame))
        try:
            return decode(frame)
        except DecodeError as exc:
            raise EnclaveError(f"the {self._peer} sent a malformed frame: {exc}") from None

    def _wait(self, fd: int, writing: bool, deadline: float, limit: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise EnclaveError(f"the {self._peer} did not answer within {limit:g} s")
        ready = (
            select.select([], [fd], [], remaining)
            if writing
            else select.select([fd], [], [], remaining)
        )
        if not any(ready):
            raise EnclaveError(f"the {self._peer} did not answer within {limit:g} s")

    def _write(self, data: bytes | memoryview, deadline: float, limit: float) -> None:
        view = memoryview(data).cast("B")
        while view:
            self._wait(self._write_fd, True, deadline, limit)
            try:
                written = os.write(self._write_fd, view[:_READ_BYTES])
            except (BrokenPipeError, OSError) as exc:
                raise EnclaveError(f"the {self._peer} went away ({exc.strerror})") from None
            view = view[written:]

    def _read(self, size: int, deadline: float, limit: float) -> bytearray:
        out = bytearray(size)
        view = memoryview(out)
        done = 0
        while done < size:
            self._wait(self._read_fd, False, deadline, limit)
            try:
                chunk = os.readv(self._read_fd, [view[done : done + _READ_BYTES]])
            except OSError as exc:
                raise EnclaveError(f"the {self._peer} went away ({exc.strerror})") from None
            if chunk == 0:
                raise EnclaveError(f"the {self._peer} closed the channel")
            done += chunk
        return out
