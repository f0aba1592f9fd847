"""Attestation reports and their verification, and the verifier's nonces."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from confide.errors import ConfigError
from confide.tee import (
    SIMULATION_TRUST,
    AttestationError,
    AttestationReport,
    NonceBook,
    SimulatedPlatform,
    load_platform_key,
    verify_report,
)
from confide.tee.app import EnclaveApp
from confide.tee.loader import _Platform

MEASUREMENT = "5e" * 32
SPEC_HASH = "a1" * 32


def report_from(
    platform: SimulatedPlatform, nonce: bytes, job_id: str = "job-1"
) -> AttestationReport:
    """A genuine report, from the enclave application run in this process."""
    app = EnclaveApp(_Platform(bytes.fromhex(MEASUREMENT), platform.key_path))
    return app.attest({"job_id": job_id, "spec_hash": SPEC_HASH, "nonce": nonce})


def test_a_report_verifies_with_its_pinned_platform(platform: SimulatedPlatform) -> None:
    report = report_from(platform, NonceBook().issue())
    assert report.trust == SIMULATION_TRUST and report.backend == "simulation"
    assert report.measurement == MEASUREMENT and report.platform == platform.fingerprint
    verify_report(report, platform.pin())
    verify_report(AttestationReport.from_wire(report.to_wire()), platform.pin())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("measurement", "00" * 32),
        ("nonce", bytes(32)),
        ("job_id", "job-2"),
        ("spec_hash", "b2" * 32),
        ("enclave_key", bytes(range(32))),
    ],
)
def test_a_changed_field_breaks_the_signature(
    platform: SimulatedPlatform, field: str, value: object
) -> None:
    changes: dict[str, Any] = {field: value}
    report = dataclasses.replace(report_from(platform, NonceBook().issue()), **changes)
    with pytest.raises(AttestationError, match="signature does not verify"):
        verify_report(report, platform.pin())


def test_only_a_pinned_platform_and_a_stated_trust_pass(
    platform: SimulatedPlatform, tmp_path: Path
) -> None:
    report = report_from(platform, NonceBook().issue())
    other = SimulatedPlatform.create(tmp_path / "other")
    with pytest.raises(AttestationError, match="is not pinned"):
        verify_report(report, other.pin())
    # pinning another key under this platform's name does not help either
    with pytest.raises(AttestationError, match="signature does not verify"):
        verify_report(report, {platform.fingerprint: other.public_key})
    with pytest.raises(AttestationError, match="must state its trust assumption"):
        verify_report(dataclasses.replace(report, trust="hardware"), platform.pin())


def test_malformed_reports() -> None:
    with pytest.raises(AttestationError, match="nine fields"):
        AttestationReport.from_wire({"backend": "simulation"})
    good = {
        "backend": "simulation",
        "trust": SIMULATION_TRUST,
        "measurement": MEASUREMENT,
        "platform": MEASUREMENT,
        "enclave_key": bytes(32),
        "nonce": bytes(32),
        "job_id": "j",
        "spec_hash": SPEC_HASH,
        "signature": b"",
    }
    AttestationReport.from_wire(good)
    for field, value in [("backend", "sgx"), ("nonce", b"short"), ("job_id", "a b")]:
        with pytest.raises(AttestationError):
            AttestationReport.from_wire({**good, field: value})


def test_platform_files(platform: SimulatedPlatform, tmp_path: Path) -> None:
    assert SimulatedPlatform.open(platform.folder).fingerprint == platform.fingerprint
    assert load_platform_key(platform.public_key_path) is not None
    assert (platform.key_path.stat().st_mode & 0o777) == 0o600
    with pytest.raises(ConfigError, match="already holds a simulated platform"):
        SimulatedPlatform.create(platform.folder)
    with pytest.raises(ConfigError, match="holds no simulated platform"):
        SimulatedPlatform.open(tmp_path)
    assert platform.trust == SIMULATION_TRUST


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_nonces_are_fresh_and_single_use() -> None:
    clock = Clock()
    book = NonceBook(lifetime_s=10, clock=clock)
    first, second = book.issue(), book.issue()
    assert len(first) == 32 and first != second
    book.consume(first)
    with pytest.raises(AttestationError, match="already used"):
        book.consume(first)
    with pytest.raises(AttestationError, match="not issued by this verifier"):
        book.consume(bytes(32))
    clock.now += 10
    with pytest.raises(AttestationError, match="expired"):
        book.consume(second)
    with pytest.raises(ConfigError):
        NonceBook(lifetime_s=0)
