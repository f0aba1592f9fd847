"""Trusted execution: enclave jobs with attestation, sealed datasets and measured key release.

Data providers seal their datasets (:mod:`.sealing`) and keep the keys. A compute platform hosts
an enclave (:mod:`.enclave`) running a fixed application (:mod:`.app`) whose code is measured
(:mod:`.measurement`, :mod:`.loader`). For a job every provider's node challenges the enclave
with a nonce, checks its attestation report (:mod:`.attestation`) and releases its dataset key,
wrapped to the enclave's fresh key, only if its policy lists the measurement and it approved
the job (:mod:`.release`, :mod:`.grant`). Inside, the enclave decrypts, joins, runs the approved
plaintext components (:mod:`.components`) and encrypts each output to its receiver's key
(:mod:`.outputs`). The host relays ciphertexts only.

Only the simulation backend exists: a separate process and a file for a quoting key. It proves
the protocol, not isolation, and says so on everything it makes: *simulation: no hardware
protection* (:data:`SIMULATION_TRUST`).
"""

from confide.tee.attestation import (
    SIMULATION_TRUST,
    AttestationReport,
    Backend,
    NonceBook,
    SimulatedPlatform,
    load_platform_key,
    verify_report,
)
from confide.tee.components import EXECUTION, TEE, check_tee_spec, is_tee_job, run_components
from confide.tee.enclave import (
    DISCLOSURE,
    Enclave,
    EnclaveJob,
    EnclaveResult,
    SealedInput,
    SimulatedEnclave,
)
from confide.tee.errors import (
    AttestationError,
    EnclaveError,
    EnvelopeError,
    KeyReleaseRefused,
    SealedFileError,
)
from confide.tee.grant import WrappedKey
from confide.tee.local import Provider, release_keys, run_local
from confide.tee.measurement import EnclaveImage, build_image, measure_image
from confide.tee.outputs import ReceiverKey, SealedOutput, load_public_key, open_output
from confide.tee.release import KeyRelease
from confide.tee.sealing import (
    DataKey,
    iter_batches,
    open_sealed,
    read_header,
    read_source_frame,
    seal_file,
    seal_frame,
)

__all__ = [
    "DISCLOSURE",
    "EXECUTION",
    "SIMULATION_TRUST",
    "TEE",
    "AttestationError",
    "AttestationReport",
    "Backend",
    "DataKey",
    "Enclave",
    "EnclaveError",
    "EnclaveImage",
    "EnclaveJob",
    "EnclaveResult",
    "EnvelopeError",
    "KeyRelease",
    "KeyReleaseRefused",
    "NonceBook",
    "Provider",
    "ReceiverKey",
    "SealedFileError",
    "SealedInput",
    "SealedOutput",
    "SimulatedEnclave",
    "SimulatedPlatform",
    "WrappedKey",
    "build_image",
    "check_tee_spec",
    "is_tee_job",
    "iter_batches",
    "load_platform_key",
    "load_public_key",
    "measure_image",
    "open_output",
    "open_sealed",
    "read_header",
    "read_source_frame",
    "release_keys",
    "run_components",
    "run_local",
    "seal_file",
    "seal_frame",
    "verify_report",
]
