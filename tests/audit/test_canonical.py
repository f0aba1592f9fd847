"""Tests of the canonical JSON encoding that audit hashes and job-spec hashes are computed over."""

from __future__ import annotations

import enum
import json
import math
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from confide.audit.canonical import INT_MAX, INT_MIN, MAX_DEPTH, canonical_json, loads_json
from confide.errors import ConfigError


class Colour(str, enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


def test_exact_bytes() -> None:
    value = {"b": [1, 2.5, None, True], "a": {"z": 'é\n"\\\x01', "y": False}, "c": 1.0}
    assert (
        canonical_json(value)
        == ('{"a":{"y":false,"z":"é\\n\\"\\\\\\u0001"},"b":[1,2.5,null,true],"c":1.0}').encode()
    )


def test_floats_use_the_shortest_round_trip_form() -> None:
    assert (
        canonical_json([0.1, 1e-7, 1e16, -0.0, 1.0, 123.0]) == b"[0.1,1e-07,1e+16,-0.0,1.0,123.0]"
    )
    assert canonical_json(1) != canonical_json(1.0)


def test_keys_sort_by_code_point() -> None:
    assert canonical_json({"b": 1, "B": 2, "é": 3, "a": 4}) == '{"B":2,"a":4,"b":1,"é":3}'.encode()


def test_subclasses_and_tuples_become_base_types() -> None:
    value = MappingProxyType({"c": Colour.RED, "l": Level.HIGH, "t": (1, 2)})
    assert canonical_json(value) == b'{"c":"red","l":3,"t":[1,2]}'


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (math.nan, "not finite"),
        ({"x": [math.inf]}, "value['x'][0]: float inf is not finite"),
        (INT_MAX + 1, "outside the signed 64-bit range"),
        (INT_MIN - 1, "outside the signed 64-bit range"),
        ({1: "a"}, "keys must be strings"),
        (b"raw", "a bytes cannot be encoded"),
        ({"s": {1, 2}}, "value['s']: a set cannot be encoded"),
        ("\ud800", "lone surrogate"),
    ],
)
def test_refuses_what_it_cannot_encode(value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        canonical_json(value)


def test_integer_bounds_are_inclusive() -> None:
    assert canonical_json([INT_MIN, INT_MAX]) == f"[{INT_MIN},{INT_MAX}]".encode()


def test_depth_is_bounded() -> None:
    value: Any = "leaf"
    for _ in range(MAX_DEPTH):
        value = [value]
    canonical_json(value)
    with pytest.raises(ConfigError, match="deeper"):
        canonical_json([value])


def test_loads_is_strict() -> None:
    assert loads_json('{"a": [1, 2.0]}') == {"a": [1, 2.0]}
    with pytest.raises(ConfigError, match="appears twice"):
        loads_json('{"a": 1, "a": 2}', "thing")
    with pytest.raises(ConfigError, match="thing is not valid JSON"):
        loads_json('{"a": NaN}', "thing")
    with pytest.raises(ConfigError, match="not valid JSON"):
        loads_json("{", "thing")
    with pytest.raises(ConfigError, match="64-bit"):
        loads_json("[18446744073709551616]")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(INT_MIN, INT_MAX)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8")),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_round_trip(value: object) -> None:
    encoded = canonical_json(value)
    decoded = loads_json(encoded)
    assert canonical_json(decoded) == encoded
    assert json.loads(encoded) == decoded
