"""The scheme-independent core of Confide's additively homomorphic schemes (Paillier and OU).

Paillier (:mod:`confide.crypto.paillier`) and Okamoto-Uchiyama (:mod:`confide.crypto.ou`) differ in
their keys, their randomness and their decryption, and in nothing else: a ciphertext of either is
a residue modulo a public number (``n**2`` for Paillier, ``n`` for OU), adding plaintexts
multiplies ciphertexts, multiplying a plaintext by ``k`` raises to ``k``, and re-randomising
multiplies by fresh randomness. What works on such residues for any modulus lives here, once:

- :mod:`~confide.crypto.he_core.gmp`: the gmpy2 integer type both compute with.
- :mod:`~confide.crypto.he_core.ops`: lists of ciphertexts over a modulus (products, powers,
  grouped sums, packing, form checks) and their byte form (rows of ``width`` big-endian bytes).
- :mod:`~confide.crypto.he_core.pool`: when work stays in this process and when it is cut into
  chunks for a :class:`~confide.crypto.parallel.WorkerPool`, and the worker tasks that need
  only the modulus.
- :mod:`~confide.crypto.he_core.array`: :class:`CipherArray`, the base of both schemes'
  ``EncryptedArray`` (indexing, concatenation, arithmetic, grouped sums, packing, obfuscation,
  the wire form), with a few hooks each scheme fills in.
- :mod:`~confide.crypto.he_core.noise`: :class:`NoiseStore`, the base of both schemes' ``Noise``
  (randomness made ahead of time, each value handed out once).
- :mod:`~confide.crypto.he_core.keys`: what both schemes' keys share: size checks, random units,
  encoding values for encryption, decoding decrypted integers, and spreading decryption.

Nothing here is public API: the schemes' packages and :mod:`confide.crypto.he` are. Who learns
what is each scheme's business (their ``DISCLOSURE``); this code computes on ciphertexts only.
"""
