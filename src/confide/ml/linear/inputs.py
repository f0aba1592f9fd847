"""Checking each party's inputs and agreeing on the public shape of the job, before any secret.

Every party (the dealer included) checks what it was given locally, then all exchange one
*hello*: their row and column counts, the problems they found (sentences without data values),
their settings as canonical JSON and, from the label holder, the seed of the row plan. Each
party then reaches the same verdict from the same messages, so a bad input raises the same
:class:`~confide.errors.ConfigError` on every party, before any data is shared:

- features: a 2-d numeric array at each data party (``(n, 0)`` for a party that holds no
  columns, such as a bank that brings only labels: allowed), ``None`` at the dealer; NaN or
  infinite values are refused (impute first), and so are values too large for the fixed-point
  range (:func:`feature_limit`: scale first);
- labels: a 1-d array of 0/1 at the label holder only, as many as its rows, both classes
  present;
- the same number of rows at every data party, and the same settings everywhere.

What the hello discloses is public by design: row and column counts (shapes, which the MPC
engine discloses anyway) and the settings.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError, ProtocolError
from confide.mpc import MPC

__all__ = ["FitInputs", "Layout", "check_fit_inputs", "check_predict_inputs", "feature_limit"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_INT_KEYS = ("rows", "cols", "seed")
_HELLO_KEYS = {*_INT_KEYS, "problems", "params"}


@dataclass(frozen=True)
class Layout:
    """The public shape of a model: data parties in engine order, their columns, the rows.

    The weight vector lists each data party's coefficients in that order, then the intercept
    (when fitted).
    """

    parties: tuple[str, ...]
    columns: tuple[int, ...]
    n_rows: int
    label_holder: str
    fit_intercept: bool

    @property
    def n_features(self) -> int:
        return sum(self.columns)

    @property
    def n_weights(self) -> int:
        return self.n_features + int(self.fit_intercept)

    @property
    def by_party(self) -> dict[str, int]:
        return dict(zip(self.parties, self.columns, strict=True))

    def span(self, party: str) -> slice:
        """The positions of ``party``'s coefficients in the weight vector."""
        k = self.parties.index(party)
        start = sum(self.columns[:k])
        return slice(start, start + self.columns[k])


@dataclass(frozen=True)
class FitInputs:
    """This party's checked inputs and the agreed layout and plan seed."""

    layout: Layout
    features: FloatArray | None
    labels: IntArray | None
    seed: int


def check_fit_inputs(
    mpc: MPC,
    label_holder: str,
    X: Any,
    y: Any,
    *,
    params_text: str,
    params_problem: str | None,
    fit_intercept: bool,
    random_state: int | None,
    limit: float,
) -> FitInputs:
    """Check this party's ``X`` and ``y``, exchange the hello, and agree (module docstring).

    ``limit`` bounds the features' magnitude (see :func:`feature_limit`)."""
    me = mpc.ctx.party
    problems = [params_problem] if params_problem else []
    features, feature_problems = _features(X, holds_data=mpc.holds_shares, limit=limit)
    problems += feature_problems
    labels: IntArray | None = None
    if me == label_holder:
        labels, label_problems = _labels(y, None if features is None else len(features))
        problems += label_problems
    elif y is not None:
        problems.append(f"labels are given here, but {label_holder!r} holds the labels")
    seed = random_state if random_state is not None else secrets.randbelow(2**62)
    hellos = _hello(mpc, features, problems, params_text, seed)
    layout = _agree(mpc, hellos, "fit", label_holder=label_holder, fit_intercept=fit_intercept)
    if layout.n_weights == 0:
        raise ConfigError("no party holds features and there is no intercept: nothing to fit")
    return FitInputs(layout, features, labels, hellos[label_holder]["seed"])


def check_predict_inputs(mpc: MPC, layout: Layout, X: Any) -> tuple[int, FloatArray | None]:
    """Check this party's ``X`` for prediction against the model's columns; agree on the rows."""
    limit = feature_limit(mpc.frac_bits, 1)
    features, problems = _features(X, holds_data=mpc.holds_shares, limit=limit)
    hellos = _hello(mpc, features, problems, "", 0)
    found = _agree(mpc, hellos, "predict", label_holder=layout.label_holder, fit_intercept=False)
    if found.columns != layout.columns:
        raise ConfigError(
            f"the model was fitted on columns {layout.by_party}, prediction got {found.by_party}"
        )
    return found.n_rows, features


