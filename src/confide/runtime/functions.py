"""Naming a module-level function so that another process can import it: the launcher names
the SPMD function it runs (:func:`function_spec`), each worker process imports it by that name
(:func:`load_function`). A name is ``package.module:qualname``, or ``/path/to/file.py:qualname``
for a function of a script run as ``__main__``.

This lives apart from :mod:`confide.runtime.worker` so that the launcher (imported by
:mod:`confide.runtime`) never imports the worker module, which runs as ``python -m``.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from confide.errors import ConfigError

__all__ = ["function_spec", "load_function"]


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
        # Registered first, as an import would: dataclasses and pickling-free type lookups in
        # the script find their module by name.
        sys.modules[module_spec.name] = module
        module_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(where)
    target: Any = module
    for part in qualname.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise ConfigError(f"{spec!r} is not callable")
    return target  # type: ignore[no-any-return]
