"""The credit scorecard: points per bin for each feature owner, from PDO, base score and base odds.

After a logistic regression on WOE values, a credit team wants points, not coefficients. The
model and the conventions it follows:

- ``WOE_k = ln(non-event share of bin k / event share of bin k)``: positive means lower risk;
- ``logit P(default) = intercept + sum_j coef_j * WOE_j(x)``;
- the score goes *up* as risk goes down:
  ``score = offset - factor * logit = offset + factor * ln(odds)``, with ``odds`` = good:bad.

:class:`Scaling` fixes ``factor = pdo / ln 2`` and ``offset = base_score - factor * ln(base_odds)``,
so a row whose odds are ``base_odds`` good to 1 bad scores ``base_score`` and every doubling of
the odds adds ``pdo`` points. The score then splits exactly into

- the *base points* ``offset - factor * intercept``, held by the label holder (who holds the
  intercept): :func:`base_points`;
- for each feature ``j`` and bin ``k``, ``-factor * coef_j * WOE_jk``: :func:`owner_points`.

Who learns what: each owner builds its own :class:`ScorecardPart` locally, from its own WOE
tables and the coefficients it received, and sends nothing (see ``DISCLOSURE``). Assembling a
whole :class:`Scorecard`, or scoring rows with :func:`total_points`, needs every owner's part at
one place: that is a separate, explicit disclosure decided by the job, not done here.

Spreading the base: by default the base points stay a separate line of the scorecard, held by
the label holder, because spreading them over the features means telling every owner a share of
the base points (and so something about the intercept). ``Scorecard(..., spread_base=True)``
adds ``base / n_features`` to every bin of every feature instead (an even integer split when the
base is a whole number), the form some credit teams prefer; totals are unchanged.

Fidelity: without rounding the score is an exact decreasing affine function of the model's
logit, so it ranks rows exactly as the model does. With ``round_points=True`` each bin's points
are rounded to whole numbers; each row's score then moves by at most ``0.5 * (n_features + 1)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from confide.errors import ConfigError
from confide.runtime.disclosure import Disclosure

__all__ = [
    "BASE_FEATURE",
    "DISCLOSURE",
    "FeaturePoints",
    "Scaling",
    "Scorecard",
    "ScorecardPart",
    "base_points",
    "owner_points",
    "total_points",
]

FloatArray = npt.NDArray[np.float64]

#: The ``feature`` name of the base-points line in :meth:`Scorecard.to_frame`.
BASE_FEATURE = "(base points)"

DISCLOSURE = (
    Disclosure(
        "each feature owner",
        "nothing new: it turns its own WOE tables and coefficients into points locally",
        "owner_points sends no message",
    ),
    Disclosure(
        "the label holder",
        "nothing new: the base points come from its own intercept",
        "base_points sends no message",
    ),
)


@dataclass(frozen=True)
class Scaling:
    """How logits become points: ``pdo`` points double the odds; ``base_odds`` at ``base_score``.

    ``base_odds`` are *good:bad* odds (non-events per event): the default ``50`` means a row
    scoring ``600`` has a 1-in-51 chance of default, and one scoring ``620`` a 1-in-101 chance.
    """

    pdo: float = 20.0
    base_score: float = 600.0
    base_odds: float = 50.0

    def __post_init__(self) -> None:
        for name in ("pdo", "base_score", "base_odds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float | np.number):
                raise ConfigError(f"Scaling.{name} must be a number, got {type(value).__name__}")
            if not math.isfinite(float(value)):
                raise ConfigError(f"Scaling.{name} must be finite")
        if self.pdo <= 0:
            raise ConfigError("Scaling.pdo must be positive (points to double the odds)")
        if self.base_odds <= 0:
            raise ConfigError("Scaling.base_odds must be positive (good:bad odds at base_score)")

    @property
    def factor(self) -> float:
        """Points per unit of log-odds: ``pdo / ln 2``."""
        return float(self.pdo) / math.log(2.0)

    @property
    def offset(self) -> float:
        """The score at log-odds 0 (even odds): ``base_score - factor * ln(base_odds)``."""
        return float(self.base_score) - self.factor * math.log(float(self.base_odds))

    def score(self, logit: npt.ArrayLike) -> FloatArray:
        """The score of a logit of default: ``offset - factor * logit`` (higher is safer)."""
        return self.offset - self.factor * np.asarray(logit, dtype=np.float64)

    def logit(self, score: npt.ArrayLike) -> FloatArray:
        """The logit of default a score stands for; the inverse of :meth:`score`."""
        return (self.offset - np.asarray(score, dtype=np.float64)) / self.factor


@dataclass(frozen=True)
class FeaturePoints:
    """One feature of a scorecard: its bins, their WOE, the coefficient and the points per bin."""

    feature: str
    labels: tuple[str, ...]
    woe: FloatArray
    coefficient: float
    points: FloatArray

    @property
    def n_bins(self) -> int:
        """How many bins the feature has."""
        return len(self.labels)


@dataclass(frozen=True)
class ScorecardPart:
    """One owner's share of a scorecard: points per bin for the features it holds."""

    owner: str
    scaling: Scaling
    features: tuple[FeaturePoints, ...]
    rounded: bool = False

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The features of this part, in order."""
        return tuple(f.feature for f in self.features)

    def row_points(self, bins: Mapping[str, npt.ArrayLike]) -> FloatArray:
        """Each row's points from this part, given every one of its features' bin indices.

        ``bins`` maps each feature of this part to integer bin indices (0-based, one per row);
        features of other owners may also be present and are ignored. Vectorised: one lookup
        per feature.
        """
        return _sum_points(self.features, bins, _row_count(bins, self.feature_names))


@dataclass(frozen=True)
class Scorecard:
    """The whole scorecard: the base points and every owner's part (at least one).

    ``base_owner`` names the party holding the base points (the label holder), for the table.
    See the module docstring for ``spread_base``. Feature names must be unique across parts and
    all parts must use ``scaling``.
    """

    scaling: Scaling
    base: float
    parts: tuple[ScorecardPart, ...]
    spread_base: bool = False
    base_owner: str = ""

    def __post_init__(self) -> None:
        _check_scaling(self.scaling)
        _finite_number(self.base, "the base points")
        if not self.parts:
            raise ConfigError("a scorecard needs at least one part")
        names = [name for part in self.parts for name in part.feature_names]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ConfigError(f"features appear in more than one part: {repeated}")
        if any(part.scaling != self.scaling for part in self.parts):
            raise ConfigError("every part of a scorecard must use the scorecard's scaling")

    @property
    def features(self) -> tuple[FeaturePoints, ...]:
        """Every feature of every part, in part order."""
        return tuple(f for part in self.parts for f in part.features)

    def to_frame(self) -> pd.DataFrame:
        """The scorecard as a table: ``owner``, ``feature``, ``bin``, ``woe``, ``points``.

        Without ``spread_base`` the first row is the base points (``feature`` is
        :data:`BASE_FEATURE`, ``bin`` empty, ``woe`` NaN, ``owner`` the ``base_owner``); with
        it, each feature's points include its share of the base.
        """
        owners: list[str] = []
        features: list[str] = []
        bins: list[str] = []
        woes: list[FloatArray] = []
        points: list[FloatArray] = []
        if not self.spread_base:
            owners.append(self.base_owner)
            features.append(BASE_FEATURE)
            bins.append("")
            woes.append(np.array([np.nan]))
            points.append(np.array([self.base]))
        shares = _base_shares(self.base, len(self.features)) if self.spread_base else None
        index = 0
        for part in self.parts:
            for f in part.features:
                share = 0.0 if shares is None else float(shares[index])
                index += 1
                owners.extend([part.owner] * f.n_bins)
                features.extend([f.feature] * f.n_bins)
                bins.extend(f.labels)
                woes.append(f.woe)
                points.append(f.points + share)
        table: pd.DataFrame = pd.DataFrame(
            {
                "owner": owners,
                "feature": features,
                "bin": bins,
                "woe": np.concatenate(woes),
                "points": np.concatenate(points),
            }
        )
        return table

    def score(self, bins_by_feature: Mapping[str, npt.ArrayLike]) -> FloatArray:
        """Each row's total score, given bin indices (0-based) for every feature of the card."""
        return total_points(self.base, self.parts, bins_by_feature)


