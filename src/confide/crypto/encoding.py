"""Numbers as Paillier plaintexts: signed integers, signed fixed point, and packed slots.

A Paillier plaintext is a residue modulo ``n``. Three encodings sit on top, each a pair of pure
functions kept apart from the encryption itself (as python-paillier keeps ``EncodedNumber`` apart
from ``EncryptedNumber``):

Signed integers
    ``v`` with ``|v| <= B``, ``B = n // 3 - 1``, is the residue ``v mod n``: a negative ``v``
    becomes ``n - |v|``. On the way back, a residue in ``[0, B]`` is positive, one in
    ``[n - B, n)`` is negative, and one in the middle third is an error: a sum or product
    overflowed, or the ciphertext was not an encryption of an encoded value. ``B`` is
    python-paillier's ``max_int``, so both libraries read each other's values alike.

Signed fixed point
    A real ``x`` is the integer ``round(x * 2**frac_bits)`` (ties to even); an integer input is
    scaled exactly. Adding two encodings with the same ``frac_bits`` adds the reals; multiplying
    an encoding by one with ``f`` fractional bits gives one with ``frac_bits + f``.

Packed slots (:class:`Packing`)
    Several signed integers side by side in one plaintext, each in a slot of ``slot_bits`` bits,
    so that one encryption, one ciphertext of bytes and one decryption carry ``slots`` values,
    and adding packed ciphertexts adds every slot at once. Slot width arithmetic, for inputs
    with ``|v| < 2**value_bits`` of which up to ``max_terms`` may be summed per slot::

        |sum| <= max_terms * (2**value_bits - 1) < 2**(value_bits + ceil(log2(max_terms)))
        slot_bits = value_bits + ceil(log2(max_terms)) + 1        (the + 1 is the sign)

    so every slot sum lies in ``[-2**(slot_bits - 1), 2**(slot_bits - 1))``. Slots are signed
    digits of base ``2**slot_bits`` (a balanced representation): the packed integer is
    ``M = sum_j s_j * 2**(j * slot_bits)``, the first value in the lowest slot. No offset is
    added, so a sum needs no count of its terms to be unpacked, and a negative slot simply
    borrows from the slot above, which :meth:`Packing.unpack` gives back. With
    ``t = slots * slot_bits`` total bits, ``|M| < 2**(t - 1)``; ``t <= n.bit_length() - 2``
    then keeps ``|M| < 2**(bits - 3) <= n // 3 - 1``, inside the signed range above.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from confide.errors import ConfigError, ProtocolError

__all__ = [
    "Packing",
    "decode_fixed",
    "encode_fixed",
    "from_residues",
    "integers",
    "is_float_input",
    "signed_bound",
    "to_residues",
]

_INT64_MAX = 2**63 - 1


def signed_bound(n: int) -> int:
    """The largest magnitude a signed plaintext modulo ``n`` may have: ``n // 3 - 1``."""
    return n // 3 - 1


def to_residues(values: Iterable[int], n: int) -> list[int]:
    """Signed integers as residues modulo ``n``; :class:`ConfigError` if one is out of range."""
    bound = signed_bound(n)
    out = []
    for v in values:
        if not -bound <= v <= bound:
            raise ConfigError(
                f"plaintext of {abs(v).bit_length()} bits is out of the signed range "
                f"|v| <= n // 3 - 1 of a {n.bit_length()}-bit key"
            )
        out.append(v % n)
    return out


def from_residues(residues: Iterable[int], n: int) -> list[int]:
    """Residues modulo ``n`` as signed integers.

    Raises :class:`ProtocolError` for a residue in the middle third ``(B, n - B)``:
    an overflow, or a ciphertext that was not an encryption of an encoded value.
    """
    bound = signed_bound(n)
    low = n - bound
    out = []
    for r in residues:
        if r <= bound:
            out.append(int(r))
        elif r >= low:
            out.append(int(r) - n)
        else:
            raise ProtocolError(
                "decrypted value is outside the signed range |v| < n / 3: an overflow in "
                "the homomorphic computation, or not an encryption of an encoded value"
            )
    return out


