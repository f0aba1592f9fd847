"""Vertical WOE and IV: per-bin event counts of every owner's features, without pooling the data.

After PSI alignment (:func:`confide.psi.align`) the data parties hold the same customers in the
same row order: the *label holder* (the bank) the labels and perhaps features, every other data
party (the platform, a partner) features only. Each owner has binned its own columns
(:mod:`confide.preprocessing.binning`). Every party of the job, a dealer included, calls::

    result = vertical_woe(mpc, bins, specs, labels, label_holder="bank")

Steps (every receive has the context's deadline; a bad message aborts the job on every party):

1. **Announce** (1 round). Every party broadcasts its row count, its feature names, their
   numbers of bins and the call's settings; owners send their bins' labels to the label holder
   and the receivers when ``share_bin_labels``. Every party checks the same announcements the
   same way, so row counts that differ between parties, a feature named twice, or settings that
   differ raise ``ProtocolError`` on every party, before any share is made.
2. **Label holder's own features**: counted in the clear, locally (it holds the labels).
3. **Other owners' features** (MPC; rounds: 1 + blocks x (owners + 1) + owners). The label
   holder inputs the labels ``y`` (an integer vector, once). Rows are taken in blocks of
   ``block_rows`` (default: about :data:`BLOCK_WORDS` bins x rows, so memory stays bounded;
   with fewer rows, one block): per block, each owner
   inputs the one-hot matrix of its bins transposed (its bins x rows, 0/1 integers), the
   owners' matrices are stacked, and one exact integer matmul ``onehot @ y`` (no truncation:
   integer shares have no fractional bits) adds the block's event counts of every feature at
   once; the row sums of the one-hot shares (local) add the bin totals. Counts are below 2^63,
   so they are exact in Z_2^64. Then one reveal per owner opens its features' event counts and
   bin totals to the owner, the label holder and the receivers; non-events = totals - events.
4. **IV** (1 round). The label holder computes every feature's WOE and IV from the counts
   (:func:`~confide.preprocessing.woe.woe_from_counts`, the plaintext twin's code) and
   broadcasts the IVs (and its own features' counts to the receivers). Owners check the IVs of
   their features against their own and raise ``ProtocolError`` if they differ.

Threat model: that of the MPC protocol (semi-honest; semi2k needs a dealer that colludes with no
data party, aby3 an honest majority of three). Bytes: the one-hot matrix dominates. Under semi2k
its input is free (seeded shares) and the matmul opens ``onehot - a``: 8 bytes per bin per row
from each data party to each other one. Under aby3 the owner sends 8 bytes per bin per row to
each other party and the matmul reshares only the counts. The labels add 8 bytes per row.

Minimum rows per bin, and what it protects. An owner learns the number of defaults in each of
its bins: for a bin of ``m`` rows that is the sum of ``m`` labels, which hides any one label
among ``m`` customers unless the bin is pure (no events, or only events): then every label in it
is known, inherent to publishing a WOE table. So every owner checks, before sending anything,
that each of its bins holds at least ``min_bin_rows`` aligned rows (``ConfigError`` otherwise:
refit the bins on the aligned rows), and the label holder checks the revealed totals again
(``ProtocolError``). It does not stop an owner who crafts two features whose bins differ by one
row and subtracts their counts: that is outside the semi-honest model, where owners bin their
data with :func:`~confide.preprocessing.binning.fit_bins`; the label holder sees every bin size
and may refuse a job whose bins look crafted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from confide.errors import ConfigError, ProtocolError
from confide.mpc.engine import MPC
from confide.mpc.share import Share
from confide.net.wire import Value
from confide.preprocessing.binning import BinSpec, resolve_min_rows
from confide.preprocessing.encode import DEFAULT_IV_THRESHOLD, select_by_iv
from confide.preprocessing.woe import (
    SMOOTHING,
    WoeTable,
    check_labels,
    count_events,
    table_from_counts,
)
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = ["BLOCK_WORDS", "DEFAULT_MIN_BIN_ROWS", "DISCLOSURE", "WoeResult", "vertical_woe"]

DISCLOSURE = (
    Disclosure(
        "every party (the dealer too)",
        "each party's row count, every feature's name, owner and number of bins",
        "public shapes: they fix the messages",
    ),
    Disclosure(
        "each feature owner",
        "the events and non-events per bin of its own features, hence their WOE and IV and the "
        "number of defaults among the aligned customers",
        "it needs the WOE values to transform its own column; bins of at least min_bin_rows "
        "rows hide single labels, except in pure bins",
    ),
    Disclosure(
        "the label holder and each receiver",
        "the events and non-events per bin of every feature, hence the bin sizes of every "
        "owner's features over the aligned customers; the bins' labels (edges, categories) "
        "only with share_bin_labels, else 'bin 0', 'bin 1', ...",
        "IV, the report and the scorecard need them; no party learns another's row-level bins",
    ),
    Disclosure(
        "every party (the dealer too)",
        "the IV of every feature",
        "so that every party selects the same features",
    ),
)

#: Elements (bins x rows) per block of the one-hot input when ``block_rows`` is not given: about
#: 16 MiB per ring array. Measured on 2 cores, 100,000 rows x 200 bins under semi2k: 7.2 s in one
#: block, 2.2 s in blocks of 20,000 rows, 1.3-1.6 s in blocks of 5,000-10,000 (page faults and
#: cache misses of the larger arrays); smaller blocks add rounds and save little more.
BLOCK_WORDS = 1 << 21
#: The default smallest bin the protocol lets any party but the label holder count: 1% of rows.
DEFAULT_MIN_BIN_ROWS = 0.01

_HEADER_KEYS = {"rows", "features", "n_bins", "settings"}

#: Relative difference allowed between an owner's IV and the label holder's (the same code on the
#: same integers gives the same float; this only absorbs another machine's libm).
_IV_RTOL = 1e-9


@dataclass(frozen=True)
class WoeResult:
    """What one party learned: the WOE tables it may see, every feature's IV and owner.

    ``tables`` holds the features this party owns, and every feature on the label holder and on
    receivers; ``iv`` and ``owners`` cover every feature of the job, in job order. ``rounds`` and
    ``bytes_sent`` count this party's communication rounds and bytes in the call.
    """

    tables: dict[str, WoeTable]
    iv: dict[str, float]
    owners: dict[str, str]
    rounds: int = 0
    bytes_sent: int = 0

    def selected(
        self, threshold: float = DEFAULT_IV_THRESHOLD, *, max_features: int | None = None
    ) -> list[str]:
        """Features with ``IV >= threshold``, strongest first (see :func:`select_by_iv`)."""
        return select_by_iv(self.iv, threshold, max_features=max_features)

    def features_of(self, party: str) -> list[str]:
        """The features ``party`` owns, in job order."""
        return [name for name, owner in self.owners.items() if owner == party]


def vertical_woe(
    mpc: MPC,
    bins: np.ndarray | None,
    specs: Mapping[str, BinSpec] | None,
    labels: np.ndarray | None,
    *,
    label_holder: str,
    receivers: Sequence[str] = (),
    share_bin_labels: bool = True,
    min_bin_rows: int | float = DEFAULT_MIN_BIN_ROWS,
    smoothing: float = SMOOTHING,
    block_rows: int | None = None,
) -> WoeResult:
    """Every feature's WOE table and IV, run by every party (module docstring for the steps).

    Each data party passes its aligned ``bins`` (rows x features, from ``assign_bins``) and
    ``specs``, or ``None`` for both if it has no features; only ``label_holder`` passes the
    0/1 ``labels``; the dealer passes ``None`` for all three. ``receivers`` also learn every
    table; ``min_bin_rows`` is the smallest bin counted under MPC (an int, or a share of the
    rows); ``smoothing`` goes to the WOE (``confide.preprocessing.woe``); ``block_rows`` is the
    rows per one-hot input (default: about ``BLOCK_WORDS`` elements per block). The keyword
    arguments must be the same on every party.
    """
    ctx = mpc.ctx
    settings = _settings(
        mpc, label_holder, receivers, share_bin_labels, min_bin_rows, smoothing, block_rows
    )
    mine = _local(mpc, bins, specs, labels, label_holder)
    rounds_before, bytes_before = mpc.rounds, mpc.bytes_sent
    with ctx.scope("vertical_woe"):
        header = {
            "rows": mine.rows,
            "features": list(mine.features),
            "n_bins": [s.n_bins for s in mine.specs],
            "settings": settings.wire(),
        }
        secure_owner = bool(mine.features) and ctx.party != label_holder
        if secure_owner:
            floor = resolve_min_rows(min_bin_rows, mine.rows)
            _check_bin_sizes(mine, floor)
        ctx.broadcast("header", header)
        if secure_owner and share_bin_labels:
            for peer in ctx.others:
                if settings.learns_all(peer):
                    ctx.send(peer, "bin_labels", [list(s.labels) for s in mine.specs])
        headers = {ctx.party: header, **ctx.gather("header")}
        plan = _plan(headers, ctx.parties, mpc.parties, settings)
        names = _bin_names(ctx, plan, mine, settings)
        tables = _own_tables(ctx.party, mine, settings)
        tables.update(_secure_tables(mpc, plan, mine, names, settings))
        iv = _share_iv(ctx, plan, tables, settings)
    rounds = 2 + mpc.rounds - rounds_before
    ordered = {name: tables[name] for name in plan.owners if name in tables}
    return WoeResult(ordered, iv, dict(plan.owners), rounds, mpc.bytes_sent - bytes_before)


# -- local checks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Local:
    """This party's validated inputs."""

    rows: int  # -1 for a party without rows (the dealer, or a data party without features)
    features: tuple[str, ...]
    specs: tuple[BinSpec, ...]
    bins: np.ndarray  # rows x features, int64 (0 columns without features)
    labels: np.ndarray | None  # int64 0/1, on the label holder


