"""Reading the policy and job-spec YAML files safely, with errors that name the file and the place.

YAML is read with a safe loader that also refuses a mapping with the same key twice (two
``columns:`` in one policy must not silently keep the second). Every problem becomes a
:class:`~confide.errors.ConfigError` whose message starts with what the file is and where it is
(``usage policy /etc/confide/loans.yaml``), followed by the line and column for YAML syntax
errors, or the dotted path of the field for schema errors (``steps.1.outputs.0.kind``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from confide.errors import ConfigError

__all__ = ["describe_validation_error", "dump_yaml", "parse_model", "read_text"]

M = TypeVar("M", bound=BaseModel)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses a mapping with a repeated key."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            repeated = key in seen
        except TypeError:  # an unhashable key: the default constructor reports it
            continue
        if repeated:
            raise yaml.constructor.ConstructorError(
                "while reading a mapping",
                node.start_mark,
                f"found the key {key!r} twice",
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def read_text(path: str | os.PathLike[str], what: str) -> str:
    """The UTF-8 text of ``path``; :class:`ConfigError` naming ``what`` and the path if not."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc}") from exc


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    """One line: where in the text (1-based line and column) and what is wrong."""
    if not isinstance(exc, yaml.MarkedYAMLError):
        return str(exc)
    mark, start = exc.problem_mark, exc.context_mark
    where = "" if mark is None else f"line {mark.line + 1}, column {mark.column + 1}: "
    context = ""
    if exc.context:
        context = f" ({exc.context}"
        if start is not None:
            context += f" at line {start.line + 1}, column {start.column + 1}"
        context += ")"
    return f"{where}{exc.problem or 'malformed'}{context}"


def describe_validation_error(exc: ValidationError) -> str:
    """Pydantic's errors as ``field.path: message`` pairs joined by ``; ``."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "top level"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


def parse_model(text: str, model: type[M], source: str) -> M:
    """Parse YAML ``text`` into ``model``; errors start with ``source`` (e.g. ``job spec X``)."""
    try:
        raw = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source} is not valid YAML: {_describe_yaml_error(exc)}") from None
    if raw is None:
        raise ConfigError(f"{source} is empty")
    if not isinstance(raw, dict):
        raise ConfigError(f"{source} must be a YAML mapping at the top level")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{source} is invalid: {describe_validation_error(exc)}") from None


def dump_yaml(data: dict[str, Any]) -> str:
    """``data`` as block-style YAML, keys in the order given, Unicode kept."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
