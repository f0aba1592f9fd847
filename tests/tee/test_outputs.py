"""Outputs encrypted to their receivers, and the receivers' key files."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from confide.errors import ConfigError, ProtocolError
from confide.tee import EnvelopeError, ReceiverKey, SealedOutput, load_public_key, open_output
from confide.tee.outputs import encrypt_output

LABELS = {
    "job_id": "job-1",
    "spec_hash": "ab" * 32,
    "step": "lr",
    "output": "model",
    "kind": "model_part",
}


def test_an_output_opens_for_its_receiver_with_its_labels() -> None:
    bank, platform = ReceiverKey.generate(), ReceiverKey.generate()
    value = {"coefficients": np.arange(3.0), "intercept": -1.5}
    sealed = encrypt_output(bank.public_key, value, receiver="bank", **LABELS)
    again = SealedOutput.from_bytes(sealed.to_bytes())
    opened = open_output(bank, again)
    np.testing.assert_array_equal(opened["coefficients"], value["coefficients"])
    assert opened["intercept"] == -1.5
    with pytest.raises(EnvelopeError):
        open_output(platform, sealed)
    for field in ("job_id", "step", "output", "kind", "receiver", "spec_hash"):
        labels = {**sealed.to_wire(), field: "cd" * 32 if field == "spec_hash" else "other"}
        with pytest.raises(EnvelopeError):
            open_output(bank, SealedOutput.from_wire(labels))


def test_malformed_sealed_outputs() -> None:
    with pytest.raises(ProtocolError, match="not a sealed output"):
        SealedOutput.from_bytes(b"nonsense")
    with pytest.raises(ProtocolError, match="labels and envelope"):
        SealedOutput.from_wire({"job_id": "x"})


def test_key_files(tmp_path: Path) -> None:
    key = ReceiverKey.generate()
    key.save(tmp_path / "bank.key", tmp_path / "bank.pub")
    assert stat.S_IMODE(os.stat(tmp_path / "bank.key").st_mode) == 0o600
    assert ReceiverKey.load(tmp_path / "bank.key").public_key == key.public_key
    assert load_public_key(tmp_path / "bank.pub") == key.public_key
    with pytest.raises(FileExistsError):
        key.save(tmp_path / "bank.key", tmp_path / "other.pub")
    with pytest.raises(ConfigError, match="cannot be read"):
        ReceiverKey.load(tmp_path / "bank.pub")
    with pytest.raises(ConfigError, match="cannot be read"):
        load_public_key(tmp_path / "missing.pub")
