"""The enclave application's requests, run in this process (the process tests are elsewhere)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from confide.policy import job_to_yaml
from confide.tee import AttestationReport, SimulatedPlatform, WrappedKey
from confide.tee import app as app_module
from confide.tee.app import EnclaveApp
from confide.tee.envelope import Envelope
from confide.tee.loader import _Platform
from tests.tee.helpers import (
    Sealed,
    credit_frames,
    job_data,
    job_of,
    make_node,
    providers,
    receiver_keys,
    seal_all,
)

MEASUREMENT = "3d" * 32
SPEC = job_of(job_data())


def _app(platform: SimulatedPlatform) -> EnclaveApp:
    return EnclaveApp(_Platform(bytes.fromhex(MEASUREMENT), platform.key_path))


def _inputs(
    app: EnclaveApp, platform: SimulatedPlatform, sealed: Sealed, pins: dict[str, dict[str, bytes]]
) -> list[dict[str, Any]]:
    """Attest job ``j`` once per provider and release each provider's key to ``app``."""
    nodes = {party: make_node(party, platform, pins[party]) for party in pins}
    inputs = []
    for provider in providers(sealed, nodes, [MEASUREMENT]):
        nonce = provider.release.challenge()
        answer = app.handle({"op": "attest", "job_id": "j", "spec_hash": SPEC.hash, "nonce": nonce})
        wrapped = provider.release.release(
            policy=provider.policy,
            spec=SPEC,
            job_id="j",
            spec_hash=SPEC.hash,
            report=AttestationReport.from_wire(answer["report"]),
            nonce=nonce,
            data_key=provider.data_key,
        )
        inputs.append({"path": str(provider.sealed_path), "wrapped_key": wrapped.to_wire()})
    return inputs


def test_bad_requests_are_answered_not_raised(platform: SimulatedPlatform) -> None:
    app = _app(platform)
    error = app.handle("attest")["error"]
    assert error == "ProtocolError: a request must be a map with an op"
    assert "unknown request 'load'" in app.handle({"op": "load"})["error"]
    answer = app.handle({"op": "attest", "job_id": "j", "spec_hash": "00", "nonce": b""})
    assert not answer["ok"] and "is not a SHA-256 hash" in answer["error"]
    nonce = bytes(32)
    assert app.handle({"op": "attest", "job_id": "j", "spec_hash": SPEC.hash, "nonce": nonce})["ok"]
    again = app.handle({"op": "attest", "job_id": "j", "spec_hash": "ab" * 32, "nonce": nonce})
    assert "already attested with another spec hash" in again["error"]
    bogus = WrappedKey("bank", "loans", Envelope(bytes(range(32)), bytes(12), bytes(32)))
    inputs = [{"path": "x", "wrapped_key": bogus.to_wire()}]
    answer = app.handle({"op": "run", "job_id": "j", "spec": job_to_yaml(SPEC), "inputs": inputs})
    assert answer["error"].startswith("EnvelopeError: the envelope does not open")


def test_an_unexpected_failure_names_its_type_only(
    platform: SimulatedPlatform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def leaky(*args: Any, **kwargs: Any) -> None:
        raise ValueError("income 123456.78 of C000001 is odd")

    monkeypatch.setattr(app_module, "run_components", leaky)
    sealed = seal_all(credit_frames(rows=300), tmp_path)
    pins = {p: k.public_key for p, k in receiver_keys().items()}
    app = _app(platform)
    inputs = _inputs(app, platform, sealed, {"bank": pins, "platform": pins})
    answer = app.handle({"op": "run", "job_id": "j", "spec": job_to_yaml(SPEC), "inputs": inputs})
    assert answer == {"ok": False, "error": "the enclave failed with ValueError"}


def test_the_providers_must_agree_on_each_receivers_key(
    platform: SimulatedPlatform, tmp_path: Path
) -> None:
    sealed = seal_all(credit_frames(rows=300), tmp_path)
    honest = {p: k.public_key for p, k in receiver_keys().items()}
    swapped = {**honest, "bank": receiver_keys()["bank"].public_key}
    app = _app(platform)
    inputs = _inputs(app, platform, sealed, {"bank": honest, "platform": swapped})
    answer = app.handle({"op": "run", "job_id": "j", "spec": job_to_yaml(SPEC), "inputs": inputs})
    assert answer["ok"] is False
    assert "do not name one output key for receiver 'bank'" in answer["error"]
