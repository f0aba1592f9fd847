"""A node's configuration file: who it is, where its state lives, where it listens.

One YAML file per node; relative paths are relative to the file's folder::

    party: bank                          # this node's party name (its certificate's)
    federation: federation.yaml          # the federation config (confide.net.federation)
    identity:
      key: bank.key                      # this party's private key (PEM)
      certificate: bank.crt              # and its certificate
    state_dir: /var/lib/confide          # the node's own files (mode 0700)
    database_url: postgresql+psycopg://confide@db.internal/confide   # optional; default:
                                         #   sqlite:///<state_dir>/node.db
    admin:                               # optional: the local admin HTTP API
      host: 127.0.0.1                    #   loopback only (127.0.0.0/8, ::1 or localhost)
      port: 7380                         #   default 7380
      token_file: admin.token            #   default <state_dir>/admin.token; created (0600)
    peer:
      listen: 0.0.0.0:50051              # where the peer gRPC service listens
    tee:                                 # optional: enclave (TEE) jobs (confide.tee)
      enclave:                           #   at an enclave host: what it runs
        image: enclave-image             #     a built image (confide tee build-image)
        platform: platform               #     the simulated platform's folder (its quoting key)
      platform_keys: [platform.pub]      #   at a data provider: the pinned quoting public keys
      receiver_keys:                     #   at a data provider: each receiver's public output
        bank: bank-output.pub            #     key (confide tee keygen), handed to the enclave
      output_key: bank-output.key        #   at a result receiver: its private output key
      keep_ciphertexts: false            #   at an enclave host: keep each job's ciphertexts
                                         #     (<state_dir>/tee/<job>) after it ends; default
                                         #     false: the folder is deleted when the job ends

Unknown and missing keys are errors (:class:`~confide.errors.ConfigError` naming the file and
the key). The admin API is never exposed beyond the machine: a host that is not loopback is
refused. Its bearer token is read from ``token_file``, which is created with 32 random bytes
(``secrets.token_urlsafe``) and mode 0600 when missing, and refused when others may read it.

The ``tee`` section is read into a :class:`TeeConfig` of absolute paths; the keys and the image
are opened when the daemon starts (:mod:`confide.node.tee`), so a key that cannot be read stops
the node at start, not in the middle of a job. A config without ``tee`` is valid: such a node
refuses every enclave job that needs something of it (an enclave, pinned keys, an output key).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from confide.errors import ConfigError
from confide.net.certs import validate_party_name
from confide.net.federation import Federation, Identity
from confide.node.db import normalize_url
from confide.policy.yamlio import parse_model, read_text

__all__ = [
    "DEFAULT_ADMIN_PORT",
    "TOKEN_BYTES",
    "NodeConfig",
    "TeeConfig",
    "default_database_url",
    "load_config",
    "read_or_create_token",
]

#: The admin API's port when the config gives none.
DEFAULT_ADMIN_PORT = 7380

#: Random bytes in a new admin token: 256 bits, beyond guessing.
TOKEN_BYTES = 32

_LOCALHOST = "localhost"


# -- the file format (pydantic, at the edge) ---------------------------------------------------


class _IdentityModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1)
    certificate: str = Field(min_length=1)


class _AdminModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: StrictInt = Field(default=DEFAULT_ADMIN_PORT, ge=1, le=65535)
    token_file: str | None = Field(default=None, min_length=1)


class _PeerModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    listen: str = Field(min_length=1)


class _EnclaveModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    image: str = Field(min_length=1)
    platform: str = Field(min_length=1)


class _TeeModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enclave: _EnclaveModel | None = None
    platform_keys: list[Annotated[str, Field(min_length=1)]] = []
    receiver_keys: dict[str, Annotated[str, Field(min_length=1)]] = {}
    output_key: str | None = Field(default=None, min_length=1)
    keep_ciphertexts: StrictBool = False


class _NodeModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    party: str
    federation: str = Field(min_length=1)
    identity: _IdentityModel
    state_dir: str = Field(min_length=1)
    database_url: str | None = Field(default=None, min_length=1)
    admin: _AdminModel = _AdminModel()
    peer: _PeerModel
    tee: _TeeModel = _TeeModel()


# -- checks -------------------------------------------------------------------------------------


def _check_loopback(host: str) -> str:
    if host == _LOCALHOST:
        return host
    try:
        loopback = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ConfigError(
            f"admin.host {host!r} is not a loopback address: the admin API only listens on "
            "127.0.0.1, ::1 or localhost (reach it from elsewhere through an SSH tunnel)"
        )
    return host


def _check_listen(address: str) -> str:
    host, sep, port = address.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigError(
            f"peer.listen {address!r} must be HOST:PORT with a port in 1..65535 "
            "(an IPv6 host in brackets)"
        )
    return address


def default_database_url(state_dir: str | os.PathLike[str]) -> str:
    """``sqlite:///<state_dir>/node.db``, with ``state_dir`` made absolute."""
    return f"sqlite:///{Path(state_dir).expanduser().resolve() / 'node.db'}"


# -- the admin token ----------------------------------------------------------------------------


