"""What every vertical job over a bank and its partners starts with: agree, load, align, split.

The credit scorecard (:mod:`confide.jobs.credit.pipeline`) and the boosting job
(:mod:`confide.jobs.boost`) both begin the same way, on every party (SPMD):

1. **check** (:func:`check_parties`, :func:`agree_settings`): the context's parties are the
   settings' parties, and every party's settings have the same fingerprint;
2. **load** (:meth:`AlignedRows.load`): each data party reads its own table and checks it
   locally (columns named, never values: error texts travel to the other parties);
3. **psi** (:meth:`AlignedRows.align`): the data parties align their rows on the id column
   (:func:`confide.psi.align`), then every party puts the common rows in the order of their
   ids' PSI digests. The PSI's own order follows its fresh secret keys and changes from run to
   run; this one does not, so a ``split_seed`` picks the same customers and the training sees
   the rows in the same order every time;
4. **split** (:meth:`AlignedRows.split`): the label holder draws the train/test split (by
   ``split_seed``) and sends the test rows' positions to the feature owners (declared in
   :data:`SPLIT_DISCLOSURE`).

A job's entry reads this party's table from its inputs (:func:`party_table`) and checks that
exactly the data parties gave one (:func:`holds_data`); :func:`load_align_split` runs steps 2
to 4 as timed stages and records their sizes in the job's outcome. Each job's settings class
satisfies :class:`RowSettings`. Nothing in :class:`AlignedRows` leaves its party except the
split's positions.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from confide import psi
from confide.errors import ConfigError, ProtocolError
from confide.jobs.vertical.outcome import VerticalOutcome
from confide.jobs.vertical.stages import StageClock
from confide.jobs.vertical.tables import PartyTable, feature_columns, labels_of, read_table
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = [
    "SPLIT_DISCLOSURE",
    "AlignedRows",
    "RowSettings",
    "agree_settings",
    "check_parties",
    "digest_order",
    "draw_test_rows",
    "holds_data",
    "load_align_split",
    "needed",
    "party_table",
    "wire_ids",
]

T = TypeVar("T")

SPLIT_DISCLOSURE = Disclosure(
    "the feature owners",
    "which aligned rows are test rows (positions only)",
    "the label holder draws the split without looking at any value and sends the positions",
)


class RowSettings(Protocol):
    """What the shared steps read of a job's settings (both jobs' settings classes have it)."""

    @property
    def label_holder(self) -> str: ...
    @property
    def feature_owners(self) -> tuple[str, ...]: ...
    @property
    def id_column(self) -> str: ...
    @property
    def label_column(self) -> str: ...
    @property
    def test_fraction(self) -> float: ...
    @property
    def split_seed(self) -> int | None: ...
    @property
    def data_parties(self) -> tuple[str, ...]: ...
    @property
    def parties(self) -> tuple[str, ...]: ...
    @property
    def psi(self) -> str: ...
    def fingerprint(self) -> str: ...


def needed(value: T | None, what: str) -> T:
    """``value``, or a :class:`ProtocolError` saying the job reached a step without it."""
    if value is None:
        raise ProtocolError(f"the job reached a step without {what}")
    return value


def check_parties(ctx: Context, settings: RowSettings) -> None:
    """:class:`ConfigError` unless the context's parties are the settings' parties."""
    if set(ctx.parties) != set(settings.parties):
        raise ConfigError(
            f"the job's parties {sorted(ctx.parties)} are not the settings' "
            f"{sorted(settings.parties)}"
        )


def party_table(inputs: Mapping[str, Any]) -> PartyTable | None:
    """This party's table from a job's ``inputs`` (``{"settings": ..., "table": ...}``)."""
    raw_table = inputs.get("table")
    return PartyTable.from_dict(raw_table) if raw_table is not None else None


def holds_data(
    ctx: Context,
    settings: RowSettings,
    table: PartyTable | None,
    frame: pd.DataFrame | None,
) -> bool:
    """Whether this party holds data in the job, once the parties are checked
    (:func:`check_parties`); a data party must give its table, any other none."""
    check_parties(ctx, settings)
    me = ctx.party
    is_data = me in settings.data_parties
    if is_data and table is None and frame is None:
        raise ConfigError(f"{me!r} is a data party of the job and must give its table")
    if not is_data and (table is not None or frame is not None):
        raise ConfigError(f"{me!r} holds no data in this job and must not give a table")
    return is_data


def agree_settings(ctx: Context, settings: RowSettings) -> None:
    """Every party sends its settings' fingerprint to every other; any difference stops all."""
    mine = settings.fingerprint()
    ctx.broadcast("settings", mine)
    differ = sorted(p for p, theirs in ctx.gather("settings").items() if theirs != mine)
    if differ:
        raise ConfigError(f"parties {differ} run the job with other settings")


def wire_ids(ids: np.ndarray) -> np.ndarray | list[str]:
    """Ids as a wire value: int64 for integer ids, a list of strings otherwise."""
    if ids.dtype.kind in "iub":
        return ids.astype(np.int64)
    return [str(v) for v in ids]


def digest_order(ids: pd.Series) -> npt.NDArray[np.intp]:
    """The positions of ``ids`` in the order of their PSI digests.

    Every data party holds the same ids after the PSI; their digests (the PSI's canonical form
    of a key, whatever its dtype at each party) sort them the same way everywhere, and the same
    way from run to run, unlike the PSI's own order (which follows its fresh secret keys).
    """
    digests = psi.digest_keys(ids)
    return np.lexsort(digests[:, ::-1].T)


