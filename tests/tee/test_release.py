"""Key release: each check refuses on its own, and every release and refusal is audited.

Reports come from the enclave application run in this process over the simulated platform's
quoting key (the same code the enclave process runs), so no process is started here.
"""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest
import yaml

from confide.audit import EventType, verify
from confide.net.wire import encode
from confide.policy import DatasetPolicy
from confide.tee import (
    DataKey,
    KeyReleaseRefused,
    SimulatedPlatform,
    WrappedKey,
)
from confide.tee.app import EnclaveApp
from confide.tee.loader import _Platform
from tests.tee.helpers import (
    UTC,
    Node,
    credit_frames,
    job_data,
    job_of,
    make_node,
    policy_for,
    receiver_keys,
    seal_all,
)

MEASUREMENT = "7c" * 32
SPEC = job_of(job_data())


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> DataKey:
    frames = credit_frames(rows=300)
    sealed = seal_all(frames, tmp_path_factory.mktemp("release"))
    return sealed.keys[("bank", "loans")]


@pytest.fixture
def node(platform: SimulatedPlatform) -> Node:
    pins = {p: k.public_key for p, k in receiver_keys().items()}
    return make_node("bank", platform, pins)


def _app(platform: SimulatedPlatform, measurement: str = MEASUREMENT) -> EnclaveApp:
    return EnclaveApp(_Platform(bytes.fromhex(measurement), platform.key_path))


def _release(
    node: Node,
    platform: SimulatedPlatform,
    key: DataKey,
    *,
    policy: DatasetPolicy | None = None,
    job_id: str = "job-1",
    report_job: str | None = None,
    report_spec: str | None = None,
    nonce: bytes | None = None,
    measurement: str = MEASUREMENT,
) -> WrappedKey:
    nonce = node.release.challenge() if nonce is None else nonce
    report = _app(platform, measurement).attest(
        {"job_id": report_job or job_id, "spec_hash": report_spec or SPEC.hash, "nonce": nonce}
    )
    return node.release.release(
        policy=policy or policy_for("loans", [MEASUREMENT]),
        spec=SPEC,
        job_id=job_id,
        spec_hash=SPEC.hash,
        report=report,
        nonce=nonce,
        data_key=key,
    )


def _refusals(node: Node) -> list[str]:
    return [e.payload["reason"] for e in node.audit.entries() if e.event is EventType.REFUSED]


def test_a_release_is_wrapped_and_audited(
    node: Node, platform: SimulatedPlatform, key: DataKey
) -> None:
    wrapped = _release(node, platform, key)
    assert (wrapped.provider, wrapped.dataset) == ("bank", "loans")
    assert key.key not in bytes(encode(wrapped.to_wire()))
    [entry] = list(node.audit.entries())
    assert entry.event is EventType.KEY_RELEASED and entry.job_id == "job-1"
    payload = entry.payload
    assert payload["dataset"] == "loans" and payload["platform"] == platform.fingerprint
    assert payload["measurement"] == MEASUREMENT
    assert payload["trust"] == "simulation: no hardware protection"
    assert payload["rows"] == key.rows and payload["columns"] == list(key.columns)
    assert verify(list(node.audit.entries()), node.audit.public_key).ok


def test_a_measurement_the_policy_does_not_list_is_refused(
    node: Node, platform: SimulatedPlatform, key: DataKey
) -> None:
    with pytest.raises(KeyReleaseRefused, match="does not allow the enclave measurement"):
        _release(node, platform, key, measurement="00" * 32)
    # no measurement listed: no enclave at all
    with pytest.raises(KeyReleaseRefused, match="does not allow the enclave measurement"):
        _release(node, platform, key, policy=policy_for("loans", []))
    assert len(_refusals(node)) == 2


def test_a_replayed_report_is_refused(
    node: Node, platform: SimulatedPlatform, key: DataKey
) -> None:
    nonce = node.release.challenge()
    _release(node, platform, key, nonce=nonce)
    with pytest.raises(KeyReleaseRefused, match="already used"):
        _release(node, platform, key, nonce=nonce)
    with pytest.raises(KeyReleaseRefused, match="not issued by this verifier"):
        _release(node, platform, key, nonce=b"\x01" * 32)


