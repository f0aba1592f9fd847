"""Moving values between parties: the wire format, links (memory, gRPC + mTLS, socket pairs),
certificates."""

from confide.net.federation import Federation, Identity, init_federation
from confide.net.grpc_link import GrpcLink
from confide.net.link import Link
from confide.net.memory import MemoryHub, MemoryLink
from confide.net.socketpair import SocketPairLink
from confide.net.wire import Value, decode, encode

__all__ = [
    "Federation",
    "GrpcLink",
    "Identity",
    "Link",
    "MemoryHub",
    "MemoryLink",
    "SocketPairLink",
    "Value",
    "decode",
    "encode",
    "init_federation",
]
