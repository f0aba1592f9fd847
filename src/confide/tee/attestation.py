"""Attestation: what an enclave proves about itself, and how a data provider's node checks it.

A report (:class:`AttestationReport`) says: *an enclave with this measurement, on this platform,
holds the private half of this fresh X25519 key, for this job and spec hash, in answer to this
nonce*. Its parts, after SGX's layout:

- the enclave fills ``report_data`` (64 bytes) with :func:`report_data`: the SHA-512 of
  :data:`REPORT_DATA_CONTEXT` and the wire encoding of ``[backend, enclave_key, nonce, job_id,
  spec_hash]``;
- the platform (not the application) adds the measurement of the code it loaded and signs
  ``quote_message(measurement, report_data)`` (:mod:`confide.tee.loader`) with its quoting key.

:func:`verify_report` checks the signature with the platform key the verifier *pinned*, and
that the report data matches the fields. Whether the measurement, nonce and job are the ones
wanted is the key release's business (:mod:`confide.tee.release`).

The simulation backend
----------------------
The quoting key is an Ed25519 key generated per simulated platform
(:meth:`SimulatedPlatform.create`); data providers pin its public key (its fingerprint names
it in reports). Anyone who can read the platform folder can sign anything: every report of this
backend carries ``trust = "simulation: no hardware protection"``.

A hardware backend
------------------
Only this module and the enclave launcher change; callers keep :class:`AttestationReport` and
:func:`verify_report`. For SGX (through Gramine) or TDX with DCAP, ``verify_report`` would
verify the quote's ECDSA signature with the attestation key certified by the quoting enclave's
report, that report with the PCK certificate, and the PCK certificate chain up to Intel's root
CA (pinned instead of a platform key), plus the TCB status and revocation lists from Intel's
PCS; the measurement is MRENCLAVE (SGX) or MRTD and the RTMRs (TDX), and ``report_data`` goes in
the 64-byte REPORTDATA field as here. ``trust`` then names the vendor and TCB level.

Nonces
------
:class:`NonceBook` issues each verifier's nonces (32 bytes from ``secrets``) and accepts each
once, before it expires: a replayed report carries a nonce that is used, expired or unknown.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from confide.audit.fields import check_hash, check_job_id
from confide.errors import ConfigError
from confide.net.wire import encode
from confide.tee.envelope import KEY_BYTES
from confide.tee.errors import AttestationError
from confide.tee.loader import REPORT_DATA_BYTES, quote_message

__all__ = [
    "NONCE_BYTES",
    "REPORT_DATA_CONTEXT",
    "SIMULATION_TRUST",
    "AttestationReport",
    "Backend",
    "NonceBook",
    "SimulatedPlatform",
    "load_platform_key",
    "platform_fingerprint",
    "report_data",
    "verify_report",
]

#: The trust assumption of the simulation backend, written on all it produces.
SIMULATION_TRUST = "simulation: no hardware protection"
#: Prefix of the bytes hashed into a report's report data.
REPORT_DATA_CONTEXT = b"confide-tee-report-data-v1\x00"
#: Bytes of a verifier's nonce.
NONCE_BYTES = 32
#: Seconds a nonce stays valid by default.
NONCE_LIFETIME_S = 600.0

_QUOTING_KEY_FILE = "quoting.key"
_QUOTING_PUBLIC_FILE = "quoting.pub"


class Backend(str, Enum):
    """The kinds of enclave; only the simulation exists so far."""

    SIMULATION = "simulation"


#: The trust assumption each backend states.
TRUST = {Backend.SIMULATION: SIMULATION_TRUST}


def platform_fingerprint(public_key: bytes) -> str:
    """The name of a platform key in reports: the SHA-256 (hex) of its 32 raw bytes."""
    return hashlib.sha256(public_key).hexdigest()


def report_data(
    backend: str, enclave_key: bytes, nonce: bytes, job_id: str, spec_hash: str
) -> bytes:
    """The 64 bytes an enclave binds into its quote (module docstring)."""
    body = bytes(encode([backend, enclave_key, nonce, job_id, spec_hash]))
    digest = hashlib.sha512(REPORT_DATA_CONTEXT + body).digest()
    if len(digest) != REPORT_DATA_BYTES:  # pragma: no cover - SHA-512 is 64 bytes
        raise AssertionError("report data must be 64 bytes")
    return digest


@dataclass(frozen=True)
class AttestationReport:
    """A signed statement by an enclave's platform (module docstring); a wire value."""

    backend: str
    trust: str
    measurement: str
    platform: str
    enclave_key: bytes
    nonce: bytes
    job_id: str
    spec_hash: str
    signature: bytes

    def __post_init__(self) -> None:
        try:
            Backend(self.backend)
        except ValueError:
            raise AttestationError(f"unknown enclave backend {self.backend!r}") from None
        check_hash(self.measurement, "report measurement")
        check_hash(self.platform, "report platform")
        check_job_id(self.job_id, "report job id")
        check_hash(self.spec_hash, "report spec hash")
        for name, value, size in (
            ("enclave_key", self.enclave_key, KEY_BYTES),
            ("nonce", self.nonce, NONCE_BYTES),
        ):
            if not isinstance(value, bytes) or len(value) != size:
                raise AttestationError(f"a report's {name} must be {size} bytes")
        if not isinstance(self.signature, bytes) or not isinstance(self.trust, str):
            raise AttestationError("a report's signature must be bytes and its trust text")

    @property
    def report_data(self) -> bytes:
        """The 64 bytes this report's quote must bind."""
        return report_data(self.backend, self.enclave_key, self.nonce, self.job_id, self.spec_hash)

    def to_wire(self) -> dict[str, Any]:
        """The report as a wire value."""
        return {
            "backend": self.backend,
            "trust": self.trust,
            "measurement": self.measurement,
            "platform": self.platform,
            "enclave_key": self.enclave_key,
            "nonce": self.nonce,
            "job_id": self.job_id,
            "spec_hash": self.spec_hash,
            "signature": self.signature,
        }

    @classmethod
    def from_wire(cls, value: Any) -> AttestationReport:
        """The inverse of :meth:`to_wire`; :class:`AttestationError` if malformed."""
        names = {
            "backend", "trust", "measurement", "platform", "enclave_key", "nonce", "job_id",
            "spec_hash", "signature",
        }  # fmt: skip
        if not isinstance(value, dict) or set(value) != names:
            raise AttestationError("a report must be a map of exactly its nine fields")
        try:
            return cls(**value)
        except ConfigError as exc:
            raise AttestationError(f"malformed report: {exc}") from None


