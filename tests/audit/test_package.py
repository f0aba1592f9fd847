"""The public names of ``confide.audit``, pinned."""

from __future__ import annotations

import confide.audit as audit


def test_public_names() -> None:
    assert sorted(audit.__all__) == sorted(
        [
            "GENESIS_HASH",
            "AuditEntry",
            "AuditError",
            "AuditFormatError",
            "AuditLockError",
            "AuditLog",
            "AuditStore",
            "AuditStoreError",
            "AuditTampered",
            "BadPeerHead",
            "EventType",
            "FileAuditStore",
            "Finding",
            "FindingKind",
            "Head",
            "MemoryAuditStore",
            "SignedHead",
            "Signer",
            "Verification",
            "canonical_json",
            "check_successor",
            "dump_heads",
            "exchange_heads",
            "format_timestamp",
            "iter_log",
            "load_heads",
            "loads_json",
            "parse_timestamp",
            "public_key_from_certificate",
            "read_log",
            "recorded_heads",
            "verify",
            "verify_against_heads",
        ]
    )
    for name in audit.__all__:
        assert getattr(audit, name) is not None
