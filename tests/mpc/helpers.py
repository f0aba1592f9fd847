"""Running MPC jobs in tests: data parties ``p0..p{n-1}`` plus a dealer, over memory links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from confide.mpc import MPC, Semi2k, TrustedDealer
from confide.mpc.semi2k import Truncation
from confide.net.link import Mailbox
from confide.net.wire import Value
from confide.runtime import Context, Role, simulate

DEALER = "dealer"
ROLES = {DEALER: [Role.COMPUTE_HELPER]}

T = TypeVar("T")


def data_parties(n: int) -> list[str]:
    """The names of ``n`` data parties."""
    return [f"p{i}" for i in range(n)]


def run(
    fn: Callable[[Context, Any], T],
    n: int,
    arg: Any = None,
    *,
    timeout: float = 30,
) -> dict[str, T]:
    """Run ``fn(ctx, arg)`` on ``n`` data parties and a dealer; every party gets ``arg``."""
    parties = [*data_parties(n), DEALER]
    return simulate(fn, {p: arg for p in parties}, roles=ROLES, timeout=timeout)


def engine(ctx: Context, truncation: Truncation | str = Truncation.PAIR) -> MPC:
    """A semi2k engine with a trusted dealer."""
    return MPC(ctx, protocol=Semi2k(truncation), provider=TrustedDealer())


def barrier(ctx: Context) -> None:
    """Every party waits until every other party has reached this point."""
    with ctx.scope("test-barrier"):
        ctx.broadcast("here", True)
        ctx.gather("here")


def record_deliveries(ctx: Context) -> list[tuple[str, Value]]:
    """From now on, record (sender, value) of every MPC message delivered to this party.

    Call between two barriers, so that no other party sends anything before every party
    records.
    """
    seen: list[tuple[str, Value]] = []
    mailbox: Mailbox = ctx.link.mailbox
    original = mailbox.deliver

    def deliver(sender: str, tag: str, value: Value) -> None:
        if "/test-barrier/" not in tag:
            seen.append((sender, value))
        original(sender, tag, value)

    mailbox.deliver = deliver  # type: ignore[method-assign]
    return seen
