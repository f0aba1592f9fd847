"""Two-party ECDH private set intersection over X25519 (Meadows 1986; Huberman et al. 1999).

Parties ``A`` and ``B`` hold key sets ``X`` and ``Y``; ``H`` hashes a key digest onto Curve25519
(:func:`confide.crypto.x25519.hash_to_curve`, domain :data:`HASH_DOMAIN`); ``a`` and ``b`` are
fresh secret scalars of this run; ``[k]P`` is ``X25519(k, P)``.

Steps (both parties run the same code; ``A`` is shown):

0. Handshake (:func:`~confide.psi.keys.handshake`): protocol, receivers, ``reveal_size`` and
   key encoding agree; set sizes are exchanged. Tags are ``w`` bytes with
   ``w = ceil((40 + log2 |X| + log2 |Y|) / 8)`` (:func:`tag_bytes`), so that some pair of
   different keys has equal tags with probability at most 2^-40.
1. ``A`` draws a secret random permutation of ``X`` and streams ``[a]H(x)`` in that order to
   ``B``, in batches as they are computed.
2. For each batch of ``[b]H(y)`` it receives, ``A`` checks every point (canonical, on the curve,
   not of low order), computes ``[a][b]H(y)`` and keeps its first ``w`` bytes as the tag of that
   position of ``B``'s stream; if ``B`` is a receiver it sends the tags back in the same order.
3. If ``A`` is a receiver, it receives the tags of its own stream, undoes its permutation and
   marks the keys whose tag is among ``B``'s tags. The matches are sorted by tag: ``B`` holds the
   same tags for the same keys, so both get one order (:func:`~confide.psi.align.agreed_order`).
4. With ``reveal_size``, a receiver tells a non-receiving peer the intersection's size.

Rounds: 3 (handshake, points, tags; a 4th for ``reveal_size``); batches of each stream are sent
as soon as they are ready, so the two parties' curve work overlaps. Bytes sent by ``A``: about
300 for the handshake, ``32 |X|`` for points, ``w |Y|`` for tags when ``B`` receives (``w`` is
10 bytes at 100,000 keys a side). Curve work per party: ``|X| + |Y|`` scalar multiplications,
spread over every core (:class:`~confide.crypto.x25519.CurvePool`). Memory held: 16 + 8 + 8
bytes per own key (digest, row, permutation), ``w`` per key of both sets for the tags, and the
peer's points waiting in the link's mailbox (32 bytes per key at most); keys are hashed and
curve work is done in batches, so no per-key Python objects pile up.

Threat model: semi-honest (each party follows the protocol and tries to learn more from what it
sees); security rests on DDH in Curve25519's prime-order group with ``H`` a random oracle (see
:mod:`confide.crypto.x25519`). A party that deviates can make the result wrong for a receiver
(e.g. by sending wrong tags) but every point it sends is checked, and malformed messages abort the
run with :class:`~confide.errors.ProtocolError`.

Who learns what: both parties learn both set sizes (and key kinds). A receiver learns the
intersection (which of its own keys the other holds) and nothing else about the other's keys: it
sees ``[b]H(y)`` and ``[a][b]H(y)`` for ``y`` outside the intersection, which are pseudo-random
under DDH, in an order the other drew at random. A non-receiver sees only the receiver's keys
raised to the receiver's secret scalar (tags go to receivers only): it learns the receiver's set
size, and the intersection's size only with ``reveal_size=True``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Iterator

import numpy as np

from confide.crypto.prg import PRG, new_seed
from confide.crypto.x25519 import CurvePool, CurveTask, check_points, new_scalar
from confide.errors import ConfigError, ProtocolError
from confide.params import STATISTICAL_SECURITY_BITS
from confide.psi.align import PsiResult, agreed_order
from confide.psi.keys import HashedKeys, Progress, handshake, participants
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = [
    "DEFAULT_BATCH",
    "DISCLOSURE",
    "HASH_DOMAIN",
    "PROTOCOL",
    "SLOWEST_RATE",
    "ecdh_psi",
    "matches",
    "random_permutation",
    "tag_bytes",
    "work_timeout",
]

#: The protocol's name in handshakes and results.
PROTOCOL = "ecdh-x25519"

#: Domain of the hash from key digests to Curve25519 in ECDH-PSI.
HASH_DOMAIN = b"confide/psi/ecdh/x25519/v1"

#: Points per message of a stream (128 KiB of points).
DEFAULT_BATCH = 4096

#: A deliberately slow curve rate (points per second) for deadlines of receives that wait on a
#: peer's bulk curve work: such a receive waits the context's timeout plus the work at this rate.
SLOWEST_RATE = 2000.0

DISCLOSURE = (
    Disclosure("every party", "the number of keys of the other party, and their kind (str/int)",
               "sent in the handshake; it sizes the comparison tags"),
    Disclosure("each receiver", "the intersection: which of its own keys the other party holds",
               "the output"),
    Disclosure("a party that does not receive",
               "nothing beyond the other's number of keys (and the intersection's size only "
               "with reveal_size=True)",
               "it sees only the other's keys raised to a secret scalar, pseudo-random under DDH"),
)  # fmt: skip


def tag_bytes(size_a: int, size_b: int) -> int:
    """Bytes of a comparison tag: at most 2^-40 chance that two different keys share a tag."""
    bits = STATISTICAL_SECURITY_BITS + math.log2(max(size_a, 1)) + math.log2(max(size_b, 1))
    return min(32, math.ceil(bits / 8))


def random_permutation(count: int) -> np.ndarray:
    """A secret uniformly random permutation of ``range(count)`` (AES-CTR seeded by ``secrets``)."""
    if count <= 1:
        return np.arange(count, dtype=np.int64)
    return np.argsort(PRG(new_seed()).uint64(count), kind="stable").astype(np.int64)


def work_timeout(ctx: Context, points: int) -> float:
    """The deadline of a receive that waits on a peer doing about ``points`` multiplications."""
    return ctx.timeout + points / SLOWEST_RATE


def matches(own: np.ndarray, theirs: np.ndarray) -> np.ndarray:
    """Positions of the rows of ``own`` that equal some row of ``theirs`` (uint8, equal widths).

    Rows are looked up by their first 8 bytes as integers (a sort of ``theirs`` and a binary
    search), then compared whole; if two rows of ``theirs`` share those bytes, a slower exact
    comparison of whole rows decides. It runs after all curve work, while the cores idle.
    """
    width = own.shape[1]
    if own.shape[0] == 0 or theirs.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    own, theirs = np.ascontiguousarray(own), np.ascontiguousarray(theirs)
    sorted_keys, index = _prefix_index(theirs)
    if sorted_keys.size > 1 and bool(np.any(sorted_keys[1:] == sorted_keys[:-1])):
        mine = own.view(f"S{width}").ravel()
        other = theirs.view(f"S{width}").ravel()
        return np.flatnonzero(np.isin(mine, other)).astype(np.int64)
    keys = _prefix(own)
    slot = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    candidates = np.flatnonzero(sorted_keys[slot] == keys)
    same = np.all(own[candidates] == theirs[index[slot[candidates]]], axis=1)
    return candidates[same].astype(np.int64)


def _prefix(rows: np.ndarray) -> np.ndarray:
    """The first 8 bytes of each row (zero-padded) as unsigned integers."""
    head = np.zeros((rows.shape[0], 8), dtype=np.uint8)
    head[:, : min(8, rows.shape[1])] = rows[:, :8]
    return head.view(np.uint64).ravel()


def _prefix_index(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted prefixes of ``rows`` and the row each came from."""
    keys = _prefix(rows)
    index = np.argsort(keys)
    return keys[index], index


