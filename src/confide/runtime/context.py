"""The context every party's code runs in: who it is, who else takes part, and how to reach them.

Algorithms are functions of a context (``fit(ctx, table, ...)``), run by every party. The context
derives message tags from the job id, the current scope path and a per-(peer, name) counter, so the
same code on every party produces matching tags without hand-built strings::

    for epoch in range(3):
        with ctx.scope("epoch", epoch):
            ctx.send("bank", "gradient", g)      # tag "job42/epoch/0/gradient#0"

Messages of different jobs never mix: the job id is the first segment of every tag, and the link
keeps each (sender, tag) queue apart. A context is used by one thread (its party's code).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import Enum

from confide.errors import ConfigError
from confide.net.link import Link
from confide.net.wire import Value
from confide.params import MAX_NAME_LENGTH

__all__ = ["DEFAULT_TIMEOUT_S", "Context", "Role", "new_job_id"]

#: How long a receive waits by default before it raises ``PeerTimeout``.
DEFAULT_TIMEOUT_S = 60.0

_JOB_ID = re.compile(r"[A-Za-z0-9_.-]+")
_SCOPE_PART = re.compile(r"[A-Za-z0-9_.:-]+")


class Role(str, Enum):
    """What a party does in a job (after IEEE 2830's roles); a party may hold several."""

    DATA_PROVIDER = "data_provider"
    TASK_INITIATOR = "task_initiator"
    RESULT_RECEIVER = "result_receiver"
    COMPUTE_HELPER = "compute_helper"


def new_job_id() -> str:
    """A fresh random job id."""
    return "job-" + secrets.token_hex(8)


def _check_job_id(job_id: str) -> str:
    if not _JOB_ID.fullmatch(job_id) or len(job_id) > MAX_NAME_LENGTH:
        raise ConfigError(
            f"job id {job_id!r} must be 1..{MAX_NAME_LENGTH} letters, digits, '_', '.' or '-'"
        )
    return job_id


class Context:
    """One party's view of a job: its name, the parties and their roles, the link and the job id."""

    def __init__(
        self,
        party: str,
        link: Link,
        *,
        parties: Sequence[str] | None = None,
        job_id: str | None = None,
        roles: Mapping[str, Iterable[Role | str]] | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        if link.party != party:
            raise ConfigError(f"the link belongs to {link.party!r}, not to {party!r}")
        self.party = party
        self.link = link
        self.parties: tuple[str, ...] = (
            tuple(parties) if parties is not None else tuple(sorted((party, *link.peers)))
        )
        if party not in self.parties:
            raise ConfigError(f"{party!r} is not one of the job's parties {list(self.parties)}")
        if len(set(self.parties)) != len(self.parties):
            raise ConfigError(f"the job's parties must be unique, got {list(self.parties)}")
        unreachable = [p for p in self.parties if p != party and p not in link.peers]
        if unreachable:
            raise ConfigError(f"{party!r} has no link to {unreachable}")
        self.job_id = _check_job_id(job_id if job_id is not None else new_job_id())
        self.roles: dict[str, frozenset[Role]] = {
            p: frozenset(Role(r) for r in (roles or {}).get(p, ())) for p in self.parties
        }
        unknown = set(roles or {}) - set(self.parties)
        if unknown:
            raise ConfigError(f"roles given for parties not in the job: {sorted(unknown)}")
        if timeout <= 0:
            raise ConfigError(f"timeout must be positive, got {timeout}")
        self.timeout = timeout
        # The link now knows this job's parties, so an abort notice from one of them ends this
        # job's receives at once, and one from anybody else is ignored.
        link.expect_parties(self.job_id, self.parties)
        self._scope: list[str] = []
        self._sent: dict[tuple[str, str], int] = {}
        self._received: dict[tuple[str, str], int] = {}

    @property
    def others(self) -> tuple[str, ...]:
        """The job's parties other than this one, in job order."""
        return tuple(p for p in self.parties if p != self.party)

    @property
    def index(self) -> int:
        """This party's position in ``parties``."""
        return self.parties.index(self.party)

    def parties_with(self, role: Role) -> tuple[str, ...]:
        """The parties holding ``role``, in job order."""
        return tuple(p for p in self.parties if role in self.roles[p])

    @contextmanager
    def scope(self, *parts: str | int) -> Iterator[None]:
        """Nest message tags under ``parts`` (names or loop indices) for the ``with`` block."""
        if not parts:
            raise ConfigError("a scope needs at least one name")
        for part in parts:
            text = str(part)
            if isinstance(part, bool) or not _SCOPE_PART.fullmatch(text):
                raise ConfigError(
                    f"scope part {part!r} must be an int or a name of letters, digits, '_.:-'"
                )
        self._scope.extend(str(part) for part in parts)
        try:
            yield
        finally:
            del self._scope[len(self._scope) - len(parts) :]

    def _tag(self, name: str, peer: str, counters: dict[tuple[str, str], int]) -> str:
        if not _SCOPE_PART.fullmatch(name):
            raise ConfigError(f"message name {name!r} must be letters, digits or '_.:-'")
        base = "/".join((self.job_id, *self._scope, name))
        count = counters.get((peer, base), 0)
        counters[(peer, base)] = count + 1
        return f"{base}#{count}"

    def _check_other(self, peer: str) -> None:
        if peer == self.party or peer not in self.parties:
            raise ConfigError(f"{peer!r} is not another party of this job {list(self.parties)}")

    def send(self, peer: str, name: str, value: Value) -> None:
        """Send ``value`` to ``peer`` under ``name`` in the current scope."""
        self._check_other(peer)
        self.link.send(peer, self._tag(name, peer, self._sent), value, timeout=self.timeout)

    def recv(self, peer: str, name: str, timeout: float | None = None) -> Value:
        """Receive the matching ``send(self.party, name, ...)`` of ``peer``."""
        self._check_other(peer)
        tag = self._tag(name, peer, self._received)
        return self.link.recv(peer, tag, self.timeout if timeout is None else timeout)

    def broadcast(self, name: str, value: Value) -> None:
        """Send the same ``value`` to every other party."""
        for peer in self.others:
            self.send(peer, name, value)

    def gather(self, name: str, timeout: float | None = None) -> dict[str, Value]:
        """Receive ``name`` from every other party, as {party: value}."""
        return {peer: self.recv(peer, name, timeout) for peer in self.others}

    def abort(self, reason: str) -> None:
        """Tell every other party, best effort, that this party gives up on the job and why."""
        self.link.abort(self.job_id, reason, peers=self.others)

    def __repr__(self) -> str:
        return (
            f"Context(party={self.party!r}, parties={list(self.parties)}, job_id={self.job_id!r})"
        )
