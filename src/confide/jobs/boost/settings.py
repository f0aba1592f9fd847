"""What a boosting job is asked to do: one settings object, the same at every party.

:class:`BoostJobSettings` holds the parties and columns (as the credit job's settings do) and
the boosting hyper-parameters (XGBoost's names, checked by
:class:`~confide.ml.boost.BoostParams`). The first round of the job compares every party's
fingerprint of it, so a party with other settings is refused before any data is read. It
travels as a plain dict (:meth:`BoostJobSettings.to_dict` / :meth:`BoostJobSettings.from_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from confide.crypto.he import Scheme
from confide.errors import ConfigError
from confide.jobs.vertical.settings import VerticalSettings
from confide.ml.boost import BoostParams
from confide.params import OU_KEY_BITS

__all__ = ["BOOST_FIELDS", "BoostJobSettings"]

#: The settings passed on to :class:`~confide.ml.boost.BoostParams` as they are.
BOOST_FIELDS = (
    "n_estimators",
    "max_depth",
    "learning_rate",
    "min_child_weight",
    "reg_lambda",
    "gamma",
    "subsample",
    "colsample_bytree",
    "max_bin",
    "random_state",
)


@dataclass(frozen=True)
class BoostJobSettings(VerticalSettings):
    """The boosting job's parameters; checked when made (:class:`ConfigError`).

    ``label_holder`` holds the label column, is the active party of SecureBoost and receives
    the scores; ``feature_owners`` (one or more) are the passive parties. ``dealer`` may name a
    compute helper that is a party of the job (a node federation that always includes one):
    SecureBoost needs none, so it only checks the settings and learns nothing else. The
    parties, the columns, the split and the wire form are
    :class:`~confide.jobs.vertical.VerticalSettings`'.
    """

    KIND: ClassVar[str] = "boosting job settings"

    #: ``"auto"``: KKRT for two data parties, ECDH for three or more; or ``"ecdh"``, ``"kkrt"``.
    psi_protocol: str = "auto"
    n_estimators: int = 10
    max_depth: int = 4
    learning_rate: float = 0.3
    min_child_weight: float = 1.0
    reg_lambda: float = 1.0
    gamma: float = 0.0
    subsample: float = 1.0
    colsample_bytree: float = 1.0
    max_bin: int = 32
    #: Seed of the row and column samples (not secret; see the SecureBoost disclosures).
    random_state: int = 0
    #: The label holder's homomorphic scheme (``"ou"`` or ``"paillier"``) and key length;
    #: ``allow_weak_key`` admits test keys below 2048 bits (every party must allow it).
    he: str = "ou"
    key_bits: int = OU_KEY_BITS
    allow_weak_key: bool = False
    #: Worker processes for ciphertext work at each party (1: none; ``None``: every core).
    n_jobs: int | None = 1
    #: The feature owners tell the label holder their feature names, so that importance and
    #: splits read "owner: feature" (declared); off, the label holder sees "feature 3".
    share_feature_names: bool = True

    def __post_init__(self) -> None:
        self._check_parties("boosting")
        self._check_rows()
        self._check_psi(self.psi_protocol)
        self.boost_params()  # the hyper-parameters, checked by the estimator's own rules
        Scheme.parse(self.he)
        if isinstance(self.key_bits, bool) or not isinstance(self.key_bits, int):
            raise ConfigError(f"key_bits must be an int, got {self.key_bits!r}")
        if self.n_jobs is not None and (
            isinstance(self.n_jobs, bool)
            or not isinstance(self.n_jobs, int)
            or self.n_jobs in (0,)
            or self.n_jobs < -1
        ):
            raise ConfigError(f"n_jobs must be None, -1 or an int >= 1, got {self.n_jobs!r}")

    @property
    def psi(self) -> str:
        """The PSI protocol the job runs (``"auto"`` resolved)."""
        return self._resolve_psi(self.psi_protocol)

    def boost_params(self) -> BoostParams:
        """The boosting hyper-parameters (binary logistic loss)."""
        return BoostParams(**{name: getattr(self, name) for name in BOOST_FIELDS})

    def estimator_params(self) -> dict[str, Any]:
        """The keyword arguments of :class:`~confide.ml.boost.SecureBoost` for this job."""
        return {
            "label_holder": self.label_holder,
            **{name: getattr(self, name) for name in BOOST_FIELDS},
            "he": self.he,
            "key_bits": self.key_bits,
            "allow_weak_key": self.allow_weak_key,
            "n_jobs": self.n_jobs,
        }