@dataclass(frozen=True)
class _Plan:
    """What every party agreed on from the announcements."""

    rows: int
    owners: dict[str, str]  # feature -> party, in job order
    n_bins: dict[str, int]
    secure: tuple[str, ...]  # owners other than the label holder, in job order


@dataclass(frozen=True)
class _Settings:
    """The call's public parameters, which every party announces and checks."""

    label_holder: str
    receivers: tuple[str, ...]
    share_bin_labels: bool
    min_bin_rows: int | float
    smoothing: float
    block_rows: int | None

    def wire(self) -> dict[str, Value]:
        """The settings as announced."""
        return {
            "label_holder": self.label_holder,
            "receivers": list(self.receivers),
            "share_bin_labels": self.share_bin_labels,
            "min_bin_rows": self.min_bin_rows,
            "smoothing": self.smoothing,
            "block_rows": self.block_rows,
        }

    def learns_all(self, party: str) -> bool:
        """Whether ``party`` learns every feature's table."""
        return party == self.label_holder or party in self.receivers


def _settings(
    mpc: MPC,
    label_holder: str,
    receivers: Sequence[str],
    share_bin_labels: bool,
    min_bin_rows: int | float,
    smoothing: float,
    block_rows: int | None,
) -> _Settings:
    """The call's public parameters, checked."""
    if label_holder not in mpc.parties:
        raise ConfigError(f"the label holder {label_holder!r} must be a data party of the engine")
    if isinstance(receivers, str):
        receivers = [receivers]
    unknown = [r for r in receivers if r not in mpc.ctx.parties]
    if unknown:
        raise ConfigError(f"receivers {unknown} are not parties of this job")
    if not isinstance(share_bin_labels, bool):
        raise ConfigError("share_bin_labels must be True or False")
    resolve_min_rows(min_bin_rows, 1)  # type and range
    if (
        isinstance(smoothing, bool)
        or not isinstance(smoothing, int | float)
        or not (np.isfinite(smoothing) and smoothing > 0)
    ):
        raise ConfigError(f"smoothing must be a finite number > 0, got {smoothing!r}")
    if block_rows is not None and (
        isinstance(block_rows, bool) or not isinstance(block_rows, int) or block_rows < 1
    ):
        raise ConfigError(f"block_rows must be a positive int or None, got {block_rows!r}")
    ordered = tuple(p for p in mpc.ctx.parties if p in set(receivers))
    return _Settings(
        label_holder, ordered, share_bin_labels, min_bin_rows, float(smoothing), block_rows
    )


