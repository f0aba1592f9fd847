"""How protocol messages carry share arrays: flat ring words, small arrays joined into one.

A protocol message is a list of flat ``uint64`` arrays (:mod:`confide.net.wire`). Each array
costs the wire format a header and a few Python calls at each end, which is what a round of
products on a thousand elements spends most of its time on; so arrays that are small together
(at most :data:`JOIN_WORDS` words) travel as one array, and the receiver, who knows the shapes
it expects, splits it again. Large arrays travel as they are (joining them would copy them).
Both sides decide from the shapes alone, so they always agree on the layout.

:func:`unpack` checks everything a peer sent (a list, of the right count of flat ``uint64``
arrays of the right sizes) and raises :class:`~confide.errors.ProtocolError` naming the peer,
never the values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from confide.errors import ProtocolError
from confide.mpc.encoding import RING_DTYPE

__all__ = ["JOIN_WORDS", "joined", "pack", "unpack", "unpack_joined"]

#: Arrays whose sizes add up to at most this many words travel joined as one array.
JOIN_WORDS = 1 << 15


def _joined(sizes: Sequence[int]) -> bool:
    return len(sizes) > 1 and sum(sizes) <= JOIN_WORDS


def joined(sizes: Sequence[int]) -> bool:
    """Whether arrays of ``sizes`` words travel joined as one array (see the module docstring)."""
    return _joined(sizes)


def _layout(sizes: Sequence[int]) -> list[int]:
    """The sizes of the arrays :func:`pack` makes of arrays of ``sizes`` words."""
    return [sum(sizes)] if _joined(sizes) else list(sizes)


def pack(arrays: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The message for ``arrays`` (any shapes): their flat words, joined if small."""
    flat = [np.ascontiguousarray(a).reshape(-1) for a in arrays]
    if _joined([a.size for a in flat]):
        return [np.concatenate(flat)]
    return flat


def unpack(peer: str, got: object, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """The arrays of ``shapes`` in a message from ``peer`` made by :func:`pack`."""
    sizes = [math.prod(shape) for shape in shapes]
    joined = _joined(sizes)
    expected = _layout(sizes)
    if not isinstance(got, list) or len(got) != len(expected):
        raise ProtocolError(f"{peer!r} sent {type(got).__name__} instead of {len(expected)} arrays")
    for value, size in zip(got, expected, strict=True):
        if not isinstance(value, np.ndarray) or value.dtype != RING_DTYPE or value.shape != (size,):
            raise ProtocolError(f"{peer!r} sent a message that is not {size} ring words")
    if not joined:
        return [value.reshape(shape) for value, shape in zip(got, shapes, strict=True)]
    out = []
    start = 0
    for size, shape in zip(sizes, shapes, strict=True):
        out.append(got[0][start : start + size].reshape(shape))
        start += size
    return out


def unpack_joined(peer: str, got: object, size: int) -> np.ndarray:
    """The one flat array of ``size`` words in a message from ``peer`` that :func:`pack` made of
    arrays travelling joined (see :func:`joined`), unsplit."""
    if not isinstance(got, list) or len(got) != 1:
        raise ProtocolError(f"{peer!r} sent {type(got).__name__} instead of 1 array")
    (value,) = got
    if not isinstance(value, np.ndarray) or value.dtype != RING_DTYPE or value.shape != (size,):
        raise ProtocolError(f"{peer!r} sent a message that is not {size} ring words")
    return value
