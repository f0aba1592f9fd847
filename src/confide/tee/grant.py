"""A released dataset key as it travels: wrapped by the provider's node, unwrapped in the enclave.

The grant (:class:`KeyGrant`) holds the data key of one sealed file, the hash of that file's
header (so the host cannot substitute another sealing of the dataset), the job and spec hash it
is released for, and the output keys of the job's receivers as this provider pinned them. It is
wire-encoded and encrypted to the enclave's fresh key from its attestation report
(:func:`wrap_grant`, :mod:`confide.tee.envelope` under :data:`KEY_RELEASE_CONTEXT`, with the
job, spec hash, provider and dataset as info). Only that enclave can open it
(:func:`unwrap_grant`); the host relays a :class:`WrappedKey`, which tells it only who released
which dataset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import x25519

from confide.errors import DecodeError, ProtocolError
from confide.net.wire import decode, encode
from confide.tee.envelope import KEY_BYTES, Envelope, open_envelope, seal_to

__all__ = ["KEY_RELEASE_CONTEXT", "KeyGrant", "WrappedKey", "unwrap_grant", "wrap_grant"]

#: The purpose label of wrapped dataset keys.
KEY_RELEASE_CONTEXT = b"confide-tee-key-release-v1\x00"


@dataclass(frozen=True)
class KeyGrant:
    """What a provider releases to an enclave for one job (module docstring)."""

    provider: str
    dataset: str
    header_hash: str
    data_key: bytes = field(repr=False)
    job_id: str
    spec_hash: str
    receivers: Mapping[str, bytes]

    def to_wire(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "dataset": self.dataset,
            "header_hash": self.header_hash,
            "data_key": self.data_key,
            "job_id": self.job_id,
            "spec_hash": self.spec_hash,
            "receivers": dict(self.receivers),
        }

    @classmethod
    def from_wire(cls, value: Any) -> KeyGrant:
        names = {"provider", "dataset", "header_hash", "data_key", "job_id", "spec_hash"}
        if not isinstance(value, dict) or set(value) != {*names, "receivers"}:
            raise ProtocolError("a key grant must be a map of exactly its fields")
        texts = ("provider", "dataset", "header_hash", "job_id", "spec_hash")
        if not all(isinstance(value[n], str) for n in texts):
            raise ProtocolError("a key grant's labels must be text")
        key, receivers = value["data_key"], value["receivers"]
        if not isinstance(key, bytes) or len(key) != 32:
            raise ProtocolError("a key grant's data key must be 32 bytes")
        if not isinstance(receivers, dict) or not all(
            isinstance(p, str) and isinstance(k, bytes) and len(k) == KEY_BYTES
            for p, k in receivers.items()
        ):
            raise ProtocolError("a key grant's receivers must map parties to 32-byte keys")
        return cls(**{n: value[n] for n in texts}, data_key=key, receivers=receivers)


@dataclass(frozen=True)
class WrappedKey:
    """A :class:`KeyGrant` encrypted to an enclave, as the host relays it."""

    provider: str
    dataset: str
    envelope: Envelope

    def to_wire(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "dataset": self.dataset,
            "envelope": self.envelope.to_wire(),
        }

    @classmethod
    def from_wire(cls, value: Any) -> WrappedKey:
        if not isinstance(value, dict) or set(value) != {"provider", "dataset", "envelope"}:
            raise ProtocolError("a wrapped key must be a map of provider, dataset and envelope")
        if not isinstance(value["provider"], str) or not isinstance(value["dataset"], str):
            raise ProtocolError("a wrapped key's provider and dataset must be text")
        return cls(value["provider"], value["dataset"], Envelope.from_wire(value["envelope"]))


def _info(job_id: str, spec_hash: str, provider: str, dataset: str) -> bytes:
    return bytes(encode([job_id, spec_hash, provider, dataset]))


def wrap_grant(grant: KeyGrant, enclave_key: bytes) -> WrappedKey:
    """``grant`` encrypted to the enclave's public key (32 raw bytes from its report)."""
    info = _info(grant.job_id, grant.spec_hash, grant.provider, grant.dataset)
    envelope = seal_to(
        enclave_key, bytes(encode(grant.to_wire())), context=KEY_RELEASE_CONTEXT, info=info
    )
    return WrappedKey(grant.provider, grant.dataset, envelope)


def unwrap_grant(
    private_key: x25519.X25519PrivateKey, wrapped: WrappedKey, *, job_id: str, spec_hash: str
) -> KeyGrant:
    """Open ``wrapped`` in the enclave for this job; :class:`ProtocolError` if its grant does not
    match its labels (:class:`~confide.tee.errors.EnvelopeError` if it does not open)."""
    info = _info(job_id, spec_hash, wrapped.provider, wrapped.dataset)
    plain = open_envelope(private_key, wrapped.envelope, context=KEY_RELEASE_CONTEXT, info=info)
    try:
        grant = KeyGrant.from_wire(decode(plain))
    except DecodeError as exc:
        raise ProtocolError(f"a key grant does not decode: {exc}") from None
    labels = (grant.job_id, grant.spec_hash, grant.provider, grant.dataset)
    if labels != (job_id, spec_hash, wrapped.provider, wrapped.dataset):
        raise ProtocolError("a key grant was made for another job, provider or dataset")
    return grant
