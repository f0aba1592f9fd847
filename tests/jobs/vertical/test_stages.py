"""Stage clock and progress lines."""

from __future__ import annotations

from confide.jobs.credit import StageClock, parse_progress
from confide.jobs.vertical.stages import PROGRESS_PREFIX
from confide.runtime import Context, simulate


def test_progress_lines_parse_back() -> None:
    assert parse_progress(f"{PROGRESS_PREFIX} bank psi done in 1 s") == (
        "bank",
        "psi",
        "done in 1 s",
    )
    assert parse_progress(f"{PROGRESS_PREFIX} bank psi") == ("bank", "psi", "")
    assert parse_progress("Traceback (most recent call last):") is None
    assert parse_progress(f"{PROGRESS_PREFIX} bank") is None


def clocked(ctx: Context, size: int) -> list[dict[str, object]]:
    lines: list[tuple[str, str, str]] = []
    clock = StageClock(ctx, lambda *line: lines.append(line))
    with clock.stage("talk"):
        ctx.broadcast("x", b"\0" * size)
        ctx.gather("x")
    assert lines[0][1:] == ("talk", "started")
    assert lines[-1][2].startswith("done in")
    return [stage.to_dict() for stage in clock.stages]


def test_stages_count_time_and_bytes_sent() -> None:
    results = simulate(clocked, {"a": 10_000, "b": 10})
    (a,), (b,) = results["a"], results["b"]
    assert a["name"] == "talk"
    assert isinstance(a["bytes_sent"], int) and isinstance(b["bytes_sent"], int)
    assert a["bytes_sent"] >= 10_000 > b["bytes_sent"]
