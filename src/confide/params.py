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