def feature_limit(frac_bits: int, batch_size: int) -> float:
    """The largest feature magnitude training takes: a batch's raw gradient ``X_b^T e``
    (``|e| <= 1``) carries ``2 frac_bits`` fractional bits and must stay below 2^62, the exact
    range of truncation: ``2^(62 - 2 frac_bits) / batch_size`` (65,536 for 18 bits and batches
    of 1024). Scale or bin larger features first."""
    return 2.0 ** (62 - 2 * frac_bits) / batch_size


def _features(X: Any, *, holds_data: bool, limit: float) -> tuple[FloatArray | None, list[str]]:
    if not holds_data:
        if X is not None:
            return None, ["the dealer holds no data: pass X=None"]
        return None, []
    if X is None:
        return None, ["pass this party's features as an (n, d) array ((n, 0) if it has none)"]
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        return None, ["the features must be numeric"]
    if array.ndim != 2:
        return None, [f"the features must be a 2-d array, not {array.ndim}-d"]
    if not np.all(np.isfinite(array)):
        return None, ["the features hold NaN or infinite values (impute them first)"]
    if array.size and float(np.max(np.abs(array))) >= limit:
        return None, [f"the features must stay below {limit:g} in magnitude (scale them first)"]
    return np.ascontiguousarray(array), []


def _labels(y: Any, rows: int | None) -> tuple[IntArray | None, list[str]]:
    if y is None:
        return None, ["the label holder must pass the labels y"]
    try:
        array = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        return None, ["the labels must be numeric 0/1"]
    if array.ndim != 1:
        return None, [f"the labels must be a 1-d array, not {array.ndim}-d"]
    if rows is not None and len(array) != rows:
        return None, [f"the label holder has {rows} rows of features but {len(array)} labels"]
    if not np.all((array == 0) | (array == 1)):
        return None, ["the labels must all be 0 or 1"]
    labels = array.astype(np.int64)
    if len(labels) and labels.min() == labels.max():
        return None, ["the labels hold a single class"]
    return labels, []


def _hello(
    mpc: MPC, features: FloatArray | None, problems: list[str], params: str, seed: int
) -> dict[str, dict[str, Any]]:
    ctx = mpc.ctx
    mine = {
        "rows": -1 if features is None else int(features.shape[0]),
        "cols": -1 if features is None else int(features.shape[1]),
        "problems": problems,
        "params": params,
        "seed": int(seed),
    }
    with ctx.scope("linear-hello"):
        ctx.broadcast("hello", mine)
        received = ctx.gather("hello")
    hellos = {ctx.party: mine}
    for peer, hello in received.items():
        hellos[peer] = _check_hello(peer, hello)
    return hellos


def _check_hello(peer: str, hello: object) -> dict[str, Any]:
    if not isinstance(hello, dict) or set(hello) != _HELLO_KEYS:
        raise ProtocolError(f"{peer!r} sent a malformed hello")
    ints = all(isinstance(hello[k], int) and not isinstance(hello[k], bool) for k in _INT_KEYS)
    texts = isinstance(hello["problems"], list) and all(
        isinstance(p, str) for p in hello["problems"]
    )
    if not ints or not texts or not isinstance(hello["params"], str):
        raise ProtocolError(f"{peer!r} sent a malformed hello")
    return hello


def _agree(
    mpc: MPC,
    hellos: Mapping[str, Mapping[str, Any]],
    action: str,
    *,
    label_holder: str,
    fit_intercept: bool,
) -> Layout:
    """The same verdict on every party: a layout, or one ``ConfigError`` listing every problem."""
    problems = [f"{p}: {text}" for p in mpc.ctx.parties for text in hellos[p]["problems"]]
    if label_holder not in mpc.parties:
        problems.append(f"the label holder {label_holder!r} is not a data party of the engine")
    if len({hellos[p]["params"] for p in mpc.ctx.parties}) > 1:
        problems.append("the parties passed different settings")
    rows = {p: hellos[p]["rows"] for p in mpc.parties}
    if not problems and len(set(rows.values())) > 1:
        listed = ", ".join(f"{p} {n}" for p, n in rows.items())
        problems.append(f"the data parties hold different numbers of rows ({listed})")
    if problems:
        raise ConfigError(f"secure logistic regression cannot {action}: " + "; ".join(problems))
    columns = tuple(int(hellos[p]["cols"]) for p in mpc.parties)
    n_rows = int(rows[mpc.parties[0]])
    return Layout(mpc.parties, columns, n_rows, label_holder, fit_intercept)
