"""Arrays of Paillier ciphertexts: :class:`EncryptedArray`, its arithmetic and its wire form.

The array type itself is shared with OU (:class:`confide.crypto.he_core.array.CipherArray`): its
ciphertexts are residues modulo ``n**2``. This module fills in what is Paillier's: putting a
plaintext on a ciphertext (``c * (1 + m*n)``), the randomness of :meth:`EncryptedArray.obfuscate`
(either :class:`~confide.crypto.paillier.keys.Randomness`), the form check and the packing
capacity. The wire form and the obfuscation rule are described in the package docstring
(:mod:`confide.crypto.paillier`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from confide.crypto.encoding import to_residues
from confide.crypto.he_core.array import CipherArray
from confide.crypto.he_core.gmp import Mpz
from confide.crypto.he_core.noise import NoiseStore
from confide.crypto.paillier.keys import PublicKey, Randomness, _apply_plaintexts
from confide.crypto.paillier.noise import Noise
from confide.crypto.paillier.workers import _make_noise
from confide.crypto.parallel import WorkerPool

__all__ = ["EncryptedArray"]

_A = TypeVar("_A", bound="EncryptedArray")


class EncryptedArray(CipherArray[PublicKey]):
    """A one-dimensional array of Paillier ciphertexts (residues modulo ``n**2``) under one key.

    Indexing, arithmetic (``+``, ``-``, ``*`` by plaintexts, :meth:`mul`, :meth:`rescale`),
    :meth:`sum`, :meth:`group_sum`, :meth:`pack` and the wire form are
    :class:`~confide.crypto.he_core.array.CipherArray`'s, which documents them. Paillier's own:
    a packed plaintext spans at most ``bits - 2`` bits, and :meth:`obfuscate` and
    :meth:`to_wire` take the :class:`~confide.crypto.paillier.Randomness` of the fresh ``r**n``.
    Arrays come from ``encrypt``, :meth:`from_wire` and :meth:`from_ciphertexts` (which check
    their input), not from the constructor.
    """

    __slots__ = ()
    _SCHEME = "Paillier"
    _MODULUS_NAME = "n**2"

    @staticmethod
    def _modulus_of(public_key: PublicKey) -> Mpz:
        return public_key.nsquare

    @property
    def _packing_bits(self) -> int:
        return self.public_key.bits - 2

    def _plain_residues(self, ints: list[int]) -> list[int]:
        return to_residues(ints, int(self.public_key.n))

    def _apply_plain(self, plain: Sequence[int], cs: Sequence[Mpz]) -> list[Mpz]:
        return _apply_plaintexts(plain, cs, self.public_key)

    def _fresh_noise(self, count: int, pool: WorkerPool | None) -> list[Mpz]:
        return _make_noise(self.public_key, count, Randomness.DJN, pool)

    def _noise_type(self) -> type[NoiseStore[Any]]:
        return Noise

    def to_wire(
        self,
        *,
        obfuscate: bool = True,
        randomness: Randomness = Randomness.DJN,
        pool: WorkerPool | None = None,
    ) -> dict[str, Any]:
        """The array as a wire value: ``{"frac_bits": int, "ciphertexts": uint8 (count, width)}``.

        Arithmetic results are obfuscated first (with ``randomness``) unless
        ``obfuscate=False`` (for example when the array goes back to a party that may learn how
        it was computed).
        """
        array = self.obfuscate(randomness=randomness, pool=pool) if obfuscate else self
        return array._wire_value()

    def obfuscate(
        self: _A,
        *,
        randomness: Randomness = Randomness.DJN,
        pool: WorkerPool | None = None,
        noise: NoiseStore[Any] | None = None,
    ) -> _A:
        """The same plaintexts under fresh randomness (``c * r**n``); no-op if already fresh.

        ``noise``, if given, supplies the ``r**n`` (and ``randomness`` is not used).
        """
        if self.obfuscated or noise is not None:
            return super().obfuscate(pool=pool, noise=noise)
        kind = Randomness(randomness)
        return self._rerandomised(_make_noise(self.public_key, len(self), kind, pool))