def verify_report(
    report: AttestationReport, pinned: Mapping[str, ed25519.Ed25519PublicKey]
) -> None:
    """Check the report's quote with its pinned platform key; :class:`AttestationError` if not.

    ``pinned`` maps a platform fingerprint (:func:`platform_fingerprint`) to its public key.
    Checks: the backend states its trust assumption; the platform is pinned; the signature
    verifies over the measurement and the report data computed from the report's fields.
    """
    expected_trust = TRUST[Backend(report.backend)]
    if report.trust != expected_trust:
        raise AttestationError(
            f"a {report.backend} report must state its trust assumption {expected_trust!r}"
        )
    key = pinned.get(report.platform)
    if key is None:
        raise AttestationError(f"the report's platform {report.platform[:16]}... is not pinned")
    message = quote_message(bytes.fromhex(report.measurement), report.report_data)
    try:
        key.verify(report.signature, message)
    except InvalidSignature:
        raise AttestationError(
            "the report's signature does not verify with the pinned platform key"
        ) from None


def load_platform_key(path: str | os.PathLike[str]) -> ed25519.Ed25519PublicKey:
    """A pinned platform (quoting) public key from its PEM file."""
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"platform key {path} cannot be read: {exc}") from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise ConfigError(f"platform key {path} is not an Ed25519 public key")
    return key


def _raw(key: ed25519.Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class SimulatedPlatform:
    """A simulated TEE platform: a folder holding its quoting key (module docstring)."""

    def __init__(self, folder: Path, public_key: ed25519.Ed25519PublicKey) -> None:
        self.folder = folder
        self.public_key = public_key

    @property
    def key_path(self) -> Path:
        """The quoting key's file, which the enclave loader reads."""
        return self.folder / _QUOTING_KEY_FILE

    @property
    def public_key_path(self) -> Path:
        """The public key's file (PEM), to hand to the data providers to pin."""
        return self.folder / _QUOTING_PUBLIC_FILE

    @property
    def fingerprint(self) -> str:
        """:func:`platform_fingerprint` of the quoting key."""
        return platform_fingerprint(_raw(self.public_key))

    @property
    def trust(self) -> str:
        return SIMULATION_TRUST

    def pin(self) -> dict[str, ed25519.Ed25519PublicKey]:
        """``{fingerprint: public key}``, what a verifier pins for this platform."""
        return {self.fingerprint: self.public_key}

    @classmethod
    def create(cls, folder: str | os.PathLike[str]) -> SimulatedPlatform:
        """Generate a quoting key in ``folder`` (created; must not hold one already)."""
        target = Path(folder)
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        key_path = target / _QUOTING_KEY_FILE
        if key_path.exists():
            raise ConfigError(f"{target} already holds a simulated platform")
        key = ed25519.Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        public = key.public_key()
        (target / _QUOTING_PUBLIC_FILE).write_bytes(
            public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        return cls(target, public)

    @classmethod
    def open(cls, folder: str | os.PathLike[str]) -> SimulatedPlatform:
        """The simulated platform in ``folder``."""
        target = Path(folder)
        if not (target / _QUOTING_KEY_FILE).is_file():
            raise ConfigError(f"{target} holds no simulated platform (no {_QUOTING_KEY_FILE})")
        return cls(target, load_platform_key(target / _QUOTING_PUBLIC_FILE))

    def __repr__(self) -> str:
        return f"SimulatedPlatform({str(self.folder)!r}, {self.fingerprint[:16]}...)"


class NonceBook:
    """A verifier's nonces: issued fresh, accepted once, before they expire (thread-safe)."""

    def __init__(
        self,
        *,
        lifetime_s: float = NONCE_LIFETIME_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not lifetime_s > 0:
            raise ConfigError(f"a nonce lifetime must be positive, got {lifetime_s}")
        self._lifetime = lifetime_s
        self._clock = clock
        self._expiry: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def issue(self) -> bytes:
        """A fresh nonce (``secrets``), valid once for the lifetime."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        now = self._clock()
        with self._lock:
            self._expiry = {n: t for n, t in self._expiry.items() if t > now}
            self._expiry[nonce] = now + self._lifetime
        return nonce

    def consume(self, nonce: bytes) -> None:
        """Accept ``nonce`` once; :class:`AttestationError` if it is unknown, used or expired."""
        with self._lock:
            expiry = self._expiry.pop(nonce, None)
        if expiry is None:
            raise AttestationError(
                "the nonce was not issued by this verifier or was already used (a replay?)"
            )
        if self._clock() >= expiry:
            raise AttestationError("the nonce expired before the report arrived")
