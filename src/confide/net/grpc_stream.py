"""A long-lived gRPC stream to one peer, for small messages.

Setting up a gRPC call costs more than moving a small message: measured here, a unary call
round trip took about twice as long as one write and one acknowledgement on an open
bidirectional stream. So each link keeps one stream per peer, opened on first use, and sends
every small message on it: one request, one empty acknowledgement, in order.

A send waits for its acknowledgement until its deadline; a watchdog thread of the link cancels
the stream of a send that passed its deadline (a stream has no per-message deadline of its own).
A stream that failed is dropped, and the next send opens a new one.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import grpc

from confide.errors import PeerUnavailable

__all__ = ["PeerStream", "Watchdog"]


def _drain(requests: queue.SimpleQueue[bytes | None]) -> Iterator[bytes]:
    while (item := requests.get()) is not None:
        yield item


class PeerStream:
    """The sending end of one stream to one peer; thread-safe (sends are serialised)."""

    def __init__(self, peer: str, open_call: Callable[..., Any]) -> None:
        self.peer = peer
        self._open_call = open_call
        self._lock = threading.Lock()
        self._requests: queue.SimpleQueue[bytes | None] | None = None
        self._responses: Any = None
        self._deadline: float | None = None
        self._timed_out = False

    def post(self, message: bytes, timeout: float) -> None:
        """Send ``message`` and wait for its acknowledgement; raises ``grpc.RpcError`` or
        :class:`PeerUnavailable` when it is not acknowledged within ``timeout`` seconds."""
        with self._lock:
            if self._responses is None or self._requests is None:
                self._requests = queue.SimpleQueue()
                self._responses = self._open_call(_drain(self._requests), wait_for_ready=True)
            self._timed_out = False
            self._deadline = time.monotonic() + timeout
            try:
                self._requests.put(message)
                next(self._responses)
            except StopIteration:
                self._drop()
                raise PeerUnavailable(self.peer, "it closed the stream") from None
            except grpc.RpcError:
                timed_out = self._timed_out
                self._drop()
                if timed_out:
                    raise PeerUnavailable(
                        self.peer, f"could not deliver within {timeout:g} s"
                    ) from None
                raise
            finally:
                self._deadline = None

    def cancel_if_overdue(self, now: float) -> None:
        """Cancel the stream if a send is waiting past its deadline (called by the watchdog)."""
        deadline, responses = self._deadline, self._responses
        if deadline is not None and now > deadline and responses is not None:
            self._timed_out = True
            responses.cancel()

    def close(self) -> None:
        """End the stream (the peer sees its end); a later send would open a new one."""
        requests, responses = self._requests, self._responses
        if requests is not None:
            requests.put(None)
        if responses is not None:
            responses.cancel()

    def _drop(self) -> None:
        if self._requests is not None:
            self._requests.put(None)
        self._requests = None
        self._responses = None


class Watchdog:
    """A daemon thread that cancels the streams whose pending send passed its deadline."""

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
