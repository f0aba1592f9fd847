"""Two-party PSI from OT extension (KKRT) behind :func:`confide.psi.intersect`.

:mod:`confide.psi.kkrt` computes, for a *receiver* and a *sender*, which of the receiver's key
digests the sender also holds. This module gives it the same front door as ECDH-PSI
(:mod:`confide.psi.ecdh`): the handshake, ``receivers``, ``reveal_size`` and a
:class:`~confide.psi.align.PsiResult` whose rows index the party's keys as given.

Steps:

0. Handshake (:func:`~confide.psi.keys.handshake`, protocol :data:`PROTOCOL`): the two parties
   agree on receivers, ``reveal_size`` and key encoding, and learn each other's set size.
1. KKRT (:func:`~confide.psi.kkrt.kkrt_intersect`). Who plays which part follows from the
   receivers: one receiver is KKRT's receiver and the other party its sender; with both
   receiving, the first party in job order is KKRT's receiver and the matches are revealed to
   the sender (``reveal_to_sender``), both getting their rows in one order: that of the matched
   OPRF values, pseudo-random and independent of either input order.
2. The rows of the digests are mapped back to positions in the input (they differ when
   ``dedupe`` dropped repeated keys). A lone receiver gets its rows in its own input order.
3. With ``reveal_size``, a lone receiver tells the other party the intersection's size.

Rounds: the handshake, then KKRT's 5 one-way flows (6 when both receive), and one more for
``reveal_size``. Bytes: about 300 each for the handshake; KKRT's receiver sends about
``98 n`` bytes, its sender ``3 w m`` (``w`` = :func:`~confide.psi.kkrt.output_bytes`, 10 at a
million keys a side); see :mod:`confide.psi.kkrt` for the parameters and security argument
(semi-honest; statistical security 40, computational 128).

Who learns what (:data:`DISCLOSURE`): both parties learn both set sizes and key kinds. A
receiver learns which of its keys the other holds, nothing else about the other's keys. A party
that does not receive learns nothing about the intersection, not even its size unless
``reveal_size``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from confide.errors import ConfigError, ProtocolError
from confide.psi.align import PsiResult
from confide.psi.keys import HashedKeys, Progress, handshake, participants
from confide.psi.kkrt import kkrt_intersect
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "PROTOCOL", "kkrt_psi"]

#: The protocol's name in handshakes and results.
PROTOCOL = "kkrt-oprf"

DISCLOSURE = (
    Disclosure("every party", "the number of keys of the other party, and their kind (str/int)",
               "sent in the handshake; KKRT sizes its cuckoo table and encodings by them"),
    Disclosure("each receiver", "the intersection: which of its own keys the other party holds",
               "the output"),
    Disclosure("a party that does not receive",
               "nothing beyond the other's number of keys (and the intersection's size only "
               "with reveal_size=True)",
               "it plays KKRT's sender, which sees only OT-extension messages, pseudo-random "
               "to it"),
)  # fmt: skip


def kkrt_psi(
    ctx: Context,
    keys: HashedKeys,
    *,
    parties: Iterable[str] | None = None,
    receivers: Iterable[str] | None = None,
    reveal_size: bool = False,
    progress: Progress | None = None,
) -> PsiResult:
    """Two-party KKRT PSI of this party's ``keys`` with the other's (see the module docstring).

    ``parties``: the two parties (default: the job's, which must then be two). ``receivers``:
    who gets the intersection (default both). ``progress(stage, done, total)`` is called with
    stage ``"oprf"`` when the OPRF starts and when it ends.
    """
    group, receiving = participants(ctx, parties, receivers)
    if len(group) != 2:
        raise ConfigError(
            f"KKRT PSI is for exactly two parties, got {list(group)}; use protocol='ecdh' "
            "for three or more"
        )
    peer = next(p for p in group if p != ctx.party)
    both = len(receiving) == 2
    oprf_receiver = receiving[0]
    with ctx.scope("psi", "kkrt2"):
        sizes = handshake(
            ctx, group, keys, protocol=PROTOCOL, receivers=receiving,
            settings={"reveal_size": reveal_size},
        )  # fmt: skip
        if progress is not None:
            progress("oprf", 0, len(keys))
        found = kkrt_intersect(
            ctx,
            keys.digests,
            oprf_receiver,
            sender=next(p for p in group if p != oprf_receiver),
            reveal_to_sender=both,
        )
        if progress is not None:
            progress("oprf", len(keys), len(keys))
        if found is None:  # the sender of a lone receiver
            size = _receive_size(ctx, peer, min(sizes.values())) if reveal_size else None
            return PsiResult(None, size, sizes, receiving, PROTOCOL)
        rows: np.ndarray = keys.rows[found]
        if reveal_size and not both:
            ctx.send(peer, "size", int(rows.size))
    return PsiResult(rows, int(rows.size), sizes, receiving, PROTOCOL)


def _receive_size(ctx: Context, peer: str, most: int) -> int:
    size = ctx.recv(peer, "size")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= most:
        raise ProtocolError(f"{peer!r} sent an intersection size that is not in [0, {most}]")
    return size
