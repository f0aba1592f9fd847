"""One party of a real federation, in the calling process: its gRPC link and its context.

Every organisation runs its own side of a job. :func:`open_party` loads the federation file and
this party's key and certificate, opens the gRPC link with mutual TLS and yields the party's
:class:`~confide.runtime.context.Context`; every party of the job does the same with the same
job id, each in its own process or machine::

    with open_party("fed/federation.yaml", "bank", job_id="psi-2024-06") as ctx:
        result = psi.intersect(ctx, bank_table["ID"])

Leaving the block closes the link. If the block raised, the other parties are first told that
this party aborts the job and why (best effort), so they fail at once with
:class:`~confide.errors.PeerAborted` instead of waiting out their deadlines. The key and the
certificate default to where ``confide certs init`` puts them: ``<party>.key`` and
``<party>.crt`` beside the federation file (:func:`~confide.net.federation.identity_paths`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

from confide.errors import ConfigError
from confide.net.federation import Federation, Identity, identity_paths
from confide.net.grpc_link import GrpcLink
from confide.net.link import Link
from confide.runtime.context import DEFAULT_TIMEOUT_S, Context, Role

__all__ = ["link_bytes", "open_party", "party_context"]

PathLike = str | os.PathLike[str]


@contextmanager
def open_party(
    federation_yaml: PathLike,
    party: str | None = None,
    *,
    job_id: str,
    key: PathLike | None = None,
    cert: PathLike | None = None,
    parties: Sequence[str] | None = None,
    roles: Mapping[str, Iterable[Role | str]] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Iterator[Context]:
    """Run as ``party`` of the federation in ``federation_yaml`` for the ``with`` block.

    ``job_id``: the same at every party of the job (messages of other jobs never mix in).
    ``key``/``cert``: this party's private key and certificate (default: beside the federation
    file); ``party`` may be left out when both are given, and is then the party the certificate
    names. ``parties``: the job's parties, in an order every party must share (default: every
    party of the federation, in the file's order). ``roles`` as for
    :class:`~confide.runtime.context.Context`; ``timeout``: each receive's deadline, and how
    long a send waits for a peer that is not up yet. Raises
    :class:`~confide.errors.ConfigError` for a bad federation file, a missing or mismatched key,
    or a party that is not in the federation.
    """
    federation = Federation.load(federation_yaml)
    identity = _identity(federation_yaml, party, key, cert)
    if identity.party not in federation.parties:
        raise ConfigError(
            f"{identity.party!r} is not a party of federation {federation.name!r} "
            f"(parties: {', '.join(federation.parties)})"
        )
    members = list(federation.parties) if parties is None else list(parties)
    outsiders = [p for p in members if p not in federation.parties]
    if outsiders:
        raise ConfigError(f"parties {outsiders} are not in federation {federation.name!r}")
    link = GrpcLink(identity, federation)
    with party_context(link, parties=members, job_id=job_id, roles=roles, timeout=timeout) as ctx:
        yield ctx


@contextmanager
def party_context(
    link: Link,
    *,
    job_id: str,
    parties: Sequence[str] | None = None,
    roles: Mapping[str, Iterable[Role | str]] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> Iterator[Context]:
    """The context of ``link``'s party for the ``with`` block, over a link already open: if the
    block raises, the other parties are told that this party aborts and why; the link is closed
    at the end either way (it belongs to the block from here on)."""
    try:
        ctx = Context(
            link.party, link, parties=parties, job_id=job_id, roles=roles, timeout=timeout
        )
        try:
            yield ctx
        except GeneratorExit:
            raise
        except BaseException as exc:  # also Ctrl-C: the others should not wait for us
            ctx.abort(f"{type(exc).__name__}: {exc}")
            raise
    finally:
        link.close()


def link_bytes(ctx: Context) -> tuple[int, int]:
    """Bytes this party's link has sent and received so far (``(0, 0)`` if it does not count)."""
    return int(getattr(ctx.link, "bytes_sent", 0)), int(getattr(ctx.link, "bytes_received", 0))


def _identity(
    federation_yaml: PathLike, party: str | None, key: PathLike | None, cert: PathLike | None
) -> Identity:
    if party is None and (key is None or cert is None):
        raise ConfigError("name the party, or give both its key and its certificate")
    if party is not None:
        default_key, default_cert = identity_paths(federation_yaml, party)
        key = default_key if key is None else key
        cert = default_cert if cert is None else cert
    if key is None or cert is None:  # for the type checker: both are set by now
        raise ConfigError("name the party, or give both its key and its certificate")
    identity = Identity.load(key, cert)
    if party is not None and identity.party != party:
        raise ConfigError(
            f"the certificate {cert} is {identity.party!r}'s, not {party!r}'s; "
            "pass this party's own key and certificate"
        )
    return identity
