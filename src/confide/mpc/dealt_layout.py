"""Where each share of a dealt batch of correlations lies in a party's PRG stream.

A party draws its shares of one batch (:mod:`confide.mpc.dealer`) as one stretch of its stream,
in three regions: the free components of 64-bit words (every request in order), the free
components of single bits (one byte each, the region padded to whole words), and, for every
party but the last, the determined components. The dealer draws every party's stretch too; with
the regions laid out alike for all parties it adds up (or XORs) the parties' free shares a region
at a time, and takes the non-last parties' determined shares off the determined values a region
at a time, instead of one small array at a time: on batches of a few thousand elements it is the
number of array operations, not their size, that costs.

The layout is a function of the requests alone, so every party and the dealer agree on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from confide.crypto.prg import PRG
from confide.mpc.correlations import Component, Correlation
from confide.mpc.encoding import RING_DTYPE
from confide.mpc.share import Kind
from confide.mpc.streams import fill

__all__ = ["BatchLayout", "Drawn", "Run", "combine_runs", "layout_of"]

_ONE_BYTE = np.uint8(1)
#: The stream's words are little-endian; on a little-endian machine they are ring words as is.
_WORDS = np.dtype("<u8")
_NATIVE = _WORDS == RING_DTYPE


@dataclass(frozen=True)
class Run:
    """Consecutive words ``[start, stop)`` of a region whose shares combine alike."""

    start: int
    stop: int
    kind: Kind


@dataclass(frozen=True)
class Drawn:
    """One party's stretch of its stream for a batch: the free words, the free bits (one byte
    each, padded) and the determined words (empty for the last party)."""

    words: np.ndarray
    bits: np.ndarray
    determined: np.ndarray


@dataclass(frozen=True)
class _Place:
    """Where one component lies: a region (``"words"``, ``"bits"``, ``"determined"``), the
    offset in its units (words or bytes), the size and shape."""

    region: str
    start: int
    size: int
    shape: tuple[int, ...]


def _runs(components: Sequence[Component]) -> list[Run]:
    """The runs of consecutive ``components`` of one kind, as word ranges."""
    runs: list[Run] = []
    start = 0
    for component in components:
        stop = start + component.size
        if runs and runs[-1].kind is component.kind:
            runs[-1] = Run(runs[-1].start, stop, component.kind)
        elif stop > start:
            runs.append(Run(start, stop, component.kind))
        start = stop
    return runs


class BatchLayout:
    """The regions of a batch of ``requests`` (see the module docstring); never changed once
    made, so layouts are shared (:func:`layout_of`)."""

    def __init__(self, requests: Sequence[Correlation]) -> None:
        word_components: list[Component] = []
        determined_components: list[Component] = []
        self._free: list[list[_Place]] = []
        self._determined: list[list[_Place]] = []
        words = bits = determined = 0
        for request in requests:
            free_places = []
            for component in request.free:
                size = component.size
                if component.bits == 64:
                    free_places.append(_Place("words", words, size, component.shape))
                    word_components.append(component)
                    words += size
                else:
                    free_places.append(_Place("bits", bits, size, component.shape))
                    bits += size
            self._free.append(free_places)
            places = []
            for component in request.determined:
                size = component.size
                places.append(_Place("determined", determined, size, component.shape))
                determined_components.append(component)
                determined += size
            self._determined.append(places)
        self.word_runs = tuple(_runs(word_components))
        self.determined_runs = tuple(_runs(determined_components))
        self.words = words
        self.bit_bytes = -(-bits // 8) * 8
        self.determined_words = determined
        #: The shapes of the determined components, in order (the corrections' message).
        self.determined_shapes = tuple(c.shape for c in determined_components)

    def draw(self, prg: PRG, *, determined: bool) -> Drawn:
        """This batch's stretch of ``prg``'s stream, with or without the determined region."""
        head = 8 * self.words + self.bit_bytes
        tail = 8 * self.determined_words if determined else 0
        buffer = np.empty(head + tail, dtype=np.uint8)
        fill(prg, buffer)
        words = buffer[: 8 * self.words].view(_WORDS)
        rest = buffer[head:].view(_WORDS)
        if not _NATIVE:
            words, rest = words.astype(RING_DTYPE), rest.astype(RING_DTYPE)
        return Drawn(words, buffer[8 * self.words : head], rest)

    def free(self, drawn: Drawn, request: int) -> tuple[np.ndarray, ...]:
        """The free components of request number ``request`` in ``drawn`` (words: views;
        bits: fresh 0/1 words)."""
        return tuple(self._array(drawn, place) for place in self._free[request])

    def determined(self, drawn: Drawn, request: int) -> tuple[np.ndarray, ...]:
        """The determined components of request number ``request`` in ``drawn`` (views)."""
        return tuple(self._array(drawn, place) for place in self._determined[request])

    def split_determined(self, flat: np.ndarray) -> list[np.ndarray]:
        """A flat array of the determined region, split into its components (views)."""
        out = []
        for places in self._determined:
            for place in places:
                out.append(flat[place.start : place.start + place.size].reshape(place.shape))
        return out

    @staticmethod
    def _array(drawn: Drawn, place: _Place) -> np.ndarray:
        stop = place.start + place.size
        if place.region == "bits":
            raw = drawn.bits[place.start : stop] & _ONE_BYTE
            bits: np.ndarray = raw.astype(RING_DTYPE).reshape(place.shape)
            return bits
        region = drawn.words if place.region == "words" else drawn.determined
        view: np.ndarray = region[place.start : stop].reshape(place.shape)
        return view


def layout_of(requests: Sequence[Correlation]) -> BatchLayout:
    """The layout of ``requests``; the same object for the same requests (programs deal the
    same batches round after round), unless a request cannot be hashed."""
    batch = tuple(requests)
    try:
        return _cached(batch)
    except TypeError:  # an unhashable request: lay it out afresh
        return BatchLayout(batch)


@lru_cache(maxsize=1024)
def _cached(requests: tuple[Correlation, ...]) -> BatchLayout:
    return BatchLayout(requests)


def combine_runs(
    total: np.ndarray, other: np.ndarray, runs: Sequence[Run], *, subtract: bool
) -> None:
    """``total`` updated in place with ``other`` run by run: XOR for boolean runs, else add
    (or subtract)."""
    arithmetic = np.subtract if subtract else np.add
    for run in runs:
        op = np.bitwise_xor if run.kind is Kind.BOOLEAN else arithmetic
        region = slice(run.start, run.stop)
        op(total[region], other[region], out=total[region])
