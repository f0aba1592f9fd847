"""Helpers of the audit tests: party identities, a deterministic clock, a log of a typical job."""

from __future__ import annotations

import datetime

from confide.audit import AuditLog, AuditStore, MemoryAuditStore
from confide.net.certs import generate_identity
from confide.net.federation import Identity

START = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)
SPEC_HASH = "5" * 64


def make_identity(party: str) -> Identity:
    """A fresh ECDSA P-256 key and self-signed certificate for ``party``."""
    key_pem, cert_pem = generate_identity(party)
    return Identity(party, key_pem, cert_pem)


class Clock:
    """A clock that starts at ``START`` and moves one second per reading."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime.datetime:
        self.now += datetime.timedelta(seconds=1)
        return self.now


def record_job(log: AuditLog, job_id: str = "job-1") -> None:
    """Append the entries of one complete job (seven entries)."""
    log.proposed(job_id, spec_hash=SPEC_HASH, initiator="bank")
    log.approved(job_id, spec_hash=SPEC_HASH, by=log.party, automatic=True)
    log.started(job_id)
    log.dataset_read(job_id, dataset="loans", columns=["id", "income"], rows=1000)
    log.bytes_exchanged(job_id, sent={"platform": 4096}, received={"platform": 2048})
    log.output_released(job_id, output="lr.model", kind="model_part", receivers=["bank"])
    log.finished(job_id)


def job_log(identity: Identity, store: AuditStore | None = None) -> AuditLog:
    """A log of ``identity`` holding one complete job."""
    log = AuditLog(MemoryAuditStore() if store is None else store, identity, clock=Clock())
    record_job(log)
    return log
