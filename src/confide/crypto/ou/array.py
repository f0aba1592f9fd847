"""Arrays of OU ciphertexts: :class:`EncryptedArray`, its arithmetic and its wire form.

The same interface as Paillier's :class:`~confide.crypto.paillier.EncryptedArray`, so code that
only adds, multiplies by plaintexts, sums by groups and packs takes either (see
:mod:`confide.crypto.he`). Every ciphertext is a residue modulo ``n``; the list arithmetic is
shared with Paillier (:mod:`confide.crypto.paillier.ops`), spread over a pool for large arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gmpy2  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from confide.crypto.encoding import encode_fixed, is_float_input
from confide.crypto.ou.keys import PublicKey
from confide.crypto.ou.noise import Noise, _take_noise
from confide.crypto.ou.ops import _check_ciphertexts, _obfuscate_list
from confide.crypto.ou.workers import (
    _MIN_CHUNK_ENCRYPT,
    _MIN_CHUNK_GROUP,
    _MIN_CHUNK_MUL,
    _work_group_sum,
    _work_mul,
    _work_obfuscate,
    _work_pack,
)
from confide.crypto.paillier.gmp import Mpz, mpz
from confide.crypto.paillier.ops import (
    _broadcast,
    _from_blob,
    _group_sums,
    _mul_list,
    _pack_list,
    _to_blob,
)
from confide.crypto.paillier.workers import _chunks, _spread
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError, ProtocolError
from confide.params import OU_FRAC_BITS

__all__ = ["EncryptedArray"]


class EncryptedArray:
    """A one-dimensional array of OU ciphertexts under one public key.

    ``frac_bits`` is the fixed-point scale of the plaintexts (0 for integers). Arithmetic:

    - ``a + b``, ``a - b``, ``-a``: with another encrypted array (same key; same length or one
      of them of length 1; scales aligned to the larger) or with plaintext numbers (a scalar or
      an array of the same length, encoded with ``a.frac_bits``; floats need
      ``a.frac_bits > 0``).
    - ``a * k``: by plaintext integers (scale unchanged) or floats (encoded with
      :data:`~confide.params.OU_FRAC_BITS` more fractional bits; see :meth:`mul`).
    - :meth:`sum`, :meth:`group_sum` (sums over index sets, the histogram of SecureBoost),
      :meth:`pack` (several ciphertexts into one, to cut decryptions and bytes).

    Results of arithmetic are not fresh (``obfuscated`` is False) until :meth:`obfuscate`;
    :meth:`to_wire` obfuscates them by default. An int index gives a one-element array. Arrays
    come from ``encrypt``, :meth:`from_wire` and :meth:`from_ciphertexts` (which check their
    input), not from the constructor.
    """

    __slots__ = ("_c", "frac_bits", "obfuscated", "public_key")
    __array_ufunc__ = None  # so that ``ndarray + EncryptedArray`` calls our __radd__

    def __init__(
        self, public_key: PublicKey, ciphertexts: list[Mpz], frac_bits: int, *, obfuscated: bool
    ) -> None:
        self.public_key = public_key
        self._c = ciphertexts
        self.frac_bits = frac_bits
        self.obfuscated = obfuscated

    # -- construction, inspection and wire ------------------------------------------------

    @classmethod
    def from_ciphertexts(
        cls, public_key: PublicKey, ciphertexts: Sequence[int], *, frac_bits: int = 0
    ) -> EncryptedArray:
        """An array of raw ciphertext ints; :class:`ConfigError` if one is not in ``[1, n)``
        coprime with ``n``."""
        try:
            cs = [mpz(c) for c in ciphertexts]
            _check_ciphertexts(cs, public_key)
        except (TypeError, ValueError, ProtocolError) as exc:
            raise ConfigError(f"not valid ciphertexts: {exc}") from exc
        return cls(public_key, cs, _check_frac(frac_bits, public_key), obfuscated=True)

    def ciphertexts(self) -> list[int]:
        """The raw ciphertexts as Python ints."""
        return [int(c) for c in self._c]

    def __len__(self) -> int:
        return len(self._c)

    def __repr__(self) -> str:
        return (
            f"EncryptedArray(ou, len={len(self._c)}, bits={self.public_key.bits}, "
            f"frac_bits={self.frac_bits}, obfuscated={self.obfuscated})"
        )

    @property
    def nbytes(self) -> int:
        """Bytes of the ciphertexts on the wire."""
        return len(self._c) * self.public_key.ciphertext_bytes

    def __getitem__(self, key: int | slice | Sequence[int] | npt.NDArray[Any]) -> EncryptedArray:
        if isinstance(key, slice):
            picked = self._c[key]
        else:
            # numpy's rules: an int, an int array (negative from the end), a bool mask.
            index = np.arange(len(self._c))[np.asarray(key)]
            cs = self._c
            picked = [cs[i] for i in np.atleast_1d(index).tolist()]
        return EncryptedArray(self.public_key, picked, self.frac_bits, obfuscated=self.obfuscated)

    @staticmethod
    def concatenate(arrays: Sequence[EncryptedArray]) -> EncryptedArray:
        """One array of the ciphertexts of ``arrays`` in order (same key and scale)."""
        if not arrays:
            raise ConfigError("concatenate needs at least one array")
        first = arrays[0]
        cs: list[Mpz] = []
        for a in arrays:
            if not isinstance(a, EncryptedArray):
                raise TypeError(f"expected an OU EncryptedArray, got {type(a).__name__}")
            if a.public_key != first.public_key or a.frac_bits != first.frac_bits:
                raise ConfigError("concatenate needs arrays under one key with one frac_bits")
            cs.extend(a._c)
        fresh = all(a.obfuscated for a in arrays)
        return EncryptedArray(first.public_key, cs, first.frac_bits, obfuscated=fresh)

    def to_wire(self, *, obfuscate: bool = True, pool: WorkerPool | None = None) -> dict[str, Any]:
        """The array as a wire value: ``{"frac_bits": int, "ciphertexts": uint8 (count, width)}``
        with each ciphertext as ``width = ceil(bits(n) / 8)`` big-endian bytes.

        Arithmetic results are obfuscated first unless ``obfuscate=False`` (for example when
        the array goes back to a party that may learn how it was computed).
        """
        array = self.obfuscate(pool=pool) if obfuscate else self
        width = self.public_key.ciphertext_bytes
        blob = _to_blob(array._c, width)
        rows = np.frombuffer(blob, dtype=np.uint8).reshape(len(array._c), width)
        return {"frac_bits": self.frac_bits, "ciphertexts": rows}

    @classmethod
    def from_wire(
        cls, public_key: PublicKey, value: object, *, count: int | None = None
    ) -> EncryptedArray:
        """The array a peer sent, checked: :class:`ProtocolError` if malformed.

        ``count``, if given, is the number of ciphertexts the protocol expects. Each ciphertext
        must be in ``[1, n)`` and coprime with ``n`` (one multiplication each, one gcd in all).
        """
        if not isinstance(value, dict) or set(value) != {"frac_bits", "ciphertexts"}:
            raise ProtocolError("an encrypted array must be {'frac_bits', 'ciphertexts'}")
        frac = value["frac_bits"]
        rows = value["ciphertexts"]
        width = public_key.ciphertext_bytes
        if isinstance(frac, bool) or not isinstance(frac, int) or not 0 <= frac < public_key.bits:
            raise ProtocolError(f"frac_bits must be an int in [0, {public_key.bits})")
        if (
            not isinstance(rows, np.ndarray)
            or rows.dtype != np.uint8
            or rows.ndim != 2
            or rows.shape[1] != width
        ):
            raise ProtocolError(f"ciphertexts must be a uint8 array of shape (count, {width})")
        if count is not None and rows.shape[0] != count:
            raise ProtocolError(f"expected {count} ciphertexts, got {rows.shape[0]}")
        cs = _from_blob(rows.tobytes(), width)
        _check_ciphertexts(cs, public_key)
        return cls(public_key, cs, frac, obfuscated=True)

    # -- arithmetic -----------------------------------------------------------------------

    def __add__(self, other: object) -> EncryptedArray:
        if isinstance(other, EncryptedArray):
            return self._add_encrypted(other)
        return self._add_plain(other)

    def _add_encrypted(self, other: EncryptedArray) -> EncryptedArray:
        # One multiplication mod n per element (about 1.5 us at 2048 bits), in this process.
        if other.public_key != self.public_key:
            raise ConfigError("cannot add arrays encrypted under different public keys")
        a, b = self, other
        if a.frac_bits != b.frac_bits:
            frac = max(a.frac_bits, b.frac_bits)
            a, b = a.rescale(frac), b.rescale(frac)
        xs, ys = _broadcast(a._c, b._c)
        n = self.public_key.n
        cs = [x * y % n for x, y in zip(xs, ys, strict=True)]
        return EncryptedArray(self.public_key, cs, a.frac_bits, obfuscated=False)

    __radd__ = __add__

    def __neg__(self) -> EncryptedArray:
        n = self.public_key.n
        cs = [gmpy2.invert(c, n) for c in self._c]
        return EncryptedArray(self.public_key, cs, self.frac_bits, obfuscated=False)

    def __sub__(self, other: object) -> EncryptedArray:
        if isinstance(other, EncryptedArray):
            return self._add_encrypted(-other)
        return self._add_plain(other, negate=True)

    def __rsub__(self, other: object) -> EncryptedArray:
        return (-self)._add_plain(other)

    def __mul__(self, other: object) -> EncryptedArray:
        return self.mul(other)

    __rmul__ = __mul__

    def mul(
        self, factor: object, *, frac_bits: int = OU_FRAC_BITS, pool: WorkerPool | None = None
    ) -> EncryptedArray:
        """Multiply by plaintext numbers: a scalar or an array of the same length.

        Integers multiply exactly and keep the scale; floats are encoded with ``frac_bits``
        fractional bits, which the result's scale gains. A ``c**k`` costs about one squaring
        per bit of ``k``. The product must stay in the signed range (:meth:`~confide.crypto.ou.
        PrivateKey.decrypt` raises :class:`ProtocolError` for one that overflowed).
        """
        if isinstance(factor, EncryptedArray):
            raise TypeError("OU cannot multiply two ciphertexts; one factor must be plain")
        floats = is_float_input(factor)  # type: ignore[arg-type]
        scale = frac_bits if floats else 0
        pub = self.public_key
        cs_in, ks = _broadcast(self._c, self._plain_operand(factor, scale))
        width = pub.ciphertext_bytes
        cs = _spread(
            pool,
            len(cs_in),
            _MIN_CHUNK_MUL,
            lambda s: _mul_list(cs_in[s], ks[s], pub.n),
            _work_mul,
            lambda s: (pub._spec(), _to_blob(cs_in[s], width), list(ks[s])),
            width,
        )
        return EncryptedArray(pub, cs, self.frac_bits + scale, obfuscated=False)

    def rescale(self, frac_bits: int) -> EncryptedArray:
        """The same values with a larger fixed-point scale (multiplies by ``2**(difference)``)."""
        frac_bits = _check_frac(frac_bits, self.public_key)
        if frac_bits < self.frac_bits:
            raise ConfigError("rescale can only add fractional bits (OU cannot divide)")
        if frac_bits == self.frac_bits:
            return self
        exponent = mpz(1) << (frac_bits - self.frac_bits)
        n = self.public_key.n
        cs = [gmpy2.powmod(c, exponent, n) for c in self._c]
        return EncryptedArray(self.public_key, cs, frac_bits, obfuscated=False)

    def sum(self, *, pool: WorkerPool | None = None) -> EncryptedArray:
        """The sum of all elements, as a one-element array (an encryption of 0 if empty)."""
        groups = np.zeros(len(self._c), dtype=np.int64)
        return self.group_sum(groups, 1, pool=pool)

    def group_sum(
        self, groups: npt.ArrayLike, n_groups: int, *, pool: WorkerPool | None = None
    ) -> EncryptedArray:
        """Sums of the elements grouped by ``groups`` (the histogram step of SecureBoost).

        ``groups`` is an int array of shape ``(len(self),)`` or ``(len(self), f)`` (one column
        per feature) with values in ``[0, n_groups)``, or -1 to leave an element out. The
        result has ``f * n_groups`` elements, column by column: element ``j * n_groups + g``
        sums the elements ``i`` with ``groups[i, j] == g``; an empty group is the encryption of
        0 with no randomness (ciphertext 1), obfuscated, like every sum, only by
        :meth:`obfuscate` or :meth:`to_wire`. One multiplication modulo ``n`` per element and
        column (about 1.5 us at 2048 bits); ``pool`` spreads the rows over workers.
        """
        if isinstance(n_groups, bool) or not isinstance(n_groups, int) or n_groups < 1:
            raise ConfigError(f"n_groups must be an int >= 1, got {n_groups!r}")
        table = np.asarray(groups)
        if table.dtype.kind not in "iu":
            raise TypeError(f"groups must be integers, got dtype {table.dtype}")
        if table.ndim == 1:
            table = table[:, None]
        if table.ndim != 2 or table.shape[0] != len(self._c):
            raise ConfigError(
                f"groups must have shape ({len(self._c)},) or ({len(self._c)}, f), "
                f"got {np.shape(groups)}"
            )
        if table.size and (table.min() < -1 or table.max() >= n_groups):
            raise ConfigError(f"groups must be in [-1, {n_groups}), -1 meaning left out")
        table = table.astype(np.int64, copy=False)
        pub = self.public_key
        n = pub.n
        per_chunk = max(1, _MIN_CHUNK_GROUP // max(1, table.shape[1]))
        chunks = _chunks(pool, len(self._c), per_chunk)
        if chunks is None or pool is None:
            cs = _group_sums(self._c, table, n_groups, n)
        else:
            width = pub.ciphertext_bytes
            tasks = [(pub._spec(), _to_blob(self._c[s], width), table[s], n_groups) for s in chunks]
            partials = [_from_blob(b, width) for b in pool.map(_work_group_sum, tasks)]
            cs = partials[0]
            for part in partials[1:]:
                cs = [a * b % n for a, b in zip(cs, part, strict=True)]
        return EncryptedArray(pub, cs, self.frac_bits, obfuscated=False)

    def pack(
        self, count: int, shift_bits: int, *, pool: WorkerPool | None = None
    ) -> EncryptedArray:
        """Join each ``count`` consecutive ciphertexts into one, shifting by ``shift_bits``.

        Element ``i`` of the result encrypts ``sum_j x[i*count + j] * 2**(j * shift_bits)``
        for ``j < count`` (the last group may be shorter), as Paillier's
        :meth:`~confide.crypto.paillier.EncryptedArray.pack`; ``count * shift_bits`` must be at
        most :attr:`~confide.crypto.ou.PublicKey.packing_bits`. Costs about ``shift_bits``
        squarings modulo ``n`` per joined ciphertext.
        """
        for name, v in (("count", count), ("shift_bits", shift_bits)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"{name} must be an int >= 1, got {v!r}")
        pub = self.public_key
        if count * shift_bits > pub.packing_bits:
            raise ConfigError(
                f"{count} x {shift_bits} bits do not fit the {pub.packing_bits} packing bits of "
                f"a {pub.bits}-bit OU key"
            )
        n_out = -(-len(self._c) // count)
        out_chunks = _chunks(pool, n_out, max(1, 256 // count))
        if out_chunks is None or pool is None:
            cs = _pack_list(self._c, count, shift_bits, pub.n)
        else:
            width = pub.ciphertext_bytes
            tasks = [
                (
                    pub._spec(),
                    _to_blob(self._c[s.start * count : s.stop * count], width),
                    count,
                    shift_bits,
                )
                for s in out_chunks
            ]
            cs = [c for b in pool.map(_work_pack, tasks) for c in _from_blob(b, width)]
        return EncryptedArray(pub, cs, self.frac_bits, obfuscated=False)

    def obfuscate(
        self, *, pool: WorkerPool | None = None, noise: Noise | None = None
    ) -> EncryptedArray:
        """The same plaintexts under fresh randomness (``c * h**r``); no-op if already fresh.

        ``noise``, if given, supplies the ``h**r``.
        """
        if self.obfuscated:
            return self
        pub = self.public_key
        cs_in = self._c
        n = pub.n
        if noise is not None:
            rs = _take_noise(noise, pub, len(cs_in), pool)
            cs = [c * r % n for c, r in zip(cs_in, rs, strict=True)]
            return EncryptedArray(pub, cs, self.frac_bits, obfuscated=True)
        width = pub.ciphertext_bytes
        cs = _spread(
            pool,
            len(cs_in),
            _MIN_CHUNK_ENCRYPT,
            lambda s: _obfuscate_list(cs_in[s], pub),
            _work_obfuscate,
            lambda s: (pub._spec(), _to_blob(cs_in[s], width)),
            width,
        )
        return EncryptedArray(pub, cs, self.frac_bits, obfuscated=True)

    # -- helpers --------------------------------------------------------------------------

    def _add_plain(self, other: object, negate: bool = False) -> EncryptedArray:
        if isinstance(other, (str, bytes)) or other is None:
            return NotImplemented  # type: ignore[no-any-return]
        if is_float_input(other) and not self.frac_bits:  # type: ignore[arg-type]
            raise ConfigError(
                "cannot add floats to an integer array (frac_bits=0): encrypt with frac_bits "
                "or call rescale(frac_bits) first"
            )
        ms = self._plain_operand(other, self.frac_bits)
        if negate:
            ms = [-m for m in ms]
        pub = self.public_key
        pub._check_range(ms)
        cs, plain = _broadcast(self._c, ms)
        return EncryptedArray(
            pub, pub._with_plaintexts(plain, list(cs)), self.frac_bits, obfuscated=False
        )

    def _plain_operand(self, other: object, frac_bits: int) -> list[int]:
        """A plaintext scalar or same-length array as signed ints scaled by ``2**frac_bits``."""
        array = np.asarray(other) if not isinstance(other, (list, tuple)) else other
        ndim = np.ndim(array)
        ints = encode_fixed(array, frac_bits)
        if ndim > 1 or (ndim == 1 and len(ints) not in (1, len(self._c))):
            raise ConfigError(
                f"a plaintext operand must be a scalar or have length {len(self._c)}, "
                f"got shape {np.shape(array)}"
            )
        return ints


def _check_frac(frac_bits: int, pub: PublicKey) -> int:
    if isinstance(frac_bits, bool) or not isinstance(frac_bits, int):
        raise ConfigError(f"frac_bits must be an int, got {frac_bits!r}")
    if not 0 <= frac_bits < pub.bits:
        raise ConfigError(f"frac_bits must be in [0, {pub.bits}), got {frac_bits}")
    return frac_bits
