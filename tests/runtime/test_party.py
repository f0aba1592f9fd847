"""``open_party``: one party of a real federation in this process; two of them in threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from confide.errors import ConfigError, PeerAborted
from confide.net.federation import identity_paths, init_federation
from confide.runtime import Context
from confide.runtime.launcher import free_ports
from confide.runtime.party import link_bytes, open_party


@pytest.fixture
def federation(tmp_path: Path) -> Path:
    return init_federation(["bank", "platform", "dealer"], tmp_path, ports=free_ports(3))


def in_threads(jobs: dict[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run each party's job in its own thread; its result, or the exception it raised."""
    outcomes: dict[str, Any] = {}

    def run(party: str) -> None:
        try:
            outcomes[party] = jobs[party]()
        except Exception as exc:
            outcomes[party] = exc

    threads = [threading.Thread(target=run, args=(p,), daemon=True) for p in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def test_two_parties_exchange_over_grpc(federation: Path) -> None:
    def side(party: str) -> Callable[[], Any]:
        def job() -> Any:
            parties = ["bank", "platform"]
            with open_party(federation, party, job_id="j1", parties=parties, timeout=20) as ctx:
                assert ctx.parties == ("bank", "platform") and ctx.job_id == "j1"
                ctx.send(ctx.others[0], "hello", f"from {party}")
                got = ctx.recv(ctx.others[0], "hello")
                sent, received = link_bytes(ctx)
            return got, sent, received

        return job

    out = in_threads({"bank": side("bank"), "platform": side("platform")})
    assert out["bank"][0] == "from platform" and out["platform"][0] == "from bank"
    assert all(o[1] > 0 and o[2] > 0 for o in out.values())


def test_the_default_job_parties_are_the_federation_in_file_order(federation: Path) -> None:
    key, cert = identity_paths(federation, "dealer")
    with open_party(federation, key=key, cert=cert, job_id="alone", timeout=1) as ctx:
        assert isinstance(ctx, Context) and ctx.party == "dealer" and ctx.timeout == 1
        assert ctx.parties == ("bank", "platform", "dealer")


def test_a_party_that_fails_aborts_the_job_for_the_others(federation: Path) -> None:
    def failing() -> None:
        with open_party(federation, "bank", job_id="j2", parties=["bank", "platform"]) as ctx:
            ctx.send("platform", "first", 1)
            raise RuntimeError("the bank's data is corrupt")

    def waiting() -> object:
        with open_party(federation, "platform", job_id="j2", parties=["bank", "platform"]) as ctx:
            ctx.recv("bank", "first")
            return ctx.recv("bank", "never_sent")

    started = time.monotonic()
    out = in_threads({"bank": failing, "platform": waiting})
    assert isinstance(out["bank"], RuntimeError)
    assert isinstance(out["platform"], PeerAborted)
    assert "the bank's data is corrupt" in str(out["platform"])
    assert time.monotonic() - started < 30  # not the 60 s receive deadline


def test_wrong_identities_are_refused(federation: Path, tmp_path: Path) -> None:
    key, cert = identity_paths(federation, "platform")
    with (
        pytest.raises(ConfigError, match="'platform''s, not 'bank''s"),
        open_party(federation, "bank", key=key, cert=cert, job_id="j"),
    ):
        pass
    with pytest.raises(ConfigError, match="does not exist"), open_party(
        federation, "bank", key=tmp_path / "missing.key", job_id="j"
    ):  # fmt: skip
        pass
    with pytest.raises(ConfigError, match="give both its key"), open_party(federation, job_id="j"):
        pass
    with pytest.raises(ConfigError, match="not in federation"), open_party(
        federation, "bank", job_id="j", parties=["bank", "insurer"]
    ):  # fmt: skip
        pass
    with pytest.raises(ConfigError, match="job id"), open_party(federation, "bank", job_id="a b"):
        pass


def test_a_party_not_in_the_federation_is_refused(federation: Path, tmp_path: Path) -> None:
    other = init_federation(["insurer", "bank"], tmp_path / "other", ports=free_ports(2))
    key, cert = identity_paths(other, "insurer")
    with pytest.raises(ConfigError, match="'insurer' is not a party"), open_party(
        federation, key=key, cert=cert, job_id="j"
    ):  # fmt: skip
        pass
