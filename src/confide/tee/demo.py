"""A whole enclave job from plain tables, every role played here: ``confide tee demo``, the bench.

:func:`enclave_job` does what the parties would each do, in a scratch folder: the platform
creates its quoting key and builds the enclave image (or is given them); each data provider
seals its table and writes a policy listing the image's measurement; each result receiver makes
an output key, which every provider pins; the enclave starts; the providers' nodes challenge it,
check its reports and release their keys (:func:`~confide.tee.local.run_local`); the job runs;
each receiver opens its outputs. It returns the outputs as the receivers see them, the trust
assumption, the audit logs and how long each phase took.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from confide.audit.log import AuditLog
from confide.audit.store import MemoryAuditStore
from confide.net.certs import generate_identity
from confide.net.federation import Identity
from confide.net.wire import Value
from confide.policy.job import JobSpec
from confide.policy.rules import DatasetPolicy, parse_policy
from confide.tee.attestation import NonceBook, SimulatedPlatform
from confide.tee.enclave import EnclaveResult, SimulatedEnclave
from confide.tee.local import Provider, run_local
from confide.tee.measurement import EnclaveImage, build_image
from confide.tee.outputs import ReceiverKey, open_output
from confide.tee.release import KeyRelease
from confide.tee.sealing import seal_frame

__all__ = ["DemoRun", "Parties", "enclave_job", "prepare"]


@dataclass
class Parties:
    """The providers (sealed datasets, policies, nodes) and the receivers' keys of one job."""

    providers: list[Provider]
    keys: dict[str, ReceiverKey]
    audit: dict[str, AuditLog]

    def open(self, result: EnclaveResult) -> dict[tuple[str, str, str], Value]:
        """``(step, output, receiver) -> value``, as each receiver decrypts its outputs."""
        return {
            (sealed.step, sealed.output, sealed.receiver): open_output(
                self.keys[sealed.receiver], sealed
            )
            for sealed in result.outputs
        }


@dataclass
class DemoRun:
    """What :func:`enclave_job` gives back."""

    result: EnclaveResult
    #: ``(step, output, receiver) -> value``, as each receiver decrypted it.
    values: dict[tuple[str, str, str], Value]
    image: EnclaveImage
    audit: dict[str, AuditLog]
    seconds: dict[str, float] = field(default_factory=dict)


def prepare(
    spec: JobSpec,
    tables: Mapping[str, pd.DataFrame],
    folder: Path,
    image: EnclaveImage,
    platform: SimulatedPlatform,
    *,
    id_column: str = "id",
) -> Parties:
    """Each provider seals its table in ``folder`` under a policy allowing ``image``; each
    receiver makes an output key, which every provider's node pins."""
    receivers = sorted({r for _, output in spec.outputs() for r in output.receivers})
    keys = {party: ReceiverKey.generate() for party in receivers}
    pins = {party: key.public_key for party, key in keys.items()}
    providers, audit = [], {}
    for party, frame in tables.items():
        [dataset] = spec.datasets[party]
        path = folder / f"{party}-{dataset}.sealed"
        data_key = seal_frame(frame, path, dataset=dataset, id_column=id_column)
        key_pem, cert_pem = generate_identity(party)
        audit[party] = AuditLog(MemoryAuditStore(), Identity(party, key_pem, cert_pem))
        release = KeyRelease(
            party,
            platforms=platform.pin(),
            nonces=NonceBook(),
            audit=audit[party],
            receiver_keys=pins,
        )
        providers.append(Provider(_policy(spec, dataset, image), data_key, path, release))
    return Parties(providers, keys, audit)


def enclave_job(
    spec: JobSpec,
    tables: Mapping[str, pd.DataFrame],
    folder: str | Path,
    *,
    id_column: str = "id",
    image: EnclaveImage | None = None,
    platform: SimulatedPlatform | None = None,
    job_id: str = "job-tee-demo",
    timeout: float = 1800.0,
) -> DemoRun:
    """Run ``spec`` on ``tables`` (party -> its one dataset of the spec) in a simulated enclave."""
    work = Path(folder)
    work.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    platform = platform or SimulatedPlatform.create(work / "platform")
    image = image or build_image(work / "image")
    seconds["build"] = time.perf_counter() - started
    started = time.perf_counter()
    parties = prepare(spec, tables, work, image, platform, id_column=id_column)
    seconds["seal"] = time.perf_counter() - started
    started = time.perf_counter()
    with SimulatedEnclave(platform, image, timeout=timeout) as enclave:
        seconds["start"] = time.perf_counter() - started
        started = time.perf_counter()
        result = run_local(enclave, spec, job_id, parties.providers)
        seconds["job"] = time.perf_counter() - started
    return DemoRun(result, parties.open(result), image, parties.audit, seconds)


def _policy(spec: JobSpec, dataset: str, image: EnclaveImage) -> DatasetPolicy:
    """A policy allowing exactly this job's parties, components and receivers in this image."""
    outputs: dict[str, set[str]] = {}
    for _, output in spec.outputs():
        outputs.setdefault(output.kind.value, set()).update(output.receivers)
    data = {
        "dataset": dataset,
        "parties": sorted(spec.parties),
        "components": sorted({step.component for step in spec.steps}),
        "outputs": {kind: sorted(to) for kind, to in outputs.items()},
        "enclave_measurements": [image.measurement],
    }
    return parse_policy(yaml.safe_dump(data), f"policy of {dataset}")
