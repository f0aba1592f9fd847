"""Secure multi-party computation: for now the secure sum of aggregates with pairwise masks."""

from confide.mpc.secure_sum import RING, decode_fixed, encode_fixed, secure_sum

__all__ = ["RING", "decode_fixed", "encode_fixed", "secure_sum"]
