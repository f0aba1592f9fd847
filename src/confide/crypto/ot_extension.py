"""OT extension (IKNP, generalised to codes as in KKRT): millions of OTs from a few base OTs.

The core is one *correlation* between two parties. The receiver holds a code word ``c_j`` of
``K`` bits for every row ``j``; afterwards it knows a random row ``t_j`` and the sender knows a
secret ``s`` of ``K`` bits and ``q_j = t_j XOR (c_j AND s)``. With ``c_j`` all zeros or all ones
(``K = 128``) this is Ishai-Kilian-Nissim-Petrank OT extension (CRYPTO 2003): hashing
``q_j`` and ``q_j XOR s`` gives the sender two pads of which the receiver knows exactly the one
it chose. With ``c_j`` a pseudo-random code word of ``K = 512`` bits it is the batched
oblivious PRF of Kolesnikov, Kumaresan, Rosulek and Trieu (CCS 2016), used by
:mod:`confide.psi.kkrt`.

Extension protocol (after ``K`` base OTs, :mod:`confide.crypto.ot`, in which the *receiver*
here is the base-OT sender with keys ``(k0_i, k1_i)`` and the *sender* here the base-OT
receiver with choice bits ``s``):

1. Both parties stretch their base keys with the AES-CTR PRG into ``K`` columns of ``count``
   bits: the receiver ``G0_i = PRG(k0_i)`` and ``G1_i = PRG(k1_i)``, the sender
   ``G_i = PRG(k_{s_i})``.
2. The receiver transposes ``G0`` into rows ``t_j`` and sends ``u_j = t_j XOR g1_j XOR c_j``
   (``g1_j`` the rows of ``G1``). One flow, ``count * K / 8`` bytes, sent in batches.
3. The sender computes ``q_j = g_j XOR (u_j AND s)``. Where ``s_i = 0`` this is ``t_j``'s bit;
   where ``s_i = 1`` it is ``g1_j XOR t_j XOR g1_j XOR c_j``, hence ``q_j = t_j XOR (c_j AND s)``.

Security (semi-honest): the sender sees ``u``, each column of which is masked by the PRG stream
of the base key it did not receive, so ``u`` is pseudo-random and says nothing about the codes.
The receiver sees nothing in the extension itself; what protects the sender is that each
``q_j XOR (c AND s)`` for ``c != c_j`` differs from the receiver's ``t_j`` on the bits of the
unknown ``s`` where ``c`` and ``c_j`` differ, which :func:`hash_rows` turns into pseudo-random
output when there are at least 128 such bits.

On top of the core: :func:`random_ot_send` / :func:`random_ot_receive` (any number of random
1-out-of-2 OTs from 128 base OTs; also the base OTs of the KKRT extension, so that it needs
128 public-key OTs rather than 512) and :func:`ot_send` / :func:`ot_receive` (chosen messages).

Everything is vectorised over rows with numpy; Python loops run only over the ``K`` columns,
the blocks of a row and the batches. The bit-matrix transpose works on 8x8 bit blocks held in
``uint64`` words (three delta swaps, Hacker's Delight, section 7-3).
"""

from __future__ import annotations

import secrets

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from confide.crypto.ot import base_ot_receive, base_ot_send, expect_array
from confide.crypto.prg import PRG, new_seed
from confide.errors import ConfigError, ProtocolError
from confide.params import COMPUTATIONAL_SECURITY_BITS, SEED_BYTES
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = [
    "BATCH_ROWS",
    "DISCLOSURE",
    "FixedKeyAes",
    "IKNP_WIDTH",
    "extend_receive",
    "extend_send",
    "hash_rows",
    "ot_receive",
    "ot_send",
    "random_ot_receive",
    "random_ot_send",
]

DISCLOSURE = (
    Disclosure("the OT sender", "nothing about the receiver's choices or code words"),
    Disclosure(
        "the OT receiver",
        "the messages it chose and nothing about the others",
        "each other message is masked by a hash of at least 128 bits it cannot guess",
    ),
)

#: Columns of the IKNP matrix for 1-out-of-2 OT: one base OT per bit of computational security.
IKNP_WIDTH = COMPUTATIONAL_SECURITY_BITS

#: Rows per batch of the extension (a multiple of 8): 2**16 rows of 512 bits are 4 MiB.
BATCH_ROWS = 1 << 16

