"""Encryption to a public key: only the right key, purpose and labels open an envelope."""

from __future__ import annotations

import pytest

from confide.errors import ConfigError, ProtocolError
from confide.tee import EnvelopeError
from confide.tee.envelope import Envelope, new_private_key, open_envelope, public_bytes, seal_to

CONTEXT = b"confide-test-v1\x00"


def test_round_trip_and_wire_form() -> None:
    key = new_private_key()
    envelope = seal_to(public_bytes(key), b"secret", context=CONTEXT, info=b"job-1")
    assert b"secret" not in envelope.ciphertext
    again = Envelope.from_wire(envelope.to_wire())
    assert open_envelope(key, again, context=CONTEXT, info=b"job-1") == b"secret"
    other = seal_to(public_bytes(key), b"secret", context=CONTEXT, info=b"job-1")
    assert other.ephemeral != envelope.ephemeral and other.ciphertext != envelope.ciphertext


@pytest.mark.parametrize("change", ["key", "context", "info", "ciphertext", "ephemeral"])
def test_anything_else_does_not_open(change: str) -> None:
    key = new_private_key()
    envelope = seal_to(public_bytes(key), b"secret", context=CONTEXT, info=b"job-1")
    opener, context, info = key, CONTEXT, b"job-1"
    if change == "key":
        opener = new_private_key()
    elif change == "context":
        context = b"confide-other-v1\x00"
    elif change == "info":
        info = b"job-2"
    elif change == "ciphertext":
        flipped = bytes([envelope.ciphertext[0] ^ 1]) + envelope.ciphertext[1:]
        envelope = Envelope(envelope.ephemeral, envelope.nonce, flipped)
    else:
        envelope = Envelope(public_bytes(new_private_key()), envelope.nonce, envelope.ciphertext)
    with pytest.raises(EnvelopeError, match="does not open"):
        open_envelope(opener, envelope, context=context, info=info)


def test_malformed_envelopes_and_keys() -> None:
    with pytest.raises(ProtocolError, match="ephemeral must be 32 bytes"):
        Envelope(b"short", bytes(12), bytes(16))
    with pytest.raises(ProtocolError, match="ciphertext is missing or too short"):
        Envelope(bytes(32), bytes(12), b"x")
    with pytest.raises(ProtocolError, match="map of ephemeral"):
        Envelope.from_wire({"ephemeral": bytes(32)})
    with pytest.raises(ConfigError, match="32 bytes"):
        seal_to(b"short", b"x", context=CONTEXT, info=b"")
    with pytest.raises(EnvelopeError, match="not a valid X25519 key"):
        seal_to(bytes(32), b"x", context=CONTEXT, info=b"")  # a low-order point
