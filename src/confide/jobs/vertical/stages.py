"""Stage clock and progress lines for long SPMD jobs.

Each party times the stages of a job and the bytes its link sent during each; the numbers go
into the job's result (and the report). Progress goes to standard error as one line per event,
``confide-progress: <party> <stage> <message>``, which :func:`confide.runtime.launch` can hand to
the terminal as it happens (its ``on_output``); :func:`parse_progress` reads such a line back.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from confide.runtime.context import Context
from confide.runtime.party import link_bytes

__all__ = ["PROGRESS_PREFIX", "StageClock", "StageTime", "parse_progress", "print_progress"]

PROGRESS_PREFIX = "confide-progress:"

Emit = Callable[[str, str, str], None]


def print_progress(party: str, stage: str, message: str) -> None:
    """Write one progress line to standard error (the default ``emit``)."""
    print(f"{PROGRESS_PREFIX} {party} {stage} {message}", file=sys.stderr, flush=True)


def parse_progress(line: str) -> tuple[str, str, str] | None:
    """``(party, stage, message)`` from a progress line; ``None`` for any other line."""
    if not line.startswith(PROGRESS_PREFIX):
        return None
    parts = line[len(PROGRESS_PREFIX) :].strip().split(" ", 2)
    if len(parts) < 2:
        return None
    return parts[0], parts[1], parts[2] if len(parts) == 3 else ""


@dataclass(frozen=True)
class StageTime:
    """One finished stage at one party: wall seconds and bytes its link sent meanwhile."""

    name: str
    seconds: float
    bytes_sent: int

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "seconds": self.seconds, "bytes_sent": self.bytes_sent}


class StageClock:
    """Times named stages of one party's run of a job (``with clock.stage("psi"): ...``)."""

    def __init__(self, ctx: Context, emit: Emit | None = print_progress) -> None:
        self._ctx = ctx
        self._emit = emit
        self.stages: list[StageTime] = []

    def say(self, stage: str, message: str) -> None:
        """A progress line for ``stage`` (nothing when the clock was made with ``emit=None``)."""
        if self._emit is not None:
            self._emit(self._ctx.party, stage, message)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block; announce its start and its end with the seconds it took."""
        self.say(name, "started")
        sent = link_bytes(self._ctx)[0]
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        spent = link_bytes(self._ctx)[0] - sent
        self.stages.append(StageTime(name, seconds, spent))
        self.say(name, f"done in {seconds:.2f} s, {spent / 1e6:.1f} MB sent")
