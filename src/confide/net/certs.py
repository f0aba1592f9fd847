"""Party identities: one ECDSA P-256 key and one self-signed certificate per party.

Every party of a federation holds its own private key and a self-signed certificate whose
subject CN and SubjectAlternativeName DNS entry are the party's name (e.g. ``bank``). The
federation config pins each party's certificate; a receiver names a sender by comparing the
exact certificate it presented (its SHA-256 :func:`fingerprint`) with the pinned ones.

The certificates are leaves, never authorities: BasicConstraints ``CA=False`` (critical), so
trusting one party's certificate never lets that party vouch for another name. KeyUsage is
digitalSignature + keyEncipherment (critical) and ExtendedKeyUsage serverAuth + clientAuth,
since every party is both a TLS server and a TLS client. ECDSA P-256 with SHA-256 is what gRPC's
BoringSSL handles everywhere, at the 128-bit level of :mod:`confide.params`.
"""

from __future__ import annotations

import datetime
import hashlib
import re

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from confide.errors import ConfigError
from confide.params import MAX_PARTY_NAME_LENGTH

__all__ = [
    "DEFAULT_VALIDITY_DAYS",
    "certificate_party",
    "fingerprint",
    "generate_identity",
    "load_certificate",
    "validate_party_name",
]

#: Default lifetime of a generated certificate, in days: 825, the cap on TLS server certificate
#: lifetimes set by CA/Browser Forum ballot 193 (2018).
DEFAULT_VALIDITY_DAYS = 825

#: How far before "now" a generated certificate becomes valid, to tolerate clock skew.
_BACKDATE = datetime.timedelta(days=1)

_PARTY_NAME = re.compile(r"[a-z][a-z0-9-]*")


def validate_party_name(name: str) -> str:
    """Return ``name`` if it is a valid party name, else raise :class:`ConfigError`.

    A party name is 1 to ``MAX_PARTY_NAME_LENGTH`` characters of ``[a-z0-9-]`` starting with a
    letter: it becomes a certificate's SubjectAlternativeName and the TLS target name, so it
    must look like a DNS label.
    """
    if not isinstance(name, str):
        raise ConfigError(f"a party name must be a string, got {type(name).__name__}")
    if not 1 <= len(name) <= MAX_PARTY_NAME_LENGTH:
        raise ConfigError(
            f"party name {name!r} must be 1 to {MAX_PARTY_NAME_LENGTH} characters long, "
            f"not {len(name)}"
        )
    if _PARTY_NAME.fullmatch(name) is None:
        raise ConfigError(
            f"party name {name!r} must start with a lowercase letter and contain only "
            "lowercase letters, digits and '-' (it is used as a DNS name in certificates)"
        )
    return name


def generate_identity(party: str, *, days: int = DEFAULT_VALIDITY_DAYS) -> tuple[bytes, bytes]:
    """A fresh key and self-signed certificate for ``party``, as ``(key_pem, cert_pem)``.

    The key is ECDSA P-256 in unencrypted PKCS#8 PEM; the certificate is valid from one day
    ago until ``days`` days from now.
    """
    validate_party_name(party)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ConfigError(f"certificate validity must be a positive number of days, got {days!r}")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, party)])
    now = datetime.datetime.now(datetime.timezone.utc)
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(party)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def load_certificate(cert_pem: bytes) -> x509.Certificate:
    """The first certificate in ``cert_pem``; :class:`ConfigError` if there is none."""
    if not isinstance(cert_pem, bytes):
        raise ConfigError(f"a certificate must be PEM bytes, got {type(cert_pem).__name__}")
    try:
        return x509.load_pem_x509_certificate(cert_pem)
    except ValueError as exc:
        raise ConfigError(f"not a PEM X.509 certificate: {exc}") from exc


def fingerprint(cert_pem: bytes) -> str:
    """SHA-256 (lowercase hex) of the DER encoding of the first certificate in ``cert_pem``."""
    der = load_certificate(cert_pem).public_bytes(serialization.Encoding.DER)
    return hashlib.sha256(der).hexdigest()


def certificate_party(cert_pem: bytes) -> str:
    """The subject CN of the first certificate in ``cert_pem``: the party it was made for."""
    cert = load_certificate(cert_pem)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(names) != 1:
        raise ConfigError(
            f"a party certificate must have exactly one subject CN, this one has {len(names)}"
        )
    value = names[0].value
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else value
