"""The ``confide`` command. Only registers the sub-commands; each lives in a module of its own."""

from __future__ import annotations

import typer

from confide.cli import audit, certs, credit, data, job, node, node_demo, psi, stats_demo, tee

app = typer.Typer(
    name="confide",
    help="Privacy-preserving data collaboration between organisations that distrust each other.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(audit.app, name="audit")
app.add_typer(certs.app, name="certs")
app.add_typer(data.app, name="data")
app.add_typer(job.app, name="job")
app.add_typer(node.app, name="node")
app.add_typer(tee.app, name="tee")
app.command("credit")(credit.credit)
app.command("demo")(credit.demo)
app.command("demo-nodes")(node_demo.demo_nodes)
app.command("psi")(psi.psi)
app.command("stats-demo")(stats_demo.stats_demo)


def main() -> None:
    """Entry point of the ``confide`` console script."""
    app()


if __name__ == "__main__":
    main()
