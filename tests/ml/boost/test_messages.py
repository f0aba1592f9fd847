"""Message readers: anything a peer may not send is a ProtocolError naming the peer."""

from __future__ import annotations

import numpy as np
import pytest

from confide.errors import ProtocolError
from confide.ml.boost.messages import read_array, read_dict, read_int


def test_read_dict_and_int() -> None:
    assert read_dict("p", "hello", {"a": 1}, {"a"}) == {"a": 1}
    with pytest.raises(ProtocolError, match="'p' sent a malformed hello"):
        read_dict("p", "hello", {"a": 1, "b": 2}, {"a"})
    with pytest.raises(ProtocolError, match="malformed"):
        read_dict("p", "hello", [1], {"a"})
    assert read_int("p", "count", 3, 0, 5) == 3
    for bad in (True, 6, "3", 2.0):
        with pytest.raises(ProtocolError, match="count"):
            read_int("p", "count", bad, 0, 5)


def test_read_array() -> None:
    ints = read_array("p", "rows", np.array([1, 2], np.uint16), kind="i", ndim=1, low=0, high=9)
    assert ints.dtype == np.int64
    assert read_array("p", "flags", np.array([True]), kind="b", ndim=1).dtype == bool
    cases = [
        ([1, 2], {}),  # not an array
        (np.zeros((2, 2), np.int64), {}),  # wrong ndim
        (np.array([1.5]), {}),  # wrong kind
        (np.array([1, 2]), {"shape": (3,)}),
        (np.array([-1]), {"low": 0}),
        (np.array([10]), {"high": 9}),
    ]
    for value, extra in cases:
        with pytest.raises(ProtocolError, match="'p' sent rows"):
            read_array("p", "rows", value, kind="i", ndim=1, **extra)  # type: ignore[arg-type]