def owner_points(
    woe: Mapping[str, Sequence[float] | npt.ArrayLike],
    labels: Mapping[str, Sequence[str]],
    coefficients: Mapping[str, float],
    scaling: Scaling,
    *,
    owner: str = "",
    round_points: bool = False,
) -> ScorecardPart:
    """One owner's scorecard part: ``-factor * coef_j * WOE_jk`` points for bin ``k`` of ``j``.

    ``woe`` and ``labels`` map each of the owner's features to its bins' WOE values and labels
    (same features, same lengths); ``coefficients`` holds one finite coefficient per feature,
    and no others. ``round_points`` rounds each bin's points to a whole number (half to even).
    Runs locally, sends nothing. Raises :class:`~confide.errors.ConfigError` for an unknown or
    missing feature, a bin count mismatch, non-finite values, empty or duplicate bin labels.
    """
    _check_scaling(scaling)
    if not woe:
        raise ConfigError("owner_points needs at least one feature")
    _same_features("woe", woe, "labels", labels)
    _same_features("woe", woe, "coefficients", coefficients)
    built = []
    for feature in woe:
        bin_labels = _bin_labels(feature, labels[feature])
        what = f"the WOE of {feature!r}"
        values = _finite(_floats(woe[feature], what), what)
        if values.ndim != 1 or values.size != len(bin_labels):
            raise ConfigError(
                f"feature {feature!r} has {values.size} WOE values but {len(bin_labels)} bin labels"
            )
        coefficient = _finite_number(coefficients[feature], f"the coefficient of {feature!r}")
        points = -scaling.factor * coefficient * values
        built.append(
            FeaturePoints(
                feature=feature,
                labels=bin_labels,
                woe=values,
                coefficient=coefficient,
                points=np.rint(points) if round_points else points,
            )
        )
    return ScorecardPart(
        owner=owner, scaling=scaling, features=tuple(built), rounded=bool(round_points)
    )


