"""The admin API over HTTP on loopback: token, routes, errors, and the client that calls it."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from confide.cli.app import app
from confide.errors import ConfigError
from confide.node import AdminClient, IllegalTransition, NodeUnreachable, NotFound
from confide.node.admin import MAX_BODY_BYTES, AdminServer, json_value
from confide.runtime.launcher import free_ports
from tests.node.jobkit import denied_column_job, psi_stats_job
from tests.node.memory_nodes import MemoryNode, memory_nodes

TOKEN = "s3cret-token"


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[tuple[MemoryNode, AdminClient]]:
    with memory_nodes(tmp_path, ("bank", "platform")) as nodes:
        server = AdminServer(nodes["bank"].coordinator, host="127.0.0.1", port=0, token=TOKEN)
        server.start()
        try:
            host, port = server.address
            assert host == "127.0.0.1"
            yield nodes["bank"], AdminClient(host, port, TOKEN, timeout=10)
        finally:
            server.close()


def test_jobs_are_submitted_followed_and_their_results_read(
    bank: tuple[MemoryNode, AdminClient],
) -> None:
    node, client = bank
    job = client.submit(psi_stats_job())
    assert job["state"] in {"proposed", "approved", "running", "finished"}
    assert job["parties"]["bank"] == ["data_provider", "result_receiver", "task_initiator"]
    node.wait(job["id"])
    detail = client.job(job["id"])
    assert detail["state"] == "finished" and detail["progress"] == 1.0
    assert {a["party"]: a["decision"] for a in detail["approvals"]} == {
        "bank": "approved", "platform": "approved"
    }  # fmt: skip
    assert [r["name"] for r in detail["results"]] == ["align.ids", "stats.summary"]
    assert [j["id"] for j in client.jobs()] == [job["id"]]
    lines = client.logs(job["id"])
    assert lines[0]["message"].startswith("proposed by 'bank'")
    assert client.logs(job["id"], after=lines[-2]["seq"]) == lines[-1:]
    summary = client.result(job["id"], "stats.summary")
    assert summary["kind"] == "statistics" and set(summary["value"]) == {"income", "age"}
    assert client.node()["jobs"] == {"finished": 1}


def test_errors_come_back_as_the_stores_errors(bank: tuple[MemoryNode, AdminClient]) -> None:
    node, client = bank
    with pytest.raises(NotFound, match="there is no job 'job-nope'"):
        client.job("job-nope")
    with pytest.raises(ConfigError, match="not valid YAML"):
        client.submit("name: [")
    refused = client.submit(denied_column_job())
    node.wait(refused["id"])
    with pytest.raises(IllegalTransition, match="only a proposed job can be approved"):
        client.approve(refused["id"])
    with pytest.raises(IllegalTransition, match="it has ended"):
        client.cancel(refused["id"])
    with pytest.raises(NotFound, match="no such request"):
        client.request("GET", "/v1/elsewhere")
    where = urlsplit(client.base_url)
    assert where.hostname is not None and where.port is not None
    with pytest.raises(ConfigError, match="bearer token"):
        AdminClient(where.hostname, where.port, "wrong").jobs()


def test_requests_without_the_token_or_too_big_are_refused(
    bank: tuple[MemoryNode, AdminClient],
) -> None:
    _, client = bank
    bare = urllib.request.Request(client.base_url + "/v1/jobs")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(bare, timeout=10)
    assert info.value.code == 401
    where = urlsplit(client.base_url)
    assert where.hostname is not None and where.port is not None
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    try:  # announce a body that is too big: refused before it is read
        connection.putrequest("POST", "/v1/jobs")
        connection.putheader("Authorization", f"Bearer {TOKEN}")
        connection.putheader("Content-Length", str(MAX_BODY_BYTES + 1))
        connection.endheaders()
        assert connection.getresponse().status == 413
    finally:
        connection.close()


def test_the_client_says_when_no_node_answers(tmp_path: Path) -> None:
    [port] = free_ports(1)
    with pytest.raises(NodeUnreachable, match="is `confide node start` running"):
        AdminClient("127.0.0.1", port, TOKEN, timeout=2).jobs()
    config = tmp_path / "node.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "party": "bank",
                "federation": "federation.yaml",
                "identity": {"key": "bank.key", "certificate": "bank.crt"},
                "state_dir": "state",
                "admin": {"port": port},
                "peer": {"listen": "127.0.0.1:1"},
            }
        )
    )
    result = CliRunner().invoke(app, ["job", "list", "--config", str(config)])
    assert result.exit_code == 1 and "no Confide node answers" in " ".join(result.output.split())


def test_results_become_plain_json() -> None:
    value = {"ids": np.array([1, 2]), "raw": b"\x00", "nan": float("nan"), "nested": [np.ones(1)]}
    assert json_value(value) == {
        "ids": [1, 2], "raw": {"base64": "AA=="}, "nan": None, "nested": [[1.0]]
    }  # fmt: skip
