"""Secure multi-party computation: secret-shared fixed-point arrays, and secure sums.

The engine (:class:`MPC`) computes on :class:`Share` objects with a protocol (:class:`Semi2k`)
and a provider of correlated randomness (:class:`TrustedDealer`), each an object of its own::

    def job(ctx, data):
        mpc = MPC(ctx, protocol=Semi2k(), provider=TrustedDealer())
        x = mpc.input("bank", data if ctx.party == "bank" else None)
        return mpc.reveal((x * x).sum(axis=0), to="bank")

Modules: ``encoding`` (the ring and fixed point), ``ring`` (exact ring matmul on BLAS),
``share``, ``protocol`` (the interface), ``semi2k``, ``aby3`` (three parties, no dealer;
its seeds in ``zero_sharing``), ``correlations``, ``provider``, ``dealer``, ``streams`` (PRG
draws) and ``packing`` (share arrays in messages),
``engine``; ``circuits`` (boolean circuits: sign bit, bit decomposition), ``compare``
(comparisons, max/argmax, where) and ``functions`` (sigmoid, exp, log, reciprocal, sqrt, ...),
written once over the protocol interface and reached through the engine
(``x < y``, ``mpc.where(c, x, y)``, ``mpc.sigmoid(x)``, ``mpc.softmax(x)``);
``secure_sum`` (pairwise-masked sums of short vectors in Z_2^128).
"""

from confide.mpc.aby3 import Aby3
from confide.mpc.correlations import (
    AndTriple,
    BeaverTriple,
    Component,
    Correlation,
    MatrixTriple,
    RandomBits,
    TruncationPair,
)
from confide.mpc.dealer import TrustedDealer
from confide.mpc.encoding import FRAC_BITS, RING_BITS, decode_ring, encode_ring
from confide.mpc.engine import MPC
from confide.mpc.protocol import Protocol
from confide.mpc.provider import Pending, Provider
from confide.mpc.ring import ring_matmul, ring_matmul_sum
from confide.mpc.secure_sum import RING, decode_fixed, encode_fixed, secure_sum
from confide.mpc.semi2k import Semi2k, Truncation
from confide.mpc.share import Kind, Share

__all__ = [
    "FRAC_BITS",
    "MPC",
    "RING",
    "RING_BITS",
    "Aby3",
    "AndTriple",
    "BeaverTriple",
    "Component",
    "Correlation",
    "Kind",
    "MatrixTriple",
    "Pending",
    "Protocol",
    "Provider",
    "RandomBits",
    "Semi2k",
    "Share",
    "TrustedDealer",
    "Truncation",
    "TruncationPair",
    "decode_fixed",
    "decode_ring",
    "encode_fixed",
    "encode_ring",
    "ring_matmul",
    "ring_matmul_sum",
    "secure_sum",
]
