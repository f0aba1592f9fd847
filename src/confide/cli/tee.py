"""``confide tee``: simulated enclave platforms, enclave images, sealed datasets, output keys.

    confide tee platform-init ./platform               # the host: a simulated quoting key
    confide tee build ./image                          # the host: the enclave image to run
    confide tee measure ./image                        # a provider: the measurement to allow
    confide tee seal loans.csv --dataset loans --id-column id --out loans.sealed
    confide tee keygen bank --out-dir keys              # a receiver: its output key pair
    confide tee open lr.model.bank.sealed --key keys/bank.key --format json
    confide tee demo --rows 20000                      # every role, on synthetic data

The only backend is the simulation, and every command that touches it says so: *simulation: no
hardware protection*. Human messages go to stderr; ``--format json`` prints JSON on stdout.
Exit codes: 0 done, 1 a failure (the enclave, a damaged file), 2 bad input.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.console import Console
from rich.markup import escape

from confide.cli.options import FormatOption, OutputFormat
from confide.cli.options import fail as _fail
from confide.datasets import vertical_credit
from confide.errors import ConfideError, ConfigError
from confide.tee import (
    SIMULATION_TRUST,
    ReceiverKey,
    SealedOutput,
    SimulatedPlatform,
    build_image,
    measure_image,
    open_output,
    seal_file,
)
from confide.tee.credit import credit_spec
from confide.tee.demo import enclave_job

__all__ = ["app", "build", "demo", "keygen", "measure", "open_command", "platform_init", "seal"]


app = typer.Typer(
    help="Trusted execution (simulation: no hardware protection): platforms, images, sealing.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _tee() -> None:
    """Trusted execution (simulation: no hardware protection): platforms, images, sealing."""


def _emit(output_format: OutputFormat, data: dict[str, Any], text: str) -> None:
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(data))
    else:
        Console(stderr=True).print(escape(text), soft_wrap=True)


@app.command("platform-init")
def platform_init(
    folder: Annotated[Path, typer.Argument(help="New folder for the platform's quoting key.")],
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Create a simulated platform: a quoting key whose public half providers pin."""
    try:
        platform = SimulatedPlatform.create(folder)
    except ConfideError as exc:
        _fail(Console(stderr=True), exc)
    data = {
        "platform": platform.fingerprint,
        "public_key": str(platform.public_key_path),
        "trust": SIMULATION_TRUST,
    }
    text = (
        f"simulated platform {platform.fingerprint} in {folder}\n"
        f"providers pin {platform.public_key_path}\n{SIMULATION_TRUST}"
    )
    _emit(output_format, data, text)


