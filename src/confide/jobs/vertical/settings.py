"""What the settings of every vertical job share: the parties, the columns and the split.

:class:`VerticalSettings` is the base of :class:`~confide.jobs.credit.CreditSettings` and
:class:`~confide.jobs.boost.BoostJobSettings`. It holds their first seven fields (the label
holder, the feature owners, the dealer, the id and label columns, the test share and the split
seed, in that order, so each job's settings keep their field order and wire form), the checks
of these, the parties they make, the resolution of ``psi_protocol`` (a field of each job, as it
stands at a different place in each), and the wire form: :meth:`~VerticalSettings.to_dict`,
:meth:`~VerticalSettings.from_dict` and the :meth:`~VerticalSettings.fingerprint` that the
parties compare first.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

from confide.errors import ConfigError
from confide.jobs.vertical.values import known_values

__all__ = ["PSI_PROTOCOLS", "VerticalSettings"]

#: What ``psi_protocol`` may be: ``"auto"`` (KKRT for two data parties, ECDH for more) or one.
PSI_PROTOCOLS = ("auto", "ecdh", "kkrt")

S = TypeVar("S", bound="VerticalSettings")


@dataclass(frozen=True)
class VerticalSettings:
    """The parties and columns of a vertical job; each job's settings class extends it.

    ``label_holder`` holds the label column and receives the scores; ``feature_owners`` are the
    other data parties; ``dealer`` is a compute helper (each job says what it does there).
    Subclasses call :meth:`_check_parties`, :meth:`_check_rows` and :meth:`_check_psi` from
    their ``__post_init__``, in their own order among their other checks.
    """

    #: How :meth:`from_dict` names the settings in its error ("unknown credit settings").
    KIND: ClassVar[str] = "job settings"

    label_holder: str = "bank"
    feature_owners: tuple[str, ...] = ("platform",)
    dealer: str | None = None
    id_column: str = "id"
    label_column: str = "default"
    #: Share of the intersection kept aside for the test metrics (drawn by the label holder).
    test_fraction: float = 0.3
    #: Seed of the train/test split; ``None`` draws a fresh one at the label holder.
    split_seed: int | None = None

    @property
    def data_parties(self) -> tuple[str, ...]:
        """The label holder, then the feature owners."""
        return (self.label_holder, *self.feature_owners)

    @property
    def parties(self) -> tuple[str, ...]:
        """Every party of the job: the data parties, then the dealer if any."""
        return self.data_parties + ((self.dealer,) if self.dealer is not None else ())

    def _resolve_psi(self, protocol: str) -> str:
        """The PSI protocol the job runs for ``protocol`` (``"auto"`` resolved)."""
        if protocol != "auto":
            return protocol
        return "kkrt" if len(self.data_parties) == 2 else "ecdh"

    def _check_parties(self, job: str) -> None:
        """Feature owners as a tuple, at least one, no data party twice (``job``: "credit")."""
        owners = tuple(self.feature_owners)
        object.__setattr__(self, "feature_owners", owners)
        if not owners:
            raise ConfigError(f"a {job} job needs at least one feature owner besides the bank")
        data = (self.label_holder, *owners)
        if len(set(data)) != len(data):
            raise ConfigError(f"data parties repeat: {list(data)}")

    def _check_rows(self) -> None:
        """The dealer holds no data; the id and label columns differ; a test share in (0, 1)."""
        if self.dealer is not None and self.dealer in self.data_parties:
            raise ConfigError(f"the dealer {self.dealer!r} must not be a data party")
        if self.id_column == self.label_column:
            raise ConfigError("the id column and the label column must differ")
        if not 0.0 < self.test_fraction < 1.0:
            raise ConfigError(f"test_fraction must lie in (0, 1), got {self.test_fraction}")

    def _check_psi(self, protocol: str) -> None:
        """``protocol`` is one of :data:`PSI_PROTOCOLS`, and KKRT only for two data parties."""
        if protocol not in PSI_PROTOCOLS:
            raise ConfigError(f"psi_protocol must be auto, ecdh or kkrt, got {protocol!r}")
        if protocol == "kkrt" and len(self.feature_owners) > 1:
            raise ConfigError("KKRT PSI takes two data parties only: use ecdh")

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the wire format (tuples become lists, mappings plain dicts)."""
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, Mapping):
                value = dict(value)
            out[item.name] = value
        return out

    @classmethod
    def from_dict(cls: type[S], values: Mapping[str, Any]) -> S:
        """The inverse of :meth:`to_dict`; unknown keys are an error."""
        kwargs = known_values(cls, values, cls.KIND)
        if "feature_owners" in kwargs:
            kwargs["feature_owners"] = tuple(kwargs["feature_owners"])
        return cls(**kwargs)

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of the settings: what the parties compare first."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()