def encode_fixed(values: npt.ArrayLike, frac_bits: int) -> list[int]:
    """Values (any shape, flattened in C order) as signed integers scaled by ``2**frac_bits``.

    Integers (Python ints of any size, numpy integer or bool arrays) are scaled exactly; floats
    are rounded to the nearest multiple of ``2**-frac_bits`` (ties to even). Raises
    :class:`ConfigError` for NaN, infinities or a negative ``frac_bits``, and ``TypeError`` for
    values that are not numbers.
    """
    if isinstance(frac_bits, bool) or not isinstance(frac_bits, int) or frac_bits < 0:
        raise ConfigError(f"frac_bits must be an int >= 0, got {frac_bits!r}")
    array = values if isinstance(values, np.ndarray) else _as_array(values)
    kind = array.dtype.kind
    if kind in "iub":
        return [int(v) << frac_bits for v in array.ravel().tolist()]
    if kind == "f":
        return _encode_floats(array.astype(np.float64, copy=False).ravel(), frac_bits)
    if kind == "O":
        return [_encode_scalar(v, frac_bits) for v in array.ravel().tolist()]
    raise TypeError(f"cannot encode values of dtype {array.dtype} as Paillier plaintexts")


def integers(values: npt.ArrayLike) -> list[int]:
    """Integer values (any shape, flattened) as Python ints; ``TypeError`` for anything else."""
    array = values if isinstance(values, np.ndarray) else _as_array(values)
    kind = array.dtype.kind
    if kind in "iub":
        return [int(v) for v in array.ravel().tolist()]
    if kind == "O":
        flat = array.ravel().tolist()
        for v in flat:
            if not isinstance(v, (int, np.integer)):
                raise TypeError(f"expected integers, got a {type(v).__name__}")
        return [int(v) for v in flat]
    raise TypeError(f"expected integers, got values of dtype {array.dtype}")


def is_float_input(values: npt.ArrayLike) -> bool:
    """Whether ``values`` hold floats (and so need a fixed-point scale), not only integers."""
    array = values if isinstance(values, np.ndarray) else _as_array(values)
    kind = array.dtype.kind
    if kind == "O":
        return any(isinstance(v, (float, np.floating)) for v in array.ravel().tolist())
    return kind in "fc"


def _as_array(values: npt.ArrayLike) -> npt.NDArray[Any]:
    if isinstance(values, (list, tuple)) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in values
    ):
        # Python ints of any size: keep them exact (numpy would refuse or wrap big ones).
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return out
    return np.asarray(values)


def _encode_floats(array: npt.NDArray[np.float64], frac_bits: int) -> list[int]:
    if not np.all(np.isfinite(array)):
        raise ConfigError("cannot encode NaN or infinite values as fixed point")
    with np.errstate(over="ignore"):
        scaled = np.ldexp(array, frac_bits)  # exact: a power-of-two scale
    if not np.all(np.isfinite(scaled)):
        raise ConfigError(f"values too large for fixed point with {frac_bits} fractional bits")
    rounded = np.rint(scaled)
    if rounded.size and np.max(np.abs(rounded)) <= 2.0**62:
        return rounded.astype(np.int64).tolist()  # type: ignore[no-any-return]
    return [int(v) for v in rounded.tolist()]  # int(float) is exact


def _encode_scalar(v: object, frac_bits: int) -> int:
    if isinstance(v, (int, np.integer)):
        return int(v) << frac_bits
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if not math.isfinite(x):
            raise ConfigError("cannot encode NaN or infinite values as fixed point")
        return round(math.ldexp(x, frac_bits))
    raise TypeError(f"cannot encode a {type(v).__name__} as a Paillier plaintext")


def decode_fixed(ints: Sequence[int], frac_bits: int) -> npt.NDArray[np.float64]:
    """Signed integers scaled by ``2**frac_bits`` back to float64 (correctly rounded)."""
    if isinstance(frac_bits, bool) or not isinstance(frac_bits, int) or frac_bits < 0:
        raise ConfigError(f"frac_bits must be an int >= 0, got {frac_bits!r}")
    if all(-_INT64_MAX <= v <= _INT64_MAX for v in ints):
        # int64 -> float64 rounds once; the power-of-two scale is then exact.
        return np.ldexp(np.array(ints, dtype=np.int64).astype(np.float64), -frac_bits)
    scale = 1 << frac_bits
    try:
        return np.array([v / scale for v in ints], dtype=np.float64)
    except OverflowError as exc:
        raise ProtocolError("decoded value is too large for a float64") from exc


