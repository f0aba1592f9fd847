"""``confide node``: run the node, ask how it is, set usage policies, export the audit log.

    confide node start --config node.yaml            # runs until Ctrl-C or SIGTERM
    confide node status --config node.yaml
    confide node policy set loans-policy.yaml --config node.yaml
    confide node policy show loans --config node.yaml --format json
    confide node audit --out bank-audit.jsonl --config node.yaml

``start`` runs the daemon (:class:`~confide.node.daemon.NodeDaemon`): the peer gRPC service
with mutual TLS and the local admin API that ``confide job`` talks to. ``--components MODULE``
adds the components listed in ``MODULE.COMPONENTS`` (an installed module of the organisation's
own) to the built-in ones. ``status`` asks the running daemon. ``policy`` and ``audit`` work on
the node's store directly, like ``confide data``: the store is shared safely with a running
daemon. ``audit`` writes the node's audit chain as JSON lines, the input of
``confide audit verify`` (and, from a peer's log, of ``confide audit heads``).

The config comes from ``--config`` or ``CONFIDE_CONFIG``. Human messages go to stderr,
``--format json`` prints JSON on stdout. Exit codes: 0 done, 1 the node or its store failed,
2 bad input.
"""

from __future__ import annotations

import importlib
import json
import logging
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from confide.cli.options import EXIT_USAGE, ConfigOption, FormatOption, OutputFormat
from confide.cli.options import fail as _fail
from confide.errors import ConfideError, ConfigError
from confide.jobs.registry import Component, ComponentRegistry
from confide.node import NodeConfig, NodeStore, load_config
from confide.node.audit_store import SqlAuditStore
from confide.node.client import AdminClient
from confide.node.components import default_registry
from confide.node.daemon import NodeDaemon
from confide.policy import load_policy, policy_to_yaml
from confide.runtime.context import DEFAULT_TIMEOUT_S

__all__ = ["app", "audit", "policy_set", "policy_show", "start", "status"]


app = typer.Typer(
    help="Run this organisation's node and look after it.",
    no_args_is_help=True,
    add_completion=False,
)
policy_app = typer.Typer(
    help="Set and show the usage policies of this node's datasets.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(policy_app, name="policy")


@app.callback()
def _node() -> None:
    """Run this organisation's node and look after it."""


def _registry(modules: list[str]) -> ComponentRegistry:
    registry = default_registry()
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"components module {name!r} cannot be imported: {exc}") from exc
        listed = getattr(module, "COMPONENTS", None)
        if not isinstance(listed, list | tuple) or not all(
            isinstance(c, Component) for c in listed
        ):
            raise ConfigError(f"module {name!r} must list its components in COMPONENTS")
        for component in listed:
            registry.add(component)
    return registry


@app.command("start")
def start(
    config: ConfigOption,
    receive_timeout: Annotated[
        float,
        typer.Option(
            "--receive-timeout",
            min=0.1,
            help="Seconds a job waits for a peer's message before it fails (a peer that went "
            "away is noticed within seconds).",
        ),
    ] = DEFAULT_TIMEOUT_S,
    components: Annotated[
        list[str] | None,
        typer.Option(
            "--components",
            help="A module whose COMPONENTS list adds components to the built-in ones "
            "(repeatable).",
        ),
    ] = None,
) -> None:
    """Run the node: the peer service (mTLS) and the local admin API, until stopped."""
    err = Console(stderr=True)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        loaded = load_config(config)
        daemon = NodeDaemon(
            loaded, components=_registry(components or []), receive_timeout=receive_timeout
        )
        daemon.start()
    except ConfideError as exc:
        _fail(err, exc)
    host, port = daemon.admin_address
    err.print(
        f"node {escape(repr(loaded.party))} is up: peers on {escape(loaded.peer_listen)}, "
        f"admin API on http://{escape(host)}:{port}",
        soft_wrap=True,
    )
    while not stopping.wait(0.5):
        pass
    err.print("stopping: jobs still running fail and their other parties are told")
    daemon.stop()


@app.command("status")
def status(config: ConfigOption, output_format: FormatOption = OutputFormat.TEXT) -> None:
    """Ask the running node who it is, what it runs and how many jobs it has."""
    err = Console(stderr=True)
    try:
        info = AdminClient.from_config(load_config(config)).node()
    except ConfideError as exc:
        _fail(err, exc)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(info))
        return
    jobs = ", ".join(f"{count} {state}" for state, count in sorted(info["jobs"].items()))
    err.print(
        f"node {escape(repr(info['party']))} of federation {escape(repr(info['federation']))}: "
        f"peers {escape(', '.join(info['peers']))}; components "
        f"{escape(', '.join(info['components']))}; jobs: {escape(jobs or 'none')}",
        soft_wrap=True,
    )
    tee = info.get("tee") or {}
    if tee.get("enclave"):
        err.print(f"hosts enclave {tee['enclave']} ({escape(str(tee['trust']))})", soft_wrap=True)
    if tee.get("platform_keys"):
        receivers = ", ".join(tee["receiver_keys"]) or "none"
        err.print(
            f"releases keys to enclaves on {tee['platform_keys']} pinned platform(s), for "
            f"receivers {escape(receivers)}",
            soft_wrap=True,
        )
    if tee.get("output_key"):
        err.print(f"opens enclave outputs with output key {tee['output_key']}", soft_wrap=True)


def _store(config: Path) -> NodeStore:
    loaded: NodeConfig = load_config(config)
    loaded.ensure_state_dir()
    return NodeStore.open(loaded.database_url)


@policy_app.command("set")
def policy_set(
    path: Annotated[Path, typer.Argument(help="The usage policy (YAML) of one dataset.")],
    config: ConfigOption,
) -> None:
    """Set (or replace) the usage policy of a registered dataset from a YAML file."""
    err = Console(stderr=True)
    try:
        policy = load_policy(path)
        with _store(config) as store:
            store.put_policy(policy)
    except ConfideError as exc:
        _fail(err, exc)
    err.print(
        f"usage policy of dataset {escape(repr(policy.dataset))} set "
        f"(approval: {policy.approval.value})",
        soft_wrap=True,
    )


@policy_app.command("show")
def policy_show(
    dataset: Annotated[str, typer.Argument(help="The dataset whose policy to show.")],
    config: ConfigOption,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Show the usage policy of a dataset (YAML, or JSON with --format json)."""
    err = Console(stderr=True)
    try:
        with _store(config) as store:
            store.get_dataset(dataset)
            policy = store.get_policy(dataset)
    except ConfideError as exc:
        _fail(err, exc)
    if policy is None:
        err.print(f"dataset {escape(repr(dataset))} has no usage policy: nothing is allowed")
        raise typer.Exit(EXIT_USAGE)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(policy.to_dict()))
    else:
        typer.echo(policy_to_yaml(policy), nl=False)


@app.command("audit")
def audit(
    out: Annotated[Path, typer.Option("--out", help="Where to write the log (JSON lines).")],
    config: ConfigOption,
) -> None:
    """Write the node's audit chain as JSON lines, for `confide audit verify` and `heads`."""
    err = Console(stderr=True)
    try:
        with _store(config) as store:
            entries = list(SqlAuditStore(store.database).entries())
        out.write_bytes(b"".join(entry.to_line() for entry in entries))
    except ConfideError as exc:
        _fail(err, exc)
    except OSError as exc:
        _fail(err, ConfigError(f"cannot write {out}: {exc.strerror or exc}"))
    err.print(f"wrote {len(entries)} audit entries to {escape(str(out))}", soft_wrap=True)
