"""The host-enclave pipe: frames both ways, deadlines, limits and a peer that goes away."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import numpy as np
import pytest

from confide.tee import EnclaveError
from confide.tee.channel import Channel


@pytest.fixture
def pair() -> Iterator[tuple[Channel, Channel, list[int]]]:
    a_read, b_write = os.pipe()
    b_read, a_write = os.pipe()
    fds = [a_read, b_write, b_read, a_write]
    seen: list[tuple[str, bytes]] = []
    yield (
        Channel(a_read, a_write, timeout=2.0, on_frame=lambda d, f: seen.append((d, f))),
        Channel(b_read, b_write, timeout=2.0),
        fds,
    )
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def test_frames_cross_both_ways(pair: tuple[Channel, Channel, list[int]]) -> None:
    a, b, _ = pair
    value = {"op": "run", "data": np.arange(1000, dtype=np.int64), "text": ["x", None]}
    size = a.send(value)
    got = b.recv()
    assert size > 8000 and got["op"] == "run" and got["text"] == ["x", None]
    np.testing.assert_array_equal(got["data"], value["data"])
    b.send({"ok": True})
    assert a.recv() == {"ok": True}


def test_deadlines_limits_and_closing(pair: tuple[Channel, Channel, list[int]]) -> None:
    a, b, fds = pair
    with pytest.raises(EnclaveError, match=r"did not answer within 0\.1 s"):
        a.recv(timeout=0.1)
    os.write(fds[3], (1 << 40).to_bytes(8, "little"))
    with pytest.raises(EnclaveError, match="over the limit"):
        b.recv()
    os.write(fds[3], (4).to_bytes(8, "little") + b"oops")
    with pytest.raises(EnclaveError, match="malformed frame"):
        b.recv()
    os.close(fds[3])
    with pytest.raises(EnclaveError, match="closed the channel"):
        b.recv()
