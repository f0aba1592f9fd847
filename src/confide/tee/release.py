"""Key release: a data provider's node gives a dataset key only to an enclave that earns it.

    release = KeyRelease("bank", platforms=platform.pin(), nonces=NonceBook(), audit=log,
                         receiver_keys={"bank": bank_output_key})
    nonce = release.challenge()                      # sent to the enclave host
    report = enclave.attest(job_id, spec_hash, nonce)
    wrapped = release.release(policy=policy, spec=spec, job_id=job_id, spec_hash=approved_hash,
                              report=report, nonce=nonce, data_key=DataKey.load("loans.key"))

:meth:`KeyRelease.release` checks, in this order, and refuses with
:class:`~confide.tee.errors.KeyReleaseRefused` naming the first check that fails:

1. **nonce**: ``nonce`` is one this node issued, unused and unexpired; it is spent now, whatever
   follows, so a report can never be replayed;
2. **report**: the report answers that nonce, and its quote verifies with a pinned platform key
   (:func:`~confide.tee.attestation.verify_report`);
3. **job**: the report is for the approved job id and spec hash, ``spec`` hashes to it, and the
   spec lists this dataset for this party;
4. **measurement**: the policy of the dataset lists the report's measurement
   (``enclave_measurements``; none are allowed by default);
5. **policy**: the key and the policy are of the same dataset, the policy has not expired, and
   every column of the sealed file is one the policy lets jobs read (the key opens them all);
6. **receivers**: this node has pinned an output key for every receiver of the job's outputs.

Then the grant (data key, header hash, job, receivers' keys) is wrapped to the enclave's fresh
key (:func:`~confide.tee.grant.wrap_grant`). Every release is an audit event of its own type,
``key_released`` (the dataset, the columns and rows the key opens, the measurement, the
platform, the enclave key's fingerprint, the trust assumption, the spec hash and the backend),
and so is every refusal (``refused``, with the reason, the dataset and ``via:
tee_key_release``). The node never sends the key in the clear, and the host never sees it.

How a node wires it (:mod:`confide.node.tee_setup`, :mod:`confide.node.tee_run`): the daemon
keeps one :class:`KeyRelease` (its pinned platform keys and receivers' output keys from the
``tee`` section of its config, one :class:`NonceBook`, its audit log). For an approved TEE job,
for each of its datasets in the job, the provider's node reads the declared columns, seals them
under a fresh :class:`DataKey` and sends the sealed bytes to the enclave host; then it sends
:meth:`challenge` to the host, receives the report the enclave made for that nonce, calls
:meth:`release` with the dataset's policy and the :class:`DataKey`, and sends the
:class:`~confide.tee.grant.WrappedKey` to the host. A refusal fails the job on every node with
its reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping

from cryptography.hazmat.primitives.asymmetric import ed25519

from confide.audit.log import AuditLog, utc_now
from confide.errors import ConfideError
from confide.policy.job import JobSpec
from confide.policy.rules import DatasetPolicy
from confide.runtime.disclosure import Disclosure
from confide.tee.attestation import AttestationReport, NonceBook, verify_report
from confide.tee.envelope import KEY_BYTES, key_fingerprint
from confide.tee.errors import KeyReleaseRefused
from confide.tee.grant import KeyGrant, WrappedKey, wrap_grant
from confide.tee.sealing import DataKey

__all__ = ["DISCLOSURE", "VIA", "KeyRelease"]

#: The ``via`` of the audit entries of refused key releases.
VIA = "tee_key_release"

DISCLOSURE = (
    Disclosure(
        "the enclave that passes every check",
        "the data key of the sealed dataset, hence every value of it",
        "wrapped to the enclave's fresh key; the report binds that key to the measured code",
    ),
    Disclosure(
        "the enclave host",
        "which providers released which dataset for which job, and the size of each wrapped key",
    ),
)


class KeyRelease:
    """One node's key releases (module docstring)."""

    def __init__(
        self,
        party: str,
        *,
        platforms: Mapping[str, ed25519.Ed25519PublicKey],
        nonces: NonceBook,
        audit: AuditLog,
        receiver_keys: Mapping[str, bytes],
        clock: Callable[[], datetime.datetime] = utc_now,
    ) -> None:
        for receiver, key in receiver_keys.items():
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                raise KeyReleaseRefused(f"the output key pinned for {receiver!r} is not 32 bytes")
        self.party = party
        self._platforms = dict(platforms)
        self._nonces = nonces
        self._audit = audit
        self._receivers = dict(receiver_keys)
        self._clock = clock

    @property
    def pinned_platforms(self) -> int:
        """How many platform keys this node trusts."""
        return len(self._platforms)

    def challenge(self) -> bytes:
        """A fresh nonce for the enclave to put in its report (single use)."""
        return self._nonces.issue()

    def release(
        self,
        *,
        policy: DatasetPolicy,
        spec: JobSpec,
        job_id: str,
        spec_hash: str,
        report: AttestationReport,
        nonce: bytes,
        data_key: DataKey,
    ) -> WrappedKey:
        """The dataset key wrapped to the enclave of ``report``, or :class:`KeyReleaseRefused`.

        ``job_id`` and ``spec_hash`` are those this node approved; ``nonce`` is the one it sent
        with its challenge for this report.
        """
        try:
            grant = self._check(policy, spec, job_id, spec_hash, report, nonce, data_key)
        except ConfideError as exc:
            reason = f"tee key release of {data_key.dataset!r} refused: {exc}"
            self._audit.refused(job_id, reason=reason, by=self.party, dataset=data_key.dataset,
                                via=VIA)  # fmt: skip
            if isinstance(exc, KeyReleaseRefused):
                raise
            raise KeyReleaseRefused(reason) from exc
        wrapped = wrap_grant(grant, report.enclave_key)
        self._audit.key_released(
            job_id,
            dataset=data_key.dataset,
            columns=list(data_key.columns),
            rows=data_key.rows,
            measurement=report.measurement,
            platform=report.platform,
            enclave_key=key_fingerprint(report.enclave_key),
            trust=report.trust,
            spec_hash=spec_hash,
            backend=report.backend,
        )
        return wrapped

    def _check(
        self,
        policy: DatasetPolicy,
        spec: JobSpec,
        job_id: str,
        spec_hash: str,
        report: AttestationReport,
        nonce: bytes,
        data_key: DataKey,
    ) -> KeyGrant:
        self._nonces.consume(nonce)
        if report.nonce != nonce:
            raise KeyReleaseRefused("the report answers another nonce (a replayed report?)")
        verify_report(report, self._platforms)
        if (report.job_id, report.spec_hash) != (job_id, spec_hash):
            raise KeyReleaseRefused(
                f"the report is for job {report.job_id!r} with spec {report.spec_hash[:16]}..., "
                f"not the approved job {job_id!r} with spec {spec_hash[:16]}..."
            )
        if spec.hash != spec_hash:
            raise KeyReleaseRefused("the job spec given is not the approved one (hash differs)")
        dataset = data_key.dataset
        if dataset not in spec.datasets.get(self.party, ()):
            raise KeyReleaseRefused(f"the job does not list dataset {dataset!r} of {self.party!r}")
        if report.measurement not in policy.enclave_measurements:
            raise KeyReleaseRefused(
                f"the policy of {dataset!r} does not allow the enclave measurement "
                f"{report.measurement}"
            )
        self._check_policy(policy, data_key)
        receivers = sorted({r for _, output in spec.outputs() for r in output.receivers})
        unpinned = [r for r in receivers if r not in self._receivers]
        if unpinned:
            raise KeyReleaseRefused(f"no output key is pinned for the receivers {unpinned}")
        return KeyGrant(
            provider=self.party,
            dataset=dataset,
            header_hash=data_key.header_hash,
            data_key=data_key.key,
            job_id=job_id,
            spec_hash=spec_hash,
            receivers={r: self._receivers[r] for r in receivers},
        )

    def _check_policy(self, policy: DatasetPolicy, data_key: DataKey) -> None:
        dataset = data_key.dataset
        if policy.dataset != dataset:
            raise KeyReleaseRefused(
                f"the policy given is for dataset {policy.dataset!r}, not {dataset!r}"
            )
        if policy.expires is not None and self._clock() >= policy.expires:
            raise KeyReleaseRefused(f"the policy of {dataset!r} has expired")
        columns = set(data_key.columns)
        outside = columns & policy.deny_columns
        if policy.allow_columns is not None:
            outside |= columns - policy.allow_columns
        if outside:
            raise KeyReleaseRefused(
                f"the sealed copy of {dataset!r} holds columns {sorted(outside)} that its policy "
                "does not let jobs read: seal only the allowed columns"
            )