@app.command("build")
def build(
    folder: Annotated[Path, typer.Argument(help="New folder for the enclave image.")],
    source: Annotated[
        Path | None,
        typer.Option(
            "--source", help="The confide package folder to build from (default: installed)."
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Build the enclave image and print its measurement (what provider policies list)."""
    try:
        image = build_image(folder, source=source)
    except ConfideError as exc:
        _fail(Console(stderr=True), exc)
    data = {"image": str(image.path), "measurement": image.measurement, "trust": SIMULATION_TRUST}
    text = f"enclave image {image.path}\nmeasurement {image.measurement}\n{SIMULATION_TRUST}"
    _emit(output_format, data, text)


@app.command("measure")
def measure(
    folder: Annotated[Path, typer.Argument(help="An enclave image folder.")],
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Print the measurement of an enclave image."""
    try:
        image = measure_image(folder)
    except ConfideError as exc:
        _fail(Console(stderr=True), exc)
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps({"measurement": image.measurement, "trust": SIMULATION_TRUST}))
    else:
        typer.echo(image.measurement)
        Console(stderr=True).print(SIMULATION_TRUST)


@app.command("seal")
def seal(
    source: Annotated[Path, typer.Argument(help="The dataset: a CSV or Parquet file.")],
    dataset: Annotated[str, typer.Option("--dataset", help="The dataset's name in job specs.")],
    id_column: Annotated[str, typer.Option("--id-column", help="The column jobs join on.")],
    out: Annotated[Path, typer.Option("--out", help="The sealed file to write.")],
    key_out: Annotated[
        Path | None,
        typer.Option("--key-out", help="Where to keep the key (default: OUT with .key)."),
    ] = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Seal a dataset under a fresh key; the key file stays with you, the sealed file can go."""
    key_path = key_out if key_out is not None else out.with_suffix(".key")
    try:
        if key_path.exists():
            raise ConfigError(f"{key_path} exists: a key file is never overwritten")
        key = seal_file(source, out, dataset=dataset, id_column=id_column)
        key.save(key_path)
    except ConfideError as exc:
        _fail(Console(stderr=True), exc)
    data = {
        "dataset": key.dataset,
        "sealed": str(out),
        "key": str(key_path),
        "rows": key.rows,
        "columns": list(key.columns),
        "header_hash": key.header_hash,
    }
    text = (
        f"sealed {key.rows} rows of {key.dataset!r} ({len(key.columns)} columns) to {out}; "
        f"the key is in {key_path}: keep it on your node"
    )
    _emit(output_format, data, text)


@app.command("keygen")
def keygen(
    name: Annotated[str, typer.Argument(help="The receiver (files NAME.key and NAME.pub).")],
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where to write the files.")] = Path(
        "."
    ),
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Make a result receiver's output key pair; providers pin NAME.pub."""
    key = ReceiverKey.generate()
    private, public = out_dir / f"{name}.key", out_dir / f"{name}.pub"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        key.save(private, public)
    except FileExistsError:
        _fail(Console(stderr=True), ConfigError(f"{private} exists: it is never overwritten"))
    except OSError as exc:
        _fail(Console(stderr=True), ConfigError(f"cannot write in {out_dir}: {exc.strerror}"))
    data = {"private": str(private), "public": str(public), "fingerprint": key.fingerprint}
    _emit(output_format, data, f"output key {key.fingerprint}: {private} (secret), {public}")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    return value


@app.command("open")
def open_command(
    sealed: Annotated[Path, typer.Argument(help="A sealed output of an enclave job.")],
    key: Annotated[Path, typer.Option("--key", help="The receiver's private output key.")],
    output_format: FormatOption = OutputFormat.JSON,
) -> None:
    """Decrypt an output of an enclave job with the receiver's key; print it as JSON."""
    err = Console(stderr=True)
    try:
        output = SealedOutput.from_bytes(sealed.read_bytes())
        value = open_output(ReceiverKey.load(key), output)
    except OSError as exc:
        _fail(err, ConfigError(f"{sealed} cannot be read: {exc.strerror}"))
    except ConfideError as exc:
        _fail(err, exc)
    labels = f"{output.step}.{output.output} ({output.kind}) of job {output.job_id}"
    if output_format is OutputFormat.TEXT:
        err.print(f"{escape(labels)} for {escape(output.receiver)}", soft_wrap=True)
    typer.echo(json.dumps(_jsonable(value)))


@app.command("demo")
def demo(
    rows: Annotated[int, typer.Option("--rows", help="Customers per party.", min=200)] = 20_000,
    boost: Annotated[bool, typer.Option("--boost/--no-boost", help="Add boosting.")] = True,
    workdir: Annotated[
        Path | None, typer.Option("--workdir", help="Keep the files here (default: temporary).")
    ] = None,
    output_format: FormatOption = OutputFormat.TEXT,
) -> None:
    """Run the credit job in a simulated enclave on synthetic data, every role played here."""
    err = Console(stderr=True)
    data = vertical_credit(rows, overlap=0.9, seed=0)
    features = {
        "bank": [c for c in data.bank.columns if c not in ("id", "default")],
        "platform": [c for c in data.platform.columns if c != "id"],
    }
    boosting = {"n_estimators": 10, "max_depth": 4} if boost else None
    spec = credit_spec(features, settings={"split_seed": 0}, boost=boosting)
    tables = {"bank": data.bank, "platform": data.platform}
    err.print(f"[bold]{SIMULATION_TRUST}[/bold]: the enclave is an ordinary process")
    try:
        if workdir is not None:
            run = enclave_job(spec, tables, workdir)
        else:
            with tempfile.TemporaryDirectory(prefix="confide-tee-") as scratch:
                run = enclave_job(spec, tables, scratch)
    except ConfideError as exc:
        _fail(err, exc)
    metrics = {
        step: run.values[(step, "metrics", "bank")]["test"]
        for step in ("lr", "boost")
        if (step, "metrics", "bank") in run.values
    }
    test_auc = {step: m["auc"] for step, m in metrics.items()}
    seconds = {**run.seconds, **{f"enclave_{k}": v for k, v in run.result.seconds.items()}}
    outputs = [f"{s}.{o} -> {r}" for s, o, r in sorted(run.values)]
    summary = {
        "trust": run.result.trust,
        "measurement": run.result.measurement,
        "outputs": outputs,
        "test_auc": test_auc,
        "seconds": seconds,
    }
    if output_format is OutputFormat.JSON:
        typer.echo(json.dumps(summary))
        return
    err.print(f"measurement {run.result.measurement}")
    for name in outputs:
        err.print(f"  encrypted output {escape(name)}, opened by its receiver")
    for step, auc in test_auc.items():
        err.print(f"  {step}: test AUC {auc:.4f}")
    times = ", ".join(f"{k} {v:.2f} s" for k, v in seconds.items())
    err.print(f"  {times}", soft_wrap=True)
    err.print(f"trust assumption: {SIMULATION_TRUST}")
