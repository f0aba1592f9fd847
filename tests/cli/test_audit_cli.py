"""Tests of ``confide audit verify`` and ``confide audit heads`` on real log files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from confide.audit import AuditLog, FileAuditStore, dump_heads
from confide.cli.audit import app
from confide.net.federation import Identity
from tests.audit.helpers import Clock, make_identity, record_job

runner = CliRunner()


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def bank() -> Identity:
    return make_identity("bank")


@pytest.fixture(scope="module")
def platform() -> Identity:
    return make_identity("platform")


def write_log(
    path: Path, identity: Identity, jobs: tuple[str, ...] = ("job-1", "job-2")
) -> AuditLog:
    """A JSON-lines log of ``identity`` with seven entries per job."""
    with FileAuditStore(path) as store:
        log = AuditLog(store, identity, clock=Clock())
        for job in jobs:
            record_job(log, job)
    return log


def write_cert(folder: Path, identity: Identity, name: str | None = None) -> Path:
    path = folder / f"{name or identity.party}.crt"
    path.write_bytes(identity.cert_pem)
    return path


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def verify_args(log: Path, cert: Path, *extra: str) -> list[str]:
    return ["verify", "--log", str(log), "--certificate", str(cert), *extra]


def test_a_good_log(tmp_path: Path, bank: Identity) -> None:
    log = write_log(tmp_path / "bank.jsonl", bank)
    result = runner.invoke(app, verify_args(tmp_path / "bank.jsonl", write_cert(tmp_path, bank)))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    head = log.head()
    assert head is not None
    message = _squash(result.stderr)
    assert message.startswith("OK: audit log ")
    assert f"of 'bank': 14 entries, head #13 {head.hash}" in message


def test_json_output(tmp_path: Path, bank: Identity) -> None:
    log = write_log(tmp_path / "bank.jsonl", bank)
    cert = write_cert(tmp_path, bank)
    result = runner.invoke(app, verify_args(tmp_path / "bank.jsonl", cert, "--format", "json"))
    assert result.exit_code == 0, result.output
    head = log.head()
    assert head is not None
    assert json.loads(result.stdout) == {
        "log": str(tmp_path / "bank.jsonl"),
        "ok": True,
        "party": "bank",
        "entries": 14,
        "head": {"seq": 13, "hash": head.hash},
        "heads_checked": 0,
        "finding": None,
    }


def test_an_edited_line(tmp_path: Path, bank: Identity) -> None:
    path = tmp_path / "bank.jsonl"
    write_log(path, bank)
    lines = lines_of(path)
    lines[3] = lines[3].replace(b'"rows":1000', b'"rows":10')
    path.write_bytes(b"".join(lines))
    cert = write_cert(tmp_path, bank)
    result = runner.invoke(app, verify_args(path, cert))
    assert result.exit_code == 1
    message = _squash(result.stderr)
    assert "BAD: audit log" in message
    assert "entry #3 (line 4): its content does not match its hash" in message
    assert "[hash_mismatch]" in message
    result = runner.invoke(app, verify_args(path, cert, "--format", "json"))
    assert result.exit_code == 1
    finding = json.loads(result.stdout)["finding"]
    assert (finding["kind"], finding["position"], finding["seq"]) == ("hash_mismatch", 3, 3)


def test_a_deleted_and_a_reordered_line(tmp_path: Path, bank: Identity) -> None:
    path = tmp_path / "bank.jsonl"
    write_log(path, bank)
    original = lines_of(path)
    cert = write_cert(tmp_path, bank)
    path.write_bytes(b"".join(original[:5] + original[6:]))
    result = runner.invoke(app, verify_args(path, cert))
    assert result.exit_code == 1
    assert "entry #5 (line 6): entry #5 is missing" in _squash(result.stderr)
    swapped = [*original[:8], original[9], original[8], *original[10:]]
    path.write_bytes(b"".join(swapped))
    result = runner.invoke(app, verify_args(path, cert))
    assert result.exit_code == 1
    assert "entry #8 (line 9): found entry #9 where #8 belongs" in _squash(result.stderr)


def test_a_malformed_line(tmp_path: Path, bank: Identity) -> None:
    path = tmp_path / "bank.jsonl"
    write_log(path, bank)
    lines = lines_of(path)
    lines[2] = b'{"seq": 2, "hash"\n'
    path.write_bytes(b"".join(lines))
    cert = write_cert(tmp_path, bank)
    result = runner.invoke(app, verify_args(path, cert))
    assert result.exit_code == 1
    assert "line 3 is not valid JSON" in _squash(result.stderr)
    result = runner.invoke(app, verify_args(path, cert, "--format", "json"))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert (report["finding"]["kind"], report["finding"]["position"]) == ("malformed", 2)


def test_the_wrong_certificate(tmp_path: Path, bank: Identity, platform: Identity) -> None:
    path = tmp_path / "bank.jsonl"
    write_log(path, bank)
    result = runner.invoke(app, verify_args(path, write_cert(tmp_path, platform)))
    assert result.exit_code == 1
    assert "written for party 'bank' in the log of 'platform'" in _squash(result.stderr)
    impostor = write_cert(tmp_path, make_identity("bank"), "impostor")
    result = runner.invoke(app, verify_args(path, impostor))
    assert result.exit_code == 1
    assert "entry #0 (line 1): its signature is not 'bank''s" in _squash(result.stderr)


def test_heads_recorded_by_a_peer_expose_a_rewrite(
    tmp_path: Path, bank: Identity, platform: Identity
) -> None:
    bank_path, platform_path = tmp_path / "bank.jsonl", tmp_path / "platform.jsonl"
    bank_log = write_log(bank_path, bank, ("job-1",))
    with FileAuditStore(platform_path) as store:
        platform_log = AuditLog(store, platform, clock=Clock())
        record_job(platform_log, "job-1")
        platform_log.peer_head_recorded(bank_log.sign_head("job-1"))
    result = runner.invoke(app, ["heads", "--log", str(platform_path), "--party", "bank"])
    assert result.exit_code == 0, result.output
    assert "1 recorded head(s) of 'bank'" in _squash(result.stderr)
    heads_path = tmp_path / "heads.json"
    heads_path.write_text(result.stdout, encoding="utf-8")
    cert = write_cert(tmp_path, bank)

    result = runner.invoke(app, verify_args(bank_path, cert, "--heads", str(heads_path)))
    assert result.exit_code == 0, result.output
    assert "matches 1 head recorded by its peers" in _squash(result.stderr)

    # bank rewrites its log from scratch, without the dataset read, and re-signs every entry
    original = lines_of(bank_path)
    bank_path.unlink()
    with FileAuditStore(bank_path) as store:
        rewritten = AuditLog(store, bank, clock=Clock())
        for line in original:
            entry = json.loads(line)
            if entry["event"] != "dataset_read":
                rewritten.append(entry["event"], entry["job_id"], entry["payload"])
    assert runner.invoke(app, verify_args(bank_path, cert)).exit_code == 0
    result = runner.invoke(app, verify_args(bank_path, cert, "--heads", str(heads_path)))
    assert result.exit_code == 1
    message = _squash(result.stderr)
    assert "entry #6: not in the log, which ends at entry #5" in message
    assert "or the log was rewritten shorter" in message
    assert "[truncated]" in message


def test_bad_input_exits_2(tmp_path: Path, bank: Identity, platform: Identity) -> None:
    path = tmp_path / "bank.jsonl"
    log = write_log(path, bank)
    cert = write_cert(tmp_path, bank)
    result = runner.invoke(app, verify_args(tmp_path / "none.jsonl", cert))
    assert result.exit_code == 2
    assert "error: audit log" in _squash(result.stderr)
    assert "does not exist" in _squash(result.stderr)
    garbage = tmp_path / "garbage.crt"
    garbage.write_bytes(b"not a certificate")
    result = runner.invoke(app, verify_args(path, garbage))
    assert result.exit_code == 2
    assert f"certificate {garbage}: not a PEM X.509 certificate" in _squash(result.stderr)
    heads_path = tmp_path / "heads.json"
    platform_log = AuditLog(FileAuditStore(tmp_path / "p.jsonl"), platform, clock=Clock())
    record_job(platform_log)
    heads_path.write_text(dump_heads([platform_log.sign_head("job-1")]), encoding="utf-8")
    result = runner.invoke(app, verify_args(path, cert, "--heads", str(heads_path)))
    assert result.exit_code == 2
    assert "holds no head of 'bank' (only of: platform)" in _squash(result.stderr)
    forged = log.sign_head("job-2")
    forged_json = {**forged.to_json(), "seq": 40}
    heads_path.write_text(json.dumps([forged_json]), encoding="utf-8")
    result = runner.invoke(app, verify_args(path, cert, "--heads", str(heads_path)))
    assert result.exit_code == 2
    assert "is not signed by 'bank''s key, so it is no evidence" in _squash(result.stderr)


def test_help_documents_every_option() -> None:
    result = runner.invoke(app, ["verify", "--help"])
    assert result.exit_code == 0
    output = _squash(result.output)
    for option in ("--log", "--certificate", "--heads", "--format"):
        assert option in output


def test_the_registration_line_works(tmp_path: Path, bank: Identity) -> None:
    root = typer.Typer(no_args_is_help=True)
    root.add_typer(app, name="audit")  # the line confide.cli.app needs
    write_log(tmp_path / "bank.jsonl", bank)
    args = ["audit", *verify_args(tmp_path / "bank.jsonl", write_cert(tmp_path, bank))]
    result = runner.invoke(root, args)
    assert result.exit_code == 0, result.output
    assert "OK: audit log" in result.stderr


def test_registered_in_the_confide_command(tmp_path: Path, bank: Identity) -> None:
    try:
        from confide.cli.app import app as full_app
    except ImportError as exc:  # another sub-command may not exist yet
        pytest.skip(f"confide.cli.app does not import yet: {exc}")
    names = {group.name for group in full_app.registered_groups}
    if "audit" not in names:
        pytest.skip("`confide audit` is not registered in confide.cli.app yet")
    write_log(tmp_path / "bank.jsonl", bank)
    args = ["audit", *verify_args(tmp_path / "bank.jsonl", write_cert(tmp_path, bank))]
    result = runner.invoke(full_app, args)
    assert result.exit_code == 0, result.output