def _local(
    mpc: MPC,
    bins: np.ndarray | None,
    specs: Mapping[str, BinSpec] | None,
    labels: np.ndarray | None,
    label_holder: str,
) -> _Local:
    party = mpc.ctx.party
    if not mpc.holds_shares and (bins is not None or specs is not None or labels is not None):
        raise ConfigError(f"{party!r} holds no shares: it passes None for bins, specs and labels")
    if party != label_holder and labels is not None:
        raise ConfigError(f"only the label holder {label_holder!r} passes labels")
    y = None
    if party == label_holder:
        if labels is None:
            raise ConfigError(f"the label holder {label_holder!r} must pass the labels")
        y = check_labels(labels)
    if (bins is None) != (specs is None):
        raise ConfigError("pass bins and specs together, or neither")
    if bins is None or specs is None:
        rows = len(y) if y is not None else -1
        return _Local(rows, (), (), np.zeros((max(rows, 0), 0), np.int64), y)
    spec_list = tuple(specs.values())
    for name, spec in specs.items():
        if not isinstance(spec, BinSpec) or spec.feature != name:
            raise ConfigError(f"specs[{name!r}] must be the BinSpec of feature {name!r}")
    matrix = np.asarray(bins)
    if matrix.ndim != 2 or matrix.shape[1] != len(spec_list) or matrix.dtype.kind not in "iu":
        raise ConfigError(
            f"bins must be an integer array of rows x {len(spec_list)} features, "
            f"got {matrix.dtype} of shape {matrix.shape}"
        )
    limits = np.array([s.n_bins for s in spec_list], dtype=np.int64)
    if ((matrix < 0) | (matrix >= limits)).any():
        raise ConfigError("bins hold indices outside their specs' bins")
    if y is not None and len(y) != matrix.shape[0]:
        raise ConfigError(f"the label holder has {len(y)} labels for {matrix.shape[0]} rows")
    return _Local(matrix.shape[0], tuple(specs), spec_list, matrix.astype(np.int64), y)


