"""A component for the node tests, loaded with ``confide node start --components``.

``test.hold`` holds a job at a known point: every party says it is ready, then waits (up to the
``seconds`` parameter) for a message that no party sends. A test can then kill a node or cancel
the job while every party is inside the step: a peer that went away, or an abort, ends the wait
at once.
"""

from __future__ import annotations

from confide.errors import PeerTimeout
from confide.jobs.registry import Component, ComponentInputs, ComponentOutputs
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure


def hold(ctx: Context, inputs: ComponentInputs) -> ComponentOutputs:
    """Wait until every party is in the step, then hold it for ``seconds``."""
    seconds = float(inputs.params.get("seconds", 30.0))
    with ctx.scope("hold"):
        ctx.broadcast("ready", True)
        ctx.gather("ready")
        inputs.progress(0.5, "holding")
        for peer in ctx.others:
            try:
                ctx.recv(peer, "release", timeout=seconds)
            except PeerTimeout:
                continue
    return ComponentOutputs()


COMPONENTS = (
    Component(
        "test.hold",
        hold,
        (Disclosure("every party", "that every other party reached the step"),),
    ),
)
