"""Spreading homomorphic work over a :class:`~confide.crypto.parallel.WorkerPool`.

:func:`chunks` and :func:`spread` decide whether an operation stays in this process or is cut into
chunks for the pool (each caller gives its ``min_chunk``: below twice that, shipping the work costs
more than it saves). The ``work_*`` functions are the pool tasks that need only the modulus and
the ciphertext width, the same for both schemes; each scheme keeps the tasks that need its key
(encryption, decryption, randomness) in its own ``workers`` module. The pool's processes are
spawned, so each task is a top-level function found by its module path and takes a tuple of ints,
bytes and numpy arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from confide.crypto.he_core.gmp import Mpz, mpz
from confide.crypto.he_core.ops import from_blob, group_sums, mul_list, pack_list, to_blob
from confide.crypto.parallel import WorkerPool, split

__all__ = [
    "MIN_CHUNK_GROUP",
    "MIN_CHUNK_MUL",
    "MIN_CHUNK_PACK",
    "chunks",
    "spread",
    "work_group_sum",
    "work_mul",
    "work_pack",
]

# Chunk floors of the operations on ciphertexts alone, tuned on 2048-bit keys: a ``c**k`` costs
# about 4 us (Paillier) or 1.5 us (OU) per bit of ``k``, a grouped sum about 5 us or 1.5 us per
# element and column.
MIN_CHUNK_MUL = 64
MIN_CHUNK_GROUP = 1024
MIN_CHUNK_PACK = 256  # joined ciphertexts' inputs per chunk


def chunks(pool: WorkerPool | None, count: int, min_chunk: int) -> list[slice] | None:
    """Slices to spread ``count`` items over ``pool``, or None to stay in this process."""
    if pool is None or count < 2 * min_chunk:
        return None
    # A few chunks per worker balance the load on a machine shared with other work.
    return split(count, min(4 * pool.processes, count // min_chunk))


def spread(
    pool: WorkerPool | None,
    count: int,
    min_chunk: int,
    local: Callable[[slice], list[Mpz]],
    work: Callable[[Any], Any],
    task: Callable[[slice], tuple[Any, ...]],
    width: int | None,
) -> list[Mpz]:
    """``local(slice(0, count))`` in this process, or ``work(task(s))`` for chunks ``s`` in
    ``pool``, concatenated: ciphertexts of ``width`` bytes each, or ints if ``width`` is None."""
    parts = chunks(pool, count, min_chunk)
    if parts is None or pool is None:
        return local(slice(0, count))
    results = pool.map(work, [task(s) for s in parts])
    if width is None:
        return [mpz(m) for part in results for m in part]
    return [c for blob in results for c in from_blob(blob, width)]


def work_mul(task: tuple[Any, ...]) -> bytes:
    """Pool task: ``c**k mod modulus``; ``(modulus, width, blob, ks)`` in, blob out."""
    modulus, width, blob, ks = task
    return to_blob(mul_list(from_blob(blob, width), ks, mpz(modulus)), width)


def work_group_sum(task: tuple[Any, ...]) -> bytes:
    """Pool task: grouped products; ``(modulus, width, blob, table, n_groups)`` in, blob out."""
    modulus, width, blob, table, n_groups = task
    return to_blob(group_sums(from_blob(blob, width), table, n_groups, mpz(modulus)), width)


def work_pack(task: tuple[Any, ...]) -> bytes:
    """Pool task: packing; ``(modulus, width, blob, count, shift_bits)`` in, blob out."""
    modulus, width, blob, count, shift_bits = task
    return to_blob(pack_list(from_blob(blob, width), count, shift_bits, mpz(modulus)), width)
