"""Paillier additively homomorphic encryption over arrays, on gmpy2.

The scheme (Paillier, EUROCRYPT 1999), with the usual choices:

- Keys: ``n = p * q`` for two random primes of equal length with ``p = q = 3 (mod 4)``,
  ``gcd(p - 1, q - 1) = 2`` and ``|p - q| > 2**(bits/2 - 100)``, drawn from ``secrets``;
  ``g = n + 1``, so that ``g**m = 1 + m*n (mod n**2)`` costs one multiplication.
- Encryption: ``c = (1 + m*n) * r**n mod n**2``, with ``r**n`` a random n-th residue (below).
- Decryption with the Chinese remainder theorem: ``m_p = L_p(c**(p-1) mod p**2) * h_p mod p``
  with ``L_p(x) = (x - 1) / p`` and ``h_p = L_p(g**(p-1) mod p**2)**-1 mod p``, the same mod
  ``q``, then ``m`` from ``(m_p, m_q)``: two half-size exponentiations instead of one full one.
- Homomorphisms: ``E(a) * E(b) = E(a + b)``, ``E(a) * (1 + b*n) = E(a + b)``,
  ``E(a)**k = E(k * a)``, ``E(a)**-1 = E(-a)``, all mod ``n**2``.

Plaintexts are residues mod ``n``; :mod:`confide.crypto.encoding` maps signed integers, signed
fixed point and packed slots onto them (negative ``v`` as ``n - |v|``, the middle third an
overflow error, as in python-paillier, so the two libraries interoperate: a ciphertext made here
decrypts with ``phe`` given the same ``p`` and ``q``, and the other way round).

Randomness ``r**n``: two ways (:class:`Randomness`)
----------------------------------------------------
``STANDARD``
    ``r`` uniform in ``Z_n^*`` and a full exponentiation ``r**n mod n**2`` (a 2048-bit exponent
    modulo a 4096-bit number, about 9 ms; about 6 ms for the private-key holder, which computes
    modulo ``p**2`` and ``q**2``). Semantic security rests on the decisional composite
    residuosity (DCR) assumption alone.
``DJN`` (the default)
    The variant of Damgård, Jurik and Nielsen ("A generalization of Paillier's public-key system
    with applications to electronic voting", Int. J. Inf. Secur. 9(6), 2010): each party that
    encrypts draws once ``x`` in ``Z_n^*`` and sets ``h = -x**2 mod n``, ``h_s = h**n mod n**2``;
    each encryption then uses ``r**n = h_s**a`` for a uniform exponent ``a`` of ``ceil(k/2)``
    bits, ``k`` the bits of ``n``. ``h_s`` is a fixed base, so a table of
    ``h_s**(d * 256**i)`` for every byte value ``d`` and byte position ``i`` turns each
    ``h_s**a`` into one multiplication per byte of ``a`` (128 for a 2048-bit key) instead of
    about 1,200 squarings and multiplications; the private-key holder keeps the table modulo
    ``p**2`` and ``q**2``, where multiplications cost a third. The assumption: ``h**a`` for
    ``a`` of half the length of ``n`` is indistinguishable from ``h**x`` for a full-length
    ``x``. Håstad, Schrift and Shamir ("The discrete logarithm modulo a composite hides O(n)
    bits", JCSS 47(3), 1993) show that exponentiation modulo a composite hides half of the
    exponent's bits if factoring ``n`` is hard, which is what lets an exponent of half the
    length stand in for a full one; DJN build the variant on this (with DCR for the rest).
    HEU's Paillier (``paillier_zahlen``) encrypts this way, with the same exponent length.
    Why it is our default too: its extra assumption rests on factoring, which Paillier's
    security needs anyway, and it is what makes the throughput the issue asks for possible in
    Python; ``STANDARD`` remains one argument away.
    ``h_s`` is drawn by each party for itself (it is derived from ``n`` and the party's own
    secret ``x``, never received from a peer), so a peer cannot weaken it.

Either kind can be made ahead of time, off the critical path: a :class:`Noise` holds ``r**n``
values filled (in the background, over a pool) before the plaintexts are known, and each is
handed out once; an encryption from it costs one multiplication.

Obfuscation
-----------
A sum or product of ciphertexts is a deterministic function of its inputs; whoever made the
inputs (and knows their randomness, as the private-key holder can recover it) could tell which
inputs were combined. :meth:`EncryptedArray.obfuscate` multiplies by a fresh ``r**n``. Every
array knows whether it is fresh (straight from encryption, obfuscation or the wire) and
:meth:`EncryptedArray.to_wire` obfuscates what is not, unless told otherwise.

Arrays, wire and cores
----------------------
:class:`EncryptedArray` is a one-dimensional array of ciphertexts with a fixed-point scale
(``frac_bits``). Large arrays spread over a :class:`~confide.crypto.parallel.WorkerPool` passed
as ``pool=``; small ones stay in this process. What does not depend on the scheme (the array
type over a ciphertext modulus, the noise store, the pool mechanics, the byte form) is shared
with OU in :mod:`confide.crypto.he_core`. On the wire an array is
``{"frac_bits": int, "ciphertexts": uint8 array of shape (count, width)}``, each row one
ciphertext as ``width = ceil(bits(n**2) / 8)`` big-endian bytes; decoding checks the layout,
``1 <= c < n**2`` for each, and (one multiplication each, one gcd in all) that every ``c`` is
coprime with ``n``, raising :class:`~confide.errors.ProtocolError` otherwise. A public key on the
wire is ``{"scheme": "paillier", "n": int}``.

Who learns what: the holder of the private key learns every plaintext it decrypts and nothing
else; everyone else learns the sizes of the arrays and nothing about their contents (semantic
security). Semi-honest parties; a peer's ciphertexts are checked for form, not for being
honest encryptions.
"""

from confide.crypto.paillier.array import EncryptedArray
from confide.crypto.paillier.keygen import generate_keypair
from confide.crypto.paillier.keys import WEAK_KEY_FLOOR_BITS, PrivateKey, PublicKey, Randomness
from confide.crypto.paillier.noise import Noise

__all__ = [
    "EncryptedArray",
    "Noise",
    "PrivateKey",
    "PublicKey",
    "Randomness",
    "WEAK_KEY_FLOOR_BITS",
    "generate_keypair",
]
