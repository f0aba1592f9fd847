"""The simulated platform's loader: measure an enclave image, run only its code, sign quotes.

The simulated enclave is a separate process started as a *script* by path, never imported from
the installed package there, so that no unmeasured Confide code is loaded before the image::

    python -I -B /path/to/confide/tee/loader.py IMAGE_DIR QUOTING_KEY

This file uses only the standard library and ``cryptography``. It plays the part that hardware
plays for a real enclave (the CPU measuring pages as they are loaded, and the quoting enclave
signing the measurement):

1. read every file of the image into memory (:func:`read_image`): the ``confide`` modules of
   the enclave application and its configuration ``enclave.json``;
2. measure them (:func:`measure`): the measurement is a hash over exactly these bytes;
3. check that the interpreter and libraries are the versions the configuration names;
4. install an importer that serves ``confide`` and ``confide.*`` only from those bytes and
   refuses any Confide module that is not in the image, so the code that runs is exactly the
   code that was measured (no time-of-check/time-of-use gap with the files on disk);
5. import the application named by the configuration and call ``serve(read_fd, write_fd,
   platform)``, where ``platform`` gives the measurement and signs quotes with the simulated
   quoting key (:func:`quote_message`).

What the simulation does not give: third-party libraries and the interpreter are not measured
(only their versions, through the configuration), and the quoting key sits in a file the host
can read, in the same process as the application. It proves the protocol, not isolation:
*simulation: no hardware protection*. A hardware backend measures everything loaded (Gramine's
manifest lists the interpreter and every library as trusted files) and keeps the quoting key in
the CPU's quoting enclave.

The enclave talks to the host over its standard input and output (length-prefixed wire frames,
:mod:`confide.tee.channel`); this loader moves those to private descriptors and points file
descriptor 1 at standard error, so a library that prints cannot corrupt the channel.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import json
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "CONFIG_FILE",
    "MEASUREMENT_CONTEXT",
    "QUOTE_CONTEXT",
    "REPORT_DATA_BYTES",
    "ImageError",
    "main",
    "measure",
    "quote_message",
    "read_image",
]

#: Prefix of the bytes hashed into a measurement.
MEASUREMENT_CONTEXT = b"confide-tee-measurement-v1\x00"
#: Prefix of the message a quote signs (then the 32-byte measurement and 64-byte report data).
QUOTE_CONTEXT = b"confide-tee-quote-v1\x00"
#: The enclave configuration inside an image.
CONFIG_FILE = "enclave.json"
#: Bytes of report data bound into a quote: the size of SGX's REPORTDATA.
REPORT_DATA_BYTES = 64
#: The Confide package inside an image.
PACKAGE = "confide"


class ImageError(ValueError):
    """An enclave image that is malformed (a file it must not hold, no configuration)."""


def read_image(root: str | os.PathLike[str]) -> dict[str, bytes]:
    """Every file of the image at ``root``: relative POSIX path -> bytes.

    An image holds ``enclave.json`` and ``.py`` files under ``confide/``, nothing else (no
    links, no compiled files), so that what is measured is all there is.
    """
    base = Path(root)
    if not base.is_dir():
        raise ImageError(f"the enclave image {base} is not a folder")
    files: dict[str, bytes] = {}
    for path in sorted(base.rglob("*")):
        relative = path.relative_to(base).as_posix()
        if path.is_symlink():
            raise ImageError(f"the enclave image holds a link, {relative}")
        if path.is_dir():
            if relative != PACKAGE and not relative.startswith(PACKAGE + "/"):
                raise ImageError(f"the enclave image holds an unexpected folder, {relative}")
            continue
        allowed = relative == CONFIG_FILE or (
            relative.startswith(PACKAGE + "/") and relative.endswith(".py")
        )
        if not allowed:
            raise ImageError(f"the enclave image holds an unexpected file, {relative}")
        files[relative] = path.read_bytes()
    if CONFIG_FILE not in files:
        raise ImageError(f"the enclave image {base} has no {CONFIG_FILE}")
    if f"{PACKAGE}/__init__.py" not in files:
        raise ImageError(f"the enclave image {base} has no {PACKAGE}/__init__.py")
    return files


def measure(files: Mapping[str, bytes]) -> bytes:
    """SHA-256 over :data:`MEASUREMENT_CONTEXT` and every file, sorted by path, each written as
    its path's length (u64 LE), its UTF-8 path, its length (u64 LE) and its bytes."""
    digest = hashlib.sha256(MEASUREMENT_CONTEXT)
    for name in sorted(files):
        encoded = name.encode("utf-8")
        content = files[name]
        digest.update(len(encoded).to_bytes(8, "little"))
        digest.update(encoded)
        digest.update(len(content).to_bytes(8, "little"))
        digest.update(content)
    return digest.digest()


