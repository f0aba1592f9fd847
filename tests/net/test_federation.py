"""Tests of the federation config: creating, loading, every refusal, identifying peers."""

from __future__ import annotations

import datetime
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from confide.errors import ConfigError
from confide.net.certs import fingerprint, generate_identity
from confide.net.federation import (
    FEDERATION_FILE,
    Federation,
    Identity,
    identity_paths,
    init_federation,
)

PARTIES = ("bank", "platform", "dealer")


@pytest.fixture
def fed_path(tmp_path: Path) -> Path:
    return init_federation(PARTIES, tmp_path / "fed")


def _config(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    assert isinstance(data, dict)
    return data


def _write(path: Path, config: Any) -> Path:
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _load_error(path: Path) -> str:
    with pytest.raises(ConfigError) as info:
        Federation.load(path)
    message = str(info.value)
    assert str(path) in message
    return message


# -- init and load ---------------------------------------------------------------------------


def test_init_writes_keys_certs_and_config(fed_path: Path) -> None:
    folder = fed_path.parent
    assert fed_path == folder / FEDERATION_FILE
    for party in PARTIES:
        key_path, cert_path = identity_paths(fed_path, party)
        assert key_path == folder / f"{party}.key"
        assert cert_path == folder / f"{party}.crt"
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
        assert cert_path.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    config = _config(fed_path)
    assert config["federation"] == "confide"
    assert list(config["parties"]) == list(PARTIES)
    assert config["parties"]["bank"] == {"address": "127.0.0.1:50051", "certificate": "bank.crt"}
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_init_then_load_round_trip(fed_path: Path) -> None:
    federation = Federation.load(fed_path)
    assert federation.name == "confide"
    assert list(federation.parties) == list(PARTIES)
    for i, party in enumerate(PARTIES):
        info = federation.parties[party]
        cert_pem = identity_paths(fed_path, party)[1].read_bytes()
        assert info.name == party
        assert info.address == f"127.0.0.1:{50051 + i}"
        assert federation.address(party) == info.address
        assert info.cert_pem == cert_pem
        assert info.fingerprint == fingerprint(cert_pem)


def test_load_accepts_str_path(fed_path: Path) -> None:
    assert list(Federation.load(str(fed_path)).parties) == list(PARTIES)


def test_init_options(tmp_path: Path) -> None:
    path = init_federation(
        ["bank", "platform"], tmp_path, host="localhost", ports=[7001, 7003], name="demo"
    )
    federation = Federation.load(path)
    assert federation.name == "demo"
    assert federation.address("bank") == "localhost:7001"
    assert federation.address("platform") == "localhost:7003"


def test_init_base_port_and_ipv6_host(tmp_path: Path) -> None:
    federation = Federation.load(
        init_federation(["bank", "platform"], tmp_path, host="::1", base_port=9000)
    )
    assert federation.address("bank") == "[::1]:9000"
    assert federation.address("platform") == "[::1]:9001"


def test_trust_bundle_holds_every_pinned_certificate(fed_path: Path) -> None:
    federation = Federation.load(fed_path)
    bundle = federation.trust_bundle()
    assert bundle.count(b"-----BEGIN CERTIFICATE-----") == len(PARTIES)
    for info in federation.parties.values():
        assert info.cert_pem in bundle
    certs = x509.load_pem_x509_certificates(bundle)
    assert [fingerprint(c.public_bytes(serialization.Encoding.PEM)) for c in certs] == [
        info.fingerprint for info in federation.parties.values()
    ]


def test_identify(fed_path: Path) -> None:
    federation = Federation.load(fed_path)
    for party in PARTIES:
        cert_pem = identity_paths(fed_path, party)[1].read_bytes()
        assert federation.identify(cert_pem) == party
    impostor = generate_identity("bank")[1]
    assert federation.identify(impostor) is None
    assert federation.identify(b"") is None
    assert federation.identify(b"not a certificate") is None


def test_address_of_unknown_party(fed_path: Path) -> None:
    federation = Federation.load(fed_path)
    with pytest.raises(ConfigError, match="'nobody' is not a party of federation 'confide'"):
        federation.address("nobody")


# -- identities ------------------------------------------------------------------------------


def test_identity_load(fed_path: Path) -> None:
    federation = Federation.load(fed_path)
    for party in PARTIES:
        identity = Identity.load(*identity_paths(fed_path, party))
        assert identity.party == party
        assert federation.identify(identity.cert_pem) == party
        key = serialization.load_pem_private_key(identity.key_pem, password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        assert b"PRIVATE KEY" not in repr(identity).encode()
        assert "key_pem" not in repr(identity)


def test_identity_refuses_key_of_another_party(fed_path: Path) -> None:
    bank_key, _ = identity_paths(fed_path, "bank")
    _, platform_cert = identity_paths(fed_path, "platform")
    with pytest.raises(ConfigError, match="does not match certificate"):
        Identity.load(bank_key, platform_cert)


def test_identity_refuses_missing_files(fed_path: Path, tmp_path: Path) -> None:
    key_path, cert_path = identity_paths(fed_path, "bank")
    with pytest.raises(ConfigError, match=r"key file .*nope\.key does not exist"):
        Identity.load(tmp_path / "nope.key", cert_path)
    with pytest.raises(ConfigError, match=r"certificate file .*nope\.crt does not exist"):
        Identity.load(key_path, tmp_path / "nope.crt")


def test_identity_refuses_garbage(fed_path: Path, tmp_path: Path) -> None:
    key_path, cert_path = identity_paths(fed_path, "bank")
    garbage = tmp_path / "garbage.pem"
    garbage.write_bytes(b"garbage")
    with pytest.raises(ConfigError, match="not an unencrypted PEM private key"):
        Identity.load(garbage, cert_path)
    with pytest.raises(ConfigError, match=r"not a PEM X\.509 certificate"):
        Identity.load(key_path, garbage)
    encrypted = tmp_path / "encrypted.key"
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
    )
    with pytest.raises(ConfigError, match="not an unencrypted PEM private key"):
        Identity.load(encrypted, cert_path)


def test_identity_paths_checks_the_name(fed_path: Path) -> None:
    with pytest.raises(ConfigError, match="party name"):
        identity_paths(fed_path, "../etc")


# -- init refusals ---------------------------------------------------------------------------


def test_init_refuses_duplicate_parties(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unique; repeated: bank"):
        init_federation(["bank", "platform", "bank"], tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("parties", [[], ["bank"]])
def test_init_refuses_fewer_than_two_parties(tmp_path: Path, parties: list[str]) -> None:
    with pytest.raises(ConfigError, match="at least 2 parties"):
        init_federation(parties, tmp_path)


def test_init_refuses_bad_names(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'Bank'"):
        init_federation(["Bank", "platform"], tmp_path)
    with pytest.raises(ConfigError, match="not one string"):
        init_federation("bank", tmp_path)
    with pytest.raises(ConfigError, match="federation name"):
        init_federation(["bank", "platform"], tmp_path, name="")


def test_init_refuses_bad_ports(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="2 ports for 3 parties"):
        init_federation(PARTIES, tmp_path, ports=[1, 2])
    with pytest.raises(ConfigError, match="distinct"):
        init_federation(["bank", "platform"], tmp_path, ports=[5000, 5000])
    with pytest.raises(ConfigError, match=r"port in 1\.\.65535"):
        init_federation(["bank", "platform"], tmp_path, base_port=65535)
    with pytest.raises(ConfigError, match=r"port in 1\.\.65535"):
        init_federation(["bank", "platform"], tmp_path, ports=[0, 1])
    with pytest.raises(ConfigError, match="host:port"):
        init_federation(["bank", "platform"], tmp_path, host="")
    assert list(tmp_path.iterdir()) == []


def test_init_refuses_existing_files_unless_overwrite(fed_path: Path) -> None:
    folder = fed_path.parent
    before = Federation.load(fed_path)
    with pytest.raises(ConfigError, match=r"refusing to overwrite existing files.*bank\.key"):
        init_federation(PARTIES, folder)
    assert Federation.load(fed_path) == before
    init_federation(PARTIES, folder, overwrite=True)
    after = Federation.load(fed_path)
    for party in PARTIES:
        assert after.parties[party].fingerprint != before.parties[party].fingerprint
        key_path = identity_paths(fed_path, party)[0]
        assert stat.S_IMODE(key_path.stat().st_mode) == 0o600


def test_init_refuses_one_existing_key(tmp_path: Path) -> None:
    (tmp_path / "platform.key").write_text("mine")
    with pytest.raises(ConfigError, match=r"platform\.key"):
        init_federation(["bank", "platform"], tmp_path)
    assert (tmp_path / "platform.key").read_text() == "mine"
    assert not (tmp_path / "bank.key").exists()


def test_init_cannot_write(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigError, match="cannot write the federation"):
        init_federation(["bank", "platform"], blocker / "fed")


# -- load refusals ---------------------------------------------------------------------------


def test_load_missing_file(tmp_path: Path) -> None:
    assert "does not exist" in _load_error(tmp_path / "missing.yaml")


def test_load_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / FEDERATION_FILE
    path.write_text("federation: demo\nparties: [\n")
    assert "not valid YAML" in _load_error(path)


def test_load_empty_file(tmp_path: Path) -> None:
    path = tmp_path / FEDERATION_FILE
    path.write_text("# nothing\n")
    assert "is empty" in _load_error(path)


def test_load_duplicate_yaml_key(fed_path: Path) -> None:
    text = fed_path.read_text()
    fed_path.write_text(text + "  bank: {address: '127.0.0.1:6000', certificate: bank.crt}\n")
    assert "duplicate key 'bank'" in _load_error(fed_path)


def test_load_schema_missing_field(fed_path: Path) -> None:
    config = _config(fed_path)
    del config["parties"]["platform"]["address"]
    message = _load_error(_write(fed_path, config))
    assert "invalid" in message
    assert "parties.platform.address: Field required" in message


def test_load_schema_unknown_field(fed_path: Path) -> None:
    config = _config(fed_path)
    config["parties"]["bank"]["port"] = 1
    assert "parties.bank.port: Extra inputs are not permitted" in _load_error(
        _write(fed_path, config)
    )


def test_load_schema_wrong_types(fed_path: Path) -> None:
    assert "top level" in _load_error(_write(fed_path, ["bank", "platform"]))
    assert "federation: Field required" in _load_error(_write(fed_path, {"parties": {}}))
    config = _config(fed_path)
    config["parties"] = ["bank", "platform"]
    assert "parties: Input should be a valid dictionary" in _load_error(_write(fed_path, config))


def test_load_fewer_than_two_parties(fed_path: Path) -> None:
    config = _config(fed_path)
    config["parties"] = {"bank": config["parties"]["bank"]}
    assert "at least 2 parties, this one has 1" in _load_error(_write(fed_path, config))


def test_load_bad_party_name(fed_path: Path) -> None:
    config = _config(fed_path)
    config["parties"]["Bank"] = config["parties"].pop("bank")
    message = _load_error(_write(fed_path, config))
    assert "party name 'Bank'" in message


def test_load_missing_certificate(fed_path: Path) -> None:
    (fed_path.parent / "dealer.crt").unlink()
    message = _load_error(fed_path)
    assert "party 'dealer'" in message
    assert "dealer.crt does not exist" in message


def test_load_unreadable_certificate(fed_path: Path) -> None:
    cert_path = fed_path.parent / "dealer.crt"
    cert_path.unlink()
    cert_path.mkdir()
    message = _load_error(fed_path)
    assert "dealer.crt cannot be read" in message


def test_load_not_a_certificate(fed_path: Path) -> None:
    key_path, _ = identity_paths(fed_path, "platform")
    config = _config(fed_path)
    config["parties"]["platform"]["certificate"] = key_path.name
    message = _load_error(_write(fed_path, config))
    assert "party 'platform'" in message
    assert "not a PEM X.509 certificate" in message


def test_load_several_certificates_in_one_file(fed_path: Path) -> None:
    cert_path = identity_paths(fed_path, "bank")[1]
    cert_path.write_bytes(cert_path.read_bytes() + generate_identity("other")[1])
    assert "holds 2 certificates" in _load_error(fed_path)


def test_load_certificate_of_another_name(fed_path: Path) -> None:
    other = fed_path.parent / "other.crt"
    other.write_bytes(generate_identity("other")[1])
    config = _config(fed_path)
    config["parties"]["bank"]["certificate"] = "other.crt"
    message = _load_error(_write(fed_path, config))
    assert "made for 'other' (subject CN), not for 'bank'" in message


def test_load_same_certificate_twice(fed_path: Path) -> None:
    config = _config(fed_path)
    config["parties"]["platform"]["certificate"] = "bank.crt"
    message = _load_error(_write(fed_path, config))
    assert "'bank' and 'platform' pin the same certificate" in message


def test_load_same_address_twice(fed_path: Path) -> None:
    config = _config(fed_path)
    config["parties"]["dealer"]["address"] = config["parties"]["bank"]["address"]
    assert "same address" in _load_error(_write(fed_path, config))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.0.0.1:",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:-1",
        "127.0.0.1:http",
        ":50051",
        "::1:50051",
        "[::1:50051",
        "[]:50051",
        "bank host:50051",
        "127.0.0.1:\uff15\uff10",  # full-width digits
    ],
)
def test_load_bad_address(fed_path: Path, address: str) -> None:
    config = _config(fed_path)
    config["parties"]["platform"]["address"] = address
    message = _load_error(_write(fed_path, config))
    assert "party 'platform'" in message
    assert "must be host:port with a port in 1..65535" in message


@pytest.mark.parametrize("address", ["localhost:1", "[::1]:65535", "10.0.0.7:50051", "a.b:443"])
def test_load_good_address(fed_path: Path, address: str) -> None:
    config = _config(fed_path)
    config["parties"]["platform"]["address"] = address
    assert Federation.load(_write(fed_path, config)).address("platform") == address


def test_load_absolute_certificate_path(fed_path: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / "bank.crt"
    os.replace(fed_path.parent / "bank.crt", target)
    config = _config(fed_path)
    config["parties"]["bank"]["certificate"] = str(target)
    federation = Federation.load(_write(fed_path, config))
    assert federation.identify(target.read_bytes()) == "bank"


def _ca_certificate(party: str) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
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
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(party)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_load_refuses_ca_certificate(fed_path: Path) -> None:
    identity_paths(fed_path, "bank")[1].write_bytes(_ca_certificate("bank"))
    assert "is a CA certificate" in _load_error(fed_path)


def test_load_refuses_certificate_without_san(fed_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bank")])
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
    identity_paths(fed_path, "bank")[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    assert "no SubjectAlternativeName DNS entry 'bank'" in _load_error(fed_path)


def test_load_refuses_bad_federation_name(fed_path: Path) -> None:
    config = _config(fed_path)
    config["federation"] = ""
    assert "federation:" in _load_error(_write(fed_path, config))
    config["federation"] = " demo"
    assert "federation name" in _load_error(_write(fed_path, config))
