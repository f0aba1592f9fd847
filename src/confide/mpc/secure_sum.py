"""Secure sum of short integer vectors with pairwise PRG masks, and its fixed-point encoding.

Every party holds a vector ``v_i`` of the same length in Z_2^128; all parties learn
``sum_i v_i`` and nothing else about any single ``v_i`` (beyond what the sum itself implies:
with two parties, each learns the other's vector by subtraction).

Protocol (semi-honest; after the pairwise-mask aggregation of Bonawitz et al., CCS 2017,
without dropout recovery):

1. For every pair ``i < j`` (in job order), party ``i`` draws a fresh seed ``s_ij`` from
   ``secrets`` and sends it to party ``j`` over the authenticated, encrypted link.
2. Each party expands its seeds with AES-CTR into
   ``m_i = sum_{j>i} PRG(s_ij) - sum_{j<i} PRG(s_ji)`` (mod 2^128); all masks sum to zero.
3. Each party sends ``v_i + m_i`` to every other party; everyone adds all masked vectors.

Rounds: 2. Bytes sent per party: 16 per later party (seeds) plus about 17 per element per
other party. A coalition of all parties but two learns only the sum of the two others' vectors.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from confide.crypto.prg import PRG, new_seed
from confide.errors import ConfigError, ProtocolError
from confide.params import AGGREGATE_FRAC_BITS, AGGREGATE_RING_BITS
from confide.runtime.context import Context

__all__ = ["RING", "decode_fixed", "encode_fixed", "secure_sum"]

#: The modulus of the aggregate ring.
RING = 1 << AGGREGATE_RING_BITS
_SCALE = 1 << AGGREGATE_FRAC_BITS
_LIMIT = float(1 << (AGGREGATE_RING_BITS - AGGREGATE_FRAC_BITS - 2))


def encode_fixed(values: Sequence[float] | np.ndarray) -> list[int]:
    """Encode finite floats as fixed-point elements of Z_2^128 (two's complement)."""
    array = np.asarray(values, dtype=np.float64).ravel()
    if not np.all(np.isfinite(array)):
        raise ConfigError("only finite values can be encoded to fixed point")
    if array.size and float(np.max(np.abs(array))) >= _LIMIT:
        raise ConfigError(f"values must have magnitude below {_LIMIT:.3g} to be summed exactly")
    return [round(float(x) * _SCALE) % RING for x in array]


def decode_fixed(elements: Sequence[int]) -> np.ndarray:
    """Decode fixed-point elements of Z_2^128 back to floats."""
    half = RING >> 1
    return np.array([(e - RING if e >= half else e) / _SCALE for e in elements], dtype=np.float64)


def secure_sum(ctx: Context, values: Sequence[int]) -> list[int]:
    """Sum every party's ``values`` (elements of Z_2^128) so that all learn only the total."""
    vector = [int(v) % RING for v in values]
    with ctx.scope("secure_sum"):
        mask = [0] * len(vector)
        for peer in ctx.others:
            if ctx.parties.index(peer) > ctx.index:
                seed = new_seed()
                ctx.send(peer, "seed", seed)
                sign = 1
            else:
                seed = ctx.recv(peer, "seed")
                if not isinstance(seed, bytes):
                    raise ProtocolError(f"{peer!r} sent a seed that is not bytes")
                sign = -1
            stream = PRG(seed).integers(len(vector), AGGREGATE_RING_BITS)
            mask = [(m + sign * r) % RING for m, r in zip(mask, stream, strict=True)]
        masked = [(v + m) % RING for v, m in zip(vector, mask, strict=True)]
        ctx.broadcast("masked", masked)
        total = masked
        for peer, theirs in ctx.gather("masked").items():
            _check_elements(peer, theirs, len(vector))
            total = [(a + b) % RING for a, b in zip(total, theirs, strict=True)]
    return total


def _check_elements(peer: str, value: object, length: int) -> None:
    if not isinstance(value, list) or len(value) != length:
        raise ProtocolError(f"{peer!r} sent a masked vector that is not {length} ring elements")
    for element in value:
        if not isinstance(element, int) or isinstance(element, bool) or not 0 <= element < RING:
            raise ProtocolError(f"{peer!r} sent a masked vector with an element outside the ring")
