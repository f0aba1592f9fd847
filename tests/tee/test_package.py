"""The public names of ``confide.tee``, pinned."""

from __future__ import annotations

import confide.tee as tee


def test_public_names() -> None:
    assert sorted(tee.__all__) == sorted(
        [
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
    )
    for name in tee.__all__:
        assert getattr(tee, name) is not None
    assert tee.SIMULATION_TRUST == "simulation: no hardware protection"
