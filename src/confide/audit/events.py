"""What the audit log records: the event types and the payload each one must carry.

=====================  =====================================================================
event                  required payload fields (more are allowed)
=====================  =====================================================================
``proposed``           ``spec_hash`` (hex SHA-256 of the job spec), ``initiator`` (party)
``approved``           ``spec_hash``, ``by`` (the party whose approval this is)
``refused``            ``reason`` (text), ``by`` (the refusing party)
``started``            (none)
``dataset_read``       ``dataset`` (name), ``columns`` (list of names), ``rows`` (int >= 0)
``bytes_exchanged``    ``sent`` and ``received``: {peer: bytes (int >= 0)}
``output_released``    ``output`` (name), ``kind`` (e.g. ``model_part``), ``receivers`` (parties)
``key_released``       ``dataset``, ``columns``, ``rows`` (what the key opens), ``measurement``
                       and ``platform`` (hex SHA-256), ``enclave_key`` (its fingerprint) and
                       ``trust`` (the enclave's trust assumption): a data key released to an
                       attested enclave (:mod:`confide.tee.release`)
``failed``             ``reason`` (text)
``finished``           (none)
``peer_head_recorded`` ``head``: a peer's signed chain head (:class:`~.heads.SignedHead`)
=====================  =====================================================================

:func:`check_payload` is applied on every append, so a log never holds an event without the
facts a reviewer needs to read it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from confide.audit.errors import AuditFormatError
from confide.audit.fields import check_hash, check_party
from confide.audit.heads import SignedHead
from confide.errors import ConfigError

__all__ = ["EventType", "check_payload"]


class EventType(str, Enum):
    """The kinds of audit entries."""

    PROPOSED = "proposed"
    APPROVED = "approved"
    REFUSED = "refused"
    STARTED = "started"
    DATASET_READ = "dataset_read"
    BYTES_EXCHANGED = "bytes_exchanged"
    OUTPUT_RELEASED = "output_released"
    KEY_RELEASED = "key_released"
    FAILED = "failed"
    FINISHED = "finished"
    PEER_HEAD_RECORDED = "peer_head_recorded"


def _text(value: object, where: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a non-empty string")


def _count(value: object, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{where} must be an integer >= 0, got {value!r}")


def _names(value: object, where: str) -> None:
    if not isinstance(value, list):
        raise ConfigError(f"{where} must be a list of names")
    for i, item in enumerate(value):
        _text(item, f"{where}[{i}]")


def _parties(value: object, where: str) -> None:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where} must be a non-empty list of parties")
    for i, item in enumerate(value):
        check_party(item, f"{where}[{i}]")


def _counts_per_peer(value: object, where: str) -> None:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where} must map each peer to a number of bytes")
    for peer, count in value.items():
        check_party(peer, f"{where} key")
        _count(count, f"{where}[{peer!r}]")


def _party(value: object, where: str) -> None:
    check_party(value, where)


def _hash(value: object, where: str) -> None:
    check_hash(value, where)


def _head(value: object, where: str) -> None:
    try:
        SignedHead.from_json(value, where)
    except AuditFormatError as exc:
        raise ConfigError(str(exc)) from None


_Check = Callable[[object, str], None]

_REQUIRED: dict[EventType, dict[str, _Check]] = {
    EventType.PROPOSED: {"spec_hash": _hash, "initiator": _party},
    EventType.APPROVED: {"spec_hash": _hash, "by": _party},
    EventType.REFUSED: {"reason": _text, "by": _party},
    EventType.STARTED: {},
    EventType.DATASET_READ: {"dataset": _text, "columns": _names, "rows": _count},
    EventType.BYTES_EXCHANGED: {"sent": _counts_per_peer, "received": _counts_per_peer},
    EventType.OUTPUT_RELEASED: {"output": _text, "kind": _text, "receivers": _parties},
    EventType.KEY_RELEASED: {
        "dataset": _text,
        "columns": _names,
        "rows": _count,
        "measurement": _hash,
        "platform": _hash,
        "enclave_key": _text,
        "trust": _text,
    },
    EventType.FAILED: {"reason": _text},
    EventType.FINISHED: {},
    EventType.PEER_HEAD_RECORDED: {"head": _head},
}


def check_payload(event: EventType, payload: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigError` unless ``payload`` carries the fields ``event`` requires."""
    for name, check in _REQUIRED[event].items():
        where = f"{event.value} payload field {name!r}"
        if name not in payload:
            raise ConfigError(f"{where} is missing")
        check(payload[name], where)
