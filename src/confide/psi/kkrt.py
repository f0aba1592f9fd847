"""Two-party PSI from OT extension: the batched OPRF of Kolesnikov-Kumaresan-Rosulek-Trieu.

The fast path of :mod:`confide.psi`: a million keys per side in seconds, with symmetric crypto
(AES) for everything but 128 base OTs. Inputs are already canonicalised 16-byte key digests
(one row per key of an ``(n, 16)`` uint8 array); the *receiver* learns which of its keys the
*sender* also holds, the sender learns nothing about the intersection (or, with
``reveal_to_sender``, its own rows of it, in the same order).

Protocol (KKRT, "Efficient Batched Oblivious PRF with Applications to Private Set
Intersection", CCS 2016, section 5). ``R`` has ``n`` digests, ``S`` has ``m``.

1. *Setup* (flow 1, both ways at once). ``R`` sends ``n`` and a fresh key for the cuckoo hash
   functions; ``S`` sends ``m`` and a fresh seed from which both derive the 12 AES keys of the
   pseudo-random code and the public key of the output hash.
2. *Base OTs* (flows 1-3). ``S`` draws a secret ``s`` of 512 bits and receives, by 512 random
   OTs from ``R``, one of each pair of ``R``'s keys ``(k0_i, k1_i)`` as ``s_i`` says. The 512
   OTs come from 128 Chou-Orlandi OTs (:mod:`confide.crypto.ot`: ``A`` from ``S`` in flow 1,
   128 points from ``R`` in flow 2) extended by IKNP (8 KiB from ``S`` in flow 3):
   :func:`~confide.crypto.ot_extension.random_ot_send`.
3. *Cuckoo hashing and OT extension* (flow 4). ``R`` places its digests in ``B`` bins
   (:mod:`confide.psi.cuckoo`), item ``x`` placed by hash function ``i`` in bin ``j``, and
   sets the bin's code word ``c_j = C(x, i)``, 512 bits (all zeros for an empty bin). The
   extension (:mod:`confide.crypto.ot_extension`) leaves ``R`` with ``t_j`` and ``S`` with
   ``q_j = t_j XOR (c_j AND s)``; ``R`` sends ``B * 64`` bytes.
4. *Encodings* (flow 5). For every digest ``y`` and ``i = 0, 1, 2`` (*simple hashing*: all
   three candidate bins ``j = h_i(y)``), ``S`` computes the OPRF value
   ``F_j(y, i) = H(j, q_j XOR (C(y, i) AND s))`` truncated to ``w`` bytes, sorts the ``m``
   values of each ``i`` and sends the three sorted lists (``3 * m * w`` bytes).
   ``R``'s value for its item in bin ``j`` is ``H(j, t_j) = F_j(x, i)``; it looks it up in list
   ``i``. A hit means ``x`` is in the intersection.
5. *Optional* (flow 6, ``reveal_to_sender``): ``R`` sends, for each hit, the list and position
   it matched (16 bytes); ``S`` maps them to its own rows. Both return rows ordered by the
   matched OPRF value: row ``k`` is the same key on both sides, in an order that reveals
   neither input order.

Rounds: 5 one-way flows, 6 with ``reveal_to_sender``; each party waits on the other 2 or 3
times. Bytes: ``R`` sends ``64 * B + 8,300`` (``B`` about ``1.54 n``: 98 MB at a million),
``S`` sends ``3 * w * m + 8,350`` (30 MB at a million).

Parameters (``sigma`` = :data:`~confide.params.STATISTICAL_SECURITY_BITS` = 40,
``kappa`` = :data:`~confide.params.COMPUTATIONAL_SECURITY_BITS` = 128):

- *Bins*: ``B = e * n`` with ``e = (sigma + 130 + log2 n) / 123.5`` (stash-less cuckoo hashing
  fails w.p. ``2**-sigma``; derivation in :mod:`confide.psi.cuckoo`).
- *Code width* ``k = 512`` (:data:`CODE_BITS`, four AES blocks). ``C(x, i)`` is AES under 4
  independent keys per hash function ``i``, i.e. a PRF: code words of distinct inputs are
  independent uniform strings. Security needs every pair (receiver code word, sender code word
  evaluated in the same bin) to differ in at least ``kappa`` bits (against an empty bin's zero
  word: the sender's word to weigh at least ``kappa``, the same bound). One pair fails w.p.
  ``Pr[Binomial(512, 1/2) < 128] = 2**-102.3`` (:data:`CODE_TAIL_LOG2`, exact); there are
  ``3m`` such pairs (``B * 3m`` < 2**61 even counting every pair), so the union bound stays
  below ``2**-sigma`` for up to :data:`MAX_ITEMS` = 2**28 keys per side.
- *Output length*: ``R`` compares each of its ``n`` values with the ``m`` values of one list, so
  ``n * m`` comparisons, each a false positive w.p. ``2**-l`` (outputs are pseudo-random):
  ``l = sigma + ceil(log2 n) + ceil(log2 m)`` bits, rounded up to bytes ``w`` (10 bytes at
  a million keys per side; :func:`output_bytes`).

Security (semi-honest, computational 128-bit, statistical 40-bit):

- ``S``'s view: ``n``, the cuckoo key, the base-OT points (uniform, :mod:`confide.crypto.ot`)
  and the extension rows ``u``, each column masked by a PRG stream seeded by a base-OT key
  ``S`` did not receive: pseudo-random, independent of ``R``'s digests. ``S`` learns ``n`` and
  nothing else (with ``reveal_to_sender`` also the intersection, as intended).
- ``R``'s view: ``m``, the code seed and the ``3m`` encodings. An encoding of a ``y`` that
  ``R`` does not hold differs from anything ``R`` can compute in at least 128 bits of the
  unknown ``s`` (the code-distance bound), so through the correlation-robust hash
  (:func:`~confide.crypto.ot_extension.hash_rows`, fixed-key AES in the random-permutation
  model) it is pseudo-random; sorting removes the order of ``S``'s input. ``R`` learns ``m``
  and the intersection.
- The cuckoo table fails (an error, no output) w.p. ``2**-40``; a false positive in the
  intersection has probability at most ``2**-40``.
"""

