"""End to end: enclave jobs through three node daemons (a bank, a platform, an enclave host).

The daemons are real processes on loopback (gRPC with mTLS, SQLite), the enclave a real
simulated enclave process started by the host's node, the cryptography real. The job is
:data:`tests.tee.helpers.JOB` (summary, WOE, logistic regression, boosting), on a few hundred
rows; its results are held to the plaintext twin (:func:`confide.tee.run_components` on the
columns the nodes read) within 1e-9.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from confide.audit import EventType, read_log
from confide.cli.app import app
from confide.net.federation import identity_paths
from confide.net.wire import Value, decode
from confide.node import DatasetRegistry, NodeStore
from confide.tee import (
    EnclaveImage,
    EnvelopeError,
    ReceiverKey,
    SealedOutput,
    build_image,
    open_output,
    run_components,
)
from tests.node.tee_cluster import PROVIDERS, TeeCluster
from tests.tee.helpers import ID_COLUMNS, MARKER, assert_same, job_data, job_of

runner = CliRunner(env={"CONFIDE_CONFIG": None})


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> EnclaveImage:
    return build_image(tmp_path_factory.mktemp("tee-node") / "image")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, image: EnclaveImage) -> Iterator[TeeCluster]:
    folder = tmp_path_factory.mktemp("tee-cluster")
    made = TeeCluster(folder, "sqlite", image=image, keep_ciphertexts=True)
    try:
        made.setup()
        yield made
    finally:
        made.close()


def submit(cluster: TeeCluster, data: dict[str, Any] | None = None) -> str:
    """Submit the job at the bank and approve it at the host; its id."""
    spec = yaml.safe_dump(job_data() if data is None else data, sort_keys=False)
    job_id = str(cluster.client("bank").submit(spec)["id"])
    cluster.approve("host", job_id)
    return job_id


def exported(cluster: TeeCluster, party: str) -> Path:
    """``party``'s audit log, exported with ``confide node audit``."""
    out = cluster.folder / f"{party}-audit.jsonl"
    args = ["node", "audit", "--out", str(out), "--config", str(cluster.configs[party])]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def entries(cluster: TeeCluster, party: str, job_id: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (e.event.value, dict(e.payload))
        for e in read_log(exported(cluster, party))
        if e.job_id == job_id
    ]


def twin(cluster: TeeCluster, job_id: str) -> dict[tuple[str, str], Value]:
    """The job's outputs computed in plaintext on the very columns the providers' nodes read."""
    spec = job_of(job_data())
    frames = {}
    for party, name in PROVIDERS.items():
        read = [c for step in spec.steps for c in step.columns_read(party, name)]
        with NodeStore.open(cluster.urls[party]) as store:
            frames[(party, name)] = DatasetRegistry(store).read(name, ["id", *dict.fromkeys(read)])
    return run_components(spec, frames, ID_COLUMNS)


def results(cluster: TeeCluster, party: str, job_id: str) -> dict[str, Value]:
    with NodeStore.open(cluster.urls[party]) as store:
        kept = store.results(job_id, party)
    return {r.name: decode(bytearray(r.payload or b"")) for r in kept}


def test_an_enclave_job_gives_each_receiver_the_plaintext_twins_results(
    cluster: TeeCluster, image: EnclaveImage
) -> None:
    assert cluster.client("host").node()["tee"]["enclave"] == image.measurement
    bank = cluster.client("bank").node()["tee"]
    assert bank["platform_keys"] == 1 and bank["receiver_keys"] == ["bank", "platform"]
    status = runner.invoke(app, ["node", "status", "--config", str(cluster.configs["host"])])
    assert f"hosts enclave {image.measurement}" in status.output, status.output
    job_id = submit(cluster)
    for party in ("bank", "platform", "host"):
        job = cluster.wait_job(party, job_id, timeout=120)
        assert job["state"] == "finished", job["reason"]
    expected = twin(cluster, job_id)
    spec = job_of(job_data())
    for receiver in ("bank", "platform"):
        got = results(cluster, receiver, job_id)
        mine = {
            f"{step.id}.{output.name}": expected[(step.id, output.name)]
            for step, output in spec.outputs()
            if receiver in output.receivers
        }
        assert set(got) == set(mine)
        for name, value in mine.items():
            assert_same(got[name], value, f"{receiver}: {name}")
    assert results(cluster, "host", job_id) == {}

    for party in ("bank", "platform", "host"):
        log = exported(cluster, party)
        cert = identity_paths(cluster.folder / "federation" / "federation.yaml", party)[1]
        verify = ["audit", "verify", "--log", str(log), "--certificate", str(cert)]
        assert runner.invoke(app, verify).exit_code == 0
        events = entries(cluster, party, job_id)
        released = [p for e, p in events if e == EventType.OUTPUT_RELEASED.value]
        assert len(released) == sum(1 for _ in spec.outputs())
        if party == "host":
            assert not [e for e, _ in events if e in ("dataset_read", "key_released")]
            continue
        name = PROVIDERS[party]
        [read] = [p for e, p in events if e == "dataset_read"]
        [key] = [p for e, p in events if e == "key_released"]
        assert read["dataset"] == key["dataset"] == name and read["columns"][0] == "id"
        assert key["columns"] == read["columns"] and key["rows"] == read["rows"]
        assert key["measurement"] == image.measurement
        assert key["trust"] == "simulation: no hardware protection"


