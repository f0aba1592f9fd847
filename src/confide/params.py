"""Security and precision parameters, defined once with their source, imported everywhere else."""

from __future__ import annotations

#: Computational security in bits. 128 is the level NIST SP 800-57 Part 1 Rev. 5 (table 2) deems
#: acceptable beyond 2030; AES-128, X25519 and 3072-bit RSA/Paillier all sit at this level.
COMPUTATIONAL_SECURITY_BITS = 128

#: Statistical security in bits: the failure or leakage probability we accept is 2**-40, the
#: customary value in the MPC literature (e.g. Lindell, "How to simulate it", 2017).
STATISTICAL_SECURITY_BITS = 40

#: Length in bytes of a PRG seed: one computational-security key.
SEED_BYTES = COMPUTATIONAL_SECURITY_BITS // 8

#: Ring of the additive masking used for aggregates (secure sums): Z_2^128 on Python integers.
#: Aggregates are short vectors, so exact big-integer arithmetic costs nothing and leaves room
#: for sums of squares of large amounts without overflow.
AGGREGATE_RING_BITS = 128

#: Fractional bits of the fixed-point encoding of aggregates in Z_2^128: resolution 2**-40
#: (about 1e-12), magnitude up to 2**86 (about 7.7e25) before the sign bit is reached.
AGGREGATE_FRAC_BITS = 40

#: Longest job and federation names we accept, in characters.
MAX_NAME_LENGTH = 128

#: Longest party name: one DNS label (RFC 1035, section 2.3.4), since a party's name is the
#: SubjectAlternativeName of its certificate and the TLS target name its peers check.
MAX_PARTY_NAME_LENGTH = 63

#: Paillier modulus length by default: 2048 bits, which gives about 112-bit security, not 128
#: (NIST SP 800-57 Part 1 Rev. 5, table 2: a 2048-bit factoring modulus matches 112-bit security
#: and stays acceptable through 2030). Chosen as the default for speed, as the issue asks.
PAILLIER_KEY_BITS = 2048

#: Paillier modulus length that matches COMPUTATIONAL_SECURITY_BITS (same table: 3072 bits for
#: 128-bit security); pass it as ``bits`` where 112-bit security is not enough.
PAILLIER_KEY_BITS_128 = 3072

#: Shortest Paillier modulus accepted from a peer or for a new key: 2048 bits (112-bit security),
#: the floor NIST SP 800-131A Rev. 2 sets for new keys. Smaller keys exist only for tests, behind
#: an explicit ``allow_weak=True``.
PAILLIER_MIN_KEY_BITS = 2048

#: Fractional bits of the Paillier fixed-point encoding of floats: resolution 2**-53 (1.1e-16),
#: the spacing of float64 values just below 1, so gradients and probabilities in [-1, 1] keep
#: their float64 absolute precision.
PAILLIER_FRAC_BITS = 53

#: Ring of secret-shared MPC values: Z_2^64 on numpy ``uint64``, whose wrap-around arithmetic is
#: the ring's for free (the ring of SPU's FM64, CrypTen and ABY3).
MPC_RING_BITS = 64

#: Default fractional bits of MPC fixed-point values: SPU's default with FM64, so accuracy
#: compares like for like. Resolution 2**-18 (3.8e-6), ample for sigmoid to 1e-3 and for logistic
#: regression gradients; a product carries 36 fractional bits before truncation, which leaves
#: products up to 2**26 (6.7e7) in magnitude for exact-range truncation. 20 bits would leave only
#: 2**22 (4.2e6), too little for unscaled credit amounts; 16 bits would lose a quarter of the
#: resolution for headroom few workloads need. See ``confide.mpc.encoding``.
MPC_FRAC_BITS = 18

#: Okamoto-Uchiyama modulus ``n = p**2 * q`` by default: 2048 bits (p of 683 bits, q of 682).
#: Breaking OU means factoring ``n``. The general number field sieve does not care about the
#: form ``p**2 * q``, so it costs what it costs for an RSA or Paillier modulus of the same length:
#: about 112-bit security at 2048 bits, 128 at 3072 (NIST SP 800-57 Part 1 Rev. 5, table 2).
#: The attacks special to ``p**r * q`` (Boneh, Durfee and Howgrave-Graham, "Factoring N = p^r q
#: for large r", CRYPTO 1999) beat it only for ``r`` near ``log p``, not for ``r = 2``, and ECM
#: (record factor 274 bits) is far from a 683-bit ``p``. HEU and SecretFlow default to 2048 too.
OU_KEY_BITS = 2048

#: OU modulus length for 128-bit security (p and q of 1024 bits), as PAILLIER_KEY_BITS_128.
OU_KEY_BITS_128 = 3072

#: Shortest OU modulus accepted for a new key or from a peer, as PAILLIER_MIN_KEY_BITS; smaller
#: keys exist only for tests, behind an explicit ``allow_weak=True``.
OU_MIN_KEY_BITS = 2048

#: Bits of the random exponent ``r`` of an OU encryption ``g**m * h**r``: ``2 * 128``. The best
#: known way to find a short exponent (Pollard's lambda method, or baby-step giant-step) costs
#: ``2**(bits/2)`` group operations, so ``2 * COMPUTATIONAL_SECURITY_BITS`` bits match the
#: security level (van Oorschot and Wiener, "On Diffie-Hellman key agreement with short
#: exponents", EUROCRYPT 1996). That ``h**r`` with so short an ``r`` is indistinguishable from
#: ``h**r`` with ``r`` uniform modulo the order of ``h`` is the short-exponent assumption (Koshiba
#: and Kurosawa, "Short exponent Diffie-Hellman problems", PKC 2004, relate it to the discrete
#: logarithm with short exponents). HEU takes 110 bits at 2048; we take 256 at every size.
OU_RANDOM_BITS = 2 * COMPUTATIONAL_SECURITY_BITS

#: Bits of the secret prime ``t`` that divides ``p - 1`` in the OU key (Coron, Naccache and
#: Paillier, "Accelerating Okamoto-Uchiyama's public-key cryptosystem", Electronics Letters
#: 35(4), 1999): decryption raises to ``t`` instead of ``p - 1``. Pollard's rho in the subgroup of
#: order ``t`` costs ``2**(bits/2)``, hence ``2 * COMPUTATIONAL_SECURITY_BITS`` (HEU: 224 at 2048).
OU_SUBGROUP_BITS = 2 * COMPUTATIONAL_SECURITY_BITS

#: Fractional bits of the OU fixed-point encoding of floats: the same scale as Paillier's, so an
#: array decodes alike under either scheme (an OU plaintext holds 681 bits at 2048, ample room).
OU_FRAC_BITS = PAILLIER_FRAC_BITS
