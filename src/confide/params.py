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