def base_points(intercept: float, scaling: Scaling, *, round_points: bool = False) -> float:
    """The label holder's base points, ``offset - factor * intercept`` (rounded if asked)."""
    _check_scaling(scaling)
    value = scaling.offset - scaling.factor * _finite_number(intercept, "the intercept")
    return float(np.rint(value)) if round_points else value


def total_points(
    base: float, parts: Sequence[ScorecardPart], bins: Mapping[str, npt.ArrayLike]
) -> FloatArray:
    """Each row's score: ``base`` plus, for every feature of every part, the points of its bin.

    ``bins`` maps every feature of ``parts`` (and nothing else) to integer bin indices, 0-based,
    all of one length. Raises :class:`~confide.errors.ConfigError` for a missing or unknown
    feature, mismatched lengths, non-integer or out-of-range indices.
    """
    if not parts:
        raise ConfigError("total_points needs at least one scorecard part")
    base_value = _finite_number(base, "the base points")
    features = tuple(f for part in parts for f in part.features)
    names = tuple(f.feature for f in features)
    unknown = sorted(set(bins) - set(names))
    if unknown:
        raise ConfigError(f"bin indices given for unknown features: {unknown}")
    n = _row_count(bins, names)
    return base_value + _sum_points(features, bins, n)


def _sum_points(
    features: Sequence[FeaturePoints], bins: Mapping[str, npt.ArrayLike], n: int
) -> FloatArray:
    """The sum over ``features`` of each row's bin points (bins checked against each feature)."""
    total = np.zeros(n, dtype=np.float64)
    for f in features:
        total += f.points[_bin_indices(f, bins[f.feature])]
    return total


def _row_count(bins: Mapping[str, npt.ArrayLike], names: Sequence[str]) -> int:
    """The common length of the bin index arrays of ``names``; every one must be present."""
    missing = [name for name in names if name not in bins]
    if missing:
        raise ConfigError(f"bin indices missing for features: {missing}")
    lengths = {name: np.shape(bins[name]) for name in names}
    shapes = set(lengths.values())
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        raise ConfigError(
            "bin indices must be 1-d arrays of one length; got shapes "
            + ", ".join(f"{name}: {shape}" for name, shape in lengths.items())
        )
    return int(next(iter(shapes))[0])


def _bin_indices(feature: FeaturePoints, values: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """``values`` as valid bin indices of ``feature``; :class:`ConfigError` otherwise."""
    raw = np.asarray(values)
    if raw.dtype.kind not in "iu":
        raise ConfigError(
            f"bin indices of {feature.feature!r} must be integers, got dtype {raw.dtype}"
        )
    outside = (raw < 0) | (raw >= feature.n_bins)
    if outside.any():
        raise ConfigError(
            f"{int(outside.sum())} bin indices of {feature.feature!r} lie outside "
            f"0..{feature.n_bins - 1}"
        )
    return raw.astype(np.intp)


def _base_shares(base: float, n_features: int) -> FloatArray:
    """``base`` split over ``n_features``: evenly, or into whole numbers when it is whole."""
    if n_features == 0:
        return np.zeros(0)
    if float(base).is_integer():
        whole, extra = divmod(int(base), n_features)
        shares = np.full(n_features, float(whole))
        shares[:extra] += 1.0
        return shares
    return np.full(n_features, base / n_features)


def _same_features(
    name: str, reference: Mapping[str, object], other_name: str, other: Mapping[str, object]
) -> None:
    unknown = sorted(set(other) - set(reference))
    if unknown:
        raise ConfigError(f"{other_name} names unknown features (not in {name}): {unknown}")
    missing = sorted(set(reference) - set(other))
    if missing:
        raise ConfigError(f"{other_name} lacks features that {name} has: {missing}")


def _bin_labels(feature: str, labels: Sequence[str]) -> tuple[str, ...]:
    if isinstance(labels, str) or not all(isinstance(label, str) for label in labels):
        raise ConfigError(f"the bin labels of {feature!r} must be a sequence of strings")
    result = tuple(labels)
    if not result:
        raise ConfigError(f"feature {feature!r} has no bins")
    if len(set(result)) != len(result):
        raise ConfigError(f"feature {feature!r} has duplicate bin labels")
    return result


def _floats(values: object, what: str) -> FloatArray:
    raw = np.asarray(values)
    if raw.dtype.kind not in "iuf":
        raise ConfigError(f"{what} must be numbers, got dtype {raw.dtype}")
    return raw.astype(np.float64)


def _finite(values: FloatArray, what: str) -> FloatArray:
    bad = ~np.isfinite(values)
    if bad.any():
        raise ConfigError(f"{what}: {int(bad.sum())} values are NaN or infinite")
    return values


def _finite_number(value: float, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ConfigError(f"{what} must be a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number):
        raise ConfigError(f"{what} must be finite")
    return number


def _check_scaling(scaling: Scaling) -> None:
    if not isinstance(scaling, Scaling):
        raise ConfigError(f"scaling must be a Scaling, got {type(scaling).__name__}")
