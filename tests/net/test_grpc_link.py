"""The gRPC link's security behaviour: pinned certificates, sender identity, malformed input.

Attacks are made with raw gRPC channels, below the link, as a hostile program would.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import numpy as np
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from confide.errors import ConfigError, PeerAborted, PeerTimeout, PeerUnavailable, ProtocolError
from confide.net.certs import generate_identity
from confide.net.federation import Federation, Identity, identity_paths, init_federation
from confide.net.grpc_link import GrpcLink
from confide.net.wire import Value, encode
from confide.runtime.launcher import free_ports
from tests.conftest import grpc_links


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[dict[str, GrpcLink]]:
    made = grpc_links(tmp_path, ("alice", "bob"))
    yield made
    for link in made.values():
        link.close()


def raw_send(
    federation: Federation, target: str, key_pem: bytes, cert_pem: bytes, messages: list[bytes]
) -> None:
    """Call the peer service of ``target`` directly with the given key and certificate."""
    credentials = grpc.ssl_channel_credentials(federation.trust_bundle(), key_pem, cert_pem)
    with grpc.secure_channel(
        federation.address(target),
        credentials,
        options=[("grpc.ssl_target_name_override", target)],
    ) as channel:
        channel.stream_unary("/confide.Peer/Send")(iter(messages), timeout=3)


def send_and_flush(link: GrpcLink, peer: str, tag: str, value: Value, timeout: float) -> None:
    """Send, then flush: a send that cannot be delivered is told by the one or the other."""
    link.send(peer, tag, value, timeout=timeout)
    link.flush(timeout=10)


def header(tag: str, payload: bytes, **extra: object) -> bytes:
    return bytes(encode({"tag": tag, "size": len(payload), "data": payload, **extra}))


def test_certificate_not_in_federation_is_refused(pair: dict[str, GrpcLink]) -> None:
    federation = pair["alice"].federation
    key, cert = generate_identity("bob")  # right name, wrong key: not the pinned certificate
    with pytest.raises(grpc.RpcError) as info:
        raw_send(federation, "alice", key, cert, [header("job/x", bytes(encode(1)))])
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE  # the TLS handshake failed
    with pytest.raises(PeerTimeout):
        pair["alice"].recv("bob", "job/x", timeout=0.3)


def test_certificate_signed_by_a_member_for_another_name_is_refused(
    tmp_path: Path, pair: dict[str, GrpcLink]
) -> None:
    """Bob signs a certificate saying "carol" with his pinned key: not a CA, so it is refused."""
    federation = pair["alice"].federation
    bob_key_path, bob_cert_path = identity_paths(tmp_path / "federation.yaml", "bob")
    bob_key = serialization.load_pem_private_key(bob_key_path.read_bytes(), None)
    assert isinstance(bob_key, ec.EllipticCurvePrivateKey)
    bob_cert = x509.load_pem_x509_certificate(bob_cert_path.read_bytes())
    forged_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    forged = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "carol")]))
        .issuer_name(bob_cert.subject)
        .public_key(forged_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("carol")]), critical=False)
        .sign(bob_key, hashes.SHA256())
    )
    forged_key_pem = forged_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(grpc.RpcError):
        raw_send(
            federation,
            "alice",
            forged_key_pem,
            forged.public_bytes(serialization.Encoding.PEM),
            [header("job/x", bytes(encode(1)))],
        )


def test_sender_comes_from_the_certificate_not_the_message(
    tmp_path: Path, pair: dict[str, GrpcLink]
) -> None:
    federation = pair["alice"].federation
    key, cert = identity_paths(tmp_path / "federation.yaml", "bob")
    bob = Identity.load(key, cert)
    # A header that claims another sender is refused outright ...
    with pytest.raises(grpc.RpcError) as info:
        raw_send(
            federation,
            "alice",
            bob.key_pem,
            bob.cert_pem,
            [header("job/x#0", bytes(encode(1)), sender="carol")],
        )
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    # ... and a well-formed one is filed under the certificate's party.
    raw_send(federation, "alice", bob.key_pem, bob.cert_pem, [header("job/y#0", bytes(encode(2)))])
    assert pair["alice"].recv("bob", "job/y#0", timeout=5) == 2


def test_malformed_payload_aborts_the_job_at_the_receiver(
    tmp_path: Path, pair: dict[str, GrpcLink]
) -> None:
    federation = pair["alice"].federation
    bob = Identity.load(*identity_paths(tmp_path / "federation.yaml", "bob"))
    with pytest.raises(grpc.RpcError) as info:
        raw_send(federation, "alice", bob.key_pem, bob.cert_pem, [header("job7/x#0", b"\xffjunk")])
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(PeerAborted, match=r"'bob'.*malformed"):
        pair["alice"].recv("bob", "job7/x#0", timeout=5)


@pytest.mark.parametrize(
    "messages",
    [
        [b""],
        [bytes(encode([1, 2]))],
        [bytes(encode({"tag": "nojob", "size": 1, "data": b"x"}))],
        [bytes(encode({"tag": "job/x", "size": 10})), b"a" * 4],
        [bytes(encode({"tag": "job/x", "size": 3})), b"abcdef"],
        [bytes(encode({"tag": "job/x", "size": 2**70}))],
    ],
    ids=["empty", "not-a-map", "tag-without-job", "short-stream", "long-stream", "huge-size"],
)
def test_malformed_streams_are_refused(
    tmp_path: Path, pair: dict[str, GrpcLink], messages: list[bytes]
) -> None:
    federation = pair["alice"].federation
    bob = Identity.load(*identity_paths(tmp_path / "federation.yaml", "bob"))
    with pytest.raises(grpc.RpcError) as info:
        raw_send(federation, "alice", bob.key_pem, bob.cert_pem, messages)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("wait_for_ack", [True, False], ids=["acked", "pipelined"])
def test_send_via_link_reports_protocol_error(
    pair: dict[str, GrpcLink], wait_for_ack: bool
) -> None:
    pair["alice"].max_message_bytes = 100
    pair["bob"].wait_for_ack = wait_for_ack
    with pytest.raises(ProtocolError, match="exceeds"):
        send_and_flush(pair["bob"], "alice", "job/x", np.zeros(1000), timeout=5)
    with pytest.raises(PeerAborted, match=r"'bob'.*malformed"):
        pair["alice"].recv("bob", "job/x", timeout=5)


@pytest.mark.parametrize("wait_for_ack", [True, False], ids=["acked", "pipelined"])
def test_a_message_waits_for_a_peer_that_is_still_starting(
    tmp_path: Path, wait_for_ack: bool
) -> None:
    fed_path = init_federation(["alice", "bob"], tmp_path, ports=free_ports(2))
    federation = Federation.load(fed_path)
    alice = GrpcLink(
        Identity.load(*identity_paths(fed_path, "alice")), federation, wait_for_ack=wait_for_ack
    )
    started: list[GrpcLink] = []

    def start_bob_later() -> None:
        time.sleep(1.0)
        started.append(GrpcLink(Identity.load(*identity_paths(fed_path, "bob")), federation))

    thread = threading.Thread(target=start_bob_later)
    thread.start()
    try:
        alice.send("bob", "job/early", "hello", timeout=20)
        thread.join()
        assert started[0].recv("alice", "job/early", timeout=5) == "hello"
    finally:
        thread.join()
        alice.close()
        for link in started:
            link.close()


def test_identity_must_match_the_pinned_certificate(tmp_path: Path) -> None:
    fed_path = init_federation(["alice", "bob"], tmp_path, ports=free_ports(2))
    key, cert = generate_identity("alice")
    with pytest.raises(ConfigError, match="not the one the federation pins"):
        GrpcLink(Identity(party="alice", key_pem=key, cert_pem=cert), Federation.load(fed_path))


@pytest.mark.parametrize(
    ("size", "wait_for_ack"),
    [(10, True), (10, False), (5_000_000, False)],
    ids=["small-acked", "small-pipelined", "large-streamed"],
)
def test_send_to_a_peer_that_never_starts_fails_at_its_deadline(
    tmp_path: Path, size: int, wait_for_ack: bool
) -> None:
    fed_path = init_federation(["alice", "bob"], tmp_path, ports=free_ports(2))
    alice = GrpcLink(
        Identity.load(*identity_paths(fed_path, "alice")),
        Federation.load(fed_path),
        wait_for_ack=wait_for_ack,
    )
    try:
        started = time.monotonic()
        with pytest.raises(PeerUnavailable, match=r"'bob'.*within 1 s"):
            send_and_flush(alice, "bob", "job/x", np.zeros(size, dtype=np.uint8), timeout=1)
        assert 0.9 < time.monotonic() - started < 5
    finally:
        alice.close()


def test_many_small_messages_from_threads_share_the_stream(pair: dict[str, GrpcLink]) -> None:
    def send(offset: int) -> None:
        for i in range(50):
            pair["alice"].send("bob", f"job/t{offset}", offset + i)

    threads = [threading.Thread(target=send, args=(k * 1000,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for k in range(4):
        got = [pair["bob"].recv("alice", f"job/t{k * 1000}", timeout=5) for _ in range(50)]
        assert got == [k * 1000 + i for i in range(50)]
