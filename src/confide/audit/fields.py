"""Checks of the fields that audit entries and chain heads share: hashes, sequence numbers, names.

Each check returns the value when it is well formed and raises
:class:`~confide.errors.ConfigError` otherwise, with a message that starts with ``where``.
"""

from __future__ import annotations

import base64
import binascii
import re

from confide.errors import ConfigError
from confide.net.certs import validate_party_name
from confide.params import MAX_NAME_LENGTH

__all__ = [
    "HASH_HEX_LENGTH",
    "MAX_SIGNATURE_BYTES",
    "check_hash",
    "check_job_id",
    "check_party",
    "check_seq",
    "decode_signature",
    "encode_signature",
]

#: A SHA-256 digest in lowercase hex.
HASH_HEX_LENGTH = 64

#: Longest DER-encoded ECDSA P-256 signature: SEQUENCE of two INTEGERs of at most 33 bytes each.
MAX_SIGNATURE_BYTES = 72

_HASH = re.compile(r"[0-9a-f]{64}")
_JOB_ID = re.compile(r"[A-Za-z0-9_.-]+")


def check_hash(value: object, where: str) -> str:
    """A SHA-256 digest as 64 lowercase hex digits."""
    if not isinstance(value, str) or _HASH.fullmatch(value) is None:
        raise ConfigError(f"{where}: {value!r} is not a SHA-256 hash in lowercase hex")
    return value


def check_seq(value: object, where: str) -> int:
    """A sequence number: an int from 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{where}: {value!r} is not a sequence number (an integer >= 0)")
    return value


def check_job_id(value: object, where: str) -> str:
    """A job id: 1..MAX_NAME_LENGTH letters, digits, ``_``, ``.`` or ``-`` (as in a context)."""
    if (
        not isinstance(value, str)
        or len(value) > MAX_NAME_LENGTH
        or _JOB_ID.fullmatch(value) is None
    ):
        raise ConfigError(
            f"{where}: {value!r} is not a job id "
            f"(1..{MAX_NAME_LENGTH} letters, digits, '_', '.' or '-')"
        )
    return value


def check_party(value: object, where: str) -> str:
    """A party name, as :func:`~confide.net.certs.validate_party_name` defines it."""
    try:
        return validate_party_name(value)  # type: ignore[arg-type]  # it checks the type itself
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def encode_signature(signature: bytes) -> str:
    """A signature as standard base64 with padding."""
    return base64.b64encode(signature).decode("ascii")


def decode_signature(value: object, where: str) -> bytes:
    """The bytes of a base64 signature of plausible length for ECDSA P-256."""
    if not isinstance(value, str):
        raise ConfigError(f"{where}: a signature must be a base64 string")
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ConfigError(f"{where}: the signature is not valid base64") from None
    if not 8 <= len(raw) <= MAX_SIGNATURE_BYTES:
        raise ConfigError(f"{where}: a {len(raw)}-byte signature is not an ECDSA P-256 signature")
    return raw
