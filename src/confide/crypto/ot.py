"""Base oblivious transfers over Curve25519: the "simplest OT" of Chou and Orlandi, batched.

A *random* 1-out-of-2 OT: the sender ends with two random 16-byte keys ``k0[i], k1[i]`` per
transfer, the receiver with ``k_{c[i]}[i]`` for its choice bit ``c[i]``. OT extension
(:mod:`confide.crypto.ot_extension`) turns a few of these (128 or 512) into millions.

Protocol (Chou and Orlandi, "The Simplest Protocol for Oblivious Transfer", LATINCRYPT 2015),
over the prime-order subgroup of Curve25519 with base point ``G``:

1. The sender draws a secret scalar ``a`` and sends ``A = a*G`` (one point for the batch).
2. For each transfer ``i`` the receiver draws a secret scalar ``b_i`` and sends
   ``B_i = b_i*G`` if ``c_i = 0``, ``B_i = A + b_i*G`` if ``c_i = 1``. Its key is
   ``k_{c_i} = KDF(i, A, B_i, b_i*A)``.
3. The sender computes ``k0 = KDF(i, A, B_i, a*B_i)`` and ``k1 = KDF(i, A, B_i, a*(B_i - A))``.

Rounds: 2 one-way messages (sender, then receiver). Bytes: 64 from the sender, 64 per transfer
from the receiver. Work: 1 scalar multiplication per transfer for the receiver's ``b_i*G``, 1
for its key, 2 per transfer for the sender.

Curve arithmetic: scalar multiplications are X25519 from ``cryptography`` (OpenSSL), which works
on Montgomery ``u``-coordinates only and clamps scalars. The one point addition per transfer
(``A + b_i*G``, ``B_i - A``) needs full points, so points travel as ``(u, v)`` and the addition
is done here with Python integers in affine Montgomery coordinates. ``v`` is recovered from
``u`` with a square root (its sign is arbitrary: ``u`` is the same for ``P`` and ``-P``, and
``u(a*(B - A'))`` is right whichever sign ``A'`` of ``a*G`` the sender picked, since
``B - A' = +-b*G``). The receiver picks the sign of its ``b_i*G`` at random, so that the
parity of ``v`` says nothing about its choice.

Threat model and known caveats (semi-honest parties):

- The sender learns nothing about the choices: ``b_i*G`` and ``A + b_i*G`` are both uniformly
  distributed group elements, up to X25519's clamping, which draws ``b_i`` from 2^251 values
  rather than uniformly modulo the group order; telling the two apart would need discrete
  logarithms of 251-bit scalars (Pollard's kangaroo: about 2^125 work).
- The receiver cannot compute ``k_{1-c}``: that needs ``a*b_i*G +- a*a*G``, i.e. the
  computational Diffie-Hellman problem on Curve25519 (128-bit security), with SHA-256 as a
  random oracle.
- The original UC proof was found flawed (Genc, Iovino and Rial, ePrint 2017/370; Hauck and
  Loss, ePrint 2017/1011): against a *malicious* receiver the protocol is not UC-secure without
  changes, and hashing must bind ``A`` and ``B_i``. Here the KDF hashes ``(i, A, B_i)`` and the
  protocol is claimed only semi-honest secure, as OT extension uses it.
- The Python big-integer point addition is not constant-time; it touches only the public
  ``A`` and fresh one-time scalars' public points, never a long-term secret.

Received points are checked: 64 bytes, coordinates below ``p``, on the curve, not of low
order (X25519 refuses those); anything else raises :class:`~confide.errors.ProtocolError`.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from confide.errors import ConfigError, ProtocolError
from confide.net.wire import Value
from confide.params import SEED_BYTES
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "POINT_BYTES", "base_ot_receive", "base_ot_send", "expect_array"]

DISCLOSURE = (
    Disclosure("the OT sender", "nothing about the receiver's choice bits"),
    Disclosure(
        "the OT receiver",
        "one of the two keys of each transfer, the one it chose",
        "the other key needs Diffie-Hellman on Curve25519",
    ),
)

#: A point on the wire: ``u`` then ``v``, 32 little-endian bytes each.
POINT_BYTES = 64

_P = 2**255 - 19
_A = 486662  # the Montgomery coefficient of Curve25519: v^2 = u^3 + A u^2 + u
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)
_KDF_DOMAIN = b"confide/crypto/ot/chou-orlandi/v1"

Point = tuple[int, int]


def expect_array(
    peer: str, value: Value, what: str, dtype: np.dtype | type, shape: tuple[int, ...]
) -> np.ndarray:
    """``value`` if it is a numpy array of ``dtype`` and ``shape``; else ``ProtocolError``."""
    if not isinstance(value, np.ndarray) or value.dtype != np.dtype(dtype):
        kind = type(value).__name__ if not isinstance(value, np.ndarray) else str(value.dtype)
        raise ProtocolError(f"{peer!r} sent {what} as {kind}, not a {np.dtype(dtype)} array")
    if value.shape != shape:
        raise ProtocolError(f"{peer!r} sent {what} of shape {value.shape}, expected {shape}")
    return value


def _sqrt(y: int) -> int | None:
    """A square root of ``y`` modulo ``p`` (p = 5 mod 8: Atkin's formula), or None."""
    x = pow(y, (_P + 3) // 8, _P)
    if (x * x - y) % _P:
        x = x * _SQRT_M1 % _P
    return x if (x * x - y) % _P == 0 else None


def _rhs(u: int) -> int:
    return (u * u * u + _A * u * u + u) % _P


def _lift(u_bytes: bytes) -> Point:
    """The point with ``u``-coordinate ``u_bytes`` (X25519 output, so on the curve), even ``v``."""
    u = int.from_bytes(u_bytes, "little")
    v = _sqrt(_rhs(u))
    if v is None:
        raise ConfigError("an X25519 public key is not on Curve25519")  # cannot happen
    return (u, v if v % 2 == 0 else _P - v)


def _add(p: Point, q: Point) -> Point | None:
    """``p + q`` in affine Montgomery coordinates; None for the point at infinity."""
    (u1, v1), (u2, v2) = p, q
    if u1 == u2:
        if (v1 + v2) % _P == 0:
            return None
        slope = (3 * u1 * u1 + 2 * _A * u1 + 1) * pow(2 * v1, _P - 2, _P) % _P
    else:
        slope = (v2 - v1) * pow(u2 - u1, _P - 2, _P) % _P
    u3 = (slope * slope - _A - u1 - u2) % _P
    return (u3, (slope * (u1 - u3) - v1) % _P)


def _encode(point: Point) -> bytes:
    return point[0].to_bytes(32, "little") + point[1].to_bytes(32, "little")


def _decode(peer: str, data: bytes, what: str) -> Point:
    if len(data) != POINT_BYTES:
        raise ProtocolError(f"{peer!r} sent {what} of {len(data)} bytes, not {POINT_BYTES}")
    u = int.from_bytes(data[:32], "little")
    v = int.from_bytes(data[32:], "little")
    if u >= _P or v >= _P or (v * v - _rhs(u)) % _P:
        raise ProtocolError(f"{peer!r} sent {what} that is not a point of Curve25519")
    return (u, v)


def _exchange(peer: str, secret: X25519PrivateKey, point: Point, what: str) -> bytes:
    try:
        return secret.exchange(X25519PublicKey.from_public_bytes(point[0].to_bytes(32, "little")))
    except ValueError as exc:  # a low-order point: the shared secret would be zero
        raise ProtocolError(f"{peer!r} sent {what} of low order") from exc


def _kdf(index: int, a_bytes: bytes, b_bytes: bytes, shared: bytes) -> bytes:
    digest = hashlib.sha256(
        _KDF_DOMAIN + index.to_bytes(4, "little") + a_bytes + b_bytes + shared
    ).digest()
    return digest[:SEED_BYTES]


def base_ot_send(ctx: Context, peer: str, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Be the sender of ``count`` random OTs with ``peer``; return keys ``(k0, k1)``.

    Each is a ``(count, 16)`` uint8 array. Sends ``A`` (64 bytes), then receives the
    receiver's ``count`` points.
    """
    if count <= 0 or count >= 2**32:
        raise ConfigError(f"the number of base OTs must be in 1..2**32-1, got {count}")
    with ctx.scope("base_ot"):
        secret = X25519PrivateKey.generate()
        a_point = _lift(secret.public_key().public_bytes_raw())
        a_bytes = _encode(a_point)
        minus_a = (a_point[0], (_P - a_point[1]) % _P)
        ctx.send(peer, "A", a_bytes)
        points = expect_array(
            peer, ctx.recv(peer, "B"), "base-OT points", np.uint8, (count, POINT_BYTES)
        )
        keys = np.empty((2, count, SEED_BYTES), dtype=np.uint8)
        for i in range(count):
            b_bytes = points[i].tobytes()
            b_point = _decode(peer, b_bytes, f"base-OT point {i}")
            difference = _add(b_point, minus_a)
            if difference is None:
                raise ProtocolError(f"{peer!r} sent base-OT point {i} equal to A")
            shared0 = _exchange(peer, secret, b_point, f"base-OT point {i}")
            shared1 = _exchange(peer, secret, difference, f"base-OT point {i} minus A")
            keys[0, i] = np.frombuffer(_kdf(i, a_bytes, b_bytes, shared0), dtype=np.uint8)
            keys[1, i] = np.frombuffer(_kdf(i, a_bytes, b_bytes, shared1), dtype=np.uint8)
    return keys[0], keys[1]


def base_ot_receive(ctx: Context, peer: str, choices: np.ndarray) -> np.ndarray:
    """Be the receiver of ``len(choices)`` random OTs with ``peer``; return the chosen keys.

    ``choices`` is a 1-d array of bits (bool or 0/1 integers); the result is ``(count, 16)``
    uint8, row ``i`` equal to the sender's ``k0[i]`` or ``k1[i]`` as ``choices[i]`` says.
    """
    bits = np.asarray(choices)
    if bits.ndim != 1 or bits.size == 0 or bits.size >= 2**32:
        raise ConfigError("base-OT choices must be a non-empty 1-d array of bits")
    if bits.dtype != np.bool_ and not (
        np.issubdtype(bits.dtype, np.integer) and np.all((bits == 0) | (bits == 1))
    ):
        raise ConfigError("base-OT choices must be bools or 0/1 integers")
    count = bits.size
    with ctx.scope("base_ot"):
        a_value = ctx.recv(peer, "A")
        if not isinstance(a_value, bytes):
            raise ProtocolError(f"{peer!r} sent the base-OT point A as {type(a_value).__name__}")
        a_point = _decode(peer, a_value, "the base-OT point A")
        points = np.empty((count, POINT_BYTES), dtype=np.uint8)
        keys = np.empty((count, SEED_BYTES), dtype=np.uint8)
        for i in range(count):
            secret = X25519PrivateKey.generate()
            own = _lift(secret.public_key().public_bytes_raw())
            if secrets.randbits(1):  # a random sign, or v's parity would betray c_i = 0
                own = (own[0], _P - own[1])
            b_point = _add(own, a_point) if bits[i] else own
            if b_point is None:  # b*G = -A: probability about 2**-251
                raise ConfigError("a base-OT scalar hit -A; run the transfer again")
            b_bytes = _encode(b_point)
            shared = _exchange(peer, secret, a_point, "the base-OT point A")
            points[i] = np.frombuffer(b_bytes, dtype=np.uint8)
            keys[i] = np.frombuffer(_kdf(i, a_value, b_bytes, shared), dtype=np.uint8)
        ctx.send(peer, "B", points)
    return keys
