"""``confide job``: submit jobs to the federation, decide on them, follow them, read results.

    confide job submit credit.yaml --config node.yaml      # prints the new job's id
    confide job list --config node.yaml
    confide job status job-1a2b3c4d5e6f7a8b --config node.yaml
    confide job approve job-1a2b3c4d5e6f7a8b --config node.yaml
    confide job refuse job-1a2b3c4d5e6f7a8b --reason "not this quarter" --config node.yaml
    confide job logs job-1a2b3c4d5e6f7a8b --follow --config node.yaml
    confide job result job-1a2b3c4d5e6f7a8b align.ids --out ids.json --config node.yaml
    confide job cancel job-1a2b3c4d5e6f7a8b --config node.yaml

Every command talks to the node's running daemon through its admin API
(:class:`~confide.node.client.AdminClient`; the address and token come from the node's config,
``--config`` or ``CONFIDE_CONFIG``). ``submit`` proposes the job to every party; each party's
node checks it against its own policies and approves it, refuses it, or holds it for
``approve`` / ``refuse`` by its operator; the job starts when every party has approved.
``result`` shows only what this node's party received. Human messages go to stderr;
``--format json`` prints JSON on stdout. Exit codes: 0 done, 1 the node failed or is not
running, 2 bad input (an unknown job, an action the job's state does not allow).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from confide.cli.options import ConfigOption, FormatOption, OutputFormat
from confide.cli.options import fail as _fail
from confide.errors import ConfideError, ConfigError
from confide.node import TERMINAL_STATES, JobState, load_config
from confide.node.client import AdminClient
from confide.policy.yamlio import read_text

__all__ = [
    "app",
    "approve",
    "cancel",
    "list_jobs",
    "logs",
    "refuse",
    "result",
    "status",
    "submit",
]


#: How often ``logs --follow`` asks for new lines.
_FOLLOW_EVERY_S = 0.5

app = typer.Typer(
    help="Submit jobs to the federation, decide on them, follow them and read their results.",
    no_args_is_help=True,
    add_completion=False,
)


JobArgument = Annotated[str, typer.Argument(help="The job's id (as `submit` printed it).")]


@app.callback()
def _job() -> None:
    """Submit jobs to the federation, decide on them, follow them and read their results."""


def _client(config: Path) -> AdminClient:
    return AdminClient.from_config(load_config(config))


def _describe(job: dict[str, Any]) -> str:
    text = f"job {job['id']} ({job['name']!r}): {job['state']}"
    if job.get("reason"):
        text += f": {job['reason']}"
    return text


def _show(console: Console, job: dict[str, Any], output_format: OutputFormat) -> None:
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(job))
    else:
        console.print(escape(_describe(job)), soft_wrap=True)


@app.command("submit")
def submit(
    spec: Annotated[Path, typer.Argument(help="The job spec (YAML).")],
    config: ConfigOption,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Propose a job to its parties; prints its id on stdout."""
    err = Console(stderr=True)
    try:
        job = _client(config).submit(read_text(spec, "job spec"))
    except ConfideError as exc:
        _fail(err, exc)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(job))
        return
    typer.echo(job["id"])
    waiting = ", ".join(job["waiting_for"])
    err.print(
        escape(_describe(job)) + (f"; waiting for {escape(waiting)}" if waiting else ""),
        soft_wrap=True,
    )


@app.command("list")
def list_jobs(config: ConfigOption, output_format: FormatOption = OutputFormat.TEXT) -> None:
    """List this node's jobs, oldest first."""
    err = Console(stderr=True)
    try:
        jobs = _client(config).jobs()
    except ConfideError as exc:
        _fail(err, exc)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(jobs))
        return
    if not jobs:
        err.print("no jobs")
        return
    table = Table("id", "name", "state", "proposer", "created", "reason")
    for job in jobs:
        table.add_row(
            job["id"],
            escape(job["name"]),
            job["state"],
            job["proposer"],
            job["created_at"][:19],
            escape(job["reason"] or ""),
        )
    Console().print(table)


