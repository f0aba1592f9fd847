"""The errors of trusted execution, under :class:`~confide.errors.ConfideError`::

    ConfideError
    ├── SealedFileError       a sealed dataset that is damaged, altered, truncated or not ours
    ├── EnvelopeError         an encrypted key or output that does not open with this key
    ├── AttestationError      a report whose signature, platform or fields do not verify
    ├── KeyReleaseRefused     a data provider's node refuses to release a dataset key
    └── EnclaveError          the enclave process failed, timed out or refused a request

Messages name files, datasets, jobs and checks, never data values: they may reach the enclave
host and the other parties.
"""

from __future__ import annotations

from confide.errors import ConfideError

__all__ = [
    "AttestationError",
    "EnclaveError",
    "EnvelopeError",
    "KeyReleaseRefused",
    "SealedFileError",
]


class SealedFileError(ConfideError):
    """A sealed dataset cannot be opened: altered, truncated, of another dataset, or a wrong key."""


class EnvelopeError(ConfideError):
    """An envelope that does not open with this key, context and info (altered or not ours)."""


class AttestationError(ConfideError):
    """An attestation report does not verify (signature, pinned platform, fields)."""


class KeyReleaseRefused(ConfideError):
    """A dataset key is not released; the message says which check failed."""


class EnclaveError(ConfideError):
    """The enclave failed a request, went away or did not answer before its deadline."""
