"""Confide: privacy-preserving data collaboration between organisations that distrust each other.

Every party runs the same code on its own data and talks to the others only through messages:

    import confide

    def fn(ctx, table):
        return confide.stats.joint_statistics(ctx, table)

    confide.simulate(fn, {"bank": t1, "platform": t2})   # threads over memory links
    confide.launch(fn, {"bank": t1, "platform": t2})     # processes over gRPC with mTLS
    confide.launch(fn, {...}, transport="socketpair")    # processes of one machine, no TLS
"""

from confide import errors, stats
from confide.errors import ConfideError
from confide.runtime import Context, Role, launch, simulate

__version__ = "0.1.0"

__all__ = [
    "ConfideError",
    "Context",
    "Role",
    "__version__",
    "errors",
    "launch",
    "simulate",
    "stats",
]
