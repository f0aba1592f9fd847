"""Running parties: the context, ``simulate`` (threads) and ``launch`` (processes over gRPC)."""

from confide.runtime.context import DEFAULT_TIMEOUT_S, Context, Role, new_job_id
from confide.runtime.disclosure import Disclosure
from confide.runtime.launcher import launch
from confide.runtime.simulate import simulate

__all__ = ["DEFAULT_TIMEOUT_S", "Context", "Disclosure", "Role", "launch", "new_job_id", "simulate"]
