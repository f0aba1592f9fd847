"""What a credit-scoring job is asked to do: one settings object, the same at every party.

Every party of the job passes the same :class:`CreditSettings` (the first round of the job
checks it, so a party with other settings is refused before any data is read). Each data
party also passes where its own table is (:class:`PartyTable`). Both travel through the wire
format as plain dicts (:meth:`CreditSettings.to_dict` / :meth:`CreditSettings.from_dict`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from confide.errors import ConfigError

__all__ = ["BINNING_METHODS", "CreditSettings", "PartyTable"]

BINNING_METHODS = ("quantile", "equal_width")


@dataclass(frozen=True)
class CreditSettings:
    """The job's parameters (see each field's comment); checked when made.

    ``label_holder`` holds the label column and receives the scores; ``feature_owners`` are the
    other data parties; ``dealer`` is the compute helper that deals correlated randomness
    (required with two data parties, where the engine is semi2k; with three data parties the
    engine is aby3 and ``dealer`` must be ``None``).
    """

    label_holder: str = "bank"
    feature_owners: tuple[str, ...] = ("platform",)
    dealer: str | None = "dealer"
    id_column: str = "id"
    label_column: str = "default"
    #: Share of the intersection kept aside for the test metrics (drawn by the label holder).
    test_fraction: float = 0.3
    #: Seed of the train/test split; ``None`` draws a fresh one at the label holder.
    split_seed: int | None = None
    binning: str = "quantile"
    n_bins: int = 10
    #: Smallest share of training rows in a bin; smaller bins are merged into a neighbour.
    min_bin_share: float = 0.05
    #: Features whose information value is below this are left out of the model.
    iv_threshold: float = 0.02
    max_features: int | None = None
    epochs: int = 10
    batch_size: int = 1024
    #: With the estimator's momentum 0.9; 0.5 made some row orders overshoot on the UCI data
    #: (test AUC 0.747 against 0.771), 0.1 gives 0.7715-0.7724 over seven seeds.
    learning_rate: float = 0.1
    l2: float = 0.001
    #: Scorecard scaling: points to double the odds, the score at ``base_odds`` (good:bad).
    pdo: float = 20.0
    base_score: float = 600.0
    base_odds: float = 50.0
    #: Feature owners send their WOE tables, coefficients and scorecard points to the label
    #: holder for the report (declared in the disclosure list); off keeps them at home.
    share_model_with_label_holder: bool = True
    #: ``"auto"``: KKRT (OT extension, several times faster) for two data parties, ECDH for
    #: three; or name one (``"ecdh"``, ``"kkrt"``).
    psi_protocol: str = "auto"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        owners = tuple(self.feature_owners)
        object.__setattr__(self, "feature_owners", owners)
        if not owners:
            raise ConfigError("a credit job needs at least one feature owner besides the bank")
        data = (self.label_holder, *owners)
        if len(set(data)) != len(data):
            raise ConfigError(f"data parties repeat: {list(data)}")
        if len(owners) > 2:
            raise ConfigError("a credit job takes two or three data parties")
        if len(owners) == 1 and self.dealer is None:
            raise ConfigError("two data parties need a dealer (a compute-helper party)")
        if len(owners) == 2 and self.dealer is not None:
            raise ConfigError("three data parties run aby3 without a dealer: set dealer to None")
        if self.dealer is not None and self.dealer in data:
            raise ConfigError(f"the dealer {self.dealer!r} must not be a data party")
        if self.id_column == self.label_column:
            raise ConfigError("the id column and the label column must differ")
        if not 0.0 < self.test_fraction < 1.0:
            raise ConfigError(f"test_fraction must lie in (0, 1), got {self.test_fraction}")
        if self.binning not in BINNING_METHODS:
            raise ConfigError(f"binning must be one of {BINNING_METHODS}, got {self.binning!r}")
        if not 2 <= self.n_bins <= 100:
            raise ConfigError(f"n_bins must lie in [2, 100], got {self.n_bins}")
        if not 0.0 <= self.min_bin_share < 0.5:
            raise ConfigError(f"min_bin_share must lie in [0, 0.5), got {self.min_bin_share}")
        if self.iv_threshold < 0:
            raise ConfigError(f"iv_threshold must be >= 0, got {self.iv_threshold}")
        for name in ("epochs", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise ConfigError(f"{name} must be >= 1")
        for name in ("learning_rate", "pdo", "base_odds"):
            if not float(getattr(self, name)) > 0:
                raise ConfigError(f"{name} must be > 0")
        if self.psi_protocol not in ("auto", "ecdh", "kkrt"):
            raise ConfigError(f"psi_protocol must be auto, ecdh or kkrt, got {self.psi_protocol!r}")
        if self.psi_protocol == "kkrt" and len(owners) > 1:
            raise ConfigError("KKRT PSI takes two data parties only: use ecdh")
        if self.l2 < 0:
            raise ConfigError(f"l2 must be >= 0, got {self.l2}")

    @property
    def data_parties(self) -> tuple[str, ...]:
        """The label holder, then the feature owners."""
        return (self.label_holder, *self.feature_owners)

    @property
    def parties(self) -> tuple[str, ...]:
        """Every party of the job: the data parties, then the dealer if any."""
        return self.data_parties + ((self.dealer,) if self.dealer is not None else ())

    @property
    def psi(self) -> str:
        """The PSI protocol the job runs (``"auto"`` resolved)."""
        if self.psi_protocol != "auto":
            return self.psi_protocol
        return "kkrt" if len(self.data_parties) == 2 else "ecdh"

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the wire format (tuples become lists)."""
        out = asdict(self)
        out["feature_owners"] = list(self.feature_owners)
        out["extra"] = dict(self.extra)
        return out

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> CreditSettings:
        """The inverse of :meth:`to_dict`; unknown keys are an error."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown credit settings: {unknown}")
        kwargs = dict(values)
        if "feature_owners" in kwargs:
            kwargs["feature_owners"] = tuple(kwargs["feature_owners"])
        return cls(**kwargs)

    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON of the settings: what the parties compare first."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class PartyTable:
    """Where one data party's table is, and which of its columns are features.

    ``features`` ``None`` takes every column but the id (and, at the label holder, the label).
    """

    path: str
    features: Sequence[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "features": list(self.features) if self.features else None}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> PartyTable:
        features = values.get("features")
        return cls(str(values["path"]), tuple(features) if features else None)
