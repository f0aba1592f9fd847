""":class:`CipherArray`: the base of Paillier's and OU's ``EncryptedArray``.

A ciphertext of either scheme is a residue modulo a public number, the *ciphertext modulus*
(``n**2`` for Paillier, ``n`` for OU), on which the homomorphisms are the same: a product adds the
plaintexts, a power multiplies them, an inverse negates them, and a product with fresh randomness
re-randomises them. So the array type is written once, here, over that modulus; a scheme's
subclass fills in the hooks that differ (marked "scheme hook" below): the modulus, how a plaintext
is put onto a ciphertext, how fresh randomness is made, what a well-formed ciphertext is and how
many bits a packed plaintext may span. The wire form, the same for both, is described in each
scheme's package docstring: ``{"frac_bits": int, "ciphertexts": uint8 array (count, width)}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import gmpy2  # type: ignore[import-untyped]
import numpy as np
import numpy.typing as npt

from confide.crypto.encoding import encode_fixed, is_float_input
from confide.crypto.he_core.gmp import Mpz, mpz
from confide.crypto.he_core.noise import NoiseStore, take_noise
from confide.crypto.he_core.ops import (
    broadcast,
    check_ciphertexts,
    from_blob,
    group_sums,
    invert_list,
    mul_list,
    multiply_pairs,
    pack_list,
    to_blob,
)
from confide.crypto.he_core.pool import (
    MIN_CHUNK_GROUP,
    MIN_CHUNK_MUL,
    MIN_CHUNK_PACK,
    chunks,
    spread,
    work_group_sum,
    work_mul,
    work_pack,
)
from confide.crypto.parallel import WorkerPool
from confide.errors import ConfigError, ProtocolError
from confide.params import PAILLIER_FRAC_BITS

__all__ = ["CipherArray", "CipherKey"]


class CipherKey(Protocol):
    """What :class:`CipherArray` reads from a public key of either scheme."""

    @property
    def n(self) -> Mpz:
        """The modulus ``n``."""

    @property
    def bits(self) -> int:
        """Bits of ``n``."""

    @property
    def ciphertext_bytes(self) -> int:
        """Bytes of one ciphertext on the wire."""


KeyT = TypeVar("KeyT", bound=CipherKey)
_A = TypeVar("_A", bound="CipherArray[Any]")


class CipherArray(Generic[KeyT]):
    """A one-dimensional array of ciphertexts under one public key (see each scheme's subclass).

    ``frac_bits`` is the fixed-point scale of the plaintexts (0 for integers). Arithmetic:

    - ``a + b``, ``a - b``, ``-a``: with another encrypted array (same key; same length or one
      of them of length 1; scales aligned to the larger) or with plaintext numbers (a scalar or
      an array of the same length, encoded with ``a.frac_bits``; floats need
      ``a.frac_bits > 0``).
    - ``a * k``: by plaintext integers (scale unchanged) or floats (encoded with
      :data:`~confide.params.PAILLIER_FRAC_BITS` more fractional bits, the same number as
      :data:`~confide.params.OU_FRAC_BITS`; see :meth:`mul`).
    - :meth:`sum`, :meth:`group_sum` (sums over index sets, the histogram of SecureBoost),
      :meth:`pack` (several ciphertexts into one, to cut decryptions and bytes).

    Results of arithmetic are not fresh (``obfuscated`` is False) until :meth:`obfuscate`;
    :meth:`to_wire` obfuscates them by default. An int index gives a one-element array: there
    is no scalar ciphertext type. Arrays come from ``encrypt``, :meth:`from_wire` and
    :meth:`from_ciphertexts` (which check their input), not from the constructor.
    """

    __slots__ = ("_c", "frac_bits", "obfuscated", "public_key")
    __array_ufunc__ = None  # so that ``ndarray + EncryptedArray`` calls our __radd__

    _SCHEME: ClassVar[str] = ""
    """The scheme's name in messages (scheme hook)."""
    _MODULUS_NAME: ClassVar[str] = ""
    """How messages name the ciphertext modulus, e.g. ``"n**2"`` (scheme hook)."""
    _REPR_TAG: ClassVar[str] = ""
    """What ``repr`` puts before the length, e.g. ``"ou, "`` (scheme hook)."""

    def __init__(
        self, public_key: KeyT, ciphertexts: list[Mpz], frac_bits: int, *, obfuscated: bool
    ) -> None:
        self.public_key = public_key
        self._c = ciphertexts
        self.frac_bits = frac_bits
        self.obfuscated = obfuscated

    # -- scheme hooks ---------------------------------------------------------------------

    @staticmethod
    def _modulus_of(public_key: Any) -> Mpz:
        """The ciphertext modulus of ``public_key`` (scheme hook)."""
        raise NotImplementedError

    @property
    def _modulus(self) -> Mpz:
        return self._modulus_of(self.public_key)

    @property
    def _packing_bits(self) -> int:
        """The most bits a packed plaintext may span under this key (scheme hook)."""
        raise NotImplementedError

    def _plain_residues(self, ints: list[int]) -> list[int]:
        """Signed plaintexts in the form :meth:`_apply_plain` takes; checks range (scheme hook)."""
        raise NotImplementedError

    def _apply_plain(self, plain: Sequence[int], cs: Sequence[Mpz]) -> list[Mpz]:
        """``c * E(m)`` without randomness, for each pair (scheme hook)."""
        raise NotImplementedError

    def _fresh_noise(self, count: int, pool: WorkerPool | None) -> list[Mpz]:
        """``count`` fresh randomness factors (``r**n``, ``h**r``), over ``pool`` (scheme hook)."""
        raise NotImplementedError

    def _noise_type(self) -> type[NoiseStore[Any]]:
        """The scheme's ``Noise`` class (scheme hook)."""
        raise NotImplementedError

    # -- construction, inspection and wire ------------------------------------------------

    @classmethod
    def _check(cls, cs: Sequence[Mpz], public_key: KeyT) -> None:
        """:class:`ProtocolError` unless each ``c`` is in ``[1, modulus)`` coprime with ``n``."""
        check_ciphertexts(cs, cls._modulus_of(public_key), public_key.n, cls._MODULUS_NAME)

    @classmethod
    def from_ciphertexts(
        cls: type[_A], public_key: KeyT, ciphertexts: Sequence[int], *, frac_bits: int = 0
    ) -> _A:
        """An array of raw ciphertext ints (e.g. from python-paillier); :class:`ConfigError` if
        one is not in ``[1, modulus)`` coprime with ``n``."""
        try:
            cs = [mpz(c) for c in ciphertexts]
            cls._check(cs, public_key)
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
            f"EncryptedArray({self._REPR_TAG}len={len(self._c)}, bits={self.public_key.bits}, "
            f"frac_bits={self.frac_bits}, obfuscated={self.obfuscated})"
        )

    @property
    def nbytes(self) -> int:
        """Bytes of the ciphertexts on the wire."""
        return len(self._c) * self.public_key.ciphertext_bytes

    def _like(self: _A, cs: list[Mpz], frac_bits: int | None = None, *, fresh: bool = False) -> _A:
        """An array of this type and key holding ``cs``."""
        frac = self.frac_bits if frac_bits is None else frac_bits
        return type(self)(self.public_key, cs, frac, obfuscated=fresh)

    def __getitem__(self: _A, key: int | slice | Sequence[int] | npt.NDArray[Any]) -> _A:
        if isinstance(key, slice):
            picked = self._c[key]
        else:
            # numpy's rules: an int, an int array (negative from the end), a bool mask.
            index = np.arange(len(self._c))[np.asarray(key)]
            cs = self._c
            picked = [cs[i] for i in np.atleast_1d(index).tolist()]
        return self._like(picked, fresh=self.obfuscated)

    @classmethod
    def concatenate(cls: type[_A], arrays: Sequence[_A]) -> _A:
        """One array of the ciphertexts of ``arrays`` in order (same key and scale)."""
        if not arrays:
            raise ConfigError("concatenate needs at least one array")
        first = arrays[0]
        cs: list[Mpz] = []
        for a in arrays:
            if not isinstance(a, cls):
                raise TypeError(f"expected a {cls._SCHEME} EncryptedArray, got {type(a).__name__}")
            if a.public_key != first.public_key or a.frac_bits != first.frac_bits:
                raise ConfigError("concatenate needs arrays under one key with one frac_bits")
            cs.extend(a._c)
        fresh = all(a.obfuscated for a in arrays)
        return first._like(cs, fresh=fresh)

    def _wire_value(self) -> dict[str, Any]:
        """``{"frac_bits": int, "ciphertexts": uint8 (count, width)}`` as they are."""
        width = self.public_key.ciphertext_bytes
        blob = to_blob(self._c, width)
        rows = np.frombuffer(blob, dtype=np.uint8).reshape(len(self._c), width)
        return {"frac_bits": self.frac_bits, "ciphertexts": rows}

    def to_wire(self, *, obfuscate: bool = True, pool: WorkerPool | None = None) -> dict[str, Any]:
        """The array as a wire value: ``{"frac_bits": int, "ciphertexts": uint8 (count, width)}``
        with each ciphertext as ``width`` big-endian bytes (the key's ``ciphertext_bytes``).

        Arithmetic results are obfuscated first unless ``obfuscate=False`` (for example when
        the array goes back to a party that may learn how it was computed).
        """
        array = self.obfuscate(pool=pool) if obfuscate else self
        return array._wire_value()

    @classmethod
    def from_wire(
        cls: type[_A], public_key: KeyT, value: object, *, count: int | None = None
    ) -> _A:
        """The array a peer sent, checked: :class:`ProtocolError` if malformed.

        ``count``, if given, is the number of ciphertexts the protocol expects. Each ciphertext
        must be in ``[1, modulus)`` and coprime with ``n`` (one multiplication each, one gcd in
        all).
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
        cs = from_blob(rows.tobytes(), width)
        cls._check(cs, public_key)
        return cls(public_key, cs, frac, obfuscated=True)

    # -- arithmetic -----------------------------------------------------------------------

    def __add__(self: _A, other: object) -> _A:
        if isinstance(other, CipherArray):
            return self._add_encrypted(other)
        return self._add_plain(other)

    def _add_encrypted(self: _A, other: CipherArray[Any]) -> _A:
        # One multiplication per element (about 5 us for Paillier-2048, 1.5 us for OU-2048), in
        # this process: shipping both operands to workers and back costs more than it saves.
        if not isinstance(other, type(self)):
            raise TypeError(f"cannot add a {type(other).__module__} array to a {self._SCHEME} one")
        if other.public_key != self.public_key:
            raise ConfigError("cannot add arrays encrypted under different public keys")
        a, b = self, other
        if a.frac_bits != b.frac_bits:
            frac = max(a.frac_bits, b.frac_bits)
            a, b = a.rescale(frac), b.rescale(frac)
        xs, ys = broadcast(a._c, b._c)
        return self._like(multiply_pairs(xs, ys, self._modulus), a.frac_bits)

    __radd__ = __add__

    def __neg__(self: _A) -> _A:
        return self._like(invert_list(self._c, self._modulus))

    def __sub__(self: _A, other: object) -> _A:
        if isinstance(other, CipherArray):
            return self._add_encrypted(-other)
        return self._add_plain(other, negate=True)

    def __rsub__(self: _A, other: object) -> _A:
        return (-self)._add_plain(other)

    def __mul__(self: _A, other: object) -> _A:
        return self.mul(other)

    __rmul__ = __mul__

    def mul(
        self: _A,
        factor: object,
        *,
        frac_bits: int = PAILLIER_FRAC_BITS,
        pool: WorkerPool | None = None,
    ) -> _A:
        """Multiply by plaintext numbers: a scalar or an array of the same length.

        Integers multiply exactly and keep the scale; floats are encoded with ``frac_bits``
        fractional bits, which the result's scale gains. A ``c**k`` costs about one squaring
        per bit of ``k``, so small factors are cheap. The product must stay in the signed
        range (decryption raises :class:`ProtocolError` for one that overflowed).
        """
        if isinstance(factor, CipherArray):
            raise TypeError(
                f"{self._SCHEME} cannot multiply two ciphertexts; one factor must be plain"
            )
        floats = is_float_input(factor)  # type: ignore[arg-type]
        scale = frac_bits if floats else 0
        modulus = self._modulus
        cs_in, ks = broadcast(self._c, self._plain_operand(factor, scale))
        width = self.public_key.ciphertext_bytes
        cs = spread(
            pool,
            len(cs_in),
            MIN_CHUNK_MUL,
            lambda s: mul_list(cs_in[s], ks[s], modulus),
            work_mul,
            lambda s: (int(modulus), width, to_blob(cs_in[s], width), list(ks[s])),
            width,
        )
        return self._like(cs, self.frac_bits + scale)

    def rescale(self: _A, frac_bits: int) -> _A:
        """The same values with a larger fixed-point scale (multiplies by ``2**(difference)``)."""
        frac_bits = _check_frac(frac_bits, self.public_key)
        if frac_bits < self.frac_bits:
            raise ConfigError(
                f"rescale can only add fractional bits ({self._SCHEME} cannot divide)"
            )
        if frac_bits == self.frac_bits:
            return self
        exponent = mpz(1) << (frac_bits - self.frac_bits)
        modulus = self._modulus
        powmod = gmpy2.powmod
        return self._like([powmod(c, exponent, modulus) for c in self._c], frac_bits)

    def sum(self: _A, *, pool: WorkerPool | None = None) -> _A:
        """The sum of all elements, as a one-element array (an encryption of 0 if empty)."""
        groups = np.zeros(len(self._c), dtype=np.int64)
        return self.group_sum(groups, 1, pool=pool)

    def group_sum(
        self: _A, groups: npt.ArrayLike, n_groups: int, *, pool: WorkerPool | None = None
    ) -> _A:
        """Sums of the elements grouped by ``groups`` (the histogram step of SecureBoost).

        ``groups`` is an int array of shape ``(len(self),)`` or ``(len(self), f)`` (one column
        per feature) with values in ``[0, n_groups)``, or -1 to leave an element out (an
        instance not in the current node). The result has ``f * n_groups`` elements, column by
        column: element ``j * n_groups + g`` sums the elements ``i`` with ``groups[i, j] == g``.
        An empty group is the encryption of 0 with no randomness (ciphertext 1); like every
        sum it is not obfuscated until :meth:`obfuscate` or :meth:`to_wire`. Several tree
        nodes at once: give node ``k`` the group ids ``k * n_bins + bin`` and ``n_groups =
        nodes * n_bins``. Cost: one multiplication modulo the ciphertext modulus per element
        and column (about 5 us for Paillier-2048, 1.5 us for OU-2048); ``pool`` spreads the
        rows over workers (the ciphertexts cross once for all columns, so it pays off from a
        few columns on).
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
        modulus = self._modulus
        per_chunk = max(1, MIN_CHUNK_GROUP // max(1, table.shape[1]))
        parts = chunks(pool, len(self._c), per_chunk)
        if parts is None or pool is None:
            return self._like(group_sums(self._c, table, n_groups, modulus))
        width = self.public_key.ciphertext_bytes
        m = int(modulus)
        tasks = [(m, width, to_blob(self._c[s], width), table[s], n_groups) for s in parts]
        partials = [from_blob(b, width) for b in pool.map(work_group_sum, tasks)]
        cs = partials[0]
        for part in partials[1:]:
            cs = multiply_pairs(cs, part, modulus)
        return self._like(cs)

    def pack(self: _A, count: int, shift_bits: int, *, pool: WorkerPool | None = None) -> _A:
        """Join each ``count`` consecutive ciphertexts into one, shifting by ``shift_bits``.

        Element ``i`` of the result encrypts ``sum_j x[i*count + j] * 2**(j * shift_bits)``
        for ``j < count`` (the last group may be shorter): with ``shift_bits`` the
        :attr:`~confide.crypto.encoding.Packing.total_bits` of a layout ``L``, the result has
        the layout ``L.stacked(count)``, which must fit the key's packing bits
        (:func:`confide.crypto.he.packing_bits`). Costs about ``shift_bits`` squarings per
        joined ciphertext, and saves a decryption and a ciphertext of bytes each.
        """
        for name, v in (("count", count), ("shift_bits", shift_bits)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"{name} must be an int >= 1, got {v!r}")
        capacity = self._packing_bits
        if count * shift_bits > capacity:
            raise ConfigError(
                f"{count} x {shift_bits} bits do not fit the {capacity} packing bits of a "
                f"{self.public_key.bits}-bit {self._SCHEME} key"
            )
        modulus = self._modulus
        # Split on whole groups so that every chunk packs complete groups.
        n_out = -(-len(self._c) // count)
        out_parts = chunks(pool, n_out, max(1, MIN_CHUNK_PACK // count))
        if out_parts is None or pool is None:
            return self._like(pack_list(self._c, count, shift_bits, modulus))
        width = self.public_key.ciphertext_bytes
        m = int(modulus)
        tasks = [
            (m, width, to_blob(self._c[s.start * count : s.stop * count], width), count, shift_bits)
            for s in out_parts
        ]
        return self._like([c for b in pool.map(work_pack, tasks) for c in from_blob(b, width)])

    def obfuscate(
        self: _A, *, pool: WorkerPool | None = None, noise: NoiseStore[Any] | None = None
    ) -> _A:
        """The same plaintexts under fresh randomness; no-op if already fresh.

        ``noise``, if given, supplies the randomness (made ahead of time).
        """
        if self.obfuscated:
            return self
        if noise is not None:
            rs = take_noise(noise, self._noise_type(), self.public_key, len(self._c), pool)
        else:
            rs = self._fresh_noise(len(self._c), pool)
        return self._rerandomised(rs)

    def _rerandomised(self: _A, rs: Sequence[Mpz]) -> _A:
        """The same plaintexts times the randomness ``rs``: a fresh array."""
        return self._like(multiply_pairs(self._c, rs, self._modulus), fresh=True)

    # -- helpers --------------------------------------------------------------------------

    def _add_plain(self: _A, other: object, negate: bool = False) -> _A:
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
        cs, plain = broadcast(self._c, self._plain_residues(ms))
        return self._like(self._apply_plain(plain, cs))

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


def _check_frac(frac_bits: int, pub: CipherKey) -> int:
    if isinstance(frac_bits, bool) or not isinstance(frac_bits, int):
        raise ConfigError(f"frac_bits must be an int, got {frac_bits!r}")
    if not 0 <= frac_bits < pub.bits:
        raise ConfigError(f"frac_bits must be in [0, {pub.bits}), got {frac_bits}")
    return frac_bits
