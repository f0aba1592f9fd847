"""The end-of-job exchange of audit chain heads, run by every party of the job (SPMD).

    peers_heads = exchange_heads(ctx, log, federation)

Protocol (one round; every party runs the same steps):

1. Sign this party's current head for the job: (party, job id, seq, hash of its last entry).
   The log must not be empty (it holds at least the job's own entries by then).
2. Send it to every other party (``ctx.broadcast``) and receive theirs (``ctx.gather``).
3. Check each received head: a well-formed signed head, for the sender's own name (the link
   already authenticated the sender by its pinned certificate) and this job, and signed with
   the key of the sender's pinned certificate in the :class:`~confide.net.federation.Federation`.
   Any failure raises :class:`~confide.audit.errors.BadPeerHead`, which aborts the job on every
   party (nothing is recorded).
4. Record each peer's head in this party's own log as a ``peer_head_recorded`` entry, in job
   order, and return them as ``{peer: SignedHead}``.

Cost: one message of about 250 bytes to and from each peer. Who learns what: each party learns
the length of every other party's audit log and the hash of its last entry, nothing of the
entries' content. Threat model: a party may later rewrite its own log (it holds its own key);
it cannot change the heads the others recorded and signed into theirs, so the rewrite is caught
by :func:`~confide.audit.verify.verify_against_heads` as long as one peer keeps its log.
"""

from __future__ import annotations

from confide.audit.errors import AuditFormatError, BadPeerHead
from confide.audit.heads import SignedHead
from confide.audit.log import AuditLog
from confide.audit.signing import public_key_from_certificate
from confide.errors import ConfigError
from confide.net.federation import Federation
from confide.runtime.context import Context

__all__ = ["exchange_heads"]


def exchange_heads(ctx: Context, log: AuditLog, federation: Federation) -> dict[str, SignedHead]:
    """Exchange signed chain heads with every other party of ``ctx``'s job; record theirs."""
    if log.party != ctx.party:
        raise ConfigError(f"{ctx.party!r} cannot exchange heads with the log of {log.party!r}")
    keys = {}
    for peer in ctx.others:
        info = federation.parties.get(peer)
        if info is None:
            raise ConfigError(f"party {peer!r} of the job is not in federation {federation.name!r}")
        keys[peer] = public_key_from_certificate(info.cert_pem)
    mine = log.sign_head(ctx.job_id)
    with ctx.scope("audit"):
        ctx.broadcast("head", mine.to_json())
        received = ctx.gather("head")
    heads: dict[str, SignedHead] = {}
    for peer in ctx.others:
        try:
            head = SignedHead.from_json(received[peer], "its chain head")
        except AuditFormatError as exc:
            raise BadPeerHead(peer, str(exc)) from None
        if head.party != peer:
            raise BadPeerHead(peer, f"sent the chain head of {head.party!r} as its own")
        if head.job_id != ctx.job_id:
            raise BadPeerHead(
                peer, f"sent a chain head for job {head.job_id!r}, not for {ctx.job_id!r}"
            )
        if not head.verify(keys[peer]):
            raise BadPeerHead(
                peer, "its chain head is not signed by the key of its pinned certificate"
            )
        heads[peer] = head
    for peer in ctx.others:
        log.peer_head_recorded(heads[peer])
    return heads