def _check_bin_sizes(mine: _Local, floor: int) -> None:
    """``ConfigError`` naming the first feature with a bin below ``floor`` aligned rows."""
    for j, spec in enumerate(mine.specs):
        if np.bincount(mine.bins[:, j], minlength=spec.n_bins).min() < floor:
            raise ConfigError(
                f"feature {spec.feature!r} has a bin with fewer than {floor} of the aligned "
                "rows (min_bin_rows): refit its bins on the aligned rows"
            )


# -- step 1: the announcements ---------------------------------------------------------------------


def _plan(
    headers: Mapping[str, object],
    parties: Sequence[str],
    data_parties: Sequence[str],
    settings: _Settings,
) -> _Plan:
    """Check every party's announcement the same way on every party; ``ProtocolError`` if bad."""
    rows: dict[str, int] = {}
    owners: dict[str, str] = {}
    n_bins: dict[str, int] = {}
    for party in parties:
        header = headers[party]
        if not isinstance(header, dict) or set(header) != _HEADER_KEYS:
            raise ProtocolError(f"{party!r} announced its part malformed")
        if header["settings"] != settings.wire():
            raise ProtocolError(f"{party!r} runs vertical_woe with other settings than this party")
        count, features, sizes = header["rows"], header["features"], header["n_bins"]
        if not _is_int(count) or count < -1:
            raise ProtocolError(f"{party!r} announced a malformed row count")
        if not isinstance(features, list) or not all(isinstance(f, str) and f for f in features):
            raise ProtocolError(f"{party!r} announced malformed feature names")
        if not isinstance(sizes, list) or len(sizes) != len(features):
            raise ProtocolError(f"{party!r} announced malformed numbers of bins")
        if not all(_is_int(k) and k >= 1 for k in sizes):
            raise ProtocolError(f"{party!r} announced malformed numbers of bins")
        if party not in data_parties and (count != -1 or features):
            raise ProtocolError(f"{party!r} holds no shares but announced data")
        if features and count < 0:
            raise ProtocolError(f"{party!r} announced features without rows")
        if party == settings.label_holder and count < 0:
            raise ProtocolError(f"the label holder {party!r} announced no rows")
        for name, k in zip(features, sizes, strict=True):
            if name in owners:
                raise ProtocolError(
                    f"feature {name!r} is announced by {owners[name]!r} and {party!r}"
                )
            owners[name], n_bins[name] = party, k
        if count >= 0:
            rows[party] = count
    if len(set(rows.values())) > 1:
        listed = ", ".join(f"{p}: {n}" for p, n in rows.items())
        raise ProtocolError(
            f"the parties hold different numbers of rows ({listed}): align them first"
        )
    n = rows[settings.label_holder]
    too_many = [name for name, k in n_bins.items() if k > n]
    if too_many:
        raise ProtocolError(f"the features {too_many} are announced with more bins than rows")
    secure = tuple(dict.fromkeys(p for p in owners.values() if p != settings.label_holder))
    return _Plan(n, owners, n_bins, secure)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _bin_names(
    ctx: Context, plan: _Plan, mine: _Local, settings: _Settings
) -> dict[str, tuple[str, ...]]:
    """The labels this party uses for every feature whose table it may learn."""
    names = {spec.feature: spec.labels for spec in mine.specs}
    if not settings.learns_all(ctx.party):
        return names
    for owner in plan.secure:
        if owner == ctx.party:
            continue
        features = [f for f, p in plan.owners.items() if p == owner]
        if settings.share_bin_labels:
            names.update(_read_labels(owner, ctx.recv(owner, "bin_labels"), features, plan))
        else:
            names.update({f: _generic_labels(plan.n_bins[f]) for f in features})
    return names


