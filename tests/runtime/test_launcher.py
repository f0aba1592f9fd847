"""``launch``: the same SPMD functions as separate processes over gRPC with mutual TLS."""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from confide.errors import ConfigError, PartyFailed
from confide.runtime import Context, launch
from tests.runtime.test_simulate import failing, ring_pass


def test_processes_over_grpc_give_the_same_results_as_threads() -> None:
    assert launch(ring_pass, {"a": 1, "b": 2, "c": 3}, timeout=30) == {"a": 3, "b": 1, "c": 2}


def chatty(ctx: Context, lines: int) -> int:
    """Writes ``lines`` lines to standard error, then exchanges once."""
    for i in range(lines):
        print(f"{ctx.party} step {i}", file=sys.stderr, flush=True)
    ctx.broadcast("hello", lines)
    return sum(ctx.gather("hello").values())


def test_worker_output_reaches_the_callback_line_by_line() -> None:
    seen: list[tuple[str, str]] = []
    results = launch(
        chatty, {"a": 2, "b": 3}, timeout=30, on_output=lambda p, line: seen.append((p, line))
    )
    assert results == {"a": 3, "b": 2}
    assert [line for p, line in seen if p == "a" and "step" in line] == ["a step 0", "a step 1"]
    assert [line for p, line in seen if p == "b" and "step" in line] == [
        f"b step {i}" for i in range(3)
    ]


def test_workers_start_without_warnings() -> None:
    seen: list[str] = []
    assert launch(chatty, {"a": 0, "b": 0}, timeout=30, on_output=lambda p, line: seen.append(line))
    assert not [line for line in seen if "Warning" in line], seen


def test_a_failing_callback_does_not_fail_the_job() -> None:
    def broken(party: str, line: str) -> None:
        raise RuntimeError("display broke")

    assert launch(chatty, {"a": 1, "b": 1}, timeout=30, on_output=broken) == {"a": 1, "b": 1}


def dies_midway(ctx: Context, die: bool) -> int:
    """Everyone exchanges once; then ``die`` kills its process without a word."""
    ctx.broadcast("hello", ctx.party)
    ctx.gather("hello")
    if die:
        os._exit(3)
    return int(ctx.recv("c", "after"))


def child_processes() -> list[int]:
    """Process ids whose parent is this test process (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():
            children.append(int(stat.parent.name))
    return children


def test_a_peer_that_dies_fails_the_others_within_their_deadline() -> None:
    before = set(child_processes())
    started = time.monotonic()
    with pytest.raises(PartyFailed) as info:
        launch(dies_midway, {"a": False, "b": False, "c": True}, timeout=60)
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"took {elapsed:.1f} s: the survivors waited out their deadline"
    errors = info.value.errors
    assert "code 3" in errors["c"]
    for survivor in ("a", "b"):  # they noticed c was gone, or the launcher stopped them
        text = errors[survivor]
        noticed = "PeerUnavailable" in text and "'c'" in text
        assert noticed or "stopped: party 'c' exited with code 3" in text, text
    assert set(child_processes()) - before == set()


def test_a_failing_party_fails_every_process() -> None:
    with pytest.raises(PartyFailed) as info:
        launch(failing, {"a": True, "b": False}, timeout=60)
    assert "bad input" in info.value.errors["a"]
    assert "PeerAborted" in info.value.errors["b"]


def test_functions_must_be_importable() -> None:
    with pytest.raises(ConfigError, match="module-level"):
        launch(lambda ctx, x: x, {"a": 1, "b": 2})


def send_big(ctx: Context, gib: float) -> dict[str, float]:
    """Alice sends an array of ``gib`` GiB to bob; each reports its peak memory (MiB)."""
    n = int(gib * 2**30) // 8
    if ctx.party == "alice":
        array = np.arange(n, dtype=np.float64)
        before = time.perf_counter()
        ctx.send("bob", "big", array)
        seconds = time.perf_counter() - before
        check = 0.0
    else:
        got = ctx.recv("alice", "big", timeout=600)
        seconds = 0.0
        ok = got.shape == (n,) and got[-1] == n - 1 and got[n // 2] == n // 2
        check = 1.0 if ok else 0.0
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"peak_mib": peak_mib, "seconds": seconds, "check": check}


@pytest.mark.slow
def test_two_gib_array_streams_through_with_bounded_memory() -> None:
    gib = 2.0
    results = launch(send_big, {"alice": gib, "bob": gib}, timeout=600)
    assert results["bob"]["check"] == 1.0
    array_mib = gib * 1024
    for party in ("alice", "bob"):
        extra = results[party]["peak_mib"] - array_mib
        assert extra < 400, f"{party} used {extra:.0f} MiB beyond the array itself"


def test_processes_over_socket_pairs_give_the_same_results() -> None:
    results = launch(ring_pass, {"a": 1, "b": 2, "c": 3}, timeout=30, transport="socketpair")
    assert results == {"a": 3, "b": 1, "c": 2}


def test_a_peer_that_dies_over_socket_pairs_is_reported_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(PartyFailed) as info:
        launch(dies_midway, {"a": False, "b": False, "c": True}, timeout=60, transport="socketpair")
    assert time.monotonic() - started < 30
    assert "code 3" in info.value.errors["c"]
    for survivor in ("a", "b"):
        text = info.value.errors[survivor]
        noticed = "PeerUnavailable" in text and "'c'" in text
        assert noticed or "stopped: party 'c' exited with code 3" in text, text


def test_a_transport_is_checked_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="transport must be one of"):
        launch(ring_pass, {"a": 1, "b": 2}, transport="carrier pigeon")
    with pytest.raises(ConfigError, match="takes no federation"):
        launch(ring_pass, {"a": 1, "b": 2}, transport="socketpair", federation=tmp_path / "f.yaml")
