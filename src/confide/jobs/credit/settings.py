"""What a credit-scoring job is asked to do: one settings object, the same at every party.

Every party of the job passes the same :class:`CreditSettings` (the first round of the job
checks it, so a party with other settings is refused before any data is read). Each data
party also passes where its own table is (:class:`~confide.jobs.vertical.tables.PartyTable`,
re-exported here). Both travel through the wire format as plain dicts
(:meth:`CreditSettings.to_dict` / :meth:`CreditSettings.from_dict`, from
:class:`~confide.jobs.vertical.VerticalSettings`, which holds what both jobs' settings share).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from confide.errors import ConfigError
from confide.jobs.vertical.settings import VerticalSettings
from confide.jobs.vertical.tables import PartyTable

__all__ = ["BINNING_METHODS", "CreditSettings", "PartyTable"]

BINNING_METHODS = ("quantile", "equal_width")


@dataclass(frozen=True)
class CreditSettings(VerticalSettings):
    """The job's parameters (see each field's comment); checked when made.

    ``label_holder`` holds the label column and receives the scores; ``feature_owners`` are the
    other data parties; ``dealer`` is the compute helper that deals correlated randomness
    (required with two data parties, where the engine is semi2k; with three data parties the
    engine is aby3 and ``dealer`` must be ``None``). The parties, the columns, the split and
    the wire form are :class:`~confide.jobs.vertical.VerticalSettings`'.
    """

    KIND: ClassVar[str] = "credit settings"

    dealer: str | None = "dealer"
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
        self._check_parties("credit")
        owners = self.feature_owners
        if len(owners) > 2:
            raise ConfigError("a credit job takes two or three data parties")
        if len(owners) == 1 and self.dealer is None:
            raise ConfigError("two data parties need a dealer (a compute-helper party)")
        if len(owners) == 2 and self.dealer is not None:
            raise ConfigError("three data parties run aby3 without a dealer: set dealer to None")
        self._check_rows()
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
        self._check_psi(self.psi_protocol)
        if self.l2 < 0:
            raise ConfigError(f"l2 must be >= 0, got {self.l2}")

    @property
    def psi(self) -> str:
        """The PSI protocol the job runs (``"auto"`` resolved)."""
        return self._resolve_psi(self.psi_protocol)
