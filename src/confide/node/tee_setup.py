"""A node's part in enclave (TEE) jobs: its keys and enclave, who hosts a job, what it refuses.

An enclave job (:func:`~confide.tee.is_tee_job`: every step sets ``execution: tee``) names its
parties as any job does; their roles say what each does:

- **data providers**: the parties with datasets under ``datasets``. Each node reads the
  declared columns, seals them under a fresh key, sends the sealed bytes to the enclave host
  and releases the key to the enclave once its attestation report checks out
  (:mod:`confide.node.tee_run`);
- **the enclave host**: the job's one ``compute_helper`` that contributes no dataset
  (:func:`enclave_host`). Its node runs the enclave of its config and relays ciphertexts only;
- **result receivers**: each gets its outputs encrypted to the output key of its config.

:func:`open_tee` turns the ``tee`` section of the node config
(:class:`~confide.node.config.TeeConfig`) into a :class:`TeeNode` when the daemon starts: one
:class:`~confide.tee.KeyRelease` (the pinned platform keys, the pinned receivers' output keys,
one :class:`~confide.tee.NonceBook`, the node's audit log), this node's output key, and the
enclave it hosts (the simulated platform and the measured image). It also removes the job
folders a previous run of the node left in its folder for enclave jobs (a host or provider that
crashed mid-job never deleted them; no job runs yet when the daemon starts), unless
``tee.keep_ciphertexts`` is set.

:func:`tee_problems` is what the node's review (:mod:`confide.node.review`) checks for an
enclave job at proposal, before any data is read, in place of the component registry's checks:
the enclave runs every step (:func:`~confide.tee.check_tee_spec`); the job names one enclave
host; the host has an enclave configured; a provider has pinned a platform key and the output
key of every receiver, and the policy of each of its datasets lists at least one enclave
measurement; a receiver has an output key. Whether the enclave's measurement is one a policy
lists is checked at key release, against the report (:mod:`confide.tee.release`).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from confide.audit.log import AuditLog
from confide.errors import ConfigError
from confide.node.config import TeeConfig
from confide.node.store import NodeStore
from confide.policy.job import JobSpec
from confide.runtime.context import Role
from confide.tee import (
    EnclaveImage,
    KeyRelease,
    NonceBook,
    ReceiverKey,
    SimulatedPlatform,
    check_tee_spec,
    load_platform_key,
    load_public_key,
    measure_image,
)
from confide.tee.attestation import platform_fingerprint

__all__ = [
    "HostedEnclave",
    "TeeNode",
    "enclave_host",
    "open_tee",
    "receivers",
    "remove_job_folders",
    "tee_problems",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HostedEnclave:
    """The enclave a host node runs for each job: its platform and its image (measured at
    start; the enclave's loader measures it again whenever it starts)."""

    platform: SimulatedPlatform
    image: EnclaveImage


@dataclass(frozen=True)
class TeeNode:
    """One node's means for enclave jobs (module docstring); all empty by default.

    ``work_dir``: where the node keeps a job's ciphertexts (``<work_dir>/<job id>``) while
    the job runs; ``keep_ciphertexts``: the host keeps them after the job ends too.
    """

    release: KeyRelease | None = None
    output_key: ReceiverKey | None = None
    enclave: HostedEnclave | None = None
    pinned_receivers: frozenset[str] = frozenset()
    work_dir: Path | None = None
    enclave_timeout: float = 1800.0
    keep_ciphertexts: bool = False

    def describe(self) -> dict[str, Any]:
        """What this node can do in enclave jobs, for its status (no secret in it)."""
        enclave = self.enclave
        return {
            "enclave": None if enclave is None else enclave.image.measurement,
            "trust": None if enclave is None else enclave.platform.trust,
            "platform_keys": 0 if self.release is None else self.release.pinned_platforms,
            "receiver_keys": sorted(self.pinned_receivers),
            "output_key": None if self.output_key is None else self.output_key.fingerprint,
        }


def _pin(paths: tuple[Path, ...]) -> dict[str, ed25519.Ed25519PublicKey]:
    pinned = {}
    for path in paths:
        key = load_platform_key(path)
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        pinned[platform_fingerprint(raw)] = key
    return pinned


def remove_job_folders(work_dir: Path) -> list[str]:
    """Delete every job folder (``<work_dir>/<job id>``) under ``work_dir``, with what is in
    it; the job ids removed, sorted, each logged (a folder that cannot be removed is logged
    as a warning and left). Only for jobs that are not running: the
    daemon calls it, through :func:`open_tee`, before any job starts."""
    if not work_dir.is_dir():
        return []
    removed = []
    for folder in sorted(work_dir.iterdir()):
        if not folder.is_dir() or folder.is_symlink():
            continue
        try:
            shutil.rmtree(folder)
        except OSError as exc:  # ciphertexts only: worth a warning, not a node that won't start
            logger.warning("could not remove the leftover enclave job folder %s: %s", folder, exc)
            continue
        logger.info("removed the folder of enclave job %r that a previous run left", folder.name)
        removed.append(folder.name)
    return removed


def open_tee(config: TeeConfig, *, party: str, audit: AuditLog, work_dir: Path) -> TeeNode:
    """Load the keys and the enclave that ``config`` names (:class:`ConfigError` naming the
    file that cannot be read), then remove the job folders a previous run left in
    ``work_dir`` (:func:`remove_job_folders`) unless ``config.keep_ciphertexts``.
    ``work_dir`` is the node's own folder for enclave jobs: nothing else may live in it."""
    platforms = _pin(config.platform_keys)
    receiver_keys = {r: load_public_key(path) for r, path in config.receiver_keys.items()}
    release = None
    if platforms:
        release = KeyRelease(
            party,
            platforms=platforms,
            nonces=NonceBook(),
            audit=audit,
            receiver_keys=receiver_keys,
        )
    output_key = None if config.output_key is None else ReceiverKey.load(config.output_key)
    enclave = None
    if config.enclave_image is not None and config.enclave_platform is not None:
        enclave = HostedEnclave(
            SimulatedPlatform.open(config.enclave_platform), measure_image(config.enclave_image)
        )
    if not config.keep_ciphertexts:
        remove_job_folders(work_dir)
    return TeeNode(
        release=release,
        output_key=output_key,
        enclave=enclave,
        pinned_receivers=frozenset(receiver_keys),
        work_dir=work_dir,
        keep_ciphertexts=config.keep_ciphertexts,
    )


def enclave_host(spec: JobSpec) -> str:
    """The enclave host of an enclave job: its one ``compute_helper`` without datasets."""
    hosts = [
        party
        for party, roles in sorted(spec.parties.items())
        if Role.COMPUTE_HELPER in roles and not spec.datasets.get(party)
    ]
    if len(hosts) != 1:
        raise ConfigError(
            "an enclave job needs exactly one enclave host: one compute_helper party that "
            f"contributes no dataset (it names {len(hosts)}: {hosts})"
        )
    return hosts[0]


def receivers(spec: JobSpec) -> list[str]:
    """Every party that receives some output of ``spec``, sorted."""
    return sorted({r for _, output in spec.outputs() for r in output.receivers})


def tee_problems(spec: JobSpec, *, party: str, tee: TeeNode, store: NodeStore) -> list[str]:
    """Why this node cannot take its part in the enclave job ``spec`` (module docstring);
    one sentence each, empty when it can."""
    problems = []
    try:
        check_tee_spec(spec)
    except ConfigError as exc:
        problems.append(f"the enclave cannot run the job: {exc}")
    try:
        host = enclave_host(spec)
    except ConfigError as exc:
        return [*problems, str(exc)]
    if party == host and tee.enclave is None:
        problems.append(f"{party!r} hosts the job's enclave but its node has no tee.enclave")
    wanted = receivers(spec)
    if spec.datasets.get(party):
        if tee.release is None:
            problems.append(
                f"{party!r} has pinned no enclave platform key (tee.platform_keys), so it cannot "
                "check an enclave's report"
            )
        unpinned = [r for r in wanted if r not in tee.pinned_receivers]
        if unpinned:
            problems.append(
                f"{party!r} has pinned no output key (tee.receiver_keys) for the receivers "
                f"{unpinned}"
            )
        for name in spec.datasets[party]:
            policy = store.get_policy(name)
            if policy is not None and not policy.enclave_measurements:
                problems.append(
                    f"the policy of dataset {name!r} of {party!r} lists no enclave measurement "
                    "(enclave_measurements), so its key goes to no enclave"
                )
    if party in wanted and tee.output_key is None:
        problems.append(f"{party!r} receives outputs of the job but has no tee.output_key")
    return problems