def quote_message(measurement: bytes, report_data: bytes) -> bytes:
    """What the quoting key signs: :data:`QUOTE_CONTEXT`, the measurement, the report data."""
    if len(measurement) != 32 or len(report_data) != REPORT_DATA_BYTES:
        raise ValueError("a quote binds a 32-byte measurement and 64 bytes of report data")
    return QUOTE_CONTEXT + measurement + report_data


def module_table(files: Mapping[str, bytes]) -> dict[str, tuple[str, bytes, bool]]:
    """Module name -> (path in the image, source, is a package) for every ``.py`` file."""
    table: dict[str, tuple[str, bytes, bool]] = {}
    for path, source in files.items():
        if not path.endswith(".py"):
            continue
        parts = path[: -len(".py")].split("/")
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        table[name] = (path, source, is_package)
    return table


class _ImageImporter(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves ``confide`` modules from the measured bytes only; refuses the others."""

    def __init__(self, modules: Mapping[str, tuple[str, bytes, bool]]) -> None:
        self._modules = dict(modules)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != PACKAGE and not fullname.startswith(PACKAGE + "."):
            return None
        entry = self._modules.get(fullname)
        if entry is None:
            raise ModuleNotFoundError(
                f"{fullname} is not part of the measured enclave image", name=fullname
            )
        image_path, _, is_package = entry
        return importlib.machinery.ModuleSpec(
            fullname, self, origin=f"enclave-image:{image_path}", is_package=is_package
        )

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        spec = module.__spec__
        if spec is None:
            raise ImportError("a module without a spec")
        image_path, source, _ = self._modules[spec.name]
        code = compile(source, f"enclave-image:{image_path}", "exec", dont_inherit=True)
        exec(code, module.__dict__)  # noqa: S102 - the measured code of the image is what runs


class _Platform:
    """What the application gets from the platform: its measurement and quotes."""

    backend = "simulation"

    def __init__(self, measurement: bytes, key_path: Path) -> None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519

        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise ImageError(f"the quoting key {key_path} is not an Ed25519 key")
        self.measurement = measurement
        self._key = key
        self.public_key = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )

    def quote(self, report_data: bytes) -> bytes:
        """The quoting key's signature of :func:`quote_message` for this enclave's measurement."""
        return self._key.sign(quote_message(self.measurement, report_data))


def check_runtime(config: Mapping[str, Any]) -> None:
    """Refuse to start unless the interpreter and libraries are the configured versions."""
    python = platform.python_version()
    if config.get("python") != python:
        raise ImageError(f"the image was built for Python {config.get('python')}, not {python}")
    for dist, version in dict(config.get("runtime", {})).items():
        try:
            found = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            raise ImageError(f"the image needs {dist} {version}, which is not installed") from None
        if found != version:
            raise ImageError(f"the image was built with {dist} {version}, not {found}")


def main(argv: Sequence[str] | None = None) -> int:
    """Measure the image, load the application from it and serve the host (module docstring)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: loader.py IMAGE_DIR QUOTING_KEY", file=sys.stderr)
        return 2
    read_fd, write_fd = os.dup(0), os.dup(1)
    os.dup2(2, 1)  # stray prints go to stderr, never into the channel
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    files = read_image(args[0])
    config = json.loads(files[CONFIG_FILE])
    check_runtime(config)
    services = _Platform(measure(files), Path(args[1]))
    sys.meta_path.insert(0, _ImageImporter(module_table(files)))
    app = importlib.import_module(str(config["app"]))
    code: int = app.serve(read_fd, write_fd, services)
    return code


if __name__ == "__main__":
    sys.exit(main())
