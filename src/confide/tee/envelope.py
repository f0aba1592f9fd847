"""Encryption to a public key: X25519, HKDF-SHA256 and AES-256-GCM (the HPKE base mode's shape).

Used twice: a data provider wraps a dataset key to an enclave's fresh key (key release), and the
enclave encrypts each output to its receiver's key. Steps of :func:`seal_to`:

1. draw a fresh ephemeral X25519 key pair (``os.urandom`` inside ``cryptography``);
2. ``shared = X25519(ephemeral_private, recipient_public)``;
3. ``key = HKDF-SHA256(shared, salt = ephemeral_public || recipient_public,
   info = context || info)``, 32 bytes;
4. ``ciphertext = AES-256-GCM(key, nonce = 12 random bytes, plaintext, aad = context || info)``.

``context`` names the purpose (so an envelope made for one never opens as another) and ``info``
binds it to its place (the job, the dataset, the receiver): opening with any other context, info
or private key fails with :class:`~confide.tee.errors.EnvelopeError`. The ephemeral key is
used once, so the nonce could be fixed; it is random anyway. Who learns what: only the holder
of the recipient's private key learns the plaintext; anyone sees its length.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from confide.errors import ConfigError, ProtocolError
from confide.tee.errors import EnvelopeError

__all__ = [
    "KEY_BYTES",
    "Envelope",
    "key_fingerprint",
    "new_private_key",
    "open_envelope",
    "public_bytes",
    "seal_to",
]

#: Bytes of an X25519 public key, of an AES-256 key.
KEY_BYTES = 32
_NONCE_BYTES = 12
_TAG_BYTES = 16


def new_private_key() -> x25519.X25519PrivateKey:
    """A fresh X25519 private key."""
    return x25519.X25519PrivateKey.generate()


def public_bytes(key: x25519.X25519PrivateKey | x25519.X25519PublicKey) -> bytes:
    """The 32 raw bytes of the public key of ``key``."""
    public = key.public_key() if isinstance(key, x25519.X25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_fingerprint(public: bytes) -> str:
    """A short name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public).hexdigest()[:16]


@dataclass(frozen=True)
class Envelope:
    """An encrypted message to one X25519 public key (see the module docstring)."""

    ephemeral: bytes
    nonce: bytes
    ciphertext: bytes

    def __post_init__(self) -> None:
        for name, value, size in (
            ("ephemeral", self.ephemeral, KEY_BYTES),
            ("nonce", self.nonce, _NONCE_BYTES),
        ):
            if not isinstance(value, bytes) or len(value) != size:
                raise ProtocolError(f"an envelope's {name} must be {size} bytes")
        if not isinstance(self.ciphertext, bytes) or len(self.ciphertext) < _TAG_BYTES:
            raise ProtocolError("an envelope's ciphertext is missing or too short")

    def to_wire(self) -> dict[str, bytes]:
        """The envelope as a wire value."""
        return {"ephemeral": self.ephemeral, "nonce": self.nonce, "ciphertext": self.ciphertext}

    @classmethod
    def from_wire(cls, value: Any) -> Envelope:
        """The inverse of :meth:`to_wire`; :class:`ProtocolError` if malformed."""
        if not isinstance(value, dict) or set(value) != {"ephemeral", "nonce", "ciphertext"}:
            raise ProtocolError("an envelope must be a map of ephemeral, nonce and ciphertext")
        return cls(value["ephemeral"], value["nonce"], value["ciphertext"])


def _check_public(recipient: bytes) -> x25519.X25519PublicKey:
    if not isinstance(recipient, bytes) or len(recipient) != KEY_BYTES:
        raise ConfigError(f"an X25519 public key is {KEY_BYTES} bytes")
    return x25519.X25519PublicKey.from_public_bytes(recipient)


def _derive(shared: bytes, ephemeral: bytes, recipient: bytes, label: bytes) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=ephemeral + recipient, info=label
    ).derive(shared)
    return AESGCM(key)


def _exchange(private: x25519.X25519PrivateKey, public: x25519.X25519PublicKey) -> bytes:
    try:
        return private.exchange(public)
    except ValueError as exc:  # a low-order point gives the all-zero secret
        raise EnvelopeError("the public key is not a valid X25519 key") from exc


def seal_to(recipient: bytes, plaintext: bytes, *, context: bytes, info: bytes) -> Envelope:
    """Encrypt ``plaintext`` to the X25519 public key ``recipient`` (32 raw bytes)."""
    public = _check_public(recipient)
    ephemeral = new_private_key()
    ephemeral_public = public_bytes(ephemeral)
    label = context + info
    aead = _derive(_exchange(ephemeral, public), ephemeral_public, recipient, label)
    nonce = os.urandom(_NONCE_BYTES)
    return Envelope(ephemeral_public, nonce, aead.encrypt(nonce, plaintext, label))


def open_envelope(
    private: x25519.X25519PrivateKey, envelope: Envelope, *, context: bytes, info: bytes
) -> bytes:
    """The plaintext of ``envelope``; :class:`EnvelopeError` unless it was sealed to ``private``'s
    public key with this ``context`` and ``info`` and not altered since."""
    peer = x25519.X25519PublicKey.from_public_bytes(envelope.ephemeral)
    label = context + info
    aead = _derive(_exchange(private, peer), envelope.ephemeral, public_bytes(private), label)
    try:
        return aead.decrypt(envelope.nonce, envelope.ciphertext, label)
    except InvalidTag:
        raise EnvelopeError(
            "the envelope does not open: it was altered, made for another purpose, job or "
            "receiver, or sealed to another key"
        ) from None
