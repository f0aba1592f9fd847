"""Independent secure computations run in lock-step, so that they share communication rounds.

A computation written as a *program* (a generator) yields one
:class:`~confide.mpc.protocol.RoundRequest` per round, the operations it needs next, and is
sent back their :class:`~confide.mpc.protocol.RoundResult`; its return value is its result.
:func:`run_together` advances several programs at once: each round it joins their requests into
one and hands it to the protocol's :meth:`~confide.mpc.protocol.Protocol.fused_round` (semi2k
opens everything in one message per pair of parties; aby3 sends its resharing ahead of the
other operations' rounds), then hands every program its share of the results. So two programs
of ``r1`` and ``r2`` rounds take ``max(r1, r2)`` rounds together, not ``r1 + r2``: a comparison
and a polynomial of the same input, for instance, as the accurate sigmoid runs them.

Programs may also call protocol operations directly between their yields (their rounds are then
their own). The order of everything is fixed by the programs' order and shapes, the same on
every party (the dealer included), as SPMD code must be.

Who learns what: nothing beyond what each program's operations disclose on their own (they are
the same operations, batched).
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any, TypeVar

from confide.mpc.protocol import Protocol, RoundRequest, RoundResult

__all__ = ["Program", "run", "run_together"]

T = TypeVar("T")

#: A computation that yields one request per round and returns its result.
Program = Generator[RoundRequest, RoundResult, T]


def run(protocol: Protocol, program: Program[T]) -> T:
    """Run one program to its end (one :meth:`~Protocol.fused_round` per request)."""
    result: T = run_together(protocol, [program])[0]
    return result


def run_together(protocol: Protocol, programs: Sequence[Program[Any]]) -> list[Any]:
    """Run ``programs`` in lock-step, one joined round per step; their results, in order."""
    results: list[Any] = [None] * len(programs)
    waiting: dict[int, RoundRequest] = {}
    for k, program in enumerate(programs):
        _advance(program, k, None, waiting, results)
    while waiting:
        if len(waiting) == 1:  # one program left: its request as it is
            ((k, request),) = waiting.items()
            del waiting[k]
            _advance(programs[k], k, protocol.fused_round(request), waiting, results)
            continue
        order = sorted(waiting)
        requests = [waiting.pop(k) for k in order]
        joined = protocol.fused_round(_join(requests))
        for k, part in zip(order, _split(joined, requests), strict=True):
            _advance(programs[k], k, part, waiting, results)
    return results


def _advance(
    program: Program[Any],
    index: int,
    answer: RoundResult | None,
    waiting: dict[int, RoundRequest],
    results: list[Any],
) -> None:
    """Run ``program`` to its next request (kept in ``waiting``) or its end (in ``results``)."""
    try:
        waiting[index] = next(program) if answer is None else program.send(answer)
    except StopIteration as done:
        results[index] = done.value


def _join(requests: Sequence[RoundRequest]) -> RoundRequest:
    """One request with every operation of ``requests``, in order."""
    exact = {r.exact_truncation for r in requests if r.truncs or r.mul_truncs}
    return RoundRequest(
        ands=[pair for r in requests for pair in r.ands],
        muls=[pair for r in requests for pair in r.muls],
        mul_truncs=[pair for r in requests for pair in r.mul_truncs],
        mul_trunc_bits=[bits for r in requests for bits in r.mul_trunc_bits],
        truncs=[x for r in requests for x in r.truncs],
        trunc_bits=[bits for r in requests for bits in r.trunc_bits],
        opens=[x for r in requests for x in r.opens],
        exact_truncation=any(exact),
    )


def _split(joined: RoundResult, requests: Sequence[RoundRequest]) -> list[RoundResult]:
    """Each request's part of the joined result."""
    out = []
    ands = muls = fused = truncs = opens = 0
    for r in requests:
        out.append(
            RoundResult(
                ands=joined.ands[ands : ands + len(r.ands)],
                muls=joined.muls[muls : muls + len(r.muls)],
                mul_truncs=joined.mul_truncs[fused : fused + len(r.mul_truncs)],
                truncs=joined.truncs[truncs : truncs + len(r.truncs)],
                opens=joined.opens[opens : opens + len(r.opens)],
            )
        )
        ands, muls, fused = ands + len(r.ands), muls + len(r.muls), fused + len(r.mul_truncs)
        truncs, opens = truncs + len(r.truncs), opens + len(r.opens)
    return out
