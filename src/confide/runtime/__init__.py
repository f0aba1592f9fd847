"""Running parties: the context, ``simulate`` (threads), ``launch`` (processes over gRPC, or over
socket pairs on one machine) and ``open_party`` (this process as one party of a federation)."""

from confide.runtime.context import DEFAULT_TIMEOUT_S, Context, Role, new_job_id
from confide.runtime.disclosure import Disclosure
from confide.runtime.launcher import launch
from confide.runtime.party import open_party
from confide.runtime.simulate import simulate

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "Context",
    "Disclosure",
    "Role",
    "launch",
    "new_job_id",
    "open_party",
    "simulate",
]
