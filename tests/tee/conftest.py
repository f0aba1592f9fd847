"""Session fixtures of the TEE tests: one enclave image and one simulated platform."""

from __future__ import annotations

import pytest

from confide.tee import EnclaveImage, SimulatedPlatform, build_image


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> EnclaveImage:
    """The enclave image of the source tree under test (built once: a few seconds)."""
    return build_image(tmp_path_factory.mktemp("tee") / "image")


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> SimulatedPlatform:
    return SimulatedPlatform.create(tmp_path_factory.mktemp("tee") / "platform")
