"""The federation config: who the parties are, where they listen, which certificate each one has.

A federation is described by one YAML file, the same for every party::

    federation: demo            # a name
    parties:
      bank:
        address: 127.0.0.1:50051
        certificate: bank.crt   # relative to this file's folder (absolute paths allowed)
      platform: {address: 127.0.0.1:50052, certificate: platform.crt}

Every party's certificate is pinned: the TLS trust bundle is the concatenation of the pinned
certificates (:meth:`Federation.trust_bundle`), and a receiver names a sender by the exact
certificate it presented (:meth:`Federation.identify`). Each party additionally holds its own
private key (:class:`Identity`), which never appears in the config.

The file is validated at the edge (pydantic models, then checks that need the certificates) and
turned into frozen dataclasses; every problem is a :class:`~confide.errors.ConfigError` that
names the file and says what is wrong. :func:`init_federation` creates keys, certificates and
the config for a set of parties in one folder, for local runs and demos.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import (
    BasicConstraints,
    Certificate,
    DNSName,
    ExtensionNotFound,
    SubjectAlternativeName,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from confide.errors import ConfigError
from confide.net.certs import (
    certificate_party,
    fingerprint,
    generate_identity,
    load_certificate,
    validate_party_name,
)
from confide.params import MAX_NAME_LENGTH

__all__ = [
    "FEDERATION_FILE",
    "Federation",
    "Identity",
    "PartyInfo",
    "identity_paths",
    "init_federation",
]

#: Name of the config file :func:`init_federation` writes.
FEDERATION_FILE = "federation.yaml"

_PEM_CERT_BEGIN = b"-----BEGIN CERTIFICATE-----"


# -- the file format (pydantic, at the edge) -------------------------------------------------


class _PartyModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str = Field(min_length=1)
    certificate: str = Field(min_length=1)


class _FederationModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    federation: str = Field(min_length=1, max_length=MAX_NAME_LENGTH)
    parties: dict[str, _PartyModel]


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a mapping with the same key twice (e.g. two ``bank:``)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict | set):
            continue  # unhashable; the default constructor reports it
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)


def _describe_validation_error(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "top level"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


# -- checks shared by loading and creating ---------------------------------------------------


def _check_address(address: str) -> str:
    """Return ``address`` if it is ``host:port`` with a port in 1..65535, else raise."""
    problem = f"address {address!r} must be host:port with a port in 1..65535"
    host, sep, port = address.rpartition(":")
    if not sep or not host or any(c.isspace() for c in address):
        raise ConfigError(problem)
    if host.startswith("["):
        if not host.endswith("]") or len(host) < 3:
            raise ConfigError(problem)
    elif ":" in host or "]" in host:
        raise ConfigError(f"{problem} (write an IPv6 host in brackets, e.g. [::1]:50051)")
    if not (port.isascii() and port.isdigit() and len(port) <= 5 and 1 <= int(port) <= 65535):
        raise ConfigError(problem)
    return address


def _check_federation_name(name: str) -> str:
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise ConfigError(f"a federation name must be 1 to {MAX_NAME_LENGTH} characters long")
    if not name.isprintable() or name != name.strip():
        raise ConfigError(
            f"federation name {name!r} must be printable, without leading or trailing spaces"
        )
    return name


def _is_ca(cert: Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(BasicConstraints).value.ca)
    except ExtensionNotFound:
        return False


def _san_dns_names(cert: Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(SubjectAlternativeName).value
    except ExtensionNotFound:
        return []
    return san.get_values_for_type(DNSName)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"{what} {path} cannot be read: {exc.strerror or exc}") from exc


# -- the federation --------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyInfo:
    """One party of a federation: its name, the address it listens on, its pinned certificate."""

    name: str
    address: str
    cert_pem: bytes
    fingerprint: str


@dataclass(frozen=True)
class Federation:
    """The parties of a federation, in the order of the config file, with pinned certificates."""

    name: str
    parties: Mapping[str, PartyInfo]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Federation:
        """Read and check a ``federation.yaml``; :class:`ConfigError` naming the file if bad."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"federation config {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"federation config {path} cannot be read: {exc}") from exc
        try:
            raw = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
        except yaml.YAMLError as exc:
            raise ConfigError(f"federation config {path} is not valid YAML: {exc}") from exc
        if raw is None:
            raise ConfigError(f"federation config {path} is empty")
        try:
            model = _FederationModel.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(
                f"federation config {path} is invalid: {_describe_validation_error(exc)}"
            ) from exc
        try:
            return cls._from_model(model, path.parent)
        except ConfigError as exc:
            raise ConfigError(f"federation config {path}: {exc}") from exc

    @classmethod
    def _from_model(cls, model: _FederationModel, folder: Path) -> Federation:
        _check_federation_name(model.federation)
        if len(model.parties) < 2:
            raise ConfigError(
                f"a federation needs at least 2 parties, this one has {len(model.parties)}"
            )
        parties: dict[str, PartyInfo] = {}
        pinned: dict[str, str] = {}  # fingerprint -> party
        addresses: dict[str, str] = {}  # address -> party
        for name, entry in model.parties.items():
            validate_party_name(name)
            try:
                _check_address(entry.address)
            except ConfigError as exc:
                raise ConfigError(f"party {name!r}: {exc}") from None
            if entry.address in addresses:
                raise ConfigError(
                    f"parties {addresses[entry.address]!r} and {name!r} have the same address "
                    f"{entry.address}; each party needs its own"
                )
            addresses[entry.address] = name
            info = _pin_certificate(name, entry.address, folder / entry.certificate)
            if info.fingerprint in pinned:
                raise ConfigError(
                    f"parties {pinned[info.fingerprint]!r} and {name!r} pin the same certificate "
                    f"(sha256 {info.fingerprint}); each party needs its own"
                )
            pinned[info.fingerprint] = name
            cert_party = certificate_party(info.cert_pem)
            if cert_party != name:
                raise ConfigError(
                    f"party {name!r}: its certificate {folder / entry.certificate} was made "
                    f"for {cert_party!r} (subject CN), not for {name!r}"
                )
            parties[name] = info
        return cls(name=model.federation, parties=parties)

    def trust_bundle(self) -> bytes:
        """All pinned certificates, concatenated (PEM): the TLS roots of every party."""
        return b"".join(info.cert_pem for info in self.parties.values())

    def identify(self, cert_pem: bytes) -> str | None:
        """The party pinned with exactly this certificate, else ``None`` (also for garbage)."""
        try:
            presented = fingerprint(cert_pem)
        except ConfigError:
            return None
        for info in self.parties.values():
            if secrets.compare_digest(info.fingerprint, presented):
                return info.name
        return None

    def address(self, party: str) -> str:
        """The ``host:port`` ``party`` listens on; :class:`ConfigError` if it is not a party."""
        info = self.parties.get(party)
        if info is None:
            raise ConfigError(
                f"{party!r} is not a party of federation {self.name!r} "
                f"(parties: {', '.join(self.parties)})"
            )
        return info.address


