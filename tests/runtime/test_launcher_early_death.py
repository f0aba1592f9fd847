"""``launch`` stops at once when a worker exits with an error before it could tell the others.

A worker that dies before it ever joins the job (killed, or its function fails to import) can
send no abort notice, and its peers, which never reached it, cannot tell it is gone: without
the launcher's watch they would wait out their whole receive deadline (two minutes here).
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

import pytest

from confide.errors import PartyFailed
from confide.runtime import Context, launch
from confide.runtime.launcher import STOP_GRACE_S
from tests.runtime.test_launcher import child_processes

DEADLINE_S = 120.0
#: Starting three Python processes and killing them, on a busy machine, with room to spare.
FAST_S = STOP_GRACE_S + 20.0


def dies_at_start(ctx: Context, die: bool) -> int:
    """``die`` ends its process at once, before any message; the others wait for it."""
    if die:
        os._exit(4)
    return int(ctx.recv("c", "never_sent"))


def test_a_worker_killed_at_start_fails_the_launch_in_seconds() -> None:
    before = set(child_processes())
    started = time.monotonic()
    with pytest.raises(PartyFailed) as info:
        launch(dies_at_start, {"a": False, "b": False, "c": True}, timeout=DEADLINE_S)
    elapsed = time.monotonic() - started
    assert elapsed < FAST_S, f"took {elapsed:.1f} s: the others waited for their deadline"
    errors = info.value.errors
    assert "code 4" in errors["c"]
    for other in ("a", "b"):
        assert "stopped: party 'c' exited with code 4" in errors[other]
    assert set(child_processes()) - before == set()


_BROKEN_MODULE = '''
"""A job module that party c's process cannot import."""
import sys

if any(arg.endswith("c.key") for arg in sys.argv):
    raise RuntimeError("c's copy of the job module is broken")


def wait_for_c(ctx, value):
    return int(ctx.recv("c", "never_sent"))
'''


def test_a_worker_whose_function_fails_to_import_names_itself_and_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "broken_job.py").write_text(_BROKEN_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))  # the workers' PYTHONPATH is this sys.path
    monkeypatch.delitem(sys.modules, "broken_job", raising=False)
    function = importlib.import_module("broken_job").wait_for_c  # imports here: not party c
    started = time.monotonic()
    with pytest.raises(PartyFailed) as info:
        launch(function, {"a": 1, "b": 2, "c": 3}, timeout=DEADLINE_S)
    elapsed = time.monotonic() - started
    assert elapsed < FAST_S, f"took {elapsed:.1f} s: the others waited for their deadline"
    errors = info.value.errors
    assert "c's copy of the job module is broken" in errors["c"]
    for other in ("a", "b"):
        assert "stopped: party 'c' exited with code 1" in errors[other]
        assert "RuntimeError: c's copy of the job module is broken" in errors[other]
