"""Reading a dataclass back from its wire dict: known keys only, named in a clear error."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from confide.errors import ConfigError

__all__ = ["known_values"]


def known_values(cls: type[Any], values: Mapping[str, Any], what: str) -> dict[str, Any]:
    """``values`` as keyword arguments of the dataclass ``cls``; :class:`ConfigError` naming
    the unknown keys (never their values) as ``unknown {what}: [...]``."""
    known = {item.name for item in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown {what}: {unknown}")
    return dict(values)
