"""Enclave images and their measurements: what a data provider checks before releasing a key.

An *image* is a folder holding exactly the code and configuration the simulated enclave runs:

- ``confide/**.py``: the Confide modules that the enclave application (:mod:`confide.tee.app`)
  imports, found by importing it in a fresh interpreter and copying every ``confide`` module
  that ended up loaded (:func:`build_image`);
- ``enclave.json``: the configuration: the application module, the backend, the Python version
  and the version of every third-party distribution the application imports.

Its *measurement* (:func:`measure_image`) is the SHA-256 of those files
(:func:`confide.tee.loader.measure` gives the exact layout). A data provider builds the image
from the Confide release it has reviewed, or takes the measurement from whoever it trusts to
have done so, and lists it in its usage policy (``enclave_measurements``); the loader inside
the enclave process measures the bytes it actually runs, so a changed byte anywhere in the
image changes the measurement and the key is refused.

Builds are reproducible: the same source tree and library versions give the same image and
measurement on every machine.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from confide.errors import ConfigError
from confide.tee.errors import EnclaveError
from confide.tee.loader import CONFIG_FILE, ImageError, measure, read_image

__all__ = ["APP_MODULE", "EnclaveImage", "build_image", "measure_image", "package_root"]

#: The enclave application: the one module every image runs.
APP_MODULE = "confide.tee.app"

#: Seconds the interpreter that lists the application's modules may take.
_SCAN_TIMEOUT_S = 120.0

# Run in a fresh, isolated interpreter: import the application from the source tree given as
# argv[1] and print its Confide files and the third-party distributions it loaded.
_SCAN = """
import importlib, importlib.metadata, json, sys
sys.path.insert(0, sys.argv[1])
importlib.import_module(sys.argv[2])
files = sorted({m.__file__ for n, m in list(sys.modules.items())
                if (n == "confide" or n.startswith("confide.")) and getattr(m, "__file__", None)})
stdlib = set(sys.stdlib_module_names)
tops = {n.split(".")[0] for n in list(sys.modules)} - stdlib - {"confide", "__main__"}
owners = importlib.metadata.packages_distributions()
dists = sorted({d for t in tops for d in owners.get(t, [])})
runtime = {d: importlib.metadata.version(d) for d in dists}
print(json.dumps({"files": files, "runtime": runtime}))
"""


@dataclass(frozen=True)
class EnclaveImage:
    """A built enclave image: its folder, its measurement (hex) and its configuration."""

    path: Path
    measurement: str
    config: Mapping[str, Any] = field(default_factory=dict)


def package_root() -> Path:
    """The folder of the installed ``confide`` package (the default source of an image)."""
    return Path(__file__).resolve().parents[1]


def measure_image(path: str | os.PathLike[str]) -> EnclaveImage:
    """The measurement of the image at ``path``; :class:`ConfigError` if it is malformed."""
    folder = Path(path)
    try:
        files = read_image(folder)
        config = json.loads(files[CONFIG_FILE])
    except (ImageError, OSError, ValueError) as exc:
        raise ConfigError(f"enclave image {folder}: {exc}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"enclave image {folder}: {CONFIG_FILE} is not a JSON object")
    return EnclaveImage(folder, measure(files).hex(), config)


def build_image(
    destination: str | os.PathLike[str],
    *,
    source: str | os.PathLike[str] | None = None,
    python: str = sys.executable,
) -> EnclaveImage:
    """Build the enclave image of :data:`APP_MODULE` in the new folder ``destination``.

    ``source`` is the ``confide`` package folder to take the code from (default: the installed
    one, :func:`package_root`); ``python`` the interpreter that will run the enclave.
    """
    root = Path(source) if source is not None else package_root()
    if not (root / "__init__.py").is_file():
        raise ConfigError(f"{root} is not a confide package folder")
    target = Path(destination)
    if target.exists() and any(target.iterdir()):
        raise ConfigError(f"{target} is not empty: an image is built into a new folder")
    scanned = _scan(root, python)
    target.mkdir(parents=True, exist_ok=True)
    for name in scanned["files"]:
        file = Path(name).resolve()
        try:
            relative = file.relative_to(root.resolve())
        except ValueError:
            raise ConfigError(f"the application loaded {file}, outside {root}") from None
        copy = target / "confide" / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, copy)
    config = {
        "format": 1,
        "app": APP_MODULE,
        "backend": "simulation",
        "python": platform.python_version(),
        "runtime": scanned["runtime"],
    }
    text = json.dumps(config, sort_keys=True, indent=2) + "\n"
    (target / CONFIG_FILE).write_text(text, encoding="utf-8")
    return measure_image(target)


def _scan(root: Path, python: str) -> dict[str, Any]:
    """The application's Confide files and third-party versions, from a fresh interpreter."""
    command = [python, "-I", "-B", "-c", _SCAN, str(root.resolve().parent), APP_MODULE]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=_SCAN_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EnclaveError(f"cannot list the modules of {APP_MODULE}: {exc}") from exc
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise EnclaveError(f"importing {APP_MODULE} from {root} failed: {tail}")
    scanned: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return scanned
