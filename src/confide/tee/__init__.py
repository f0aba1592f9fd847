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

On nodes
--------
:func:`run_local` plays every role in one process (demo, benchmark, tests). Between node
daemons, an enclave job is an ordinary job spec whose steps all set ``execution: tee``; its one
``compute_helper`` without datasets is the enclave host. At proposal every node checks what its
part needs (:mod:`confide.node.tee_setup`: an enclave at the host, pinned platform and
receivers' keys and a policy listing a measurement at a provider, an output key at a receiver)
and refuses, before any data is read, what it cannot run. The run (:mod:`confide.node.tee_run`)
goes over the nodes' own mTLS links: each provider seals the declared columns under a fresh key
and sends the sealed bytes in chunks to the host, challenges the enclave through the host and
releases its key through the node's one :class:`KeyRelease`; the host runs the enclave and
forwards each encrypted output to its receiver only, whose node opens and keeps it. The node's
config (the ``tee`` section, :class:`~confide.node.config.TeeConfig`) names the keys and the
enclave.

Layering
--------
``tee`` sits beside ``psi``, over ``net``, ``runtime`` and ``crypto``, and it reaches up in
three places, each for a reason:

- :mod:`.components` imports ``ml``, ``metrics`` and ``preprocessing``: inside the enclave the
  job runs the *plaintext twins* of the MPC components (the same binning, WOE, logistic
  regression and boosting code), so that an enclave job and an MPC job of the same spec give
  the same results; copying them here would let the two drift apart;
- :mod:`.release`, :mod:`.local`, :mod:`.enclave`, :mod:`.app`, :mod:`.credit` and
  :mod:`.sealing` import ``policy`` (job specs, usage policies and name checks): a key is
  released for an approved spec under the dataset's own policy, so the key release must read
  both; nothing in ``policy`` imports ``tee``;
- :mod:`.credit_jobs` imports ``jobs`` (the credit jobs' settings, outcomes, spec checks and
  feature encoding) and ``psi`` (only the id digests that order the rows): the node's
  ``credit.scorecard`` and ``credit.boost`` run in the enclave with ``execution: tee``, with the
  very parameters, checks and outputs of their MPC form, so that one spec selects either;
- :mod:`.release` and :mod:`.demo` import ``audit`` (the log, to record each release and
  refusal), :mod:`.attestation` and :mod:`.app` only its field checks (hashes, job ids).

No ``tee`` module imports ``node`` or ``cli``: the node drives ``tee``, never the other way
round (and nothing in ``jobs`` imports ``tee``). The enclave image holds only what :mod:`.app`
imports (:mod:`.measurement`), so these imports are part of what providers measure.
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
