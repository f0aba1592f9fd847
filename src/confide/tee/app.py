"""The enclave application: attest, open the released datasets, run the job, encrypt the outputs.

This is the one module every enclave image runs (:mod:`confide.tee.measurement`); the loader
(:mod:`confide.tee.loader`) imports it from the measured image and calls :func:`serve`. It talks
to the host over its channel (:mod:`confide.tee.channel`), one request and one answer at a
time; an answer is ``{"ok": True, ...}`` or ``{"ok": False, "error": text}``. Requests:

``attest`` {job_id, spec_hash, nonce}
    Opens (or reuses) the job's session: a fresh X25519 key pair made here, for this job and
    spec hash only. Answers the attestation report (:class:`AttestationReport` as a wire value)
    binding the session's public key, the nonce, the job and the spec hash, quoted by the
    platform. One report per verifier nonce; every provider gets its own.
``run`` {job_id, spec (YAML), inputs: [{party, dataset, path, wrapped_key}]}
    Ends the session (a job runs once). Checks the spec hashes to the session's spec hash and
    every step runs here (:func:`~confide.tee.components.check_tee_spec`); unwraps each key
    grant with the session key (:func:`~confide.tee.grant.unwrap_grant`), checking that every
    dataset of the spec has one, from its own provider, and that all grants name the same output
    key for each receiver; opens each sealed file with its key and header hash
    (:func:`~confide.tee.sealing.iter_batches`), joins and runs the components
    (:func:`~confide.tee.components.run_components`) and encrypts each output to each of its
    receivers (:func:`~confide.tee.outputs.encrypt_output`). Answers the sealed outputs, the
    measurement, the trust assumption and the seconds each phase took.
``close``
    Answers and exits.

Errors that reach the host are this module's checks (which name datasets, steps and checks,
never values) or, for anything unexpected, only the exception's type, so that no library's
message can carry a value out of the enclave.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa  # type: ignore[import-untyped]
from cryptography.hazmat.primitives.asymmetric import x25519

from confide.audit.fields import check_hash, check_job_id
from confide.errors import ConfideError, ProtocolError
from confide.net.wire import Value
from confide.policy.job import JobSpec, parse_job
from confide.tee.attestation import (
    TRUST,
    AttestationReport,
    Backend,
    platform_fingerprint,
    report_data,
)
from confide.tee.channel import Channel
from confide.tee.components import check_tee_spec, receiver_value, run_components
from confide.tee.envelope import new_private_key, public_bytes
from confide.tee.errors import EnclaveError
from confide.tee.grant import KeyGrant, WrappedKey, unwrap_grant
from confide.tee.outputs import encrypt_output
from confide.tee.sealing import DataKey, iter_batches, read_header

__all__ = ["IDLE_TIMEOUT_S", "EnclaveApp", "PlatformServices", "serve"]

#: How long the enclave waits for the host's next request before it exits.
IDLE_TIMEOUT_S = 6 * 3600.0


class PlatformServices(Protocol):
    """What the platform (the loader) gives the application."""

    backend: str
    measurement: bytes
    public_key: bytes

    def quote(self, report_data: bytes) -> bytes: ...


@dataclass
class _Session:
    job_id: str
    spec_hash: str
    key: x25519.X25519PrivateKey


class EnclaveApp:
    """The request handlers (module docstring); one instance per enclave process."""

    def __init__(self, platform: PlatformServices) -> None:
        self._platform = platform
        self._backend = Backend(platform.backend)
        self._sessions: dict[str, _Session] = {}

    @property
    def trust(self) -> str:
        return TRUST[self._backend]

    def hello(self) -> dict[str, Value]:
        """The first message: the enclave is up, with this measurement and trust assumption."""
        return {
            "ok": True,
            "backend": self._backend.value,
            "trust": self.trust,
            "measurement": self._platform.measurement.hex(),
        }

    def handle(self, request: Any) -> dict[str, Value]:
        """Answer one request; failures become ``{"ok": False, "error": ...}``."""
        try:
            if not isinstance(request, dict) or not isinstance(request.get("op"), str):
                raise ProtocolError("a request must be a map with an op")
            op = request["op"]
            if op == "attest":
                return {"ok": True, "report": self.attest(request).to_wire()}
            if op == "run":
                return {"ok": True, **self.run(request)}
            raise ProtocolError(f"unknown request {op!r}")
        except ConfideError as exc:
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        except Exception as exc:  # a library's message might quote a value: send the type only
            return {"ok": False, "error": f"the enclave failed with {type(exc).__name__}"}

    def attest(self, request: Mapping[str, Any]) -> AttestationReport:
        job_id = check_job_id(request.get("job_id"), "job id")
        spec_hash = check_hash(request.get("spec_hash"), "spec hash")
        nonce = request.get("nonce")
        if not isinstance(nonce, bytes):
            raise ProtocolError("the nonce must be bytes")
        session = self._sessions.get(job_id)
        if session is None:
            session = _Session(job_id, spec_hash, new_private_key())
            self._sessions[job_id] = session
        elif session.spec_hash != spec_hash:
            raise ProtocolError(f"job {job_id!r} is already attested with another spec hash")
        enclave_key = public_bytes(session.key)
        backend = self._backend.value
        data = report_data(backend, enclave_key, nonce, job_id, spec_hash)
        return AttestationReport(
            backend=backend,
            trust=self.trust,
            measurement=self._platform.measurement.hex(),
            platform=platform_fingerprint(self._platform.public_key),
            enclave_key=enclave_key,
            nonce=nonce,
            job_id=job_id,
            spec_hash=spec_hash,
            signature=self._platform.quote(data),
        )

    def run(self, request: Mapping[str, Any]) -> dict[str, Value]:
        started = time.perf_counter()
        job_id = check_job_id(request.get("job_id"), "job id")
        session = self._sessions.pop(job_id, None)
        if session is None:
            raise ProtocolError(f"job {job_id!r} was not attested here (or already ran)")
        text = request.get("spec")
        if not isinstance(text, str):
            raise ProtocolError("the job spec must be YAML text")
        spec = parse_job(text, "the job spec")
        if spec.hash != session.spec_hash:
            raise ProtocolError("the job spec does not hash to the spec hash that was attested")
        check_tee_spec(spec)
        grants, paths = self._grants(spec, session, request.get("inputs"))
        receivers = _agreed_receivers(spec, grants)
        unwrapped = time.perf_counter()
        frames: dict[tuple[str, str], pd.DataFrame] = {}
        id_columns: dict[tuple[str, str], str] = {}
        for key, grant in grants.items():
            frames[key], id_columns[key] = _open(paths[key], grant)
        opened = time.perf_counter()
        values = run_components(spec, frames, id_columns, trust=self.trust)
        computed = time.perf_counter()
        sealed = [
            encrypt_output(
                receivers[receiver],
                receiver_value(spec, values, step.id, output.name, receiver),
                job_id=job_id,
                spec_hash=session.spec_hash,
                step=step.id,
                output=output.name,
                kind=output.kind.value,
                receiver=receiver,
            ).to_wire()
            for step, output in spec.outputs()
            for receiver in output.receivers
        ]
        done = time.perf_counter()
        return {
            "outputs": sealed,
            "backend": self._backend.value,
            "trust": self.trust,
            "measurement": self._platform.measurement.hex(),
            "seconds": {
                "unwrap": unwrapped - started,
                "decrypt": opened - unwrapped,
                "compute": computed - opened,
                "encrypt": done - computed,
            },
        }

    def _grants(
        self, spec: JobSpec, session: _Session, inputs: Any
    ) -> tuple[dict[tuple[str, str], KeyGrant], dict[tuple[str, str], str]]:
        if not isinstance(inputs, list):
            raise ProtocolError("inputs must be a list")
        grants: dict[tuple[str, str], KeyGrant] = {}
        paths: dict[tuple[str, str], str] = {}
        for item in inputs:
            if not isinstance(item, dict) or not isinstance(item.get("path"), str):
                raise ProtocolError("each input needs a path and a wrapped key")
            wrapped = WrappedKey.from_wire(item.get("wrapped_key"))
            key = (wrapped.provider, wrapped.dataset)
            if key in grants:
                raise ProtocolError(f"dataset {key[0]}/{key[1]} is given twice")
            if wrapped.dataset not in spec.datasets.get(wrapped.provider, ()):
                raise ProtocolError(f"the job does not list dataset {key[0]}/{key[1]}")
            grants[key] = unwrap_grant(
                session.key, wrapped, job_id=session.job_id, spec_hash=session.spec_hash
            )
            paths[key] = item["path"]
        missing = [
            f"{party}/{name}"
            for party, names in spec.datasets.items()
            for name in names
            if (party, name) not in grants
        ]
        if missing:
            raise ProtocolError(f"no key was released for the datasets {missing}")
        return grants, paths


def _agreed_receivers(
    spec: JobSpec, grants: Mapping[tuple[str, str], KeyGrant]
) -> dict[str, bytes]:
    """Each receiver's output key, which every provider's grant must name alike."""
    receivers = sorted({r for _, output in spec.outputs() for r in output.receivers})
    agreed: dict[str, bytes] = {}
    for receiver in receivers:
        keys = {grant.receivers.get(receiver) for grant in grants.values()}
        key = keys.pop() if len(keys) == 1 else None
        if key is None:
            raise ProtocolError(
                f"the providers do not name one output key for receiver {receiver!r}"
            )
        agreed[receiver] = key
    return agreed


def _open(path: str, grant: KeyGrant) -> tuple[pd.DataFrame, str]:
    """The table of a sealed file, checked against its grant, and its id column."""
    header = read_header(path)
    key = DataKey(
        dataset=grant.dataset,
        header_hash=grant.header_hash,
        id_column=header.id_column,
        columns=header.column_names,
        rows=0,
        key=grant.data_key,
    )
    table = pa.Table.from_batches(list(iter_batches(path, key)), schema=header.schema)
    frame: pd.DataFrame = table.to_pandas()
    return frame, header.id_column


def serve(read_fd: int, write_fd: int, platform: PlatformServices) -> int:
    """Serve the host until it closes the channel or says ``close``; the exit code."""
    app = EnclaveApp(platform)
    channel = Channel(read_fd, write_fd, timeout=IDLE_TIMEOUT_S, peer="host")
    channel.send(app.hello())
    while True:
        try:
            request = channel.recv()
        except EnclaveError:
            return 0  # the host went away: nothing is left to do
        if isinstance(request, dict) and request.get("op") == "close":
            channel.send({"ok": True})
            return 0
        channel.send(app.handle(request))
