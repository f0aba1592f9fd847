"""Module-level job functions for ``confide.launch`` (one process per party) and ``simulate``.

A launched party process imports its function by name, so jobs must live at module level.
:func:`fit_predict_job` builds the engine, fits :class:`SecureLogisticRegression` on the
party's columns, times the fit after a barrier (so process start-up and connection set-up are
not counted) and scores the test rows at the label holder. Its input, per party (wire values
only)::

    {"protocol": "semi2k" | "aby3", "label_holder": str, "settings": {...},
     "X": array | None, "y": array | None, "X_test": array | None}

and it returns ``{"fit_seconds", "predict_seconds", "proba", "coef", "intercept", "history",
"n_iter", "stats"}`` (``proba`` at the label holder, ``None`` elsewhere).
"""

from __future__ import annotations

import time
from typing import Any

from confide.errors import ConfigError
from confide.ml.linear.estimator import SecureLogisticRegression
from confide.mpc import MPC, Aby3, Semi2k, TrustedDealer
from confide.runtime.context import Context

__all__ = ["PROTOCOLS", "engine", "fit_predict_job"]

#: The engines a job can ask for by name.
PROTOCOLS = ("semi2k", "aby3")


def engine(ctx: Context, protocol: str) -> MPC:
    """semi2k with a trusted dealer (the job's compute helper), or aby3 for three parties."""
    if protocol == "semi2k":
        return MPC(ctx, Semi2k(), TrustedDealer())
    if protocol == "aby3":
        return MPC(ctx, Aby3())
    raise ConfigError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")


def fit_predict_job(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    """Fit on this party's columns and predict the test rows (module docstring)."""
    mpc = engine(ctx, spec["protocol"])
    model = SecureLogisticRegression(
        mpc, label_holder=spec["label_holder"], **spec.get("settings", {})
    )
    _barrier(ctx)
    start = time.perf_counter()
    model.fit(spec.get("X"), spec.get("y"))
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    proba = model.predict_proba(spec.get("X_test"))
    predict_seconds = time.perf_counter() - start
    return {
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "proba": proba,
        "coef": getattr(model, "coef_", None),
        "intercept": getattr(model, "intercept_", None),
        "history": model.history_,
        "n_iter": model.n_iter_,
        "stats": model.stats_,
    }


def _barrier(ctx: Context) -> None:
    """Every party waits until every other party got here."""
    with ctx.scope("linear-barrier"):
        ctx.broadcast("here", True)
        ctx.gather("here")
