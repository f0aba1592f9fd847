"""The enclave interface the host and the nodes call, and its simulation backend.

    with SimulatedEnclave(platform, image) as enclave:
        report = enclave.attest(job_id, spec_hash, nonce)     # one per provider's nonce
        ...                                                   # providers release their keys
        result = enclave.run(EnclaveJob(job_id, spec, inputs))

:class:`Enclave` is what callers use; a backend implements it. :class:`SimulatedEnclave` starts
the enclave as a separate Python process running the fixed application of a measured image
(:mod:`confide.tee.loader`, :mod:`confide.tee.app`) and talks to it over a pipe in the typed
wire format. The host process handles only sealed files' paths, wrapped keys, reports and
encrypted outputs: it never holds a dataset's values, a data key or an output in the clear.

A hardware backend (SGX through Gramine, TDX) implements the same three methods: ``attest``
returns a report whose quote the hardware signs (see :mod:`confide.tee.attestation` for what
its verification needs), ``run`` sends the same requests to the same application running
inside the hardware enclave (Gramine runs the Python interpreter and the image under a
manifest that lists them as trusted files), and ``close`` stops it. Callers do not change.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from confide.net.wire import Value
from confide.policy.job import JobSpec, job_to_yaml
from confide.runtime.disclosure import Disclosure
from confide.tee.attestation import SIMULATION_TRUST, AttestationReport, SimulatedPlatform
from confide.tee.channel import Channel
from confide.tee.components import DISCLOSURE as COMPONENTS_DISCLOSURE
from confide.tee.errors import EnclaveError
from confide.tee.grant import WrappedKey
from confide.tee.measurement import EnclaveImage, measure_image
from confide.tee.outputs import SealedOutput

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "DISCLOSURE",
    "Enclave",
    "EnclaveJob",
    "EnclaveResult",
    "SealedInput",
    "SimulatedEnclave",
]

#: Seconds the host waits for the enclave's answer to one request by default.
DEFAULT_TIMEOUT_S = 1800.0
#: Seconds the enclave process gets to start (import its image) and say hello.
START_TIMEOUT_S = 120.0

DISCLOSURE = (
    Disclosure(
        "the enclave host and the operator of the simulated platform",
        "everything the enclave holds: datasets, keys and outputs",
        f"{SIMULATION_TRUST}: the enclave is an ordinary process, its quoting key a file",
    ),
    *COMPONENTS_DISCLOSURE,
)


def _loader_path() -> Path:
    """The loader script beside this module (looked up on the host only)."""
    return Path(__file__).resolve().with_name("loader.py")


@dataclass(frozen=True)
class SealedInput:
    """One dataset of a job as the host hands it over: where the sealed file is, its key wrapped."""

    party: str
    dataset: str
    path: str
    wrapped_key: WrappedKey


@dataclass(frozen=True)
class EnclaveJob:
    """A job to run in the enclave: its id, its (approved) spec and its sealed inputs."""

    job_id: str
    spec: JobSpec
    inputs: tuple[SealedInput, ...]


@dataclass(frozen=True)
class EnclaveResult:
    """What the host gets back: encrypted outputs, and the trust assumption they rest on."""

    job_id: str
    outputs: tuple[SealedOutput, ...]
    backend: str
    trust: str
    measurement: str
    seconds: dict[str, float] = field(default_factory=dict)
    disclosures: tuple[Disclosure, ...] = DISCLOSURE

    def output_for(self, step: str, output: str, receiver: str) -> SealedOutput:
        """The sealed output ``step.output`` for ``receiver``."""
        for sealed in self.outputs:
            if (sealed.step, sealed.output, sealed.receiver) == (step, output, receiver):
                return sealed
        raise EnclaveError(f"the job has no output {step}.{output} for {receiver!r}")


class Enclave(Protocol):
    """The interface every backend implements (module docstring)."""

    backend: str
    trust: str

    def attest(self, job_id: str, spec_hash: str, nonce: bytes) -> AttestationReport:
        """A report binding a fresh enclave key to ``job_id``, ``spec_hash`` and ``nonce``."""
        ...

    def run(self, job: EnclaveJob) -> EnclaveResult:
        """Run an attested job on its released datasets; its outputs, encrypted."""
        ...

    def close(self) -> None:
        """Stop the enclave; its keys and data are gone."""
        ...


FrameHook = Callable[[str, bytes], None]


class SimulatedEnclave:
    """The simulation backend: the application in a separate process (module docstring).

    ``platform`` holds the quoting key; ``image`` is the built image to run (its measurement is
    what the loader will report, and what the providers' policies must list). ``timeout``
    bounds each request; ``on_frame`` sees every frame the host sends and receives.
    """

    backend = "simulation"
    trust = SIMULATION_TRUST

    def __init__(
        self,
        platform: SimulatedPlatform,
        image: EnclaveImage | str | os.PathLike[str],
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        python: str = sys.executable,
        on_frame: FrameHook | None = None,
    ) -> None:
        self.image = image if isinstance(image, EnclaveImage) else measure_image(image)
        command: Sequence[str] = [
            python, "-I", "-B", str(_loader_path()), str(self.image.path), str(platform.key_path),
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        if (
            self._process.stdin is None or self._process.stdout is None
        ):  # Popen with PIPE gives both
            self._process.kill()
            raise EnclaveError("the enclave process was started without its pipes")
        self._stderr: list[str] = []
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()
        self._channel = Channel(
            self._process.stdout.fileno(),
            self._process.stdin.fileno(),
            timeout=timeout,
            on_frame=on_frame,
        )
        try:
            hello = self._answer(self._channel.recv(timeout=START_TIMEOUT_S))
        except EnclaveError as exc:
            self.close()
            tail = " | ".join(self._stderr[-3:])
            raise EnclaveError(f"the enclave did not start ({exc}): {tail}") from exc
        except BaseException:
            self.close()
            raise
        self.measurement = str(hello["measurement"])

    def _read_stderr(self) -> None:
        stream = self._process.stderr
        if stream is None:
            return
        for raw in iter(stream.readline, b""):
            self._stderr.append(raw.decode("utf-8", "replace").rstrip("\n"))
            del self._stderr[:-50]

    def _answer(self, answer: Value) -> dict[str, Any]:
        if not isinstance(answer, dict):
            raise EnclaveError("the enclave sent an answer that is not a map")
        if not answer.get("ok"):
            raise EnclaveError(f"the enclave refused: {answer.get('error')}")
        return answer

    def _request(self, request: dict[str, Value]) -> dict[str, Any]:
        try:
            self._channel.send(request)
            return self._answer(self._channel.recv())
        except EnclaveError as exc:
            if self._process.poll() is not None:
                tail = " | ".join(self._stderr[-3:])
                raise EnclaveError(
                    f"the enclave process exited with code {self._process.returncode}: {tail}"
                ) from exc
            raise

    def attest(self, job_id: str, spec_hash: str, nonce: bytes) -> AttestationReport:
        answer = self._request(
            {"op": "attest", "job_id": job_id, "spec_hash": spec_hash, "nonce": nonce}
        )
        return AttestationReport.from_wire(answer["report"])

    def run(self, job: EnclaveJob) -> EnclaveResult:
        inputs = [
            {
                "party": item.party,
                "dataset": item.dataset,
                "path": str(Path(item.path).resolve()),
                "wrapped_key": item.wrapped_key.to_wire(),
            }
            for item in job.inputs
        ]
        answer = self._request(
            {"op": "run", "job_id": job.job_id, "spec": job_to_yaml(job.spec), "inputs": inputs}
        )
        outputs = tuple(SealedOutput.from_wire(o) for o in answer["outputs"])
        seconds = {str(k): float(v) for k, v in dict(answer["seconds"]).items()}
        return EnclaveResult(
            job.job_id,
            outputs,
            str(answer["backend"]),
            str(answer["trust"]),
            str(answer["measurement"]),
            seconds,
        )

    def close(self) -> None:
        """Ask the enclave to exit; kill it if it does not within a few seconds."""
        process = self._process
        if process.poll() is None:
            try:
                self._channel.timeout = 5.0
                self._channel.send({"op": "close"})
                self._channel.recv()
            except EnclaveError:
                pass
            try:
                process.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()
        self._reader.join(timeout=5.0)
        if process.stderr is not None:
            process.stderr.close()

    def __enter__(self) -> SimulatedEnclave:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SimulatedEnclave({self.measurement[:16]}..., {SIMULATION_TRUST})"
