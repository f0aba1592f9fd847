"""A dataset's usage policy: the rules its owner sets for every job that would use it.

One YAML file per dataset::

    dataset: loans                    # the dataset this policy governs
    parties: [bank, platform, dealer] # every party of a job using it must be one of these
    components: [psi.ecdh, ml.*]      # components that may use it; 'ml.*' allows ml.anything
    columns:                          # optional
      allow: [id, income, default]    #   only these columns may be read (all, if omitted)
      deny: [national_id]             #   these never
    outputs:                          # who may receive each kind of output derived from it
      model_part: [bank, platform]
      statistics: [bank]
    min_group_size: 50                # optional: no aggregate released about fewer rows
    max_uses: 10                      # optional: how many jobs may use it
    expires: 2026-12-31               # optional: a date means through that day (UTC), or a
                                      #   time with a zone, e.g. 2026-12-31T18:00:00+01:00
    approval: manual                  # 'auto' when all rules pass, or always 'manual' (default)
    enclave_measurements:             # optional: the enclave images (SHA-256 measurements in
                                      #   hex) that may receive the key of the dataset's sealed
                                      #   copy (confide.tee); none when omitted
      - 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08

Nothing is allowed by default: a party, component or output kind the policy does not name is
refused. A component "uses" the dataset when it reads its columns or consumes results derived
from them (see :mod:`confide.policy.evaluate`). Unknown keys are errors, so a misspelt rule can
never be silently ignored.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, StrictInt

from confide.errors import ConfigError
from confide.net.certs import validate_party_name
from confide.policy.job import (
    OutputKind,
    check_column_name,
    check_component_name,
    check_dataset_name,
)
from confide.policy.yamlio import dump_yaml, parse_model, read_text

__all__ = ["Approval", "DatasetPolicy", "load_policy", "parse_policy", "policy_to_yaml"]

_MEASUREMENT = re.compile(r"[0-9a-f]{64}")


class Approval(str, Enum):
    """Whether a job that passes every rule runs at once or waits for an operator."""

    AUTO = "auto"
    MANUAL = "manual"


@dataclass(frozen=True)
class DatasetPolicy:
    """The usage rules of one dataset (see the module docstring)."""

    dataset: str
    parties: frozenset[str]
    components: frozenset[str]
    outputs: Mapping[OutputKind, frozenset[str]]
    allow_columns: frozenset[str] | None = None
    deny_columns: frozenset[str] = frozenset()
    min_group_size: int | None = None
    max_uses: int | None = None
    expires: datetime.datetime | None = None
    approval: Approval = Approval.MANUAL
    #: Measurements (SHA-256, lowercase hex) of the enclave images that may receive the key of
    #: this dataset's sealed copy (:mod:`confide.tee.release`); empty: no enclave may.
    enclave_measurements: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        check_dataset_name(self.dataset, "policy")
        if not self.parties:
            raise ConfigError("parties: the policy must allow at least one party")
        for party in self.parties:
            validate_party_name(party)
        for component in self.components:
            pattern = component[:-2] if component.endswith(".*") else component
            check_component_name(pattern, "components")
        for column in (*(self.allow_columns or ()), *self.deny_columns):
            check_column_name(column, "columns")
        both = (self.allow_columns or frozenset()) & self.deny_columns
        if both:
            raise ConfigError(f"columns {sorted(both)} are both allowed and denied")
        for kind, receivers in self.outputs.items():
            outside = sorted(receivers - self.parties)
            if outside:
                raise ConfigError(
                    f"outputs.{kind.value}: {outside} may receive it but are not in parties"
                )
        for name in ("min_group_size", "max_uses"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"{name} must be at least 1, got {value}")
        if self.expires is not None and self.expires.utcoffset() is None:
            raise ConfigError("expires must have a time zone")
        for measurement in self.enclave_measurements:
            if not isinstance(measurement, str) or not _MEASUREMENT.fullmatch(measurement):
                raise ConfigError(
                    f"enclave_measurements: {measurement!r} is not a SHA-256 measurement "
                    "(64 lowercase hex digits)"
                )

    def allows_component(self, component: str) -> bool:
        """Whether ``component`` is named, or matched by a ``prefix.*`` entry."""
        return any(
            component == entry or (entry.endswith(".*") and component.startswith(entry[:-1]))
            for entry in self.components
        )

    def to_dict(self) -> dict[str, Any]:
        """The YAML form."""
        data: dict[str, Any] = {
            "dataset": self.dataset,
            "parties": sorted(self.parties),
            "components": sorted(self.components),
        }
        columns: dict[str, list[str]] = {}
        if self.allow_columns is not None:
            columns["allow"] = sorted(self.allow_columns)
        if self.deny_columns:
            columns["deny"] = sorted(self.deny_columns)
        if columns:
            data["columns"] = columns
        data["outputs"] = {kind.value: sorted(to) for kind, to in self.outputs.items()}
        for name in ("min_group_size", "max_uses"):
            if getattr(self, name) is not None:
                data[name] = getattr(self, name)
        if self.expires is not None:
            data["expires"] = self.expires.isoformat()
        data["approval"] = self.approval.value
        if self.enclave_measurements:
            data["enclave_measurements"] = sorted(self.enclave_measurements)
        return data


# -- YAML (pydantic models at the edge) --------------------------------------------------------


class _ColumnsModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    allow: list[str] | None = None
    deny: list[str] = []


class _PolicyModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: str
    parties: list[str]
    components: list[str]
    columns: _ColumnsModel = _ColumnsModel()
    outputs: dict[OutputKind, list[str]]
    min_group_size: StrictInt | None = None
    max_uses: StrictInt | None = None
    expires: AwareDatetime | datetime.date | None = None
    approval: Approval = Approval.MANUAL
    enclave_measurements: list[str] = []


def _end_of(day: datetime.date | datetime.datetime) -> datetime.datetime:
    """A bare date means through that whole day in UTC: it expires at the next midnight."""
    if isinstance(day, datetime.datetime):
        return day
    midnight = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone.utc)
    return midnight + datetime.timedelta(days=1)


def _from_model(model: _PolicyModel) -> DatasetPolicy:
    allow = model.columns.allow
    return DatasetPolicy(
        dataset=model.dataset,
        parties=frozenset(model.parties),
        components=frozenset(model.components),
        outputs={kind: frozenset(to) for kind, to in model.outputs.items()},
        allow_columns=None if allow is None else frozenset(allow),
        deny_columns=frozenset(model.columns.deny),
        min_group_size=model.min_group_size,
        max_uses=model.max_uses,
        expires=None if model.expires is None else _end_of(model.expires),
        approval=model.approval,
        enclave_measurements=frozenset(model.enclave_measurements),
    )


def parse_policy(text: str, source: str = "usage policy") -> DatasetPolicy:
    """A policy from YAML ``text``; errors start with ``source`` (say which file it is)."""
    model = parse_model(text, _PolicyModel, source)
    try:
        return _from_model(model)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def load_policy(path: str | os.PathLike[str]) -> DatasetPolicy:
    """Read a usage policy YAML file; every error names the file."""
    return parse_policy(read_text(path, "usage policy"), f"usage policy {path}")


def policy_to_yaml(policy: DatasetPolicy) -> str:
    """The policy as YAML; :func:`parse_policy` reads it back to an equal policy."""
    return dump_yaml(policy.to_dict())
