"""Signing audit entries and chain heads with a party's key; checking them with its certificate.

A node signs with the ECDSA P-256 key of its :class:`~confide.net.federation.Identity` (the key
it proves itself with in TLS), hashing with SHA-256; signatures are DER-encoded. A verifier
needs only the party's pinned certificate. Every signed message starts with a context string
(:data:`ENTRY_CONTEXT`, :data:`HEAD_CONTEXT`), so a signature made for one purpose never
verifies for another.

ECDSA signatures are malleable (``(r, s)`` and ``(r, n - s)`` both verify), which is harmless
here: a signature is never hashed into the chain, only checked.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from confide.errors import ConfigError
from confide.net.certs import certificate_party, load_certificate
from confide.net.federation import Identity

__all__ = [
    "ENTRY_CONTEXT",
    "HEAD_CONTEXT",
    "Signer",
    "public_key_from_certificate",
    "verify_signature",
]

#: Prefix of the message signed for an audit entry (followed by the entry's 32-byte hash).
ENTRY_CONTEXT = b"confide-audit-entry-v1\x00"

#: Prefix of the message signed for a chain head (followed by the head's canonical JSON).
HEAD_CONTEXT = b"confide-audit-head-v1\x00"

_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _check_p256(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey, what: str) -> None:
    if not isinstance(key.curve, ec.SECP256R1):
        raise ConfigError(f"{what} is on curve {key.curve.name}, not P-256 (secp256r1)")


def public_key_from_certificate(cert_pem: bytes) -> ec.EllipticCurvePublicKey:
    """The ECDSA P-256 public key in ``cert_pem``; :class:`ConfigError` for any other key."""
    key = load_certificate(cert_pem).public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ConfigError(f"the certificate holds a {type(key).__name__}, not an ECDSA key")
    _check_p256(key, "the certificate's key")
    return key


def verify_signature(
    public_key: ec.EllipticCurvePublicKey, signature: bytes, message: bytes
) -> bool:
    """Whether ``signature`` is a valid ECDSA P-256 / SHA-256 signature of ``message``."""
    try:
        public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


class Signer:
    """Signs with one party's private key; built from its :class:`Identity`."""

    def __init__(self, identity: Identity) -> None:
        try:
            key = serialization.load_pem_private_key(identity.key_pem, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise ConfigError(
                f"the key of {identity.party!r} is not an unencrypted PEM private key"
            ) from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ConfigError(f"the key of {identity.party!r} is not an ECDSA key")
        _check_p256(key, f"the key of {identity.party!r}")
        public_key = public_key_from_certificate(identity.cert_pem)
        if key.public_key().public_bytes(*_SPKI) != public_key.public_bytes(*_SPKI):
            raise ConfigError(f"the key of {identity.party!r} does not match its certificate")
        cert_party = certificate_party(identity.cert_pem)
        if cert_party != identity.party:
            raise ConfigError(
                f"the identity is named {identity.party!r} but its certificate is {cert_party!r}'s"
            )
        self.party = identity.party
        self.public_key = public_key
        self._key = key

    def sign(self, message: bytes) -> bytes:
        """A DER-encoded ECDSA P-256 / SHA-256 signature of ``message``."""
        return self._key.sign(message, ec.ECDSA(hashes.SHA256()))

    def __repr__(self) -> str:
        return f"Signer(party={self.party!r})"
