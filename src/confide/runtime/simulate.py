"""Run an SPMD function on every party as threads over memory links (notebooks and tests).

    results = confide.simulate(fit, {"bank": bank_table, "platform": platform_table})

Each party runs ``fn(ctx, input)`` in its own thread with its own context; the call returns
``{party: result}``. If any party raises, it tells the others (they fail fast with
``PeerAborted`` instead of waiting out their deadlines) and ``simulate`` raises ``PartyFailed``
with every party's error. Inputs are used as given (no copy): each party should get its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from confide.errors import ConfigError, PartyFailed
from confide.net.memory import MemoryHub
from confide.runtime.context import DEFAULT_TIMEOUT_S, Context, Role, new_job_id

__all__ = ["simulate"]

T = TypeVar("T")


def simulate(
    fn: Callable[[Context, Any], T],
    inputs_by_party: Mapping[str, Any],
    *,
    job_id: str | None = None,
    roles: Mapping[str, Iterable[Role | str]] | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
) -> dict[str, T]:
    """Run ``fn(ctx, inputs_by_party[party])`` for every party in threads; return each result."""
    parties = tuple(inputs_by_party)
    if len(parties) < 2:
        raise ConfigError(f"a simulation needs at least two parties, got {list(parties)}")
    hub = MemoryHub(parties)
    job = job_id if job_id is not None else new_job_id()
    contexts = {
        party: Context(party, link, parties=parties, job_id=job, roles=roles, timeout=timeout)
        for party, link in hub.links().items()
    }
    results: dict[str, T] = {}
    errors: dict[str, str] = {}
    lock = threading.Lock()

    def run(party: str) -> None:
        ctx = contexts[party]
        try:
            result = fn(ctx, inputs_by_party[party])
        except Exception as exc:
            with lock:
                errors[party] = f"{type(exc).__name__}: {exc}"
            ctx.abort(f"{type(exc).__name__}: {exc}")
        else:
            with lock:
                results[party] = result

    threads = [
        threading.Thread(target=run, args=(party,), name=f"confide-{party}", daemon=True)
        for party in parties
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for link in hub.links().values():
        link.close()
    if errors:
        raise PartyFailed(errors)
    return {party: results[party] for party in parties}