@app.command("status")
def status(
    job_id: JobArgument, config: ConfigOption, output_format: FormatOption = OutputFormat.TEXT
) -> None:
    """Show a job's state, every party's decision, its steps and its progress."""
    err = Console(stderr=True)
    try:
        job = _client(config).job(job_id)
    except ConfideError as exc:
        _fail(err, exc)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(job))
        return
    out = Console()
    out.print(escape(_describe(job)), soft_wrap=True)
    out.print(f"spec hash {job['spec_hash']}, proposed by {job['proposer']}")
    for approval in job["approvals"]:
        reason = f": {approval['reason']}" if approval["reason"] else ""
        out.print(f"  {approval['party']}: {approval['decision']}{escape(reason)}", soft_wrap=True)
    for party in job["waiting_for"]:
        out.print(f"  {party}: has not decided")
    steps = ", ".join(f"{s['id']} ({s['component']})" for s in job["steps"])
    out.print(f"steps: {escape(steps)}", soft_wrap=True)
    if job["progress"] is not None:
        out.print(f"progress: {100 * job['progress']:.0f}% ({escape(job['last_message'] or '')})")
    for found in job["results"]:
        out.print(f"result {escape(found['name'])} ({found['kind']}) for this party")


@app.command("approve")
def approve(
    job_id: JobArgument, config: ConfigOption, output_format: FormatOption = OutputFormat.TEXT
) -> None:
    """Approve a job held for this node's operator (signed with the node's key)."""
    err = Console(stderr=True)
    try:
        job = _client(config).approve(job_id)
    except ConfideError as exc:
        _fail(err, exc)
    _show(err, job, output_format)


@app.command("refuse")
def refuse(
    job_id: JobArgument,
    config: ConfigOption,
    reason: Annotated[str, typer.Option("--reason", help="Why (every party sees it).")],
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Refuse a job held for this node's operator; every party sees the reason."""
    err = Console(stderr=True)
    try:
        job = _client(config).refuse(job_id, reason)
    except ConfideError as exc:
        _fail(err, exc)
    _show(err, job, output_format)


@app.command("cancel")
def cancel(
    job_id: JobArgument,
    config: ConfigOption,
    reason: Annotated[str, typer.Option("--reason", help="Why (every party sees it).")] = "",
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Stop a job at every party, whether it waits for approvals or runs."""
    err = Console(stderr=True)
    try:
        job = _client(config).cancel(job_id, reason)
    except ConfideError as exc:
        _fail(err, exc)
    _show(err, job, output_format)


def _print_lines(lines: list[dict[str, Any]], output_format: OutputFormat) -> None:
    for line in lines:
        if output_format is OutputFormat.JSON:
            typer.echo(json.dumps(line))
        else:
            done = "" if line["progress"] is None else f" [{100 * line['progress']:.0f}%]"
            typer.echo(f"{line['at'][:19]} {line['message']}{done}")


@app.command("logs")
def logs(
    job_id: JobArgument,
    config: ConfigOption,
    follow: Annotated[
        bool, typer.Option("--follow", help="Keep printing new lines until the job ends.")
    ] = False,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Print a job's log lines (with --follow, until it ends)."""
    err = Console(stderr=True)
    try:
        client = _client(config)
        after: int | None = None
        ended = not follow
        while True:
            lines = client.logs(job_id, after)
            _print_lines(lines, output_format)
            after = lines[-1]["seq"] if lines else after
            if ended:
                break
            # one more read after the job ended, for the lines written just before its end
            ended = JobState(client.job(job_id)["state"]) in TERMINAL_STATES
            if not ended:
                time.sleep(_FOLLOW_EVERY_S)
    except ConfideError as exc:
        _fail(err, exc)


@app.command("result")
def result(
    job_id: JobArgument,
    config: ConfigOption,
    name: Annotated[
        str | None,
        typer.Argument(help="The result (STEP.OUTPUT); without it, list this party's results."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the value (JSON) to this file.")
    ] = None,
) -> None:
    """List the results this node's party received, or print (or save) one as JSON."""
    err = Console(stderr=True)
    try:
        client = _client(config)
        if name is None:
            found = client.results(job_id)
            typer.echo(json.dumps(found))
            err.print(f"{len(found)} result(s) for this party", soft_wrap=True)
            return
        value = client.result(job_id, name)["value"]
    except ConfideError as exc:
        _fail(err, exc)
    text = json.dumps(value)
    if out is None:
        typer.echo(text)
        return
    try:
        out.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        _fail(err, ConfigError(f"cannot write {out}: {exc.strerror or exc}"))
    err.print(f"wrote result {escape(name)} to {escape(str(out))}", soft_wrap=True)