def _pin_certificate(party: str, address: str, cert_path: Path) -> PartyInfo:
    """Read, check and normalise the certificate pinned for ``party``."""
    data = _read(cert_path, f"party {party!r}: certificate file")
    count = data.count(_PEM_CERT_BEGIN)
    if count > 1:
        raise ConfigError(
            f"party {party!r}: certificate file {cert_path} holds {count} certificates; "
            "pin exactly one"
        )
    try:
        cert = load_certificate(data)
    except ConfigError as exc:
        raise ConfigError(f"party {party!r}: certificate file {cert_path}: {exc}") from None
    if _is_ca(cert):
        raise ConfigError(
            f"party {party!r}: certificate {cert_path} is a CA certificate (BasicConstraints "
            "CA=True); a party certificate must not be able to sign for other names"
        )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_party = certificate_party(cert_pem)
    if cert_party == party and party not in _san_dns_names(cert):
        raise ConfigError(
            f"party {party!r}: certificate {cert_path} has no SubjectAlternativeName DNS entry "
            f"{party!r}; TLS checks the party name against it"
        )
    return PartyInfo(
        name=party, address=address, cert_pem=cert_pem, fingerprint=fingerprint(cert_pem)
    )


# -- one party's own key ---------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """One party's private key and certificate: what it proves itself with in TLS."""

    party: str
    key_pem: bytes = field(repr=False)
    cert_pem: bytes

    @classmethod
    def load(cls, key_path: str | os.PathLike[str], cert_path: str | os.PathLike[str]) -> Identity:
        """Read a key and its certificate; :class:`ConfigError` if missing or not a pair."""
        key_path, cert_path = Path(key_path), Path(cert_path)
        key_data = _read(key_path, "key file")
        cert_data = _read(cert_path, "certificate file")
        try:
            key = serialization.load_pem_private_key(key_data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise ConfigError(
                f"key file {key_path} is not an unencrypted PEM private key: {exc}"
            ) from None
        try:
            cert = load_certificate(cert_data)
        except ConfigError as exc:
            raise ConfigError(f"certificate file {cert_path}: {exc}") from None
        spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if key.public_key().public_bytes(*spki) != cert.public_key().public_bytes(*spki):
            raise ConfigError(f"key file {key_path} does not match certificate {cert_path}")
        cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        try:
            party = validate_party_name(certificate_party(cert_pem))
        except ConfigError as exc:
            raise ConfigError(f"certificate file {cert_path}: {exc}") from None
        key_pem = key.private_bytes(
            encoding=serialization.Encoding.PEM,
            format=serialization.PrivateFormat.PKCS8,
            encryption_algorithm=serialization.NoEncryption(),
        )
        return cls(party=party, key_pem=key_pem, cert_pem=cert_pem)


# -- creating a federation -------------------------------------------------------------------


def identity_paths(federation_yaml: str | os.PathLike[str], party: str) -> tuple[Path, Path]:
    """Where :func:`init_federation` put ``party``'s key and certificate: ``(key, cert)``."""
    folder = Path(federation_yaml).parent
    validate_party_name(party)
    return folder / f"{party}.key", folder / f"{party}.crt"


def _format_address(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def _write_file(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` atomically, creating it with permissions ``mode``."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def init_federation(
    parties: Sequence[str],
    out_dir: str | os.PathLike[str],
    *,
    host: str = "127.0.0.1",
    ports: Sequence[int] | None = None,
    base_port: int = 50051,
    name: str = "confide",
    overwrite: bool = False,
) -> Path:
    """Create a key, a certificate and the config for ``parties`` in ``out_dir``.

    Writes ``<party>.key`` (mode 0600), ``<party>.crt`` and ``federation.yaml`` (with
    certificate paths relative to ``out_dir``) and returns the path of the YAML. Party ``i``
    listens on ``host:ports[i]``, or ``host:base_port + i`` when ``ports`` is not given.
    Refuses existing files unless ``overwrite``.
    """
    if isinstance(parties, str):
        raise ConfigError("parties must be a sequence of party names, not one string")
    parties = list(parties)
    for party in parties:
        validate_party_name(party)
    duplicates = sorted({p for p in parties if parties.count(p) > 1})
    if duplicates:
        raise ConfigError(f"party names must be unique; repeated: {', '.join(duplicates)}")
    if len(parties) < 2:
        raise ConfigError(f"a federation needs at least 2 parties, got {len(parties)}")
    _check_federation_name(name)
    if ports is None:
        port_list = [base_port + i for i in range(len(parties))]
    else:
        port_list = list(ports)
        if len(port_list) != len(parties):
            raise ConfigError(
                f"got {len(port_list)} ports for {len(parties)} parties; give one per party"
            )
    if len(set(port_list)) != len(port_list):
        raise ConfigError(f"ports must be distinct, got {port_list}")
    addresses = [_check_address(_format_address(host, port)) for port in port_list]

    out = Path(out_dir)
    yaml_path = out / FEDERATION_FILE
    targets = [yaml_path]
    for party in parties:
        targets.extend(identity_paths(yaml_path, party))
    existing = [str(t) for t in targets if t.exists() or t.is_symlink()]
    if existing and not overwrite:
        raise ConfigError(
            f"refusing to overwrite existing files (pass overwrite=True): {', '.join(existing)}"
        )

    config: dict[str, Any] = {"federation": name, "parties": {}}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for party, address in zip(parties, addresses, strict=True):
            key_path, cert_path = identity_paths(yaml_path, party)
            key_pem, cert_pem = generate_identity(party)
            _write_file(key_path, key_pem, 0o600)
            _write_file(cert_path, cert_pem, 0o644)
            config["parties"][party] = {"address": address, "certificate": cert_path.name}
        header = (
            f"# Confide federation {name!r}: every party's address and pinned certificate.\n"
            "# The same file for every party; each party keeps only its own <party>.key.\n"
        )
        text = header + yaml.safe_dump(config, sort_keys=False, default_flow_style=False)
        _write_file(yaml_path, text.encode("utf-8"), 0o644)
    except OSError as exc:
        raise ConfigError(f"cannot write the federation to {out}: {exc}") from exc
    return yaml_path
