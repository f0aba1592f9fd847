"""The bounded per-job memory links keep of failed jobs and undelivered messages."""

from __future__ import annotations

import pytest

from confide.errors import ConfigError
from confide.net.link import JobMemory
from tests.net.test_grpc_stream import Clock


def test_jobs_are_forgotten_by_age_then_by_count() -> None:
    clock = Clock()
    memory: JobMemory[int] = JobMemory(60.0, 2, clock)
    assert memory.add("a", 1) == []
    clock.now += 30.0
    assert memory.add("b", 2) == []
    assert memory.add("c", 3) == ["a"]  # room for two
    clock.now += 31.0  # b and c are 61 and 31 s old
    assert memory.add("d", 4) == ["b"]
    assert memory.take_all() == {"c": 3, "d": 4} and len(memory) == 0


def test_add_keeps_or_replaces_a_remembered_value() -> None:
    clock = Clock()
    memory: JobMemory[str] = JobMemory(60.0, 10, clock)
    memory.add("a", "first")
    clock.now += 50.0
    memory.add("a", "second", replace=False)  # keeps its value and its age
    clock.now += 20.0
    assert memory.add("b", "other") == ["a"]
    memory.add("b", "newer")
    assert "b" in memory and memory.pop("b") == "newer" and memory.pop("b") is None


def test_the_bounds_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="max_jobs at least 1"):
        JobMemory(60.0, 0, Clock())
    with pytest.raises(ConfigError, match="abort_memory_s must be > 0"):
        JobMemory(0.0, 5, Clock())
