"""Outputs of an enclave job, each encrypted to its receiver's key, and the receivers' keys.

Each result receiver has an X25519 *output key* (:class:`ReceiverKey`, ``confide tee keygen``);
its public half is pinned by every data provider, whose key release hands it to the enclave
inside the encrypted release (:mod:`confide.tee.release`), so the enclave host cannot slip its
own key in. The enclave encrypts each output value once per receiver (:func:`encrypt_output`,
:mod:`confide.tee.envelope` under :data:`OUTPUT_CONTEXT`); the envelope's info binds the job,
the spec hash, the step, the output, its kind and the receiver, so the host can neither relabel
an output nor hand one receiver's ciphertext to another: :func:`open_output` with any other key
or label fails. The host and every other party see only the ciphertext and its length.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import x25519

from confide.errors import ConfigError, DecodeError, ProtocolError
from confide.net.wire import Value, decode, encode
from confide.tee.envelope import (
    Envelope,
    key_fingerprint,
    new_private_key,
    open_envelope,
    public_bytes,
    seal_to,
)
from confide.tee.errors import EnvelopeError

__all__ = [
    "OUTPUT_CONTEXT",
    "ReceiverKey",
    "SealedOutput",
    "encrypt_output",
    "load_public_key",
    "open_output",
]

#: The purpose label of output envelopes.
OUTPUT_CONTEXT = b"confide-tee-output-v1\x00"


def _info(*labels: str) -> bytes:
    return bytes(encode(list(labels)))


@dataclass(frozen=True)
class SealedOutput:
    """One output of one step, encrypted to one receiver; its labels travel in the clear."""

    job_id: str
    spec_hash: str
    step: str
    output: str
    kind: str
    receiver: str
    envelope: Envelope

    def info(self) -> bytes:
        """What the envelope is bound to."""
        return _info(self.job_id, self.spec_hash, self.step, self.output, self.kind, self.receiver)

    def to_wire(self) -> dict[str, Any]:
        """The sealed output as a wire value."""
        return {
            "job_id": self.job_id,
            "spec_hash": self.spec_hash,
            "step": self.step,
            "output": self.output,
            "kind": self.kind,
            "receiver": self.receiver,
            "envelope": self.envelope.to_wire(),
        }

    @classmethod
    def from_wire(cls, value: Any) -> SealedOutput:
        """The inverse of :meth:`to_wire`; :class:`ProtocolError` if malformed."""
        names = ("job_id", "spec_hash", "step", "output", "kind", "receiver")
        if not isinstance(value, dict) or set(value) != {*names, "envelope"}:
            raise ProtocolError("a sealed output must be a map of its labels and envelope")
        if not all(isinstance(value[name], str) for name in names):
            raise ProtocolError("a sealed output's labels must be text")
        return cls(
            job_id=value["job_id"],
            spec_hash=value["spec_hash"],
            step=value["step"],
            output=value["output"],
            kind=value["kind"],
            receiver=value["receiver"],
            envelope=Envelope.from_wire(value["envelope"]),
        )

    def to_bytes(self) -> bytes:
        """The sealed output as a file's content (one wire frame)."""
        return bytes(encode(self.to_wire()))

    @classmethod
    def from_bytes(cls, data: bytes) -> SealedOutput:
        """The inverse of :meth:`to_bytes`."""
        try:
            return cls.from_wire(decode(data))
        except DecodeError as exc:
            raise ProtocolError(f"not a sealed output: {exc}") from None


def encrypt_output(
    receiver_key: bytes,
    value: Value,
    *,
    job_id: str,
    spec_hash: str,
    step: str,
    output: str,
    kind: str,
    receiver: str,
) -> SealedOutput:
    """``value`` (a wire value) encrypted to ``receiver``'s public output key."""
    info = _info(job_id, spec_hash, step, output, kind, receiver)
    envelope = seal_to(receiver_key, bytes(encode(value)), context=OUTPUT_CONTEXT, info=info)
    return SealedOutput(job_id, spec_hash, step, output, kind, receiver, envelope)


def open_output(key: ReceiverKey, sealed: SealedOutput) -> Value:
    """The value of ``sealed``; :class:`~confide.tee.errors.EnvelopeError` unless ``key`` is the
    receiver's and nothing was altered or relabelled."""
    plain = open_envelope(
        key.private_key, sealed.envelope, context=OUTPUT_CONTEXT, info=sealed.info()
    )
    try:
        return decode(plain)
    except DecodeError as exc:  # pragma: no cover - authenticated, so only a bug gets here
        raise EnvelopeError(f"an authentic output does not decode: {exc}") from None


class ReceiverKey:
    """A result receiver's X25519 output key pair."""

    def __init__(self, private_key: x25519.X25519PrivateKey) -> None:
        self.private_key = private_key

    @classmethod
    def generate(cls) -> ReceiverKey:
        """A fresh key pair."""
        return cls(new_private_key())

    @property
    def public_key(self) -> bytes:
        """The 32 raw bytes to hand to the data providers to pin."""
        return public_bytes(self.private_key)

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public_key)

    def save(
        self, private_path: str | os.PathLike[str], public_path: str | os.PathLike[str]
    ) -> None:
        """Write the private key (PEM, readable by its owner only) and the public key (PEM)."""
        pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        Path(public_path).write_bytes(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ReceiverKey:
        """A private key written by :meth:`save`."""
        try:
            key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise ConfigError(f"output key {path} cannot be read: {exc}") from None
        if not isinstance(key, x25519.X25519PrivateKey):
            raise ConfigError(f"output key {path} is not an X25519 private key")
        return cls(key)

    def __repr__(self) -> str:
        return f"ReceiverKey({self.fingerprint})"


def load_public_key(path: str | os.PathLike[str]) -> bytes:
    """A receiver's public output key (PEM) as 32 raw bytes, to pin."""
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"public output key {path} cannot be read: {exc}") from None
    if not isinstance(key, x25519.X25519PublicKey):
        raise ConfigError(f"public output key {path} is not an X25519 key")
    return public_bytes(key)
