"""One party as a process: ``python -m confide.runtime.worker``, started by the launcher.

The worker opens its party of the federation (:func:`~confide.runtime.party.open_party`:
the gRPC link and the context), or, with ``--party`` and the ``--send`` / ``--receive``
descriptors of its socket pairs (``peer=fd``, inherited from the launcher), a
:class:`~confide.net.socketpair.SocketPairLink`; it runs the named SPMD function on its input
and writes the outcome. Input and output files are in the wire format (no pickle): the input is
``{"input": value, "parties": [...], "roles": {party: [role]}}``, the output
``{"ok": True, "result": value}`` or ``{"ok": False, "error": text}``. The function is named
``package.module:qualname`` or ``/path/to/file.py:qualname``
(:mod:`confide.runtime.functions`).

The launcher does not import this module (it names functions through
:mod:`confide.runtime.functions`), and neither does :mod:`confide.runtime`'s ``__init__``, so
``python -m`` runs it as ``__main__`` without having imported it first as a package module
(runpy's ``RuntimeWarning``, and the module's code run twice).
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import sys
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from confide.errors import ConfigError
from confide.net.socketpair import SocketPairLink
from confide.net.wire import decode, encode
from confide.runtime.context import Context, Role
from confide.runtime.functions import load_function
from confide.runtime.party import link_bytes, open_party, party_context

__all__ = ["main"]


def _run(args: argparse.Namespace) -> dict[str, Any]:
    envelope = decode(bytearray(Path(args.input).read_bytes()))
    fn = load_function(args.function)
    roles = {party: [Role(r) for r in rs] for party, rs in envelope.get("roles", {}).items()}
    if args.party is not None:
        opened = _socketpair_party(args, envelope["parties"], roles)
    else:
        opened = open_party(
            args.federation,
            key=args.key,
            cert=args.cert,
            job_id=args.job_id,
            parties=envelope["parties"],
            roles=roles,
            timeout=args.timeout,
        )
    with opened as ctx:
        result = fn(ctx, envelope["input"])
    return {"ok": True, "result": result, "bytes_sent": link_bytes(ctx)[0]}


def _socketpair_party(
    args: argparse.Namespace, parties: list[str], roles: Mapping[str, list[Role]]
) -> contextlib.AbstractContextManager[Context]:
    """The context of ``args.party`` over the socket pairs it inherited (as ``open_party``)."""
    link = SocketPairLink(
        args.party,
        senders={peer: socket.socket(fileno=fd) for peer, fd in _descriptors(args.send)},
        receivers={peer: socket.socket(fileno=fd) for peer, fd in _descriptors(args.receive)},
    )
    return party_context(
        link, parties=parties, job_id=args.job_id, roles=roles, timeout=args.timeout
    )


def _descriptors(given: list[str]) -> list[tuple[str, int]]:
    """``peer=fd`` arguments as pairs."""
    pairs = []
    for item in given:
        peer, _, fd = item.partition("=")
        if not peer or not fd.isdigit():
            raise ConfigError(f"expected peer=fd, got {item!r}")
        pairs.append((peer, int(fd)))
    return pairs


def main(argv: Sequence[str] | None = None) -> int:
    """Run one party; exit 0 on success, 1 when the function failed (the output says why)."""
    parser = argparse.ArgumentParser(prog="python -m confide.runtime.worker")
    for name in ("function", "input", "output", "job-id"):
        parser.add_argument(f"--{name}", required=True)
    for name in ("federation", "key", "cert", "party"):
        parser.add_argument(f"--{name}")
    parser.add_argument("--send", action="append", default=[], metavar="PEER=FD")
    parser.add_argument("--receive", action="append", default=[], metavar="PEER=FD")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    if (args.party is None) == (args.federation is None):
        parser.error("give either --federation, --key and --cert, or --party with its sockets")
    try:
        outcome = _run(args)
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        outcome = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    Path(args.output).write_bytes(encode(outcome))
    return 0 if outcome["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
