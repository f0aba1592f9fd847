"""An enclave job with every role in one process: for the demo, the benchmark and the tests.

In production each data provider's node runs its own :class:`~confide.tee.release.KeyRelease`
and talks to the enclave host over the network; here the providers are objects in this process,
but each still checks a report made for its own nonce before wrapping its key, so the protocol
is the real one::

    providers = [Provider(policy, data_key, "loans.sealed", bank_release), ...]
    result = run_local(enclave, spec, job_id, providers)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from confide.policy.job import JobSpec
from confide.policy.rules import DatasetPolicy
from confide.tee.enclave import Enclave, EnclaveJob, EnclaveResult, SealedInput
from confide.tee.release import KeyRelease
from confide.tee.sealing import DataKey

__all__ = ["Provider", "release_keys", "run_local"]


@dataclass(frozen=True)
class Provider:
    """One dataset of one provider: its policy, its key, its sealed file, its node's releases."""

    policy: DatasetPolicy
    data_key: DataKey
    sealed_path: str | os.PathLike[str]
    release: KeyRelease

    @property
    def party(self) -> str:
        return self.release.party


def release_keys(
    enclave: Enclave, spec: JobSpec, job_id: str, providers: Sequence[Provider]
) -> tuple[SealedInput, ...]:
    """Each provider challenges the enclave with a fresh nonce and releases its key to it."""
    inputs = []
    for provider in providers:
        nonce = provider.release.challenge()
        report = enclave.attest(job_id, spec.hash, nonce)
        wrapped = provider.release.release(
            policy=provider.policy,
            spec=spec,
            job_id=job_id,
            spec_hash=spec.hash,
            report=report,
            nonce=nonce,
            data_key=provider.data_key,
        )
        inputs.append(
            SealedInput(
                provider.party, provider.data_key.dataset, str(provider.sealed_path), wrapped
            )
        )
    return tuple(inputs)


def run_local(
    enclave: Enclave, spec: JobSpec, job_id: str, providers: Sequence[Provider]
) -> EnclaveResult:
    """Release every provider's key to ``enclave`` and run the job there."""
    inputs = release_keys(enclave, spec, job_id, providers)
    return enclave.run(EnclaveJob(job_id, spec, inputs))
