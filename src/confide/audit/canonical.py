"""Canonical JSON: exactly one byte string per value, so every party recomputes the same hashes.

Audit entries, chain heads and job specs are hashed and signed over this encoding. The file
layout of a log line or a YAML file never matters: a verifier parses it, then re-encodes the
value canonically and hashes that.

The encoding
------------
``canonical_json(value)`` is RFC 8259 JSON in UTF-8 with these rules (close to, but not the
same as, RFC 8785 JCS, which formats numbers as ECMAScript does):

- Values are ``null``, ``true``, ``false``, integers, floats, strings, arrays and objects.
- No whitespace anywhere outside strings: separators are exactly ``,`` and ``:``.
- Object keys are strings, unique, sorted by Unicode code point.
- Integers are written in decimal without leading zeros or a plus sign, and must lie in
  ``[-2**63, 2**63)``.
- Floats must be finite and are written as Python's ``repr`` writes them: the shortest decimal
  string that reads back to the same IEEE-754 binary64 value, with a ``.0`` for integral values
  below ``1e16`` (``1.0``, ``0.1``, ``1e-07``, ``1e+16``, ``-0.0``). A float is therefore never
  written like an integer: ``1.0`` and ``1`` are different values and encode differently.
- Strings are written as UTF-8, not ``\\u``-escaped, except: ``"`` and ``\\`` are escaped with a
  backslash; ``\\b \\f \\n \\r \\t`` use their short escapes; every other code point below U+0020
  is written ``\\u00xx`` with lowercase hex. Lone surrogates are refused.
- Arrays and objects nest at most :data:`MAX_DEPTH` deep.

Python values are normalised first (:func:`normalize`): tuples become lists, subclasses of
``str``, ``int``, ``float``, ``list`` and ``dict`` (a ``str`` Enum, an ``IntEnum``) become their
base type, any ``Mapping`` with string keys becomes a dict. Anything else (bytes, sets, dates,
``NaN``) raises :class:`~confide.errors.ConfigError` naming where it sits, e.g. ``payload['x'][2]``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, NoReturn

from confide.errors import ConfigError

__all__ = ["INT_MAX", "INT_MIN", "MAX_DEPTH", "canonical_json", "loads_json", "normalize"]

#: Deepest nesting of arrays and objects.
MAX_DEPTH = 64

#: The integer range: signed 64 bits, which every language's JSON reader can hold exactly.
INT_MIN = -(2**63)
INT_MAX = 2**63 - 1


def normalize(value: object, where: str = "value") -> Any:
    """A copy of ``value`` made only of ``None``, bool, int, float, str, list and dict.

    Raises :class:`ConfigError` for anything the canonical encoding does not carry; the message
    names the place, starting with ``where``.
    """
    return _normalize(value, where, 0)


def _normalize(value: object, where: str, depth: int) -> Any:
    if value is None or value is True or value is False:
        return value
    if isinstance(value, int):
        number = int(value)
        if not INT_MIN <= number <= INT_MAX:
            _fail(where, f"integer {number} is outside the signed 64-bit range")
        return number
    if isinstance(value, float):
        real = float(value)
        if not math.isfinite(real):
            _fail(where, f"float {real} is not finite")
        return real
    if isinstance(value, str):
        text = str.__str__(value)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            _fail(where, "string holds a lone surrogate, which UTF-8 cannot encode")
        return text
    if depth >= MAX_DEPTH:
        _fail(where, f"nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, list | tuple):
        return [_normalize(item, f"{where}[{i}]", depth + 1) for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                _fail(where, f"key {key!r} is a {type(key).__name__}; keys must be strings")
            name = _normalize(key, where, depth + 1)
            if name in result:
                _fail(where, f"key {name!r} appears twice")
            result[name] = _normalize(item, f"{where}[{name!r}]", depth + 1)
        return result
    _fail(where, f"a {type(value).__name__} cannot be encoded as canonical JSON")


def _fail(where: str, message: str) -> NoReturn:
    raise ConfigError(f"{where}: {message}")


def canonical_json(value: object, where: str = "value") -> bytes:
    """The canonical encoding of ``value`` (see the module docstring)."""
    text = json.dumps(
        normalize(value, where),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return text.encode("utf-8")


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in pairs:
        if key in result:
            raise ValueError(f"key {key!r} appears twice in one object")
        result[key] = item
    return result


def loads_json(text: str | bytes, where: str = "JSON") -> Any:
    """Parse JSON strictly (no ``NaN``, no repeated keys) into a normalised value.

    Raises :class:`ConfigError` naming ``where`` when the text is not JSON or holds a value the
    canonical encoding does not carry.
    """
    try:
        raw = json.loads(text, object_pairs_hook=_unique_object, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError too
        raise ConfigError(f"{where} is not valid JSON: {exc}") from exc
    return normalize(raw, where)
