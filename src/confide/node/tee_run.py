"""Running an approved enclave (TEE) job across the nodes, over the job's own context.

Every party's node calls :func:`run_tee_job` with the job's
:class:`~confide.runtime.context.Context` (the nodes' mTLS links; tags under the scope
``tee``); what it does depends on its part (:mod:`confide.node.tee_setup`). Messages, in order:

1. **Seal and send** (each data provider, for each of its datasets in the spec's order): read
   exactly the columns the steps declare, with the id column
   (:meth:`~confide.node.DatasetRegistry.read`; a ``dataset_read`` audit entry), seal them under
   a fresh data key (:func:`~confide.tee.seal_frame`) and send the sealed file to the host:
   ``sealed`` {bytes, chunks}, then ``chunk`` x chunks (at most :data:`CHUNK_BYTES` each). The
   host writes them to ``<work_dir>/<job id>/<provider>.<dataset>.sealed``.
2. **Challenge** (provider -> host -> provider): ``nonce`` (from the node's
   :class:`~confide.tee.KeyRelease`); the host asks its enclave to attest for the job, the spec
   hash and that nonce and sends back the ``report``.
3. **Release** (provider -> host): the node's one :class:`~confide.tee.KeyRelease` checks the
   report (nonce, signature with a pinned platform key, job, measurement listed by the dataset's
   policy, policy, receivers' pinned keys) and sends the ``key``, wrapped to the enclave
   (a ``key_released`` audit entry); or it refuses, and the job fails everywhere with its
   reason (a ``refused`` entry).
4. **Run** (host): the enclave opens the sealed files with the released keys, runs every step
   and encrypts each output to each receiver (:meth:`~confide.tee.SimulatedEnclave.run`).
5. **Deliver** (host -> each receiver): one ``output`` per output the receiver gets, in the
   spec's order; the receiver checks its labels, opens it with its output key and keeps the
   value as its result for that output (as for an MPC job).

Every party then records ``output_released`` for every output (with ``stored_here``), as the
runner does for MPC steps. While the job runs, the host keeps what it handled, ciphertexts only,
in its job folder (``*.sealed`` inputs, ``*.key`` wrapped keys, ``*.output`` sealed outputs),
and deletes the folder when the job ends, finished, failed or cancelled (unless its node config
sets ``tee.keep_ciphertexts``, for inspection); a provider deletes its sealed copy once sent.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from pathlib import Path

from confide.errors import ConfigError, ProtocolError
from confide.net.wire import encode
from confide.node.records import JobRecord
from confide.node.services import NodeServices
from confide.node.tee_setup import HostedEnclave, TeeNode, enclave_host, receivers
from confide.policy.job import JobSpec, Output, Step
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure
from confide.tee import (
    AttestationReport,
    EnclaveJob,
    KeyReleaseRefused,
    SealedInput,
    SealedOutput,
    SimulatedEnclave,
    WrappedKey,
    open_output,
    seal_frame,
)
from confide.tee.attestation import NONCE_BYTES

__all__ = ["CHUNK_BYTES", "DISCLOSURE", "SLOW_WAIT_S", "run_tee_job"]

#: Bytes of sealed file per message.
CHUNK_BYTES = 4 << 20
#: How long a party waits for another's heavy work: the host for a provider's sealed file
#: (reading and sealing), a provider for the report (starting the enclave), a receiver for its
#: outputs (the run). A party that goes away is noticed sooner, by the node's peer watch.
SLOW_WAIT_S = 3600.0

DISCLOSURE = (
    Disclosure(
        "the enclave host",
        "each provider's sealed file (dataset and column names, types, size), its wrapped key, "
        "the attestation reports and each receiver's encrypted outputs (their sizes)",
        "it never holds a data key, a value or an output in the clear",
    ),
    Disclosure(
        "each data provider",
        "the enclave's attestation report (measurement, platform, trust assumption)",
    ),
)

Log = Callable[[str], None]


def run_tee_job(ctx: Context, services: NodeServices, job: JobRecord, log: Log) -> None:
    """This node's part in the enclave job ``job`` (module docstring)."""
    spec = job.spec
    host = enclave_host(spec)
    party = services.party
    with ctx.scope("tee"):
        if party == host:
            _host(ctx, services, job, log)
        else:
            if spec.datasets.get(party):
                _provide(ctx, services, job, host, log)
            if party in receivers(spec):
                _receive(ctx, services, job, host, log)
    for step, output in spec.outputs():
        services.audit.output_released(
            job.id, output=f"{step.id}.{output.name}", kind=output.kind.value,
            receivers=list(output.receivers), stored_here=party in output.receivers,
            via="enclave",
        )  # fmt: skip


