"""ECDH private set intersection of three or more parties, with no partial intersection revealed.

Notation as in :mod:`confide.psi.ecdh`. The *leader* ``L`` is the first receiver in job order;
the *others* ``q_0 .. q_{m-1}`` (``m = n - 1 >= 2``) are the remaining parties in job order; the
*comparator* is ``q_0``. ``K'`` stands for raising to every other's scalar (in any order, the
ladder commutes), ``K`` for that and ``L``'s scalar too.

Steps:

0. Handshake (:func:`~confide.psi.keys.handshake`): agreement and every set's size.
1. *The others' ring* (``m - 1`` hops, all sets moving at once). Each ``q_j`` raises its hashed
   keys to its scalar and shuffles them. In hop ``h``, ``q_j`` sends the set it holds to
   ``q_{j+1}``, receives one from ``q_{j-1}``, raises it to its scalar and shuffles it with a
   fresh secret permutation. After the last hop every other's set is raised to ``K'`` and was
   last shuffled by a party that is not its owner; ``q_j`` holds the set of ``q_{j+1}``.
2. *The leader's chain* (alongside step 1). ``L`` raises its hashed keys to its scalar in a
   secret random order and sends them to ``q_0``; each ``q_j``, right after its hop ``j``, raises
   them to its scalar without reordering and passes them on; ``q_{m-1}`` returns them to ``L``,
   which undoes its order: it now holds ``K H(x)`` for each of its keys ``x``.
3. *The comparator.* Every ``q_j`` (``j >= 1``) sends its ``K'`` set to ``q_0``, which intersects
   the ``m`` sets, pads the result with random points of the group (a random digest hashed to the
   curve and raised to a throw-away scalar) up to the size of the smallest of the others' sets,
   sorts it (a pseudo-random order) and sends it to ``L``. It always makes that many padding
   points, so that neither the size nor the timing of its message depends on the intersection.
4. *The leader* raises those points to its scalar (``K``), marks its keys whose ``K H(x)`` is
   among them, sorts the matches by ``K H(x)`` (the agreed order) and sends the 16-byte key
   digests of the intersection, in that order, to every other receiver, which finds its own rows
   by digest (and refuses a digest it does not hold). With ``reveal_size`` it tells the
   non-receivers the intersection's size.

Rounds: the handshake, then ``m - 1`` ring hops, one message to the comparator, one to the
leader and one to the receivers: ``n + 2`` in sequence (the leader's chain, ``n`` messages, runs
alongside the ring). Every message is a whole set (a ``(k, 32)`` uint8 array; the wire format
streams it in chunks): a hop must hold a set whole to shuffle it. Bytes: each other sends
``32 |X_q|`` per hop it forwards, ``32 |X_L|`` on the leader's chain and ``32 |X_q|`` to the
comparator; the comparator ``32 min_q |X_q|`` to the leader; the leader ``32 |X_L|``, then
``16 |I|`` to each other receiver. Curve work: each other raises every other's set and the
leader's (``sum_q |X_q| + |X_L|`` multiplications), the comparator ``min_q |X_q|`` more for
padding; the leader ``|X_L| + min_q |X_q|``.

Threat model: semi-honest and non-colluding (security under DDH with ``H`` a random oracle, as
for two parties). Colluding parties learn more: for instance the leader and the comparator
together could raise the others' sets to the leader's scalar and learn which of the leader's keys
each other party holds.

Who learns what:

- every party: every set's size and key kind (the handshake);
- the leader: the intersection, and nothing about any partial intersection, not even its size:
  it sees only its own keys raised to ``K`` and the comparator's padded set, whose size is the
  smallest of the others' set sizes whatever the intersection is;
- the other receivers: the intersection (digests of keys they hold, in the agreed order);
- the comparator: the size of the intersection of every group of the others' sets (with three
  parties ``|X_q0 & X_q1|``), but not which keys: the ``K'`` sets it compares were last shuffled
  by someone else, and it never sees the leader's keys under ``K'``;
- every other party: only set sizes; it sees sets raised to at least one scalar it does not know,
  in orders it cannot undo.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce

import numpy as np

from confide.crypto.x25519 import POINT_BYTES, CurvePool, CurveTask, check_points, new_scalar
from confide.errors import ConfigError, ProtocolError
from confide.psi.align import PsiResult, agreed_order
from confide.psi.ecdh import HASH_DOMAIN, matches, random_permutation, work_timeout
from confide.psi.keys import DIGEST_BYTES, HashedKeys, Progress, handshake, participants
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "PADDING_DOMAIN", "PROTOCOL", "ecdh_nparty_psi"]

#: The protocol's name in handshakes and results.
PROTOCOL = "ecdh-x25519-nparty"

#: Domain of the hash that makes the comparator's padding points (never a key's point).
PADDING_DOMAIN = b"confide/psi/ecdh/x25519/padding/v1"

DISCLOSURE = (
    Disclosure("every party", "the number of keys of every party, and their kind (str/int)",
               "sent in the handshake"),
    Disclosure("each receiver", "the intersection of all parties' keys (its own rows of it)",
               "the output"),
    Disclosure("the leader (first receiver)", "nothing about partial intersections",
               "the others' common keys reach it padded to the smallest of their set sizes"),
    Disclosure("the comparator (first party other than the leader)",
               "the size of the intersection of every group of the non-leaders' sets, not which "
               "keys", "it intersects their sets, raised to secret scalars and shuffled"),
    Disclosure("a party that does not receive",
               "nothing beyond set sizes (the intersection's size only with reveal_size=True)"),
)  # fmt: skip


def ecdh_nparty_psi(
    ctx: Context,
    keys: HashedKeys,
    *,
    parties: Iterable[str] | None = None,
    receivers: Iterable[str] | None = None,
    reveal_size: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
) -> PsiResult:
    """ECDH-PSI of three or more parties' ``keys`` (see the module docstring).

    Arguments as for :func:`confide.psi.ecdh.ecdh_psi`; ``progress(stage, done, total)`` is
    called with stage ``"ring"`` after each set this party raises.
    """
    group, receiving = participants(ctx, parties, receivers)
    if len(group) < 3:
        raise ConfigError(f"n-party ECDH-PSI needs three or more parties, got {list(group)}")
    leader = receiving[0]
    others = tuple(p for p in group if p != leader)
    with ctx.scope("psi", "ecdh-n"):
        sizes = handshake(
            ctx, group, keys, protocol=PROTOCOL, receivers=receiving,
            settings={"reveal_size": reveal_size},
        )  # fmt: skip
        run = _Run(
            ctx=ctx,
            keys=keys,
            sizes=sizes,
            leader=leader,
            others=others,
            receivers=receiving,
            reveal_size=reveal_size,
            timeout=work_timeout(ctx, len(others) * sum(sizes.values())),
            progress=progress,
            scalar=new_scalar(),
        )
        smallest = min(sizes[q] for q in others)
        if ctx.party == leader:
            work = sizes[leader] + smallest
        else:  # the comparator also makes padding points
            work = sum(sizes[q] for q in others) + sizes[leader]
            work += smallest if ctx.party == others[0] else 0
        with CurvePool.for_points(work, workers) as pool:
            rows = run.lead(pool) if ctx.party == leader else run.follow(pool)
        if rows is not None:
            size: int | None = int(rows.size)
        elif reveal_size:
            size = run.receive_size(smallest)
        else:
            size = None
    return PsiResult(rows, size, sizes, receiving, PROTOCOL)


@dataclass
class _Run:
    """One party's state in a run: who is who, its scalar, and the deadline of bulk waits."""

    ctx: Context
    keys: HashedKeys
    sizes: dict[str, int]
    leader: str
    others: tuple[str, ...]
    receivers: tuple[str, ...]
    reveal_size: bool
    timeout: float
    progress: Progress | None
    scalar: bytes
    steps_done: int = 0

    def lead(self, pool: CurvePool) -> np.ndarray:
        """Steps 2 and 4 at the leader: its chain, then the comparison; returns its rows."""
        ctx, keys = self.ctx, self.keys
        order = random_permutation(len(keys))
        own = pool.run(self.scalar, CurveTask("hash", keys.digests[order], "own keys", 0,
                                              HASH_DOMAIN))  # fmt: skip
        self._report()
        with ctx.scope("leader"):
            ctx.send(self.others[0], "set", own)
            last = self.others[-1]
            raised = check_points(ctx.recv(last, "set", self.timeout), source=repr(last),
                                  rows=len(keys))  # fmt: skip
        tokens = np.empty_like(raised)
        tokens[order] = raised
        comparator = self.others[0]
        padded = check_points(
            ctx.recv(comparator, "common", self.timeout), source=repr(comparator),
            rows=min(self.sizes[q] for q in self.others),
        )  # fmt: skip
        common = pool.run(self.scalar, CurveTask("multiply", padded, repr(comparator)))
        self._report()
        found = matches(tokens, common)
        positions = agreed_order(found, tokens[found])
        for receiver in self.receivers[1:]:
            ctx.send(receiver, "result", np.ascontiguousarray(keys.digests[positions]))
        if self.reveal_size:
            for party in self.others:
                if party not in self.receivers:
                    ctx.send(party, "size", int(positions.size))
        rows: np.ndarray = keys.rows[positions]
        return rows

    def follow(self, pool: CurvePool) -> np.ndarray | None:
        """Steps 1 to 3 at one of the others; returns its rows if it is a receiver."""
        ctx, others = self.ctx, self.others
        m, j = len(others), others.index(ctx.party)
        after, before = others[(j + 1) % m], others[(j - 1) % m]
        held = pool.run(self.scalar, CurveTask("hash", self.keys.digests, "own keys", 0,
                                               HASH_DOMAIN))  # fmt: skip
        held = held[random_permutation(held.shape[0])]
        self._report()
        for hop in range(m):
            if hop:
                owner = others[(j - hop) % m]
                with ctx.scope("hop", hop):
                    received = ctx.recv(before, "set", self.timeout)
                incoming = check_points(received, source=repr(before), rows=self.sizes[owner])
                held = pool.run(self.scalar, CurveTask("multiply", incoming, repr(before)))
                held = held[random_permutation(held.shape[0])]
                self._report()
            if hop < m - 1:
                with ctx.scope("hop", hop + 1):
                    ctx.send(after, "set", held)
            if hop == j:
                self._pass_leader_chain(pool, j)
        if j == 0:
            self._compare(pool, held)
        else:
            ctx.send(others[0], "full", held)
        if ctx.party in self.receivers:
            return self._receive_result()
        return None

    def _pass_leader_chain(self, pool: CurvePool, j: int) -> None:
        ctx, others = self.ctx, self.others
        source = self.leader if j == 0 else others[j - 1]
        target = others[j + 1] if j + 1 < len(others) else self.leader
        with ctx.scope("leader"):
            incoming = check_points(ctx.recv(source, "set", self.timeout), source=repr(source),
                                    rows=self.sizes[self.leader])  # fmt: skip
            ctx.send(
                target, "set", pool.run(self.scalar, CurveTask("multiply", incoming, repr(source)))
            )
        self._report()

    def _compare(self, pool: CurvePool, held: np.ndarray) -> None:
        """Step 3 at the comparator: intersect the others' sets, pad, send to the leader."""
        ctx, others = self.ctx, self.others
        m = len(others)
        sets = [held]
        for i in range(1, m):
            sender = others[i]
            sets.append(check_points(ctx.recv(sender, "full", self.timeout), source=repr(sender),
                                     rows=self.sizes[others[(i + 1) % m]]))  # fmt: skip
        views = [np.ascontiguousarray(s).view("S32").ravel() for s in sets]
        common = np.frombuffer(reduce(np.intersect1d, views).tobytes(), dtype=np.uint8)
        common = common.reshape(-1, POINT_BYTES)
        target = min(self.sizes[q] for q in others)
        # As many padding points as the smallest set, whatever the intersection: the time this
        # takes must not tell the leader how many were needed.
        digests = np.frombuffer(secrets.token_bytes(DIGEST_BYTES * target), dtype=np.uint8)
        dummies = pool.run(new_scalar(), CurveTask("hash", digests.reshape(target, DIGEST_BYTES),
                                                   "padding", 0, PADDING_DOMAIN))  # fmt: skip
        points = np.concatenate([common, dummies[: target - common.shape[0]]])
        order = np.argsort(points.view("S32").ravel(), kind="stable")
        ctx.send(self.leader, "common", np.ascontiguousarray(points[order]))

    def _receive_result(self) -> np.ndarray:
        """The leader's digests of the intersection, as this party's rows in the same order."""
        got = self.ctx.recv(self.leader, "result", self.timeout)
        keys = self.keys
        if (
            not isinstance(got, np.ndarray)
            or got.dtype != np.uint8
            or got.ndim != 2
            or got.shape[1] != DIGEST_BYTES
            or got.shape[0] > len(keys)
        ):
            raise ProtocolError(f"{self.leader!r} sent a result that is not (k, 16) key digests")
        own = np.ascontiguousarray(keys.digests).view(f"S{DIGEST_BYTES}").ravel()
        wanted = np.ascontiguousarray(got).view(f"S{DIGEST_BYTES}").ravel()
        sorter = np.argsort(own, kind="stable")
        at = np.minimum(np.searchsorted(own, wanted, sorter=sorter), max(own.size - 1, 0))
        positions = sorter[at]
        if not np.all(own[positions] == wanted) or np.unique(positions).size != positions.size:
            raise ProtocolError(f"{self.leader!r} sent key digests this party does not hold")
        return keys.rows[positions]

    def receive_size(self, most: int) -> int:
        size = self.ctx.recv(self.leader, "size", self.timeout)
        if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= most:
            raise ProtocolError(f"{self.leader!r} sent an intersection size not in [0, {most}]")
        return size

    def _report(self) -> None:
        """One more set raised: the leader raises 2, each other ``m + 1``."""
        self.steps_done += 1
        if self.progress is not None:
            total = 2 if self.ctx.party == self.leader else len(self.others) + 1
            self.progress("ring", self.steps_done, total)