from __future__ import annotations

import math
import secrets

import numpy as np

from confide.crypto.ot import expect_array
from confide.crypto.ot_extension import (
    FixedKeyAes,
    extend_receive,
    extend_send,
    hash_rows,
    random_ot_receive,
    random_ot_send,
)
from confide.crypto.prg import PRG, new_seed
from confide.errors import ConfigError, ProtocolError
from confide.net.wire import Value
from confide.params import COMPUTATIONAL_SECURITY_BITS, SEED_BYTES, STATISTICAL_SECURITY_BITS
from confide.psi.cuckoo import DIGEST_BYTES, NUM_HASHES, bin_candidates, cuckoo_place, num_bins
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = [
    "CODE_BITS",
    "CODE_TAIL_LOG2",
    "DISCLOSURE",
    "MAX_ITEMS",
    "kkrt_intersect",
    "output_bytes",
]

DISCLOSURE = (
    Disclosure("the receiver", "the sender's number of keys", "the size of the encodings"),
    Disclosure("the receiver", "which of its keys the sender also holds", "the output"),
    Disclosure("the sender", "the receiver's number of keys", "it sizes the cuckoo table"),
    Disclosure(
        "the sender, with reveal_to_sender only",
        "which of its keys are in the intersection",
        "the receiver sends back its matches",
    ),
)

#: Width of the pseudo-random code in bits: four AES blocks.
CODE_BITS = 512

#: Most keys per side for which the code-distance and output-length bounds hold.
MAX_ITEMS = 1 << 28


def _binomial_tail_log2(trials: int, below: int) -> float:
    """``log2 Pr[Binomial(trials, 1/2) < below]``, exactly (big integers)."""
    return math.log2(sum(math.comb(trials, i) for i in range(below))) - trials


#: ``log2 Pr[two random code words differ in fewer than kappa bits]``: about -102.3.
CODE_TAIL_LOG2 = _binomial_tail_log2(CODE_BITS, COMPUTATIONAL_SECURITY_BITS)

_CODE_BYTES = CODE_BITS // 8
_BLOCKS = _CODE_BYTES // 16
_CHUNK = 1 << 15  # sender digests encoded at a time: keeps the working set in cache
_MAX_RUN = 8  # most sender values sharing their first 64 bits that we accept (honest: < 2**-200)