def test_the_host_handles_ciphertexts_only(cluster: TeeCluster) -> None:
    job_id = submit(cluster)
    cluster.wait_job("bank", job_id, timeout=120)
    folder = cluster.job_folder("host", job_id)
    files = sorted(p.name for p in folder.iterdir())
    assert "bank.loans.sealed" in files and "platform.features.key" in files
    assert "lr.model.bank.output" in files
    with NodeStore.open(cluster.urls["platform"]) as store:
        income = DatasetRegistry(store).read("features", ["income"])["income"].to_numpy()
    secrets = [MARKER.encode(), *(repr(float(v)).encode() for v in income[:20])]
    secrets += [float(v).hex().encode() for v in income[:5]]
    secrets += [income[:4].astype("<f8").tobytes()]
    held = [p.read_bytes() for p in folder.iterdir()]
    held += [(cluster.folder / "host" / "daemon.log").read_bytes()]
    held += [str(cluster.client("host").logs(job_id)).encode()]
    held += [str(entries(cluster, "host", job_id)).encode()]
    for blob in held:
        assert not any(s in blob for s in secrets)
    assert not any(cluster.job_folder(p, job_id).exists() for p in PROVIDERS)

    # an output opens with its receiver's key only
    sealed = SealedOutput.from_bytes((folder / "lr.model.bank.output").read_bytes())
    keys = {r: ReceiverKey.load(cluster.folder / "keys" / f"{r}.key") for r in PROVIDERS}
    with pytest.raises(EnvelopeError):
        open_output(keys["platform"], sealed)
    assert_same(open_output(keys["bank"], sealed), results(cluster, "bank", job_id)["lr.model"])


def test_a_measurement_the_policy_does_not_list_fails_the_job_everywhere(
    cluster: TeeCluster,
) -> None:
    cluster.set_policy("platform", cluster.policy("features", ["0" * 64]))
    try:
        job_id = submit(cluster)
        for party in ("bank", "platform", "host"):
            job = cluster.wait_job(party, job_id, timeout=120)
            assert job["state"] == "failed"
            assert "does not allow the enclave measurement" in job["reason"], job["reason"]
    finally:
        cluster.set_policy("platform", cluster.policy("features"))
    events = entries(cluster, "platform", job_id)
    assert not [p for e, p in events if e == "key_released"]
    [refusal] = [p for e, p in events if e == "refused"]
    assert refusal["via"] == "tee_key_release" and refusal["dataset"] == "features"
    assert results(cluster, "bank", job_id) == {}
    assert not list(cluster.job_folder("host", job_id).glob("*.output"))


def test_a_policy_that_lists_no_measurement_is_refused_before_any_read(
    cluster: TeeCluster,
) -> None:
    cluster.set_policy("platform", cluster.policy("features", []))
    try:
        job_id = str(
            cluster.client("bank").submit(yaml.safe_dump(job_data(), sort_keys=False))["id"]
        )
        for party in ("bank", "platform"):
            job = cluster.wait_job(party, job_id, timeout=60)
            assert job["state"] == "refused"
            assert "lists no enclave measurement" in job["reason"], job["reason"]
    finally:
        cluster.set_policy("platform", cluster.policy("features"))
    for party in PROVIDERS:
        assert "dataset_read" not in [e for e, _ in entries(cluster, party, job_id)]


def test_an_image_changed_by_one_byte_gets_no_key(cluster: TeeCluster, image: EnclaveImage) -> None:
    app_file = image.path / "confide" / "tee" / "app.py"
    original = app_file.read_bytes()
    app_file.write_bytes(original + b"\n")
    try:
        job_id = submit(cluster)
        for party in ("bank", "platform", "host"):
            job = cluster.wait_job(party, job_id, timeout=120)
            assert job["state"] == "failed"
            assert "does not allow the enclave measurement" in job["reason"], job["reason"]
            assert image.measurement not in job["reason"]
    finally:
        app_file.write_bytes(original)
    assert "key_released" not in [e for e, _ in entries(cluster, "bank", job_id)]
