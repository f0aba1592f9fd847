"""The exception tree of Confide.

Every error Confide raises on purpose is a ``ConfideError``. Errors from gRPC, cryptography and
I/O are translated at the boundary (``raise ... from exc``) so callers catch one family::

    ConfideError
    ├── ConfigError            bad federation config, certificates, parameters
    ├── WireError              the typed wire format
    │   ├── EncodeError        a value that cannot cross the wire (also a TypeError)
    │   └── DecodeError        bytes that are not a valid message
    ├── LinkError              talking to another party
    │   ├── PeerTimeout        a receive passed its deadline
    │   ├── PeerUnavailable    a peer cannot be reached, or went away
    │   ├── PeerAborted        a peer gave up on the job and said why
    │   └── AuthenticationError a peer whose certificate is not pinned
    ├── ProtocolError          a peer sent something the protocol does not allow
    └── PartyFailed            one or more parties of a run raised (``simulate``, ``launch``)
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "AuthenticationError",
    "ConfideError",
    "ConfigError",
    "DecodeError",
    "EncodeError",
    "LinkError",
    "PartyFailed",
    "PeerAborted",
    "PeerTimeout",
    "PeerUnavailable",
    "ProtocolError",
    "WireError",
]


class ConfideError(Exception):
    """Root of every error Confide raises on purpose."""


class ConfigError(ConfideError, ValueError):
    """A configuration, certificate or parameter is missing or invalid."""


class WireError(ConfideError):
    """A value could not be encoded to, or decoded from, the wire format."""


class EncodeError(WireError, TypeError):
    """The value (or something inside it) has a type the wire format does not carry."""


class DecodeError(WireError, ValueError):
    """The bytes are not a valid wire message (truncated, malformed or oversized)."""


class LinkError(ConfideError):
    """Sending to or receiving from another party failed."""

    def __init__(self, peer: str, message: str) -> None:
        super().__init__(f"peer {peer!r}: {message}")
        self.peer = peer


class PeerTimeout(LinkError):
    """No message with the expected tag arrived from ``peer`` before the deadline."""

    def __init__(self, peer: str, tag: str, timeout: float) -> None:
        super().__init__(peer, f"no message {tag!r} within {timeout:g} s")
        self.tag = tag
        self.timeout = timeout


class PeerUnavailable(LinkError):
    """``peer`` could not be reached before the deadline, or its connection went away."""


class PeerAborted(LinkError):
    """``peer`` aborted the job; ``reason`` is what it said."""

    def __init__(self, peer: str, reason: str) -> None:
        super().__init__(peer, f"aborted the job: {reason}")
        self.reason = reason


class AuthenticationError(LinkError):
    """A connection presented a certificate that the federation does not pin."""


class ProtocolError(ConfideError):
    """A peer sent a value the protocol does not allow (wrong type, shape or schema)."""


class PartyFailed(ConfideError):
    """One or more parties of a run raised; ``errors`` maps each failed party to its error text."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        lines = "; ".join(f"{party}: {text}" for party, text in sorted(errors.items()))
        super().__init__(f"{len(errors)} part{'y' if len(errors) == 1 else 'ies'} failed: {lines}")
        self.errors = dict(errors)