def output_bytes(receiver_items: int, sender_items: int) -> int:
    """Bytes of each OPRF value so that ``n * m`` comparisons err w.p. at most ``2**-sigma``."""
    bits = (
        STATISTICAL_SECURITY_BITS
        + math.ceil(math.log2(max(receiver_items, 1)))
        + math.ceil(math.log2(max(sender_items, 1)))
    )
    return -(-bits // 8)


def _check_digests(hashed_keys: np.ndarray) -> np.ndarray:
    keys = np.asarray(hashed_keys)
    if keys.dtype != np.uint8 or keys.ndim != 2 or keys.shape[1] != DIGEST_BYTES:
        raise ConfigError(f"hashed keys must be an (n, {DIGEST_BYTES}) uint8 array")
    if keys.shape[0] > MAX_ITEMS:
        raise ConfigError(f"at most {MAX_ITEMS} keys per side, got {keys.shape[0]}")
    keys = np.ascontiguousarray(keys)
    words = keys.view("<u8")
    first = np.sort(words[:, 0])
    if np.any(first[1:] == first[:-1]):
        shared = np.unique(first[1:][first[1:] == first[:-1]])
        suspects = words[np.isin(words[:, 0], shared)]
        rows = suspects[np.lexsort((suspects[:, 1], suspects[:, 0]))]
        repeats = int(np.count_nonzero(np.all(rows[1:] == rows[:-1], axis=1)))
        if repeats:
            raise ConfigError(f"the hashed keys hold {repeats} duplicates; deduplicate first")
    return keys


def _code_keys(seed: bytes) -> tuple[list[list[FixedKeyAes]], bytes]:
    """The code's AES PRFs, ``[i][b]`` for hash function ``i`` and block ``b``, and the key of
    the output hash, all from the sender's seed."""
    stream = PRG(seed).bytes(SEED_BYTES * (NUM_HASHES * _BLOCKS + 1))
    prfs = [
        FixedKeyAes(stream[k * SEED_BYTES : (k + 1) * SEED_BYTES])
        for k in range(NUM_HASHES * _BLOCKS)
    ]
    code = [prfs[i * _BLOCKS : (i + 1) * _BLOCKS] for i in range(NUM_HASHES)]
    return code, stream[-SEED_BYTES:]


def _take_rows(array: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``array[index]`` for a 2-d uint8 array, moving whole rows (far faster than numpy's
    element-wise fancy indexing)."""
    width = array.shape[1]
    rows = np.ascontiguousarray(array).view(np.dtype((np.void, width))).ravel()
    taken: np.ndarray = rows[index].view(np.uint8).reshape(index.size, width)
    return taken


def _put_rows(array: np.ndarray, index: np.ndarray, values: np.ndarray) -> None:
    """``array[index] = values`` for a C-contiguous 2-d uint8 array, whole rows at a time."""
    row = np.dtype((np.void, array.shape[1]))
    array.view(row).ravel()[index] = np.ascontiguousarray(values).view(row).ravel()


def _code_words(digests: np.ndarray, code: list[FixedKeyAes]) -> np.ndarray:
    """``C(x, i)`` for each digest ``x``: ``(n, 64)`` uint8, block ``b`` = AES_{key b}(x)."""
    out = np.empty((digests.shape[0], _CODE_BYTES), dtype=np.uint8)
    for b, prf in enumerate(code):
        out[:, 16 * b : 16 * b + 16] = prf(digests)
    return out


def _sender_values(
    q: np.ndarray,
    keys: np.ndarray,
    at: np.ndarray,
    code: list[FixedKeyAes],
    delta: np.ndarray,
    hash_key: bytes,
    width: int,
) -> np.ndarray:
    """``H(j, q_j ^ (C(y, i) & s))`` for each digest ``y`` at its bin ``j = at[y]``."""
    out = np.empty((keys.shape[0], width), dtype=np.uint8)
    for start in range(0, keys.shape[0], _CHUNK):
        bins = at[start : start + _CHUNK]
        rows = _take_rows(q, bins).view("<u8")
        masked = _code_words(keys[start : start + _CHUNK], code).view("<u8")
        np.bitwise_and(masked, delta, out=masked)
        np.bitwise_xor(rows, masked, out=rows)
        out[start : start + _CHUNK] = hash_rows(
            rows.view(np.uint8), bins.astype(np.uint64), hash_key, width
        )
    return out


def _split(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OPRF values of ``w <= 16`` bytes as two uint64 words: the first 8 bytes, and the rest."""
    padded = np.zeros((values.shape[0], 16), dtype=np.uint8)
    padded[:, : values.shape[1]] = values
    words = padded.view("<u8")
    return words[:, 0].copy(), words[:, 1].copy()


def _canonical_order(values: np.ndarray) -> np.ndarray:
    """The permutation that sorts ``values`` (rows of bytes) by their two words."""
    hi, lo = _split(values)
    order = np.argsort(hi, kind="stable")
    sorted_hi = hi[order]
    tied = np.flatnonzero(sorted_hi[1:] == sorted_hi[:-1])
    if tied.size:  # rare: put rows that share their first word in order of the second
        where = np.union1d(tied, tied + 1)
        members = order[where]
        order[where] = members[np.lexsort((lo[members], hi[members]))]
    return order


def _lookup(peer: str, own: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Position in ``theirs`` (sorted) of each row of ``own``, or -1."""
    hi, lo = _split(own)
    their_hi, their_lo = _split(theirs)
    if np.any(their_hi[1:] < their_hi[:-1]):
        raise ProtocolError(f"{peer!r} sent encodings that are not sorted")
    found = np.full(own.shape[0], -1, dtype=np.int64)
    if not theirs.shape[0] or not own.shape[0]:
        return found
    start = np.searchsorted(their_hi, hi, side="left")
    last = theirs.shape[0] - 1
    for step in range(_MAX_RUN + 1):
        at = start + step
        clipped = np.minimum(at, last)
        active = (at <= last) & (their_hi[clipped] == hi) & (found < 0)
        if not active.any():
            return found
        if step == _MAX_RUN:
            break
        hit = active & (their_lo[clipped] == lo)
        found[hit] = at[hit]
    raise ProtocolError(f"{peer!r} sent more than {_MAX_RUN} encodings sharing 64 bits")


def _check_setup(peer: str, value: Value, seed_name: str) -> tuple[int, bytes]:
    if not isinstance(value, dict) or set(value) != {"size", seed_name}:
        raise ProtocolError(f"{peer!r} sent a setup message that is not {{size, {seed_name}}}")
    size, seed = value["size"], value[seed_name]
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_ITEMS:
        raise ProtocolError(f"{peer!r} sent a set size outside 0..{MAX_ITEMS}")
    if not isinstance(seed, bytes) or len(seed) != SEED_BYTES:
        raise ProtocolError(f"{peer!r} sent a {seed_name} that is not {SEED_BYTES} bytes")
    return size, seed


def _receive(ctx: Context, sender: str, keys: np.ndarray, reveal: bool) -> np.ndarray:
    n = keys.shape[0]
    bins = num_bins(n)
    hash_seed = new_seed()
    ctx.send(sender, "setup", {"size": n, "hash_seed": hash_seed})
    base = random_ot_send(ctx, sender, CODE_BITS)
    m, code_seed = _check_setup(sender, ctx.recv(sender, "setup"), "code_seed")
    code_keys, hash_key = _code_keys(code_seed)
    table = cuckoo_place(bin_candidates(keys, hash_seed, bins), bins)
    by_function = np.argsort(table.function[table.occupied], kind="stable")
    occupied = table.occupied[by_function]  # bins holding an item, grouped by hash function
    items, functions = table.item[occupied], table.function[occupied]
    bounds = np.searchsorted(functions, np.arange(NUM_HASHES + 1))
    codes = np.zeros((bins, _CODE_BYTES), dtype=np.uint8)  # an empty bin's code word is 0
    for i in range(NUM_HASHES):
        group = slice(bounds[i], bounds[i + 1])
        words = _code_words(_take_rows(keys, items[group]), code_keys[i])
        _put_rows(codes, occupied[group], words)
    t = extend_receive(ctx, sender, base, codes)
    width = output_bytes(n, m)
    values = hash_rows(_take_rows(t, occupied), occupied.astype(np.uint64), hash_key, width)
    shape = (NUM_HASHES, m, width)
    encodings = expect_array(sender, ctx.recv(sender, "encodings"), "encodings", np.uint8, shape)
    position = np.full(occupied.size, -1, dtype=np.int64)
    for i in range(NUM_HASHES):
        group = slice(bounds[i], bounds[i + 1])
        position[group] = _lookup(sender, values[group], encodings[i])
    hits = np.flatnonzero(position >= 0)
    if not reveal:
        ascending: np.ndarray = np.sort(items[hits])
        return ascending
    order = hits[_canonical_order(values[hits])]
    matches = np.stack([functions[order].astype(np.int64), position[order]], axis=1)
    ctx.send(sender, "matches", matches)
    shared_order: np.ndarray = items[order]
    return shared_order


def _send(ctx: Context, receiver: str, keys: np.ndarray, reveal: bool) -> np.ndarray | None:
    m = keys.shape[0]
    code_seed = new_seed()
    ctx.send(receiver, "setup", {"size": m, "code_seed": code_seed})
    n, hash_seed = _check_setup(receiver, ctx.recv(receiver, "setup"), "hash_seed")
    bins = num_bins(n)
    secret = np.frombuffer(secrets.token_bytes(CODE_BITS // 8), dtype=np.uint8)
    choices = np.unpackbits(secret, bitorder="little").astype(bool)  # s: the sender's secret
    base = random_ot_receive(ctx, receiver, choices)
    candidates = bin_candidates(keys, hash_seed, bins)  # while the receiver hashes its own
    q = extend_send(ctx, receiver, base, choices, bins)
    delta = np.packbits(choices, bitorder="little").view("<u8")
    code_keys, hash_key = _code_keys(code_seed)
    width = output_bytes(n, m)
    encodings = np.empty((NUM_HASHES, m, width), dtype=np.uint8)
    orders = []
    for i in range(NUM_HASHES):
        values = _sender_values(q, keys, candidates[i], code_keys[i], delta, hash_key, width)
        order = _canonical_order(values)
        encodings[i] = values[order]
        orders.append(order)
    ctx.send(receiver, "encodings", encodings)
    if not reveal:
        return None
    matches = ctx.recv(receiver, "matches")
    if not isinstance(matches, np.ndarray) or matches.ndim != 2 or matches.shape[1:] != (2,):
        raise ProtocolError(f"{receiver!r} sent matches that are not a (k, 2) array")
    matches = expect_array(receiver, matches, "matches", np.int64, (matches.shape[0], 2))
    lists, positions = matches[:, 0], matches[:, 1]
    if np.any((lists < 0) | (lists >= NUM_HASHES) | (positions < 0) | (positions >= m)):
        raise ProtocolError(f"{receiver!r} sent matches outside the encodings")
    rows: np.ndarray = np.stack(orders)[lists, positions].astype(np.int64)
    if np.unique(rows).size != rows.size:
        raise ProtocolError(f"{receiver!r} sent the same match twice")
    return rows


def kkrt_intersect(
    ctx: Context,
    hashed_keys: np.ndarray,
    receiver: str,
    *,
    sender: str | None = None,
    reveal_to_sender: bool = False,
) -> np.ndarray | None:
    """Private set intersection of two parties' key digests by KKRT OPRF (see module doc).

    Both parties call it with their own ``hashed_keys`` (``(n, 16)`` uint8, no duplicates) and
    the same ``receiver`` (and ``sender``, needed only when the job has more than two parties).
    The receiver gets the int64 indices of its keys that the sender also holds, ascending.
    The sender gets None; with ``reveal_to_sender`` both get their indices of the
    intersection in one shared pseudo-random order (row ``k`` is the same key on both sides).

    Semi-honest; 5 one-way flows (6 with ``reveal_to_sender``); the receiver sends about
    ``98 * n`` bytes, the sender ``3 * w * m`` (``w`` = :func:`output_bytes`, 10 at a
    million keys a side). The receiver learns ``m`` and the intersection, the sender ``n``
    (and its rows of the intersection with ``reveal_to_sender``): :data:`DISCLOSURE`.
    """
    others = [p for p in ctx.parties if p != receiver]
    if receiver not in ctx.parties:
        raise ConfigError(f"the receiver {receiver!r} is not a party of this job")
    if sender is None:
        if len(others) != 1:
            raise ConfigError("name the sender: the job has more than two parties")
        sender = others[0]
    if sender not in others:
        raise ConfigError(f"the sender {sender!r} must be a party other than the receiver")
    if ctx.party not in (receiver, sender):
        raise ConfigError(f"{ctx.party!r} is neither the receiver nor the sender")
    keys = _check_digests(hashed_keys)
    with ctx.scope("kkrt"):
        if ctx.party == receiver:
            return _receive(ctx, sender, keys, reveal_to_sender)
        return _send(ctx, receiver, keys, reveal_to_sender)
