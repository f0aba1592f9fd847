"""Thin wrappers over well-kept cryptographic libraries (AES-CTR PRG; later X25519, Paillier)."""

from confide.crypto.prg import PRG, new_seed

__all__ = ["PRG", "new_seed"]