_BLOCK = 16  # bytes in an AES block
_TWEAK_ROW_BLOCK = 1 << 32  # tweak high word: block index of the row, in the low 32 bits
_TWEAK_OUTPUT = 2 << 32  # tweak high word: output block index, in the low 32 bits
_HASH_CHUNK = 1 << 15  # rows hashed at a time: keeps the working set in cache
_TILE_ROWS = 1 << 12  # rows transposed at a time: keeps the working set in cache

# Masks of the three delta swaps that transpose an 8x8 bit matrix held in a uint64.
_SWAPS = (
    (np.uint64(7), np.uint64(0x00AA00AA00AA00AA)),
    (np.uint64(14), np.uint64(0x0000CCCC0000CCCC)),
    (np.uint64(28), np.uint64(0x00000000F0F0F0F0)),
)


def _check_width(width_bits: int) -> int:
    if width_bits <= 0 or width_bits % (8 * _BLOCK):
        raise ConfigError(
            f"the extension width must be a positive multiple of 128, not {width_bits}"
        )
    return width_bits // 8


def _columns_to_rows(columns: np.ndarray, out: np.ndarray) -> None:
    """Transpose a bit matrix given as columns into ``out``.

    ``columns[g, a, k]`` is byte ``a`` of column ``8g + k`` (bit ``c`` of that byte is row
    ``8a + c``); ``out[r, g]`` receives columns ``8g .. 8g + 7`` of row ``r`` (bit ``k`` is
    column ``8g + k``), the layout of ``np.packbits(..., bitorder="little")``. Works on tiles
    of :data:`_TILE_ROWS` rows so that each tile stays in the CPU cache.
    """
    groups, row_bytes, _ = columns.shape
    tile_bytes = _TILE_ROWS // 8
    scratch = np.empty((groups, min(tile_bytes, row_bytes), 8), dtype=np.uint8)
    spare = np.empty((groups, scratch.shape[1]), dtype="<u8")
    for a0 in range(0, row_bytes, tile_bytes):
        a1 = min(row_bytes, a0 + tile_bytes)
        tile = scratch[:, : a1 - a0]
        np.copyto(tile, columns[:, a0:a1])
        words = tile.view("<u8").reshape(groups, a1 - a0)
        swap = spare[:, : a1 - a0]
        for shift, mask in _SWAPS:  # each 8x8 bit block in place: byte k bit c -> byte c bit k
            np.right_shift(words, shift, out=swap)
            np.bitwise_xor(swap, words, out=swap)
            np.bitwise_and(swap, mask, out=swap)
            np.bitwise_xor(words, swap, out=words)
            np.left_shift(swap, shift, out=swap)
            np.bitwise_xor(words, swap, out=words)
        flat = tile.reshape(groups, (a1 - a0) * 8)
        rows = out[8 * a0 : 8 * a1]
        for g in range(groups):  # one strided copy per byte column: far faster than a 3-d copy
            rows[:, g] = flat[g]


