"""Enclave images and measurements: reproducible, covering every byte, refused when changed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from confide.errors import ConfigError
from confide.tee import (
    EnclaveError,
    EnclaveImage,
    KeyReleaseRefused,
    SimulatedEnclave,
    SimulatedPlatform,
    build_image,
    measure_image,
    release_keys,
)
from confide.tee.loader import CONFIG_FILE, _ImageImporter, measure, module_table, read_image
from tests.tee.helpers import (
    credit_frames,
    job_data,
    job_of,
    make_node,
    providers,
    receiver_keys,
    seal_all,
)


def _copy(image: EnclaveImage, folder: Path) -> Path:
    target = folder / "copy"
    shutil.copytree(image.path, target)
    return target


def test_the_image_holds_the_application_and_its_configuration(image: EnclaveImage) -> None:
    files = read_image(image.path)
    assert "confide/tee/app.py" in files and "confide/preprocessing/woe.py" in files
    assert CONFIG_FILE in files
    assert image.config["app"] == "confide.tee.app"
    assert image.config["backend"] == "simulation"
    assert {"numpy", "pandas", "pyarrow", "cryptography"} <= set(image.config["runtime"])
    assert measure_image(image.path).measurement == image.measurement == measure(files).hex()


def test_builds_are_reproducible(image: EnclaveImage, tmp_path: Path) -> None:
    again = build_image(tmp_path / "again", source=image.path / "confide")
    assert again.measurement == image.measurement


def test_one_changed_byte_anywhere_changes_the_measurement(
    image: EnclaveImage, tmp_path: Path
) -> None:
    for name in ("confide/tee/app.py", "confide/ml/linear/plain.py", CONFIG_FILE):
        copy = tmp_path / name.replace("/", "_")
        shutil.copytree(image.path, copy)
        data = bytearray((copy / name).read_bytes())
        data[len(data) // 2] ^= 0x20
        (copy / name).write_bytes(bytes(data))
        assert measure_image(copy).measurement != image.measurement, name


def test_a_changed_enclave_application_gets_no_key(
    image: EnclaveImage, platform: SimulatedPlatform, tmp_path: Path
) -> None:
    changed = _copy(image, tmp_path)
    app = changed / "confide" / "tee" / "app.py"
    source = app.read_bytes()
    position = source.index(b"IDLE_TIMEOUT_S = 6")
    app.write_bytes(source[:position] + b"IDLE_TIMEOUT_S = 7" + source[position + 18 :])
    frames = credit_frames(rows=400)
    sealed = seal_all(frames, tmp_path)
    receivers = receiver_keys()
    pins = {p: k.public_key for p, k in receivers.items()}
    nodes = {p: make_node(p, platform, pins) for p in ("bank", "platform")}
    spec = job_of(job_data())
    with SimulatedEnclave(platform, changed, timeout=120) as enclave:
        # it runs, and its platform reports honestly what it loaded
        assert enclave.measurement == measure_image(changed).measurement != image.measurement
        with pytest.raises(KeyReleaseRefused, match="does not allow the enclave measurement"):
            release_keys(
                enclave, spec, "job-changed", providers(sealed, nodes, [image.measurement])
            )
    [refusal] = [e for e in nodes["bank"].audit.entries() if e.event.value == "refused"]
    assert "does not allow the enclave measurement" in refusal.payload["reason"]


def test_images_hold_nothing_unmeasured(image: EnclaveImage, tmp_path: Path) -> None:
    copy = _copy(image, tmp_path)
    (copy / "confide" / "extra.pyc").write_bytes(b"\x00")
    with pytest.raises(ConfigError, match="unexpected file"):
        measure_image(copy)
    (copy / "confide" / "extra.pyc").unlink()
    (copy / CONFIG_FILE).unlink()
    with pytest.raises(ConfigError, match=r"no enclave\.json"):
        measure_image(copy)


def test_the_loader_imports_confide_modules_from_the_image_only(image: EnclaveImage) -> None:
    importer = _ImageImporter(module_table(read_image(image.path)))
    spec = importer.find_spec("confide.tee.app")
    assert spec is not None and spec.origin == "enclave-image:confide/tee/app.py"
    assert importer.find_spec("numpy") is None  # third-party: the interpreter's own
    with pytest.raises(ModuleNotFoundError, match="not part of the measured enclave image"):
        importer.find_spec("confide.cli.app")


def test_an_image_for_another_runtime_does_not_start(
    image: EnclaveImage, platform: SimulatedPlatform, tmp_path: Path
) -> None:
    copy = _copy(image, tmp_path)
    config = (copy / CONFIG_FILE).read_text(encoding="utf-8")
    (copy / CONFIG_FILE).write_text(config.replace('"python": "', '"python": "2.'), "utf-8")
    with pytest.raises(EnclaveError, match=r"did not start.*built for Python 2"):
        SimulatedEnclave(platform, copy, timeout=60)