def test_a_report_answering_another_nonce_is_refused(
    node: Node, platform: SimulatedPlatform, key: DataKey
) -> None:
    old = _app(platform).attest(
        {"job_id": "job-1", "spec_hash": SPEC.hash, "nonce": node.release.challenge()}
    )
    nonce = node.release.challenge()
    with pytest.raises(KeyReleaseRefused, match="answers another nonce"):
        node.release.release(
            policy=policy_for("loans", [MEASUREMENT]),
            spec=SPEC,
            job_id="job-1",
            spec_hash=SPEC.hash,
            report=old,
            nonce=nonce,
            data_key=key,
        )


def test_a_report_for_another_job_is_refused(
    node: Node, platform: SimulatedPlatform, key: DataKey
) -> None:
    with pytest.raises(KeyReleaseRefused, match="not the approved job 'job-1'"):
        _release(node, platform, key, report_job="job-2")
    with pytest.raises(KeyReleaseRefused, match="not the approved job"):
        _release(node, platform, key, report_spec="ee" * 32)


def test_an_unpinned_platform_or_forged_report_is_refused(
    node: Node, platform: SimulatedPlatform, key: DataKey, tmp_path: Path
) -> None:
    other = SimulatedPlatform.create(tmp_path / "other")
    with pytest.raises(KeyReleaseRefused, match="is not pinned"):
        _release(node, other, key)
    nonce = node.release.challenge()
    report = _app(platform, "00" * 32).attest(
        {"job_id": "job-1", "spec_hash": SPEC.hash, "nonce": nonce}
    )
    forged = dataclasses.replace(report, measurement=MEASUREMENT)
    with pytest.raises(KeyReleaseRefused, match="signature does not verify"):
        node.release.release(
            policy=policy_for("loans", [MEASUREMENT]),
            spec=SPEC,
            job_id="job-1",
            spec_hash=SPEC.hash,
            report=forged,
            nonce=nonce,
            data_key=key,
        )


def test_the_policy_must_fit_the_sealed_copy(
    node: Node, platform: SimulatedPlatform, key: DataKey
) -> None:
    with pytest.raises(KeyReleaseRefused, match="policy given is for dataset 'features'"):
        _release(node, platform, key, policy=policy_for("features", [MEASUREMENT]))
    expired = policy_for("loans", [MEASUREMENT], expires="2020-01-01")
    with pytest.raises(KeyReleaseRefused, match="has expired"):
        _release(node, platform, key, policy=expired)
    denied = policy_for("loans", [MEASUREMENT], columns={"deny": ["num_accounts"]})
    with pytest.raises(KeyReleaseRefused, match=r"columns \['num_accounts'\] that its policy"):
        _release(node, platform, key, policy=denied)
    allowed = policy_for("loans", [MEASUREMENT], columns={"allow": ["id", "default"]})
    with pytest.raises(KeyReleaseRefused, match="seal only the allowed columns"):
        _release(node, platform, key, policy=allowed)


def test_the_job_must_list_the_dataset_and_every_receiver_must_be_pinned(
    platform: SimulatedPlatform, key: DataKey
) -> None:
    only_platform = make_node("platform", platform, {"platform": bytes(32), "bank": bytes(32)})
    with pytest.raises(KeyReleaseRefused, match="does not list dataset 'loans' of 'platform'"):
        _release(only_platform, platform, key)
    unpinned = make_node("bank", platform, {"platform": bytes(32)})
    with pytest.raises(
        KeyReleaseRefused, match=r"no output key is pinned for the receivers \['bank'\]"
    ):
        _release(unpinned, platform, key)


def test_the_clock_decides_expiry(platform: SimulatedPlatform, key: DataKey) -> None:
    moments = iter([datetime.datetime(2026, 6, 1, tzinfo=UTC)] * 10)
    node = make_node(
        "bank", platform, {"bank": bytes(32), "platform": bytes(32)}, clock=lambda: next(moments)
    )
    policy = policy_for("loans", [MEASUREMENT], expires="2026-06-01")
    assert _release(node, platform, key, policy=policy).dataset == "loans"
    assert yaml.safe_dump(policy.to_dict())