def ecdh_psi(
    ctx: Context,
    keys: HashedKeys,
    *,
    parties: Iterable[str] | None = None,
    receivers: Iterable[str] | None = None,
    reveal_size: bool = False,
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> PsiResult:
    """Two-party ECDH-PSI of this party's ``keys`` with the other's (see the module docstring).

    ``parties``: the two parties (default: the job's, which must then be two). ``receivers``:
    who gets the intersection (default both). ``workers``: processes for curve work (default
    every core; small runs stay in this process). ``progress(stage, done, total)`` is called
    after each batch with stage ``"encrypt"`` (own keys) or ``"reencrypt"`` (the peer's).
    """
    group, receiving = participants(ctx, parties, receivers)
    if len(group) != 2:
        raise ConfigError(f"two-party ECDH-PSI needs exactly two parties, got {list(group)}")
    if batch_size < 1:
        raise ConfigError(f"batch_size must be positive, got {batch_size}")
    peer = next(p for p in group if p != ctx.party)
    with ctx.scope("psi", "ecdh2"):
        sizes = handshake(
            ctx, group, keys, protocol=PROTOCOL, receivers=receiving,
            settings={"reveal_size": reveal_size},
        )  # fmt: skip
        n_own, n_peer = sizes[ctx.party], sizes[peer]
        width = tag_bytes(n_own, n_peer)
        i_receive, peer_receives = ctx.party in receiving, peer in receiving
        scalar = new_scalar()
        order = random_permutation(n_own)
        peer_tags = np.empty((n_peer, width), dtype=np.uint8) if i_receive else None
        with CurvePool.for_points(n_own + n_peer, workers) as pool:
            tasks = itertools.chain(
                _own_tasks(keys, order, batch_size),
                _peer_tasks(ctx, peer, n_peer, work_timeout(ctx, n_own + n_peer)),
            )
            for task, points in pool.imap(scalar, tasks):
                end = task.offset + points.shape[0]
                if task.op == "hash":
                    ctx.send(peer, "points", points)
                    _report(progress, "encrypt", end, n_own)
                    continue
                tags = np.ascontiguousarray(points[:, :width])
                if peer_receives:
                    ctx.send(peer, "tags", tags)
                if peer_tags is not None:
                    peer_tags[task.offset : end] = tags
                _report(progress, "reencrypt", end, n_peer)
        size: int | None = None
        rows: np.ndarray | None = None
        if peer_tags is not None:
            own_tags = np.empty((n_own, width), dtype=np.uint8)
            timeout = work_timeout(ctx, n_own + n_peer)
            own_tags[order] = _receive_rows(ctx, peer, "tags", n_own, width, timeout)
            found = matches(own_tags, peer_tags)
            positions = agreed_order(found, own_tags[found])
            rows, size = keys.rows[positions], int(positions.size)
            if reveal_size and not peer_receives:
                ctx.send(peer, "size", size)
        elif reveal_size:
            size = _receive_size(ctx, peer, min(n_own, n_peer), work_timeout(ctx, n_own + n_peer))
    return PsiResult(rows, size, sizes, receiving, PROTOCOL)


def _report(progress: Progress | None, stage: str, done: int, total: int) -> None:
    if progress is not None:
        progress(stage, done, total)


def _own_tasks(keys: HashedKeys, order: np.ndarray, batch: int) -> Iterator[CurveTask]:
    for start in range(0, order.size, batch):
        digests = keys.digests[order[start : start + batch]]
        yield CurveTask("hash", digests, "own keys", start, HASH_DOMAIN)


def _peer_tasks(ctx: Context, peer: str, total: int, timeout: float) -> Iterator[CurveTask]:
    """The peer's stream of points as curve tasks, each batch checked as it arrives."""
    offset = 0
    while offset < total:
        batch = check_points(ctx.recv(peer, "points", timeout), source=repr(peer))
        if not 1 <= batch.shape[0] <= total - offset:
            raise ProtocolError(
                f"{peer!r} sent a batch of {batch.shape[0]} points with {total - offset} to come"
            )
        yield CurveTask("multiply", batch, repr(peer), offset)
        offset += batch.shape[0]


def _receive_rows(
    ctx: Context, peer: str, name: str, total: int, width: int, timeout: float
) -> np.ndarray:
    """A stream of ``total`` rows of ``width`` bytes from ``peer``, checked batch by batch."""
    out = np.empty((total, width), dtype=np.uint8)
    offset = 0
    while offset < total:
        batch = ctx.recv(peer, name, timeout)
        if (
            not isinstance(batch, np.ndarray)
            or batch.dtype != np.uint8
            or batch.ndim != 2
            or batch.shape[1] != width
            or not 1 <= batch.shape[0] <= total - offset
        ):
            raise ProtocolError(
                f"{peer!r} sent {name} that are not a uint8 array of at most "
                f"{total - offset} rows of {width} bytes"
            )
        out[offset : offset + batch.shape[0]] = batch
        offset += batch.shape[0]
    return out


def _receive_size(ctx: Context, peer: str, most: int, timeout: float) -> int:
    size = ctx.recv(peer, "size", timeout)
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= most:
        raise ProtocolError(f"{peer!r} sent an intersection size that is not in [0, {most}]")
    return size
