"""A job's view of the node's link counts the bytes it moves to and from each peer."""

from __future__ import annotations

import numpy as np

from confide.net.memory import MemoryHub
from confide.net.wire import encode
from confide.node.joblink import JobLink


def test_bytes_are_counted_per_peer_in_both_directions() -> None:
    hub = MemoryHub(["bank", "platform", "dealer"])
    bank, platform = JobLink(hub.link("bank")), JobLink(hub.link("platform"))
    value = {"x": np.arange(100, dtype=np.int64)}
    bank.send("platform", "job-1/a#0", value)
    bank.send("dealer", "job-1/b#0", "hi")
    received = platform.recv("bank", "job-1/a#0", timeout=5)
    np.testing.assert_array_equal(received["x"], value["x"])
    size = len(encode(value))
    assert bank.sent == {"platform": size, "dealer": len(encode("hi"))}
    assert platform.received == {"bank": size} and platform.sent == {}
    assert bank.bytes_sent == size + len(encode("hi")) and platform.bytes_received == size
    assert bank.peers == ("platform", "dealer") and not bank.peer_gone("platform")
    bank.close()  # leaves the node's link open
    hub.link("bank").send("platform", "job-1/c#0", 1)