@dataclass(frozen=True)
class Packing:
    """A layout of ``slots`` signed values per plaintext, with room to add ``max_terms`` of them.

    Inputs must satisfy ``|v| < 2**value_bits``; after adding up to ``max_terms`` packed
    plaintexts (homomorphically), every slot still holds its exact sum. Build one with
    :meth:`fit` to get as many slots as a key holds. See the module docstring for the slot
    width arithmetic.
    """

    value_bits: int
    max_terms: int
    slots: int

    def __post_init__(self) -> None:
        for name in ("value_bits", "max_terms", "slots"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"Packing.{name} must be an int >= 1, got {v!r}")

    @property
    def slot_bits(self) -> int:
        """Width of one slot: ``value_bits + ceil(log2(max_terms)) + 1``."""
        return self.value_bits + (self.max_terms - 1).bit_length() + 1

    @property
    def total_bits(self) -> int:
        """Bits of a packed plaintext, ``slots * slot_bits``; the shift between stacked ones."""
        return self.slots * self.slot_bits

    @classmethod
    def fit(
        cls, value_bits: int, max_terms: int, key_bits: int, slots: int | None = None
    ) -> Packing:
        """The layout with as many slots as a ``key_bits``-bit modulus holds (or ``slots``).

        ``key_bits`` is ``public_key.bits``. Raises :class:`ConfigError` if not even one slot
        (or not ``slots`` slots) fits.
        """
        probe = cls(value_bits, max_terms, 1)
        capacity = (key_bits - 2) // probe.slot_bits
        wanted = capacity if slots is None else slots
        if capacity < 1 or wanted > capacity:
            raise ConfigError(
                f"{wanted if slots else 1} slot(s) of {probe.slot_bits} bits do not fit a "
                f"{key_bits}-bit key (at most {key_bits - 2} bits)"
            )
        return cls(value_bits, max_terms, wanted)

    def check(self, key_bits: int) -> None:
        """Raise :class:`ConfigError` unless packed sums fit a ``key_bits``-bit modulus."""
        if self.total_bits > key_bits - 2:
            raise ConfigError(
                f"{self.slots} slots of {self.slot_bits} bits need {self.total_bits} bits; "
                f"a {key_bits}-bit key holds {key_bits - 2}"
            )

    def stacked(self, count: int) -> Packing:
        """The layout of ``count`` packed plaintexts joined into one.

        :meth:`~confide.crypto.paillier.EncryptedArray.pack` with ``count`` and
        ``shift_bits=self.total_bits`` joins ciphertexts this way: ``count * slots`` slots of the
        same width, the first ciphertext's slots lowest.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ConfigError(f"count must be an int >= 1, got {count!r}")
        return Packing(self.value_bits, self.max_terms, self.slots * count)

    def pack(self, values: npt.ArrayLike) -> list[int]:
        """Signed integers (flattened) in consecutive groups of ``slots``, one int per group.

        The last group is padded with zeros. Raises :class:`ConfigError` for a value with
        ``|v| >= 2**value_bits`` and ``TypeError`` for values that are not integers.
        """
        ints = integers(values)
        for v in ints:
            if abs(v) >> self.value_bits:
                raise ConfigError(
                    f"value of {abs(v).bit_length()} bits does not fit a packing of "
                    f"{self.value_bits}-bit values"
                )
        width, slots = self.slot_bits, self.slots
        out = []
        for start in range(0, len(ints), slots):
            packed = 0
            for j, v in enumerate(ints[start : start + slots]):
                packed += v << (j * width)
            out.append(packed)
        return out

    def unpack(self, packed: Iterable[int], count: int | None = None) -> list[int]:
        """The slots of signed packed integers, in order; the first ``count`` if given.

        Raises :class:`ProtocolError` if a packed integer has bits beyond its last slot, which
        happens when more than ``max_terms`` values were summed or the input was not packed
        with this layout.
        """
        width, slots = self.slot_bits, self.slots
        mask = (1 << width) - 1
        half = 1 << (width - 1)
        out: list[int] = []
        for m in packed:
            m = int(m)
            for _ in range(slots):
                digit = m & mask
                if digit >= half:
                    digit -= 1 << width
                out.append(digit)
                m = (m - digit) >> width
            if m:
                raise ProtocolError(
                    f"packed value overflows its {slots} slots of {width} bits: more than "
                    f"{self.max_terms} terms summed, or another layout"
                )
        if count is not None:
            if not 0 <= count <= len(out):
                raise ConfigError(f"count {count} is beyond the {len(out)} unpacked values")
            del out[count:]
        return out
