"""Step 1 of SecureBoost: every party checks its own input, tells the others, and all agree.

Before any data is touched, each party checks its table (and the label holder its labels),
then broadcasts its row and feature counts, its settings, the name of the label holder and any
error it found. Every party then raises the same kind of error if anything is off, so that a bad
input stops the job everywhere with a clear message: a :class:`ConfigError` for its own input,
a :class:`ProtocolError` naming the peer otherwise (missing labels, a party without features,
different row counts, different settings). One round, a few hundred bytes per party.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from confide.crypto.he import Scheme
from confide.errors import ConfigError, ProtocolError
from confide.ml.boost.inputs import FeatureTable, as_feature_table
from confide.ml.boost.messages import read_dict
from confide.ml.boost.objective import LabelEncoding, encode_labels
from confide.ml.boost.params import BoostParams
from confide.params import OU_KEY_BITS
from confide.runtime.context import Context

__all__ = ["KeySettings", "check_inputs"]


@dataclass(frozen=True)
class KeySettings:
    """The label holder's homomorphic key: its scheme (Okamoto-Uchiyama by default, the faster;
    or Paillier), its length, and whether a short test key is allowed (passive parties refuse a
    key below the floor unless they allow it too). ``ConfigError`` for an unknown scheme."""

    key_bits: int = OU_KEY_BITS
    allow_weak_key: bool = False
    scheme: Scheme = Scheme.OU

    def __post_init__(self) -> None:
        object.__setattr__(self, "scheme", Scheme.parse(self.scheme))


def check_inputs(
    ctx: Context,
    params: BoostParams,
    keys: KeySettings,
    label_holder: str,
    features: object,
    labels: object,
) -> tuple[FeatureTable, LabelEncoding | None, dict[str, dict[str, Any]]]:
    """Check the local input, tell everyone, and stop everywhere if anything is wrong."""
    error = ""
    table = FeatureTable(np.zeros((0, 0)), ())
    encoded = None
    try:
        if label_holder not in ctx.parties:
            raise ConfigError(
                f"the label holder {label_holder!r} is not a party of this job {list(ctx.parties)}"
            )
        if ctx.party == label_holder:
            if labels is None:
                raise ConfigError(f"labels are missing at the label holder {label_holder!r}")
            encoded = encode_labels(params.objective, labels)  # type: ignore[arg-type]
            n = len(encoded.values)
            table = (
                FeatureTable(np.zeros((n, 0)), ())
                if features is None
                else as_feature_table(features)
            )
            if table.n_rows != n:
                raise ConfigError(f"the features have {table.n_rows} rows, the labels {n}")
        else:
            if labels is not None:
                raise ConfigError(
                    f"{ctx.party!r} passed labels, but only the label holder "
                    f"{label_holder!r} holds them"
                )
            if features is None:
                raise ConfigError(f"{ctx.party!r} has no features")
            table = as_feature_table(features)
            if table.n_features == 0:
                raise ConfigError(f"{ctx.party!r} has no features (a table with no columns)")
        if table.n_rows < 2:
            raise ConfigError(f"{ctx.party!r} has {table.n_rows} rows; training needs at least 2")
    except (ConfigError, TypeError, ValueError) as exc:
        error = str(exc) or type(exc).__name__
    mine = {
        "label_holder": label_holder,
        "params": params.to_wire(),
        "keys": {
            "scheme": keys.scheme.value,
            "key_bits": keys.key_bits,
            "allow_weak_key": keys.allow_weak_key,
        },
        "rows": table.n_rows,
        "features": table.n_features,
        "groups": encoded.n_groups if encoded is not None else 0,
        "error": error,
    }
    ctx.broadcast("hello", mine)
    theirs = {
        peer: read_dict(peer, "hello", value, set(mine))
        for peer, value in ctx.gather("hello").items()
    }
    if error:
        raise ConfigError(error)
    for peer, hello in theirs.items():
        if hello["error"]:
            raise ProtocolError(f"{peer!r} cannot take part: {hello['error']}")
    for peer, hello in theirs.items():
        for key in ("label_holder", "params", "keys"):
            if hello[key] != mine[key]:
                raise ProtocolError(
                    f"{peer!r} has a different {key.replace('_', ' ')}: {hello[key]!r}, "
                    f"{ctx.party!r} has {mine[key]!r}"
                )
        if hello["rows"] != table.n_rows:
            raise ProtocolError(
                f"row counts differ: {ctx.party!r} has {table.n_rows} rows, {peer!r} has "
                f"{hello['rows']} (align the rows first, e.g. with PSI)"
            )
    return table, encoded, {ctx.party: mine, **theirs}
