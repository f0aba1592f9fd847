"""Okamoto-Uchiyama additively homomorphic encryption over arrays, on gmpy2.

The scheme (Okamoto and Uchiyama, "A new public-key cryptosystem as secure as factoring",
EUROCRYPT 1998) in the variant of Coron, Naccache and Paillier ("Accelerating Okamoto-Uchiyama's
public-key cryptosystem", Electronics Letters 35(4), 1999) that HEU and SecretFlow use:

- Keys: ``n = p**2 * q`` (2048 bits by default: ``p`` of 683 bits, ``q`` of 682;
  :data:`~confide.params.OU_KEY_BITS`), with ``p - 1 = t * u`` for a prime ``t`` of
  :data:`~confide.params.OU_SUBGROUP_BITS` (256) bits. Public bases ``g = g0**u mod n`` for a
  random unit ``g0`` whose ``g0**(p-1)`` has order ``p`` modulo ``p**2``, and
  ``h = g1**(n*u) mod n`` for another random unit ``g1``. All from ``secrets``
  (:func:`generate_keypair`).
- Encryption: ``c = g**m * h**r mod n`` with ``r`` uniform of at least
  :data:`~confide.params.OU_RANDOM_BITS` (256) bits — 264, 22 digits of 12 bits. The short
  exponent and its assumption are discussed at the constant; the rest of the semantic security
  rests on the p-subgroup assumption of Okamoto and Uchiyama.
- Decryption: ``m = L(c**t mod p**2) * L(g**t mod p**2)**-1 mod p`` with ``L(x) = (x - 1) / p``.
  Modulo ``p**2``, ``h`` lies in the subgroup of order ``t`` and ``g**t = g0**(p-1)`` has order
  ``p``, so the power ``t`` removes the randomness: a 256-bit exponent where the original scheme
  raises to ``p - 1`` (683 bits). A ``c`` whose ``c**t`` is not 1 modulo ``p`` is no ciphertext
  of this key and is refused (:class:`~confide.errors.ProtocolError`).
- Homomorphisms: ``E(a) * E(b) = E(a + b)``, ``E(a) * g**b = E(a + b)``, ``E(a)**k = E(k*a)``,
  ``E(a)**-1 = E(-a)``, all modulo ``n``: one ciphertext is 256 bytes at 2048 bits, half of
  Paillier's, and every operation works modulo ``n`` rather than ``n**2``.

Plaintexts and capacity
-----------------------
Plaintexts are residues modulo the secret ``p``, of ``p_bits = ceil(bits / 3)`` bits with the top
two set. A signed integer ``v`` with ``|v| <= max_int = 2**(p_bits - 2) - 1`` (681 bits at 2048)
is encrypted as ``g**v`` (``(g**-1)**|v|`` when negative), so it decrypts to ``v mod p``; a
residue in ``[0, max_int]`` is positive, one in ``[p - max_int, p)`` negative, and one in
between — at least a third of ``Z_p`` — an overflow, refused on decryption. Fixed point and
packed slots are :mod:`confide.crypto.encoding`'s, as for Paillier; a packed plaintext may span
:attr:`PublicKey.packing_bits` = ``p_bits - 1`` bits (682 at 2048, where Paillier allows 2046).

Speed: fixed-base tables
------------------------
``g``, ``g**-1`` and ``h`` are fixed bases, so each key keeps tables of their powers by 12-bit
digit (:mod:`~confide.crypto.ou.tables`): ``h**r`` costs 22 multiplications and ``g**m`` one per
12 bits of ``|m|``. The private key computes modulo ``p**2`` and ``q`` and joins the two (same
ciphertexts, a third cheaper), which is how the label holder of SecureBoost encrypts. A
:class:`Noise` holds ``h**r`` made ahead of time, so an encryption from it costs ``g**m`` alone.
Large arrays spread over a :class:`~confide.crypto.parallel.WorkerPool` passed as ``pool=``.
The array type, the noise store and the pool mechanics are Paillier's too
(:mod:`confide.crypto.he_core`); this package holds what is OU's.

Obfuscation and wire
--------------------
As for Paillier: results of arithmetic are not fresh until :meth:`EncryptedArray.obfuscate`
(``c * h**r``), which :meth:`EncryptedArray.to_wire` applies unless told otherwise. On the wire an
array is ``{"frac_bits": int, "ciphertexts": uint8 array (count, ceil(bits / 8))}``, big-endian;
decoding checks the layout and that each ``c`` is in ``[1, n)`` and coprime with ``n``. A public
key on the wire is ``{"scheme": "ou", "n": int, "g": int, "h": int}``.

Who learns what is :data:`DISCLOSURE`. Semi-honest parties; a peer's ciphertexts are checked for
form, not for being honest encryptions. OU falls to chosen ciphertexts: whoever can have ``g**M``
decrypted for an ``M`` above ``p``, or only learn whether its decryption was refused as out of
range, learns about ``p`` (Okamoto and Uchiyama discuss this attack). So a key must not outlive
the job that made it (SecureBoost draws a fresh one per training), and a malicious peer is out of
scope, as for every protocol here.
"""

from confide.crypto.ou.array import EncryptedArray
from confide.crypto.ou.keygen import generate_keypair
from confide.crypto.ou.keys import WEAK_KEY_FLOOR_BITS, PrivateKey, PublicKey
from confide.crypto.ou.noise import Noise
from confide.runtime.disclosure import Disclosure

__all__ = [
    "DISCLOSURE",
    "EncryptedArray",
    "Noise",
    "PrivateKey",
    "PublicKey",
    "WEAK_KEY_FLOOR_BITS",
    "generate_keypair",
]

DISCLOSURE = (
    Disclosure(
        "the holder of the private key",
        "every plaintext it decrypts, and nothing else",
        "decryption",
    ),
    Disclosure(
        "every other holder of ciphertexts",
        "the number of ciphertexts and the key size; nothing about the plaintexts",
        "semantic security under the p-subgroup and short-exponent assumptions",
    ),
)