def _slow(ctx: Context) -> float:
    return max(ctx.timeout, SLOW_WAIT_S)


def _job_folder(tee: TeeNode, job_id: str) -> Path:
    if tee.work_dir is None:
        raise ConfigError("this node has no folder for enclave jobs")
    folder = tee.work_dir / job_id
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


# -- data providers ----------------------------------------------------------------------------


def _columns(spec: JobSpec, party: str, dataset: str, id_column: str) -> list[str]:
    read = [c for step in spec.steps for c in step.columns_read(party, dataset)]
    return list(dict.fromkeys([id_column, *read]))


def _provide(ctx: Context, services: NodeServices, job: JobRecord, host: str, log: Log) -> None:
    release = services.tee.release
    if release is None:
        raise KeyReleaseRefused(f"{services.party!r} has pinned no enclave platform key")
    spec = job.spec
    folder = _job_folder(services.tee, job.id)
    try:
        for name in spec.datasets[services.party]:
            id_column = services.datasets.get(name).id_column
            frame = services.datasets.read(name, _columns(spec, services.party, name, id_column))
            services.audit.dataset_read(
                job.id, dataset=name, columns=list(frame.columns), rows=len(frame),
                via="tee_seal",
            )  # fmt: skip
            path = folder / f"{name}.sealed"
            data_key = seal_frame(frame, path, dataset=name, id_column=id_column)
            del frame
            _send_file(ctx, host, path)
            path.unlink()
            log(f"sent {name!r} sealed ({data_key.rows:,} rows) to the enclave host {host!r}")
            nonce = release.challenge()
            ctx.send(host, "nonce", nonce)
            report = AttestationReport.from_wire(ctx.recv(host, "report", timeout=_slow(ctx)))
            policy = services.store.get_policy(name)
            if policy is None:
                raise KeyReleaseRefused(f"dataset {name!r} has no usage policy any more")
            wrapped = release.release(
                policy=policy, spec=spec, job_id=job.id, spec_hash=job.spec_hash,
                report=report, nonce=nonce, data_key=data_key,
            )  # fmt: skip
            ctx.send(host, "key", wrapped.to_wire())
            log(
                f"released the key of {name!r} to enclave {report.measurement[:16]}... "
                f"({report.trust})"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _send_file(ctx: Context, peer: str, path: Path) -> None:
    size = path.stat().st_size
    chunks = max(1, math.ceil(size / CHUNK_BYTES))
    ctx.send(peer, "sealed", {"bytes": size, "chunks": chunks})
    with path.open("rb") as stream:
        for _ in range(chunks):
            ctx.send(peer, "chunk", stream.read(CHUNK_BYTES))


# -- the enclave host --------------------------------------------------------------------------


def _recv_file(ctx: Context, peer: str, path: Path) -> None:
    head = ctx.recv(peer, "sealed", timeout=_slow(ctx))
    if not isinstance(head, dict) or set(head) != {"bytes", "chunks"}:
        raise ProtocolError(f"{peer!r} sent a sealed file's header that is not {{bytes, chunks}}")
    size, chunks = head["bytes"], head["chunks"]
    whole = all(isinstance(v, int) and not isinstance(v, bool) for v in (size, chunks))
    if not whole or size < 0 or not 1 <= chunks <= max(1, math.ceil(size / CHUNK_BYTES)):
        raise ProtocolError(f"{peer!r} announced a sealed file of a size or chunks out of range")
    written = 0
    with path.open("xb") as out:
        for _ in range(chunks):
            chunk = ctx.recv(peer, "chunk")
            if not isinstance(chunk, bytes) or written + len(chunk) > size:
                raise ProtocolError(f"{peer!r} sent a chunk that is not bytes or runs past")
            out.write(chunk)
            written += len(chunk)
    if written != size:
        raise ProtocolError(f"{peer!r} sent {written} bytes of a sealed file of {size}")


def _host(ctx: Context, services: NodeServices, job: JobRecord, log: Log) -> None:
    hosted = services.tee.enclave
    if hosted is None:
        raise ConfigError(f"{services.party!r} hosts the job's enclave but has no tee.enclave")
    folder = _job_folder(services.tee, job.id)
    try:
        _host_in(ctx, services, job, hosted, folder, log)
    finally:
        if not services.tee.keep_ciphertexts:
            shutil.rmtree(folder, ignore_errors=True)


def _host_in(
    ctx: Context, services: NodeServices, job: JobRecord, hosted: HostedEnclave, folder: Path,
    log: Log,
) -> None:  # fmt: skip
    """The host's part, its files in ``folder``."""
    spec = job.spec
    with SimulatedEnclave(
        hosted.platform, hosted.image.path, timeout=services.tee.enclave_timeout
    ) as enclave:
        log(f"enclave {enclave.measurement[:16]}... started ({enclave.trust})")
        inputs = []
        for provider in sorted(spec.datasets):
            for name in spec.datasets[provider]:
                path = folder / f"{provider}.{name}.sealed"
                _recv_file(ctx, provider, path)
                nonce = ctx.recv(provider, "nonce")
                if not isinstance(nonce, bytes) or len(nonce) != NONCE_BYTES:
                    raise ProtocolError(
                        f"{provider!r} sent a nonce that is not {NONCE_BYTES} bytes"
                    )
                report = enclave.attest(job.id, job.spec_hash, nonce)
                ctx.send(provider, "report", report.to_wire())
                wrapped = WrappedKey.from_wire(ctx.recv(provider, "key"))
                if (wrapped.provider, wrapped.dataset) != (provider, name):
                    raise ProtocolError(
                        f"{provider!r} sent a key for another dataset than {name!r}"
                    )
                (folder / f"{provider}.{name}.key").write_bytes(bytes(encode(wrapped.to_wire())))
                inputs.append(SealedInput(provider, name, str(path), wrapped))
                log(f"{provider!r} released the key of {name!r} to the enclave")
        result = enclave.run(EnclaveJob(job.id, spec, tuple(inputs)))
    took = ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items())
    log(f"the enclave ran the job ({took}); relaying its encrypted outputs")
    for step, output in spec.outputs():
        for receiver in sorted(output.receivers):
            sealed = result.output_for(step.id, output.name, receiver)
            file = folder / f"{step.id}.{output.name}.{receiver}.output"
            file.write_bytes(sealed.to_bytes())
            if receiver == services.party:
                _keep(services, job, step, output, sealed)
            else:
                ctx.send(receiver, "output", sealed.to_wire())