def _fill(streams: list[PRG], rows: int) -> np.ndarray:
    """The next ``rows`` bits of every column stream, in :func:`_columns_to_rows`'s layout."""
    columns = np.empty((len(streams) // 8, rows // 8, 8), dtype=np.uint8)
    for i, stream in enumerate(streams):
        columns[i // 8, :, i % 8] = np.frombuffer(stream.bytes(rows // 8), dtype=np.uint8)
    return columns


def _batches(count: int) -> list[tuple[int, int]]:
    """``(start, rows)`` of each batch over ``count`` rows padded to a multiple of 8."""
    padded = -(-count // 8) * 8
    return [(start, min(BATCH_ROWS, padded - start)) for start in range(0, padded, BATCH_ROWS)]


def _check_keys(keys: np.ndarray, what: str) -> np.ndarray:
    array = np.asarray(keys)
    if array.dtype != np.uint8 or array.ndim != 2 or array.shape[1] != SEED_BYTES:
        raise ConfigError(f"{what} must be a (K, {SEED_BYTES}) uint8 array")
    _check_width(array.shape[0])
    return array


def extend_receive(
    ctx: Context, peer: str, base_keys: tuple[np.ndarray, np.ndarray], codes: np.ndarray
) -> np.ndarray:
    """Be the extension receiver: send ``u`` for ``codes``; return the rows ``t``.

    ``base_keys`` are this party's ``(k0, k1)`` from :func:`~confide.crypto.ot.base_ot_send`
    with ``peer``; ``codes`` is ``(count, K/8)`` uint8, one code word per row (bits in
    ``np.packbits(..., bitorder="little")`` order). The result has the same shape.
    """
    k0 = _check_keys(base_keys[0], "base keys k0")
    k1 = _check_keys(base_keys[1], "base keys k1")
    width = k0.shape[0] // 8
    if k1.shape != k0.shape:
        raise ConfigError("base keys k0 and k1 must have the same shape")
    codes = np.asarray(codes)
    if codes.dtype != np.uint8 or codes.ndim != 2 or codes.shape[1] != width:
        raise ConfigError(f"codes must be a (count, {width}) uint8 array")
    count = codes.shape[0]
    streams0 = [PRG(key.tobytes()) for key in k0]
    streams1 = [PRG(key.tobytes()) for key in k1]
    t = np.empty((-(-count // 8) * 8, width), dtype=np.uint8)
    with ctx.scope("ot_extension"):
        for start, rows in _batches(count):
            columns0 = _fill(streams0, rows)
            both = np.bitwise_xor(columns0, _fill(streams1, rows))
            _columns_to_rows(columns0, t[start : start + rows])
            u = np.empty((rows, width), dtype=np.uint8)
            _columns_to_rows(both, u)
            stop = min(count, start + rows)
            u[: stop - start] ^= codes[start:stop]
            ctx.send(peer, "u", u)
    return t[:count]


def extend_send(
    ctx: Context, peer: str, base_keys: np.ndarray, base_choices: np.ndarray, count: int
) -> np.ndarray:
    """Be the extension sender for ``count`` rows; return ``q`` with ``q_j = t_j ^ (c_j & s)``.

    ``base_keys`` and ``base_choices`` are this party's keys and choice bits ``s`` from
    :func:`~confide.crypto.ot.base_ot_receive` with ``peer``. The result is ``(count, K/8)``
    uint8; ``s`` itself is ``np.packbits(base_choices, bitorder="little")``.
    """
    keys = _check_keys(base_keys, "base keys")
    width = keys.shape[0] // 8
    choices = np.asarray(base_choices).astype(bool)
    if choices.shape != (keys.shape[0],):
        raise ConfigError(f"base choices must be {keys.shape[0]} bits")
    if count < 0:
        raise ConfigError(f"cannot extend to {count} rows")
    delta = np.packbits(choices, bitorder="little")
    streams = [PRG(key.tobytes()) for key in keys]
    q = np.empty((-(-count // 8) * 8, width), dtype=np.uint8)
    with ctx.scope("ot_extension"):
        for start, rows in _batches(count):
            rows_q = q[start : start + rows]
            _columns_to_rows(_fill(streams, rows), rows_q)
            shape = (rows, width)
            u = expect_array(peer, ctx.recv(peer, "u"), "OT-extension rows", np.uint8, shape)
            np.bitwise_and(u, delta, out=u)
            np.bitwise_xor(rows_q, u, out=rows_q)
    return q[:count]


class FixedKeyAes:
    """AES-128 under one key, applied to every 16-byte block of a numpy array at once.

    Used as a fixed public permutation ``pi`` (fixed-key AES, for :func:`hash_rows`) or, under
    a secret or fresh key, as a PRF on single blocks (code words, cuckoo hash functions). ECB
    here is a block-by-block evaluation, never a way to encrypt data. Results live in one of
    two internal buffers (``slot``) until the next call with the same slot, so that long runs
    of calls touch no fresh memory.
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != _BLOCK:
            raise ConfigError(f"an AES key here is {_BLOCK} bytes")
        cipher = Cipher(algorithms.AES(key), modes.ECB())  # noqa: S305 - a PRP on blocks
        self._encryptor = cipher.encryptor()
        self._buffers = [np.empty(0, dtype=np.uint8), np.empty(0, dtype=np.uint8)]

    def __call__(self, blocks: np.ndarray, slot: int = 0) -> np.ndarray:
        """``pi`` of each block of ``blocks``, same shape and dtype, in buffer ``slot``."""
        source = np.ascontiguousarray(blocks)
        flat = source.view(np.uint8).reshape(-1)
        if flat.size % _BLOCK:
            raise ConfigError("AES needs whole 16-byte blocks")
        if self._buffers[slot].size < flat.size + _BLOCK:
            self._buffers[slot] = np.empty(flat.size + _BLOCK, dtype=np.uint8)
        buffer = self._buffers[slot]
        if flat.size:
            self._encryptor.update_into(flat.data, buffer.data)
        return buffer[: flat.size].view(source.dtype).reshape(source.shape)


def _tccr(
    pi: FixedKeyAes, value: np.ndarray, tweak: np.ndarray, scratch: np.ndarray, into: np.ndarray
) -> None:
    """``into = pi(pi(value) ^ tweak) ^ pi(value)``; ``scratch`` may be ``value``."""
    px = pi(value, 0)
    np.bitwise_xor(px, tweak, out=scratch)
    np.bitwise_xor(pi(scratch, 1), px, out=into)


def hash_rows(rows: np.ndarray, tweaks: np.ndarray, key: bytes, out_bytes: int) -> np.ndarray:
    """Hash each row (a multiple of 16 bytes) with its tweak to ``out_bytes`` bytes.

    A chain of the tweakable circular correlation-robust hash of Guo, Katz, Wang and Yu
    ("Efficient and Secure Multiparty Computation from Fixed-Key Block Ciphers", IEEE S&P 2020,
    section 7.4), ``TCCR(x, w) = pi(pi(x) XOR w) XOR pi(x)`` with ``pi`` fixed-key AES:
    ``h = 0``, then ``h = TCCR(h XOR x_b, (tweak, b))`` for each 16-byte block ``x_b``. Output
    block 0 is ``h``, block ``k > 0`` is ``TCCR(h, (tweak, k))`` in a separate tweak domain.
    For one block and 16 bytes out this is exactly their TCCR. For wider rows, in the
    random-permutation model: learning anything about the output needs a query of ``pi`` at
    the last chain input, which needs every earlier chain value, so an input with ``e`` bits
    unknown to the adversary (spread over any blocks) costs about ``2**min(e, 128)`` queries.

    ``rows``: ``(n, W)`` uint8, ``W`` a multiple of 16; ``tweaks``: ``(n,)`` uint64 (the row's
    index or bin); ``key``: 16 public random bytes, agreed per session.
    """
    array = np.ascontiguousarray(rows, dtype=np.uint8)
    if array.ndim != 2 or array.shape[1] == 0 or array.shape[1] % _BLOCK:
        raise ConfigError("rows to hash must be (n, W) uint8 with W a multiple of 16")
    if out_bytes <= 0:
        raise ConfigError(f"cannot hash to {out_bytes} bytes")
    n, width = array.shape
    tweak_words = np.asarray(tweaks, dtype=np.uint64)
    if tweak_words.shape != (n,):
        raise ConfigError(f"need one tweak per row: {n}, got shape {tweak_words.shape}")
    pi = FixedKeyAes(key)
    out_blocks = -(-out_bytes // _BLOCK)
    out = np.empty((n, out_blocks * 2), dtype="<u8")
    words = array.view("<u8").reshape(n, width // _BLOCK, 2)
    for start in range(0, n, _HASH_CHUNK):
        stop = min(n, start + _HASH_CHUNK)
        size = stop - start
        tweak = np.empty((size, 2), dtype="<u8")
        tweak[:, 0] = tweak_words[start:stop]
        chain = np.zeros((size, 2), dtype="<u8")
        scratch = np.empty_like(chain)
        for b in range(width // _BLOCK):
            tweak[:, 1] = _TWEAK_ROW_BLOCK | b
            np.bitwise_xor(chain, words[start:stop, b], out=scratch)
            _tccr(pi, scratch, tweak, scratch, chain)
        out[start:stop, :2] = chain
        for k in range(1, out_blocks):
            tweak[:, 1] = _TWEAK_OUTPUT | k
            _tccr(pi, chain, tweak, scratch, out[start:stop, 2 * k : 2 * k + 2])
    return np.ascontiguousarray(out.view(np.uint8)[:, :out_bytes])


def _check_bits(choices: np.ndarray, what: str) -> np.ndarray:
    bits = np.asarray(choices)
    if bits.ndim != 1 or not (
        bits.dtype == np.bool_
        or (np.issubdtype(bits.dtype, np.integer) and np.all((bits == 0) | (bits == 1)))
    ):
        raise ConfigError(f"{what} must be a 1-d array of bools or 0/1 integers")
    return bits.astype(bool)


def random_ot_send(
    ctx: Context, peer: str, count: int, length: int = SEED_BYTES
) -> tuple[np.ndarray, np.ndarray]:
    """Be the sender of ``count`` random 1-out-of-2 OTs; return pads ``(p0, p1)``.

    Each is ``(count, length)`` uint8 and pseudo-random; ``peer`` (in
    :func:`random_ot_receive`) gets ``p0[j]`` or ``p1[j]`` as its choice bit ``j`` says.
    Steps: 128 base OTs with this party as base-OT receiver (2 flows: ``A`` from ``peer``,
    then 128 points and a fresh public hash key from here), then IKNP (1 flow:
    ``count * 16`` bytes of ``u`` from ``peer``). This party sends ``8,192 + 16`` bytes.
    Pads: ``p0[j] = H(j, q_j)``, ``p1[j] = H(j, q_j ^ s)`` (:func:`hash_rows`).
    """
    if count < 0 or length <= 0:
        raise ConfigError(f"cannot make {count} random OTs of {length} bytes")
    with ctx.scope("random_ot"):
        secret = np.frombuffer(secrets.token_bytes(IKNP_WIDTH // 8), dtype=np.uint8)
        choices = np.unpackbits(secret, bitorder="little").astype(bool)
        keys = base_ot_receive(ctx, peer, choices)
        key = new_seed()
        ctx.send(peer, "hash_key", key)
        q = extend_send(ctx, peer, keys, choices, count)
    index = np.arange(count, dtype=np.uint64)
    return hash_rows(q, index, key, length), hash_rows(q ^ secret, index, key, length)


def random_ot_receive(
    ctx: Context, peer: str, choices: np.ndarray, length: int = SEED_BYTES
) -> np.ndarray:
    """Be the receiver of ``len(choices)`` random OTs; return the chosen pads.

    ``choices`` is a 1-d array of bits; the result is ``(count, length)`` uint8, row ``j``
    equal to ``peer``'s ``p1[j]`` if ``choices[j]`` else ``p0[j]`` (:func:`random_ot_send`).
    This party sends ``64 + count * 16`` bytes.
    """
    chosen = _check_bits(choices, "random-OT choices")
    if length <= 0:
        raise ConfigError(f"random-OT pads must be at least one byte, not {length}")
    count = chosen.size
    with ctx.scope("random_ot"):
        base = base_ot_send(ctx, peer, IKNP_WIDTH)
        repeated = np.where(chosen, 0xFF, 0).astype(np.uint8)[:, None]
        t = extend_receive(ctx, peer, base, np.repeat(repeated, IKNP_WIDTH // 8, axis=1))
        key = ctx.recv(peer, "hash_key")
        if not isinstance(key, bytes) or len(key) != SEED_BYTES:
            raise ProtocolError(f"{peer!r} sent a hash key that is not {SEED_BYTES} bytes")
    return hash_rows(t, np.arange(count, dtype=np.uint64), key, length)


def ot_send(ctx: Context, peer: str, m0: np.ndarray, m1: np.ndarray) -> None:
    """Send ``count`` pairs of messages by 1-out-of-2 OT; ``peer`` learns one of each pair.

    ``m0`` and ``m1`` are ``(count, L)`` uint8 arrays. Steps: the random OTs of
    :func:`random_ot_send` (3 flows) with pads of ``L`` bytes, then the pairs masked by the
    pads (1 flow, ``2 * count * L`` bytes). Four one-way flows in all.
    """
    m0, m1 = np.asarray(m0), np.asarray(m1)
    if m0.dtype != np.uint8 or m0.ndim != 2 or m0.shape != m1.shape or m1.dtype != np.uint8:
        raise ConfigError("OT messages must be two (count, L) uint8 arrays of the same shape")
    count, length = m0.shape
    if not length:
        raise ConfigError("OT messages must be at least one byte long")
    with ctx.scope("iknp"):
        pads0, pads1 = random_ot_send(ctx, peer, count, length)
        ctx.send(peer, "masked", np.stack([m0 ^ pads0, m1 ^ pads1]))


def ot_receive(ctx: Context, peer: str, choices: np.ndarray, length: int) -> np.ndarray:
    """Receive one message of each of ``len(choices)`` pairs by 1-out-of-2 OT.

    ``choices`` is a 1-d array of bits; returns ``(count, length)`` uint8, row ``j`` equal to
    the sender's ``m1[j]`` if ``choices[j]`` else ``m0[j]``. This party sends
    ``64 + count * 16`` bytes (see :func:`ot_send` for the steps).
    """
    chosen = _check_bits(choices, "OT choices")
    count = chosen.size
    with ctx.scope("iknp"):
        pads = random_ot_receive(ctx, peer, chosen, length)
        shape = (2, count, length)
        masked = expect_array(peer, ctx.recv(peer, "masked"), "masked OT messages", np.uint8, shape)
        picked: np.ndarray = masked[chosen.astype(np.intp), np.arange(count)] ^ pads
    return picked