def _read_token(path: Path) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"admin token file {path} cannot be read: {exc}") from exc
    if mode & 0o077:
        raise ConfigError(
            f"admin token file {path} may be read by other users (mode {mode & 0o777:o}); "
            f"make it private: chmod 600 {path}"
        )
    if not text:
        raise ConfigError(f"admin token file {path} is empty")
    return text


def read_or_create_token(path: str | os.PathLike[str]) -> str:
    """The admin token in ``path``; a new random one (mode 0600) if the file does not exist.

    Creation is atomic: the token is written to a private temporary file, which is then linked
    into place, so a concurrent reader never sees a half-written token, and of two creators the
    second reads the first's token.
    """
    path = Path(path)
    if path.exists():
        return _read_token(path)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(token + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return _read_token(path)
    except OSError as exc:
        raise ConfigError(f"admin token file {path} cannot be created: {exc.strerror}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return token


# -- the config ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeeConfig:
    """The node's part in enclave jobs (the ``tee`` section), every path absolute.

    ``enclave_image`` and ``enclave_platform`` (both or neither): this node hosts enclaves.
    ``platform_keys``: quoting public keys this node trusts (a data provider's pins).
    ``receiver_keys``: receiver party -> its public output key file (a data provider's pins).
    ``output_key``: this node's private output key (a result receiver's).
    ``keep_ciphertexts``: an enclave host keeps a job's folder of ciphertexts (sealed inputs,
    wrapped keys, sealed outputs) after the job ends, for inspection; by default it deletes it.
    """

    enclave_image: Path | None = None
    enclave_platform: Path | None = None
    platform_keys: tuple[Path, ...] = ()
    receiver_keys: Mapping[str, Path] = field(default_factory=dict)
    output_key: Path | None = None
    keep_ciphertexts: bool = False

    def __post_init__(self) -> None:
        if (self.enclave_image is None) != (self.enclave_platform is None):
            raise ConfigError("tee.enclave needs both image and platform")
        for receiver in self.receiver_keys:
            validate_party_name(receiver)


@dataclass(frozen=True)
class NodeConfig:
    """A node's checked configuration, every path absolute (see the module docstring)."""

    party: str
    federation_file: Path
    key_file: Path
    cert_file: Path
    state_dir: Path
    database_url: str = field(repr=False)
    admin_host: str
    admin_port: int
    admin_token_file: Path
    peer_listen: str
    tee: TeeConfig = field(default_factory=TeeConfig)

    def __post_init__(self) -> None:
        validate_party_name(self.party)
        _check_loopback(self.admin_host)
        if not 1 <= self.admin_port <= 65535:
            raise ConfigError(f"admin.port {self.admin_port} is not in 1..65535")
        _check_listen(self.peer_listen)
        normalize_url(self.database_url)

    def ensure_state_dir(self) -> Path:
        """Create the state folder (mode 0700) if it is missing; return it."""
        try:
            self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"state folder {self.state_dir} cannot be created: {exc.strerror}"
            ) from exc
        return self.state_dir

    def admin_token(self) -> str:
        """The admin API's bearer token, created on first use (:func:`read_or_create_token`)."""
        return read_or_create_token(self.admin_token_file)

    def load_federation(self) -> Federation:
        """The federation this node belongs to; it must list this node's party."""
        federation = Federation.load(self.federation_file)
        if self.party not in federation.parties:
            raise ConfigError(f"the federation {self.federation_file} has no party {self.party!r}")
        return federation

    def load_identity(self) -> Identity:
        """This node's key and certificate; the certificate must be this node's party's."""
        identity = Identity.load(self.key_file, self.cert_file)
        if identity.party != self.party:
            raise ConfigError(
                f"certificate {self.cert_file} belongs to party {identity.party!r}, not to "
                f"this node's party {self.party!r}"
            )
        return identity


def _tee_config(model: _TeeModel, resolve: Callable[[str], Path]) -> TeeConfig:
    enclave = model.enclave
    return TeeConfig(
        enclave_image=None if enclave is None else resolve(enclave.image),
        enclave_platform=None if enclave is None else resolve(enclave.platform),
        platform_keys=tuple(resolve(p) for p in model.platform_keys),
        receiver_keys={party: resolve(p) for party, p in model.receiver_keys.items()},
        output_key=None if model.output_key is None else resolve(model.output_key),
        keep_ciphertexts=model.keep_ciphertexts,
    )


def load_config(path: str | os.PathLike[str]) -> NodeConfig:
    """Read and check a node config file; every error names the file."""
    path = Path(path).expanduser().resolve()
    source = f"node config {path}"
    model = parse_model(read_text(path, "node config"), _NodeModel, source)
    folder = path.parent

    def resolve(value: str) -> Path:
        return (folder / Path(value).expanduser()).resolve()

    state_dir = resolve(model.state_dir)
    token_file = model.admin.token_file
    token_path = state_dir / "admin.token" if token_file is None else resolve(token_file)
    try:
        return NodeConfig(
            party=model.party,
            federation_file=resolve(model.federation),
            key_file=resolve(model.identity.key),
            cert_file=resolve(model.identity.certificate),
            state_dir=state_dir,
            database_url=model.database_url or default_database_url(state_dir),
            admin_host=model.admin.host,
            admin_port=model.admin.port,
            admin_token_file=token_path,
            peer_listen=model.peer.listen,
            tee=_tee_config(model.tee, resolve),
        )
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
