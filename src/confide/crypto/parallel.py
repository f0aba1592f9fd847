"""A pool of worker processes for big-integer work on large arrays (Paillier, mostly).

gmpy2 arithmetic holds Python's GIL, so threads do not add cores: processes do. A
:class:`WorkerPool` is an explicit object that its owner creates, passes to the operations that
can use it, and closes (it is a context manager); there is no pool at module level. Workers are
started with the ``spawn`` method, never ``fork``, so a pool is safe to create in a process that
already runs threads (gRPC, ``simulate``).

What crosses to a worker is local inter-process communication inside one party, not a trust
boundary: tasks are top-level functions and their arguments are ints, bytes and numpy arrays,
which ``concurrent.futures`` pickles over a pipe between processes of the same party (private
key material included, since the workers act for that party). Nothing received from another
party is ever unpickled.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from types import TracebackType
from typing import TypeVar

from confide.errors import ConfigError

__all__ = ["WorkerPool", "available_cores", "split"]

T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    """The number of cores this process may run on (its CPU affinity where the OS tells it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def split(count: int, parts: int) -> list[slice]:
    """``count`` items as at most ``parts`` contiguous, non-empty slices of near-equal size."""
    parts = max(1, min(parts, count))
    base, extra = divmod(count, parts)
    out = []
    start = 0
    for i in range(parts):
        stop = start + base + (1 if i < extra else 0)
        if stop > start:
            out.append(slice(start, stop))
        start = stop
    return out


class WorkerPool:
    """Worker processes that run task functions on chunks of work.

    ``processes`` defaults to every available core. Processes start on the first task and
    stay until :meth:`close`, so per-key precomputation they cache (Paillier fixed-base tables)
    is paid once per worker.
    """

    def __init__(self, processes: int | None = None) -> None:
        if processes is None:
            processes = available_cores()
        if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
            raise ConfigError(f"processes must be an int >= 1, got {processes!r}")
        self._processes = processes
        self._executor: ProcessPoolExecutor | None = ProcessPoolExecutor(
            max_workers=processes, mp_context=multiprocessing.get_context("spawn")
        )

    @property
    def processes(self) -> int:
        """How many worker processes the pool runs."""
        return self._processes

    def map(self, fn: Callable[[T], R], tasks: Sequence[T]) -> list[R]:
        """``[fn(task) for task in tasks]``, computed in the workers; results in task order.

        An exception raised by ``fn`` in a worker is raised here.
        """
        if self._executor is None:
            raise ConfigError("this WorkerPool is closed")
        return list(self._executor.map(fn, tasks))

    def close(self) -> None:
        """Stop the worker processes (waiting for running tasks). Closing twice is harmless."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._executor is None else "open"
        return f"WorkerPool(processes={self._processes}, {state})"