# -- result receivers --------------------------------------------------------------------------


def _receive(ctx: Context, services: NodeServices, job: JobRecord, host: str, log: Log) -> None:
    if services.tee.output_key is None:
        raise ConfigError(f"{services.party!r} receives outputs but has no tee.output_key")
    kept = 0
    for step, output in job.spec.outputs():
        if services.party in output.receivers:
            value = ctx.recv(host, "output", timeout=_slow(ctx))
            _keep(services, job, step, output, SealedOutput.from_wire(value))
            kept += 1
    log(f"opened and kept {kept} output(s) from the enclave")


def _keep(
    services: NodeServices, job: JobRecord, step: Step, output: Output, sealed: SealedOutput
) -> None:
    """Open ``sealed`` (which must be this output, for this party) and keep its value."""
    key = services.tee.output_key
    if key is None:
        raise ConfigError(f"{services.party!r} receives outputs but has no tee.output_key")
    expected = (job.id, job.spec_hash, step.id, output.name, output.kind.value, services.party)
    got = (sealed.job_id, sealed.spec_hash, sealed.step, sealed.output, sealed.kind,
           sealed.receiver)  # fmt: skip
    if got != expected:
        raise ProtocolError(
            f"the enclave host sent output {sealed.step}.{sealed.output} for "
            f"{sealed.receiver!r} where {step.id}.{output.name} for {services.party!r} was due"
        )
    value = open_output(key, sealed)
    services.store.put_result(
        job.id, services.party, f"{step.id}.{output.name}", output.kind,
        payload=bytes(encode(value)),
    )  # fmt: skip
