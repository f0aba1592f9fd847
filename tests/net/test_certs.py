"""Tests of party identities: generated keys and certificates, fingerprints, party names."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from confide.errors import ConfigError
from confide.net.certs import (
    DEFAULT_VALIDITY_DAYS,
    certificate_party,
    fingerprint,
    generate_identity,
    load_certificate,
    validate_party_name,
)
from confide.params import MAX_PARTY_NAME_LENGTH

_SPKI = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def bank() -> tuple[bytes, bytes]:
    return generate_identity("bank")


def test_certificate_names_the_party(bank: tuple[bytes, bytes]) -> None:
    cert = x509.load_pem_x509_certificate(bank[1])
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert [a.value for a in cns] == ["bank"]
    assert cert.issuer == cert.subject
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["bank"]
    assert certificate_party(bank[1]) == "bank"


def test_certificate_is_a_leaf_for_tls_client_and_server(bank: tuple[bytes, bytes]) -> None:
    cert = x509.load_pem_x509_certificate(bank[1])
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical
    assert basic.value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.key_encipherment
    assert not usage.value.key_cert_sign
    assert not usage.value.crl_sign
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.SERVER_AUTH in eku
    assert ExtendedKeyUsageOID.CLIENT_AUTH in eku


def test_certificate_is_self_signed_p256_sha256(bank: tuple[bytes, bytes]) -> None:
    cert = x509.load_pem_x509_certificate(bank[1])
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    assert isinstance(public.curve, ec.SECP256R1)
    assert isinstance(cert.signature_hash_algorithm, hashes.SHA256)
    cert.verify_directly_issued_by(cert)


def test_validity_window() -> None:
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = x509.load_pem_x509_certificate(generate_identity("bank")[1])
    slack = datetime.timedelta(minutes=5)
    assert abs(cert.not_valid_before_utc - (now - datetime.timedelta(days=1))) < slack
    expected_end = now + datetime.timedelta(days=DEFAULT_VALIDITY_DAYS)
    assert abs(cert.not_valid_after_utc - expected_end) < slack
    short = x509.load_pem_x509_certificate(generate_identity("bank", days=30)[1])
    assert abs(short.not_valid_after_utc - (now + datetime.timedelta(days=30))) < slack


def test_key_is_unencrypted_pkcs8_and_matches(bank: tuple[bytes, bytes]) -> None:
    key_pem, cert_pem = bank
    assert key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    key = serialization.load_pem_private_key(key_pem, password=None)
    cert = x509.load_pem_x509_certificate(cert_pem)
    assert key.public_key().public_bytes(*_SPKI) == cert.public_key().public_bytes(*_SPKI)


def test_each_call_makes_a_new_key() -> None:
    first, second = generate_identity("bank"), generate_identity("bank")
    assert first[0] != second[0]
    assert fingerprint(first[1]) != fingerprint(second[1])


def test_fingerprint_is_sha256_of_der_and_stable(bank: tuple[bytes, bytes]) -> None:
    der = x509.load_pem_x509_certificate(bank[1]).public_bytes(serialization.Encoding.DER)
    value = fingerprint(bank[1])
    assert value == hashlib.sha256(der).hexdigest()
    assert value == fingerprint(bank[1])
    assert len(value) == 64
    assert value == value.lower()


def test_fingerprint_uses_the_first_certificate(bank: tuple[bytes, bytes]) -> None:
    other = generate_identity("platform")[1]
    assert fingerprint(bank[1] + other) == fingerprint(bank[1])
    assert fingerprint(other + bank[1]) == fingerprint(other)


@pytest.mark.parametrize(
    "data", [b"", b"garbage", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
)
def test_fingerprint_refuses_non_certificates(data: bytes) -> None:
    with pytest.raises(ConfigError, match="certificate"):
        fingerprint(data)
    with pytest.raises(ConfigError):
        certificate_party(data)


def test_fingerprint_refuses_a_key(bank: tuple[bytes, bytes]) -> None:
    with pytest.raises(ConfigError, match=r"not a PEM X\.509 certificate"):
        fingerprint(bank[0])


def test_load_certificate_refuses_str(bank: tuple[bytes, bytes]) -> None:
    with pytest.raises(ConfigError, match="PEM bytes"):
        load_certificate(bank[1].decode())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "name", ["bank", "a", "party-2", "p2p", "x-", "a" * MAX_PARTY_NAME_LENGTH, "z0-9"]
)
def test_valid_party_names(name: str) -> None:
    assert validate_party_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Bank",
        "2bank",
        "-bank",
        "bank.com",
        "bank_1",
        "bank 1",
        " bank",
        "bänk",
        "a" * (MAX_PARTY_NAME_LENGTH + 1),
        "bank\n",
    ],
)
def test_invalid_party_names(name: str) -> None:
    with pytest.raises(ConfigError, match="party name"):
        validate_party_name(name)


def test_invalid_party_name_message_explains() -> None:
    with pytest.raises(ConfigError, match=r"start with a lowercase letter.*digits and '-'"):
        validate_party_name("Bank")
    with pytest.raises(ConfigError, match=f"1 to {MAX_PARTY_NAME_LENGTH} characters"):
        validate_party_name("")


def test_party_name_must_be_a_string() -> None:
    with pytest.raises(ConfigError, match="must be a string"):
        validate_party_name(42)  # type: ignore[arg-type]


def test_generate_refuses_bad_input() -> None:
    with pytest.raises(ConfigError, match="party name"):
        generate_identity("Bank")
    for days in (0, -1):
        with pytest.raises(ConfigError, match="positive number of days"):
            generate_identity("bank", days=days)