def _read_labels(
    owner: str, received: object, features: Sequence[str], plan: _Plan
) -> dict[str, tuple[str, ...]]:
    """Bin labels an owner sent, checked against the announced numbers of bins."""
    if not isinstance(received, list) or len(received) != len(features):
        raise ProtocolError(f"{owner!r} sent malformed bin labels")
    out = {}
    for name, labels in zip(features, received, strict=True):
        if (
            not isinstance(labels, list)
            or len(labels) != plan.n_bins[name]
            or not all(isinstance(label, str) for label in labels)
        ):
            raise ProtocolError(f"{owner!r} sent malformed bin labels for {name!r}")
        out[name] = tuple(labels)
    return out


def _generic_labels(n_bins: int) -> tuple[str, ...]:
    return tuple(f"bin {k}" for k in range(n_bins))


# -- step 2: the label holder's own features -------------------------------------------------------


def _own_tables(party: str, mine: _Local, settings: _Settings) -> dict[str, WoeTable]:
    """The label holder's tables of its own features, counted in the clear."""
    if party != settings.label_holder or mine.labels is None:
        return {}
    tables = {}
    for j, spec in enumerate(mine.specs):
        events, non_events = count_events(mine.bins[:, j], mine.labels, spec.n_bins)
        tables[spec.feature] = table_from_counts(
            spec.feature, party, spec.labels, events, non_events, settings.smoothing
        )
    return tables


# -- step 3: the other owners' features under MPC -------------------------------------------------


def _secure_tables(
    mpc: MPC,
    plan: _Plan,
    mine: _Local,
    names: Mapping[str, tuple[str, ...]],
    settings: _Settings,
) -> dict[str, WoeTable]:
    """Count every other owner's features under MPC; the tables this party may learn."""
    if not plan.secure:
        return {}
    events, totals = _secure_counts(mpc, plan, mine, settings)
    floor = resolve_min_rows(settings.min_bin_rows, plan.rows)
    tables: dict[str, WoeTable] = {}
    start = 0
    for owner in plan.secure:
        features = [f for f, p in plan.owners.items() if p == owner]
        width = sum(plan.n_bins[f] for f in features)
        to = [p for p in mpc.ctx.parties if p == owner or settings.learns_all(p)]
        opened = mpc.reveal_many([events[start : start + width], totals[start : start + width]], to)
        start += width
        if opened[0] is None or opened[1] is None:
            continue
        offset = 0
        for name in features:
            k = plan.n_bins[name]
            e, t = opened[0][offset : offset + k], opened[1][offset : offset + k]
            offset += k
            _check_counts(owner, name, e, t, plan.rows, floor)
            tables[name] = table_from_counts(name, owner, names[name], e, t - e, settings.smoothing)
    return tables


