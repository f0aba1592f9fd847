"""One party as a process: ``python -m confide.runtime.worker``, started by the launcher.

The worker opens its party of the federation (:func:`~confide.runtime.party.open_party`:
the gRPC link and the context), runs the named SPMD function on its input and writes the
outcome. Input and output files are in the wire format (no pickle): the input is
``{"input": value, "parties": [...], "roles": {party: [role]}}``, the output
``{"ok": True, "result": value}`` or ``{"ok": False, "error": text}``. The function is named
``package.module:qualname`` or ``/path/to/file.py:qualname``.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from confide.errors import ConfigError
from confide.net.wire import decode, encode
from confide.runtime.context import Role
from confide.runtime.party import link_bytes, open_party

__all__ = ["function_spec", "load_function", "main"]


def function_spec(fn: Callable[..., Any]) -> str:
    """How a worker process finds ``fn``: ``module:qualname`` (or ``file.py:qualname``)."""
    qualname = getattr(fn, "__qualname__", "")
    module = getattr(fn, "__module__", None)
    if not module or not qualname or "<" in qualname:
        raise ConfigError(
            f"{fn!r} must be a module-level function so that every party process can import it"
        )
    if module == "__main__":
        path = getattr(sys.modules["__main__"], "__file__", None)
        if path is None:
            raise ConfigError("a function defined in an interactive session cannot be launched")
        return f"{Path(path).resolve()}:{qualname}"
    return f"{module}:{qualname}"


def load_function(spec: str) -> Callable[..., Any]:
    """Import the function named by :func:`function_spec`."""
    where, _, qualname = spec.rpartition(":")
    if not where or not qualname:
        raise ConfigError(f"function spec {spec!r} must be 'module:qualname'")
    if where.endswith(".py"):
        module_spec = importlib.util.spec_from_file_location("confide_job_main", where)
        if module_spec is None or module_spec.loader is None:
            raise ConfigError(f"cannot load {where}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    target: Any = module
    for part in qualname.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise ConfigError(f"{spec!r} is not callable")
    return target  # type: ignore[no-any-return]


def _run(args: argparse.Namespace) -> dict[str, Any]:
    envelope = decode(bytearray(Path(args.input).read_bytes()))
    fn = load_function(args.function)
    roles = {party: [Role(r) for r in rs] for party, rs in envelope.get("roles", {}).items()}
    with open_party(
        args.federation,
        key=args.key,
        cert=args.cert,
        job_id=args.job_id,
        parties=envelope["parties"],
        roles=roles,
        timeout=args.timeout,
    ) as ctx:
        result = fn(ctx, envelope["input"])
    return {"ok": True, "result": result, "bytes_sent": link_bytes(ctx)[0]}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one party; exit 0 on success, 1 when the function failed (the output says why)."""
    parser = argparse.ArgumentParser(prog="python -m confide.runtime.worker")
    for name in ("federation", "key", "cert", "function", "input", "output", "job-id"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    try:
        outcome = _run(args)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        outcome = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    Path(args.output).write_bytes(encode(outcome))
    return 0 if outcome["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
