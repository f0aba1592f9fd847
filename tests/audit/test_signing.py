"""Tests of signing with a party's identity and checking with its certificate."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from confide.audit.signing import (
    ENTRY_CONTEXT,
    HEAD_CONTEXT,
    Signer,
    public_key_from_certificate,
    verify_signature,
)
from confide.errors import ConfigError
from confide.net.federation import Identity


def _self_signed(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, party: str) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, party)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def _pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_sign_and_verify(bank: Identity) -> None:
    signer = Signer(bank)
    signature = signer.sign(b"message")
    key = public_key_from_certificate(bank.cert_pem)
    assert verify_signature(key, signature, b"message")
    assert not verify_signature(key, signature, b"messagE")
    assert not verify_signature(key, b"\x30\x06\x02\x01\x01\x02\x01\x01", b"message")
    assert repr(signer) == "Signer(party='bank')"
    assert ENTRY_CONTEXT != HEAD_CONTEXT


def test_only_p256_keys_are_accepted() -> None:
    p384 = ec.generate_private_key(ec.SECP384R1())
    with pytest.raises(ConfigError, match="not P-256"):
        public_key_from_certificate(_self_signed(p384, "bank"))
    with pytest.raises(ConfigError, match="not P-256"):
        Signer(Identity("bank", _pem(p384), _self_signed(p384, "bank")))
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(ConfigError, match="not an ECDSA key"):
        public_key_from_certificate(_self_signed(rsa_key, "bank"))
    with pytest.raises(ConfigError, match="not an unencrypted PEM private key"):
        Signer(Identity("bank", b"garbage", _self_signed(p384, "bank")))
