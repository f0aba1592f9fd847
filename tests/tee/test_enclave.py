"""The simulated enclave end to end: attest, release, run, and what the host can and cannot see.

One enclave process serves the whole module (it takes a couple of seconds to start).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from confide.tee import (
    SIMULATION_TRUST,
    EnclaveError,
    EnclaveImage,
    EnclaveJob,
    EnclaveResult,
    EnvelopeError,
    Provider,
    ReceiverKey,
    SealedInput,
    SealedOutput,
    SimulatedEnclave,
    SimulatedPlatform,
    open_output,
    release_keys,
    run_components,
    run_local,
)
from tests.tee.helpers import (
    ID_COLUMNS,
    MARKER,
    Sealed,
    assert_same,
    credit_frames,
    job_data,
    job_of,
    make_node,
    providers,
    receiver_keys,
    seal_all,
)

SPEC = job_of(job_data())


@dataclass
class Transcript:
    """Every frame the host sent to or received from the enclave."""

    frames: list[bytes] = field(default_factory=list)

    def __call__(self, direction: str, frame: bytes) -> None:
        self.frames.append(frame)

    def holds(self, needle: bytes) -> bool:
        return any(needle in frame for frame in self.frames)


@dataclass
class World:
    frames: dict[tuple[str, str], pd.DataFrame]
    sealed: Sealed
    receivers: dict[str, ReceiverKey]
    enclave: SimulatedEnclave
    transcript: Transcript
    image: EnclaveImage
    platform: SimulatedPlatform
    folder: Path

    def providers(self, measurements: list[str] | None = None) -> list[Provider]:
        pins = {p: k.public_key for p, k in self.receivers.items()}
        nodes = {p: make_node(p, self.platform, pins) for p in ("bank", "platform")}
        return providers(self.sealed, nodes, measurements or [self.image.measurement])


@pytest.fixture(scope="module")
def world(
    image: EnclaveImage, platform: SimulatedPlatform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("enclave")
    frames = credit_frames()
    transcript = Transcript()
    with SimulatedEnclave(platform, image, timeout=120, on_frame=transcript) as enclave:
        yield World(
            frames,
            seal_all(frames, folder),
            receiver_keys(),
            enclave,
            transcript,
            image,
            platform,
            folder,
        )


@pytest.fixture(scope="module")
def result(world: World) -> EnclaveResult:
    return run_local(world.enclave, SPEC, "job-main", world.providers())


def test_the_enclave_states_what_it_is(world: World, result: EnclaveResult) -> None:
    assert world.enclave.measurement == world.image.measurement
    assert result.trust == SIMULATION_TRUST == "simulation: no hardware protection"
    assert result.measurement == world.image.measurement
    assert any(SIMULATION_TRUST in d.why for d in result.disclosures)
    assert set(result.seconds) == {"unwrap", "decrypt", "compute", "encrypt"}


def test_outputs_equal_the_plaintext_computation_outside(
    world: World, result: EnclaveResult
) -> None:
    twin = run_components(SPEC, world.frames, ID_COLUMNS)
    expected = {
        (step.id, output.name, receiver)
        for step, output in SPEC.outputs()
        for receiver in output.receivers
    }
    assert {(o.step, o.output, o.receiver) for o in result.outputs} == expected
    for sealed in result.outputs:
        value = open_output(world.receivers[sealed.receiver], sealed)
        assert_same(value, twin[(sealed.step, sealed.output)], f"{sealed.step}.{sealed.output}")
    model = open_output(world.receivers["bank"], result.output_for("lr", "model", "bank"))
    assert model["features"] and len(model["coefficients"]) == len(model["features"])


def test_an_output_opens_for_its_receiver_only(world: World, result: EnclaveResult) -> None:
    sealed = result.output_for("lr", "model", "bank")
    with pytest.raises(EnvelopeError, match="does not open"):
        open_output(world.receivers["platform"], sealed)
    with pytest.raises(EnvelopeError):
        open_output(ReceiverKey.generate(), sealed)
    relabelled = SealedOutput(
        sealed.job_id,
        sealed.spec_hash,
        sealed.step,
        sealed.output,
        sealed.kind,
        "platform",
        sealed.envelope,
    )
    with pytest.raises(EnvelopeError):
        open_output(world.receivers["platform"], relabelled)
    # the platform's copy of a shared output is its own ciphertext
    theirs = result.output_for("lr", "metrics", "platform")
    assert open_output(world.receivers["platform"], theirs)["test"]["auc"] > 0.5


def test_the_host_never_holds_plaintext(world: World, result: EnclaveResult) -> None:
    transcript = world.transcript
    # the check can fail: the host does relay the outputs' ciphertexts
    assert transcript.holds(result.outputs[0].envelope.ciphertext[:64])
    assert not transcript.holds(MARKER.encode())
    for key in world.sealed.keys.values():
        assert not transcript.holds(key.key)
    for path in world.sealed.paths.values():
        assert MARKER.encode() not in path.read_bytes()
    # a run of eight consecutive float64 values of a column, as numpy would lay them out
    income = world.frames[("platform", "features")]["income"].dropna().to_numpy()[:8]
    assert not transcript.holds(income.astype("<f8").tobytes())
    # nor any value of an output: the model's intercept, the scores
    model = open_output(world.receivers["bank"], result.output_for("lr", "model", "bank"))
    assert not transcript.holds(struct.pack("<d", model["intercept"]))
    scores = open_output(world.receivers["bank"], result.output_for("lr", "scores", "bank"))
    assert not transcript.holds(np.asarray(scores["scores"][:4], dtype="<f8").tobytes())
    assert isinstance(scores["ids"], list) and scores["ids"][0].startswith(MARKER)


def test_a_job_runs_once(world: World, result: EnclaveResult) -> None:
    with pytest.raises(EnclaveError, match="was not attested here"):
        world.enclave.run(EnclaveJob("job-main", SPEC, ()))


def test_the_spec_run_must_be_the_one_attested(world: World) -> None:
    inputs = release_keys(world.enclave, SPEC, "job-spec", world.providers())
    changed = job_data()
    changed["steps"][2]["params"]["epochs"] = 6
    with pytest.raises(EnclaveError, match="does not hash to the spec hash"):
        world.enclave.run(EnclaveJob("job-spec", job_of(changed), inputs))


def test_a_missing_dataset_key_is_refused(world: World) -> None:
    inputs = release_keys(world.enclave, SPEC, "job-missing", world.providers())
    with pytest.raises(EnclaveError, match="no key was released"):
        world.enclave.run(EnclaveJob("job-missing", SPEC, inputs[:1]))


def test_an_altered_sealed_file_fails_with_a_clear_error(world: World) -> None:
    inputs = release_keys(world.enclave, SPEC, "job-altered", world.providers())
    original = Path(inputs[0].path)
    altered = world.folder / f"altered-{original.name}"
    data = bytearray(original.read_bytes())
    data[-100] ^= 0x01
    altered.write_bytes(data)
    first = inputs[0]
    moved = (SealedInput(first.party, first.dataset, str(altered), first.wrapped_key), *inputs[1:])
    with pytest.raises(EnclaveError, match=r"chunk \d+ fails authentication: the file was altered"):
        world.enclave.run(EnclaveJob("job-altered", SPEC, moved))
