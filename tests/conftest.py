"""Shared fixtures: sets of connected links, over memory and over real gRPC with mutual TLS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from confide.net.federation import Federation, Identity, identity_paths, init_federation
from confide.net.grpc_link import GrpcLink
from confide.net.link import Link
from confide.net.memory import MemoryHub
from confide.net.socketpair import socketpair_links
from confide.runtime.launcher import free_ports

PARTIES = ("alice", "bob", "carol")


def grpc_links(folder: Path, parties: tuple[str, ...] = PARTIES) -> dict[str, GrpcLink]:
    """One GrpcLink per party in this process, on free loopback ports, with fresh keys."""
    fed_path = init_federation(parties, folder, ports=free_ports(len(parties)))
    federation = Federation.load(fed_path)
    return {
        party: GrpcLink(Identity.load(*identity_paths(fed_path, party)), federation)
        for party in parties
    }


@pytest.fixture(params=["memory", "grpc", "socketpair"])
def links(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Link]]:
    """Three connected links (alice, bob, carol) over each transport."""
    made: dict[str, Link]
    if request.param == "memory":
        made = dict(MemoryHub(PARTIES).links())
    elif request.param == "socketpair":
        made = dict(socketpair_links(PARTIES))
    else:
        made = dict(grpc_links(tmp_path))
    yield made
    for link in made.values():
        link.close()
