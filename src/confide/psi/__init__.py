"""Private set intersection and alignment: find the customers parties share, line up their rows.

Every party runs the same call on its own keys (SPMD)::

    result = psi.intersect(ctx, df["ID"])                      # PsiResult: rows, size, ...
    table = psi.align(ctx, df, "ID", receivers=["bank", "platform"])   # DataFrame, or None

:func:`intersect` reads, checks and hashes the keys (:func:`~confide.psi.keys.hash_keys`: strings,
integers or bytes; null, float, boolean, mixed or repeated keys are refused unless allowed) and
runs a protocol: ``"ecdh"`` is Diffie-Hellman PSI over X25519, for two parties
(:mod:`confide.psi.ecdh`) or three and more (:mod:`confide.psi.ecdh_nparty`); ``"kkrt"`` is the
fast path for two parties, an OPRF from OT extension (:mod:`confide.psi.kkrt_psi` over
:mod:`confide.psi.kkrt`). Every receiver gets
its own rows of the intersection in one order agreed by all, so that row ``i`` is the same
customer everywhere; :func:`align` cuts a DataFrame to that order (or keeps the other rows after
it, flagged, with ``how="left"``). What each party learns is listed by :func:`disclosure` and in
each protocol module's docstring.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import Any, Literal

import pandas as pd

from confide.errors import ConfigError
from confide.psi import ecdh, ecdh_nparty, kkrt_psi
from confide.psi.align import FLAG_COLUMN, PsiResult, agreed_order, aligned_frame, aligned_rows
from confide.psi.keys import (
    HashedKeys,
    KeyKind,
    KeyOptions,
    Progress,
    digest_keys,
    hash_keys,
    participants,
)
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = [
    "FLAG_COLUMN",
    "HashedKeys",
    "KeyKind",
    "KeyOptions",
    "Progress",
    "Protocol",
    "PsiResult",
    "agreed_order",
    "align",
    "aligned_frame",
    "aligned_rows",
    "digest_keys",
    "disclosure",
    "hash_keys",
    "intersect",
]


class Protocol(str, Enum):
    """The PSI protocols :func:`intersect` can run."""

    ECDH = "ecdh"
    KKRT = "kkrt"


def _protocol(name: Protocol | str) -> Protocol:
    try:
        return Protocol(name)
    except ValueError as exc:
        choices = ", ".join(repr(p.value) for p in Protocol)
        raise ConfigError(f"unknown PSI protocol {name!r}; choose one of {choices}") from exc


def disclosure(
    protocol: Protocol | str = Protocol.ECDH, parties: int = 2
) -> tuple[Disclosure, ...]:
    """What each party learns from :func:`intersect` (and :func:`align`) with this many parties."""
    chosen = _protocol(protocol)
    if parties < 2:
        raise ConfigError(f"a PSI needs at least two parties, got {parties}")
    if chosen is Protocol.KKRT:
        if parties != 2:
            raise ConfigError(f"KKRT PSI is for exactly two parties, got {parties}")
        return kkrt_psi.DISCLOSURE
    return ecdh.DISCLOSURE if parties == 2 else ecdh_nparty.DISCLOSURE


def intersect(
    ctx: Context,
    keys: Iterable[Any],
    *,
    receivers: Iterable[str] | None = None,
    protocol: Protocol | str = Protocol.ECDH,
    parties: Iterable[str] | None = None,
    reveal_size: bool = False,
    options: KeyOptions | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> PsiResult:
    """Intersect this party's ``keys`` with every other PSI party's; run by all of them.

    ``receivers``: the parties that get the intersection (default: all). ``parties``: who takes
    part (default: every party of the job). ``reveal_size``: non-receivers learn the
    intersection's size. ``options``: how keys are read (:class:`KeyOptions`: Unicode form,
    ``strip``, ``casefold``, ``allow_mixed``, ``dedupe``). ``workers``: processes for curve work
    (default: every core). ``progress(stage, done, total)`` is called as work advances.
    Every party must pass the same ``receivers``, ``parties``, ``protocol``, ``reveal_size`` and
    key encoding options; the first round checks it.

    Protocols, and what each party learns (:func:`disclosure` lists it; every party learns
    every party's number of keys and their kind in either):

    - ``"ecdh"``, two parties: X25519 Diffie-Hellman PSI, ``2 (|X| + |Y|)`` scalar
      multiplications in all. A receiver learns which of its keys the other holds; a party that
      does not receive sees only the receiver's keys under the receiver's secret scalar and
      learns nothing about the intersection (its size with ``reveal_size``). Rows come in the
      order of a value both sides derive from the key and both fresh scalars.
    - ``"ecdh"``, three or more parties: the leader (first receiver) learns the intersection
      and no partial intersection; the comparator (the first other party) learns the sizes of
      the intersections of the other parties' sets, not which keys; other receivers learn the
      intersection (see :mod:`confide.psi.ecdh_nparty`).
    - ``"kkrt"``, two parties only: OPRF from OT extension, symmetric crypto after 128 base
      OTs, several times faster than ECDH. What each party learns is the same as for two-party
      ``"ecdh"``. With both receiving, rows come in the order of the matched OPRF values
      (pseudo-random, the same at both); a lone receiver gets its rows in its input order.
    """
    chosen = _protocol(protocol)
    group, receiving = participants(ctx, parties, receivers)
    hashed = hash_keys(keys, options, progress=progress)
    common: dict[str, Any] = {
        "parties": group,
        "receivers": receiving,
        "reveal_size": reveal_size,
        "workers": workers,
        "progress": progress,
    }
    if chosen is Protocol.KKRT:
        del common["workers"]  # KKRT's work is AES in numpy: one process
        return kkrt_psi.kkrt_psi(ctx, hashed, **common)
    if len(group) == 2:
        return ecdh.ecdh_psi(ctx, hashed, **common)
    return ecdh_nparty.ecdh_nparty_psi(ctx, hashed, **common)


def align(
    ctx: Context,
    frame: pd.DataFrame,
    id_column: str,
    *,
    how: Literal["inner", "left"] = "inner",
    flag_column: str = FLAG_COLUMN,
    receivers: Iterable[str] | None = None,
    protocol: Protocol | str = Protocol.ECDH,
    parties: Iterable[str] | None = None,
    reveal_size: bool = False,
    options: KeyOptions | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame | None:
    """Intersect on ``frame[id_column]`` and return this party's rows in the agreed order.

    A receiver gets its rows of the intersection (row ``i`` is the same customer at every
    receiver) with a fresh 0..n-1 index; with ``how="left"`` its other rows follow, and
    ``flag_column`` tells them apart. A party that does not receive gets ``None``. Other
    arguments as for :func:`intersect`.
    """
    if not isinstance(frame, pd.DataFrame):
        raise ConfigError(f"align needs a pandas DataFrame, got {type(frame).__name__}")
    if id_column not in frame.columns:
        raise ConfigError(f"the table has no column {id_column!r}")
    if how not in ("inner", "left"):
        raise ConfigError(f"how must be 'inner' or 'left', got {how!r}")
    result = intersect(
        ctx, frame[id_column], receivers=receivers, protocol=protocol, parties=parties,
        reveal_size=reveal_size, options=options, workers=workers, progress=progress,
    )  # fmt: skip
    if not result.received:
        return None
    return aligned_frame(frame, result, how=how, flag_column=flag_column)