def _secure_counts(mpc: MPC, plan: _Plan, mine: _Local, settings: _Settings) -> tuple[Share, Share]:
    """Shares of the event counts and the totals of every secure owner's bins, stacked."""
    party = mpc.ctx.party
    label_holder = settings.label_holder
    widths = {
        owner: sum(k for f, k in plan.n_bins.items() if plan.owners[f] == owner)
        for owner in plan.secure
    }
    block = settings.block_rows or max(1, BLOCK_WORDS // sum(widths.values()))
    n = plan.rows
    y = mpc.input(label_holder, mine.labels if party == label_holder else None, shape=(n,))
    events: Share | None = None
    totals: Share | None = None
    for start in range(0, n, block):
        stop = min(n, start + block)
        parts = [
            mpc.input(
                owner,
                _one_hot(mine, start, stop) if party == owner else None,
                shape=(widths[owner], stop - start),
            )
            for owner in plan.secure
        ]
        onehot = parts[0] if len(parts) == 1 else mpc.concatenate(parts, axis=0)
        block_events = mpc.matmul(onehot, y[start:stop])
        block_totals = onehot.sum(axis=1)
        events = block_events if events is None else events + block_events
        totals = block_totals if totals is None else totals + block_totals
    if events is None or totals is None:  # no rows: the labels check forbids it
        raise ConfigError("there are no rows to count")
    return events, totals


def _one_hot(mine: _Local, start: int, stop: int) -> np.ndarray:
    """This owner's bins of rows ``start:stop`` as a 0/1 matrix: its bins x the rows."""
    sizes = np.array([s.n_bins for s in mine.specs], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    block = mine.bins[start:stop]
    onehot = np.zeros((int(sizes.sum()), stop - start), dtype=np.bool_)
    onehot[block + offsets, np.arange(stop - start)[:, None]] = True
    return onehot


def _check_counts(
    owner: str, name: str, events: np.ndarray, totals: np.ndarray, rows: int, floor: int
) -> None:
    """``ProtocolError`` unless the opened counts of one feature are consistent."""
    if totals.sum() != rows or (events < 0).any() or (events > totals).any():
        raise ProtocolError(f"the counts of {owner!r}'s feature {name!r} are inconsistent")
    if (totals < floor).any():
        raise ProtocolError(
            f"{owner!r}'s feature {name!r} has a bin with fewer than {floor} rows (min_bin_rows)"
        )


# -- step 4: the IVs -------------------------------------------------------------------------------


def _share_iv(
    ctx: Context, plan: _Plan, tables: dict[str, WoeTable], settings: _Settings
) -> dict[str, float]:
    """The label holder broadcasts every IV (and its own tables to receivers); owners check."""
    label_holder = settings.label_holder
    receivers = [r for r in settings.receivers if r != label_holder]
    own = [f for f, p in plan.owners.items() if p == label_holder]
    if ctx.party == label_holder:
        iv = {name: tables[name].iv for name in plan.owners}
        ctx.broadcast("iv", dict(iv))
        message = {
            "events": np.concatenate([np.zeros(0, np.int64), *(tables[f].events for f in own)]),
            "non_events": np.concatenate(
                [np.zeros(0, np.int64), *(tables[f].non_events for f in own)]
            ),
            "labels": [list(tables[f].labels) for f in own] if settings.share_bin_labels else [],
        }
        for peer in receivers:
            ctx.send(peer, "tables", message)
        return iv
    iv = _read_iv(label_holder, ctx.recv(label_holder, "iv"), plan)
    if ctx.party in receivers:
        tables.update(
            _read_tables(label_holder, ctx.recv(label_holder, "tables"), own, plan, settings)
        )
    for name, table in tables.items():
        if not np.isclose(iv[name], table.iv, rtol=_IV_RTOL, atol=0.0):
            raise ProtocolError(f"the label holder's IV of {name!r} differs from this party's")
    return iv


def _read_iv(sender: str, received: object, plan: _Plan) -> dict[str, float]:
    if not isinstance(received, dict) or list(received) != list(plan.owners):
        raise ProtocolError(f"{sender!r} sent malformed IVs")
    if not all(isinstance(v, float) and np.isfinite(v) and v >= 0 for v in received.values()):
        raise ProtocolError(f"{sender!r} sent malformed IVs")
    return {str(name): float(value) for name, value in received.items()}


def _read_tables(
    sender: str,
    received: object,
    features: Sequence[str],
    plan: _Plan,
    settings: _Settings,
) -> dict[str, WoeTable]:
    """The label holder's own tables, as a receiver gets them."""
    width = sum(plan.n_bins[f] for f in features)
    if not isinstance(received, dict) or set(received) != {"events", "non_events", "labels"}:
        raise ProtocolError(f"{sender!r} sent malformed tables")
    events, non_events = received["events"], received["non_events"]
    for counts in (events, non_events):
        if (
            not isinstance(counts, np.ndarray)
            or counts.dtype != np.int64
            or counts.shape != (width,)
        ):
            raise ProtocolError(f"{sender!r} sent malformed tables")
        if (counts < 0).any():
            raise ProtocolError(f"{sender!r} sent negative counts")
    names = (
        _read_labels(sender, received["labels"], features, plan)
        if settings.share_bin_labels
        else {f: _generic_labels(plan.n_bins[f]) for f in features}
    )
    tables = {}
    offset = 0
    for name in features:
        k = plan.n_bins[name]
        part = slice(offset, offset + k)
        offset += k
        if events[part].sum() + non_events[part].sum() != plan.rows:
            raise ProtocolError(f"{sender!r} sent inconsistent counts for {name!r}")
        tables[name] = table_from_counts(
            name, sender, names[name], events[part], non_events[part], settings.smoothing
        )
    return tables
