"""The messages of the SecureBoost protocol, and their checks on receipt.

Every message a party receives goes through one of these readers, which raise
:class:`ProtocolError` (naming the peer) for anything the protocol does not allow: a missing
key, a wrong type, dtype or shape, an index out of range. What each message means and when it
is sent is documented in :mod:`.secureboost`; the readers only check form and ranges.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from confide.errors import ProtocolError

__all__ = [
    "read_array",
    "read_dict",
    "read_int",
]


def read_dict(peer: str, what: str, value: object, keys: set[str]) -> dict[str, Any]:
    """``value`` as a dict with exactly ``keys``."""
    if not isinstance(value, dict) or set(value) != keys:
        got = sorted(value) if isinstance(value, dict) else type(value).__name__
        raise ProtocolError(
            f"{peer!r} sent a malformed {what}: expected keys {sorted(keys)}, got {got}"
        )
    return value


def read_int(peer: str, what: str, value: object, low: int, high: int) -> int:
    """``value`` as an int in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ProtocolError(f"{peer!r} sent {what} {value!r}, expected an int in [{low}, {high}]")
    return value


def read_array(
    peer: str,
    what: str,
    value: object,
    *,
    kind: str,
    ndim: int,
    shape: tuple[int | None, ...] | None = None,
    low: int | None = None,
    high: int | None = None,
) -> npt.NDArray[Any]:
    """``value`` as an array of dtype kind ``kind`` (``"i"`` accepts signed and unsigned
    integers, ``"b"`` booleans), ``ndim`` dimensions, ``shape`` (None for any size) and, for
    integers, values in ``[low, high]``."""
    if not isinstance(value, np.ndarray) or value.ndim != ndim:
        raise ProtocolError(f"{peer!r} sent {what} that is not a {ndim}-d array")
    kinds = "iu" if kind == "i" else kind
    if value.size and value.dtype.kind not in kinds:
        raise ProtocolError(f"{peer!r} sent {what} of dtype {value.dtype}")
    if shape is not None and any(
        want is not None and got != want for got, want in zip(value.shape, shape, strict=True)
    ):
        raise ProtocolError(f"{peer!r} sent {what} of shape {value.shape}, expected {shape}")
    if value.size and low is not None and int(value.min()) < low:
        raise ProtocolError(f"{peer!r} sent {what} with a value below {low}")
    if value.size and high is not None and int(value.max()) > high:
        raise ProtocolError(f"{peer!r} sent {what} with a value above {high}")
    if kind == "i":
        return value.astype(np.int64, copy=False)
    if kind == "b":
        return value.astype(bool, copy=False)
    return value