def draw_test_rows(n: int, fraction: float, seed: int) -> npt.NDArray[np.bool_]:
    """Which of ``n`` rows are test rows: ``round(fraction * n)`` of them, drawn by ``seed``.

    numpy.random on purpose: the split is not secret (the owners are told the test positions,
    as declared in :data:`SPLIT_DISCLOSURE`); it only needs to be reproducible by seed.
    """
    order = np.random.default_rng(seed).permutation(n)
    test = np.zeros(n, dtype=bool)
    test[order[: round(fraction * n)]] = True
    return test


class AlignedRows:
    """One data party's own table through load, PSI and split (nothing here leaves the party)."""

    def __init__(self) -> None:
        self.frame: pd.DataFrame | None = None
        self.features: list[str] = []
        self.rows = 0
        self.intersection = 0
        self.test_mask = np.zeros(0, dtype=bool)
        self.train_labels: np.ndarray | None = None
        self.test_labels: np.ndarray | None = None

    @property
    def train_size(self) -> int:
        return int((~self.test_mask).sum())

    @property
    def test_size(self) -> int:
        return int(self.test_mask.sum())

    @property
    def table(self) -> pd.DataFrame:
        """This party's table (aligned once the PSI has run)."""
        return needed(self.frame, "this party's table")

    def load(
        self,
        settings: RowSettings,
        party: str,
        table: PartyTable | None,
        frame: pd.DataFrame | None,
    ) -> None:
        """Read this party's table (or take ``frame``) and check its columns and labels."""
        data = frame if frame is not None else read_table(table.path if table else "")
        is_bank = party == settings.label_holder
        label = settings.label_column if is_bank else None
        requested = table.features if table is not None else None
        self.features = feature_columns(data, settings.id_column, label, requested)
        if is_bank:
            labels_of(data, settings.label_column)  # refuse bad labels before any protocol
        elif settings.label_column in data.columns:
            raise ConfigError(
                f"{party!r} holds a column named like the label ({settings.label_column!r}): "
                "only the label holder may"
            )
        if data[settings.id_column].isna().any():
            raise ConfigError(f"the id column {settings.id_column!r} has missing values")
        self.frame = data
        self.rows = len(data)

    def align(self, ctx: Context, settings: RowSettings) -> None:
        """Keep the rows whose ids every data party holds, ordered by their ids' digests."""
        aligned = psi.align(
            ctx,
            self.table,
            settings.id_column,
            parties=settings.data_parties,
            receivers=settings.data_parties,
            protocol=settings.psi,
        )
        if aligned is None:
            raise ProtocolError("the PSI gave this data party no rows")
        if len(aligned) == 0:
            raise ConfigError("the data parties have no customer in common")
        order = digest_order(aligned[settings.id_column])
        self.frame = aligned.iloc[order].reset_index(drop=True)
        self.intersection = len(aligned)

    def split(self, ctx: Context, settings: RowSettings) -> None:
        """The label holder draws the test rows and tells the owners their positions."""
        n = self.intersection
        if ctx.party == settings.label_holder:
            seed = settings.split_seed
            if seed is None:
                seed = secrets.randbits(63)
            test = draw_test_rows(n, settings.test_fraction, seed)
            for owner in settings.feature_owners:
                ctx.send(owner, "split", test)
        else:
            received = ctx.recv(settings.label_holder, "split")
            if (
                not isinstance(received, np.ndarray)
                or received.dtype != np.bool_
                or received.shape != (n,)
            ):
                raise ProtocolError("the label holder sent a malformed train/test split")
            test = received
        if test.all() or not test.any():
            raise ConfigError("the split leaves no training or no test rows: too few customers")
        self.test_mask = test
        if ctx.party == settings.label_holder:
            labels = labels_of(self.table, settings.label_column)
            self.train_labels, self.test_labels = labels[~test], labels[test]
            if self.train_labels.min() == self.train_labels.max():
                raise ConfigError("the training rows hold one class only")

    def ids(self, id_column: str) -> tuple[np.ndarray | list[str], np.ndarray | list[str]]:
        """The aligned ids of the training rows and of the test rows, as wire values."""
        ids = self.table[id_column].to_numpy()
        return wire_ids(ids[~self.test_mask]), wire_ids(ids[self.test_mask])


def load_align_split(
    ctx: Context,
    settings: RowSettings,
    rows: AlignedRows,
    table: PartyTable | None,
    frame: pd.DataFrame | None,
    clock: StageClock,
    outcome: VerticalOutcome,
    *,
    encode: Callable[[AlignedRows], None] | None = None,
) -> None:
    """Steps 2 to 4 for this data party as the stages ``load``, ``psi`` and ``split``, their
    sizes into ``outcome``; ``encode(rows)`` runs in ``load`` once the table is read."""
    with clock.stage("load"):
        rows.load(settings, ctx.party, table, frame)
        if encode is not None:
            encode(rows)
        outcome.rows = rows.rows
    with clock.stage("psi"):
        rows.align(ctx, settings)
        outcome.intersection = rows.intersection
        clock.say("psi", f"{rows.intersection:,} customers in common")
    with clock.stage("split"):
        rows.split(ctx, settings)
        outcome.train_size, outcome.test_size = rows.train_size, rows.test_size
