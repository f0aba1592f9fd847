"""Arrays of OU ciphertexts: :class:`EncryptedArray`, its arithmetic and its wire form.

The array type itself is shared with Paillier (:class:`confide.crypto.he_core.array.CipherArray`),
so code that only adds, multiplies by plaintexts, sums by groups and packs takes either (see
:mod:`confide.crypto.he`). Every OU ciphertext is a residue modulo ``n``; this module fills in
what is OU's: putting a plaintext on a ciphertext (``c * g**m``, from the key's tables), the
randomness of :meth:`EncryptedArray.obfuscate` (``h**r``), the form check and the packing
capacity (:attr:`~confide.crypto.ou.PublicKey.packing_bits`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from confide.crypto.he_core.array import CipherArray
from confide.crypto.he_core.gmp import Mpz
from confide.crypto.he_core.noise import NoiseStore
from confide.crypto.ou.keys import PublicKey
from confide.crypto.ou.noise import Noise
from confide.crypto.ou.workers import _make_noise
from confide.crypto.parallel import WorkerPool

__all__ = ["EncryptedArray"]


class EncryptedArray(CipherArray[PublicKey]):
    """A one-dimensional array of OU ciphertexts (residues modulo ``n``) under one public key.

    Indexing, arithmetic (``+``, ``-``, ``*`` by plaintexts, :meth:`mul`, :meth:`rescale`),
    :meth:`sum`, :meth:`group_sum`, :meth:`pack` and the wire form are
    :class:`~confide.crypto.he_core.array.CipherArray`'s, which documents them. OU's own: every
    plaintext, operand and result must stay in the signed range ``|v| <= max_int``
    (:meth:`~confide.crypto.ou.PrivateKey.decrypt` raises
    :class:`~confide.errors.ProtocolError` for one that overflowed); a packed plaintext spans
    at most :attr:`~confide.crypto.ou.PublicKey.packing_bits`; :meth:`obfuscate` multiplies by
    a fresh ``h**r``; a ciphertext is ``ceil(bits(n) / 8)`` bytes on the wire.
    """

    __slots__ = ()
    _SCHEME = "OU"
    _MODULUS_NAME = "n"
    _REPR_TAG = "ou, "

    @staticmethod
    def _modulus_of(public_key: PublicKey) -> Mpz:
        return public_key.n

    @property
    def _packing_bits(self) -> int:
        return self.public_key.packing_bits

    def _plain_residues(self, ints: list[int]) -> list[int]:
        self.public_key._check_range(ints)
        return ints

    def _apply_plain(self, plain: Sequence[int], cs: Sequence[Mpz]) -> list[Mpz]:
        return self.public_key._with_plaintexts(plain, list(cs))

    def _fresh_noise(self, count: int, pool: WorkerPool | None) -> list[Mpz]:
        return _make_noise(self.public_key, count, pool)

    def _noise_type(self) -> type[NoiseStore[Any]]:
        return Noise
