"""X25519 for Diffie-Hellman PSI: hashing onto Curve25519 and batched scalar multiplication.

The curve arithmetic is ``cryptography``'s X25519 (OpenSSL): ``X25519PrivateKey.exchange``
computes the clamped scalar multiple of an arbitrary u-coordinate. This module adds what PSI
needs around it: a hash from key digests to points, checks on points received from a peer, and
a pool of worker processes (X25519 holds the GIL, so threads would not help).

Security argument
-----------------
Curve25519 is ``E: v^2 = u^3 + A u^2 + u`` over ``F_p``, ``p = 2^255 - 19``, ``A = 486662``, with
``#E = 8 l``, ``l = 2^252 + 27742317777372353535851937790883648493`` prime. Its quadratic twist
``E'`` has ``#E' = 4 l'`` with ``l'`` prime (about ``2^253``). Every ``u`` in ``F_p`` is the
u-coordinate of a point on ``E`` (when ``u^3 + A u^2 + u`` is a square) or on ``E'``.

1. *The x-only ladder commutes.* ``X25519(k, u)`` (RFC 7748, section 5) clamps ``k`` to
   ``c(k) = 2^254 + 8 m`` (``0 <= m < 2^251``) and returns the u-coordinate of ``[c(k)] P`` for
   either point ``P = (u, +-v)``; the Montgomery ladder uses the same formulas on ``E`` and
   ``E'`` (Bernstein, "Curve25519", PKC 2006, theorem 2.1), and ``u(-Q) = u(Q)``. Hence
   ``X25519(a, X25519(b, u)) = u([c(a) c(b)] P) = X25519(b, X25519(a, u))``: raising a set to
   two parties' scalars in either order gives the same points, which is what ECDH-PSI compares.
2. *Only curve points.* :func:`hash_to_curve` maps a digest to a uniformly random u-coordinate
   of ``E`` by try-and-increment: the two 32-byte halves of
   ``SHA-512(len(domain) || domain || counter || digest)``, top bit cleared, are candidates in
   turn (counter 0, 1, ...); the first that is below ``p`` with ``u^3 + A u^2 + u`` a non-zero
   square (Legendre symbol) is the point (2 candidates on average; all :data:`MAX_TRIES`
   failing has probability ``2^-128``). Scalar multiplication preserves the side (curve or
   twist), so hashing to both sides would show every receiver one bit of ``H(x)`` per key;
   hashing to ``E`` only shows nothing. The number of tries is not constant-time; it is local
   work on a party's own keys in batches, not visible to peers.
3. *Prime-order subgroup.* ``c(k)`` is a multiple of the cofactor 8, so every output lies in the
   subgroup ``G`` of order ``l``, or is 0 (the point at infinity) exactly when the input has order
   dividing 8. ``cryptography`` refuses an all-zero result (``ValueError``); we turn that into
   :class:`~confide.errors.ProtocolError` for a peer's points. A peer's point with a low-order
   component ``Q + T`` behaves exactly like ``Q`` (clamping removes ``T``): no gain, no leak.
4. *DDH.* Semi-honest DH-PSI (Meadows 1986; Huberman, Franklin and Hogg 1999) is secure in the
   random-oracle model for ``H`` under the decisional Diffie-Hellman assumption in ``G`` with
   exponents ``c(k)`` (the ``2^251`` values clamping allows), the same assumption under which
   X25519 key exchange is secure (about 126 bits against Pollard rho).
5. *Peer points are checked.* A point from a peer must be 32 bytes, canonical (top bit clear and
   ``u < p``, so each point has one encoding and byte equality is point equality), on ``E``
   (twist points are refused, though Curve25519 is twist-secure: ``l'`` is prime, so
   multiplying one by our scalar would reveal at most the bits clamping fixes), and not of low
   order. Anything else raises :class:`~confide.errors.ProtocolError` naming the peer.

Scalars (:func:`new_scalar`) are 32 bytes from ``secrets``; a fresh one per PSI run.

Parallelism: X25519 holds the GIL, so :class:`CurvePool` runs worker *processes*: each is
``python -c`` of a small program assembled from this module's kernel functions (the source of
:func:`_kernel` and its helpers) that imports only ``hashlib``, ``cryptography`` and ``gmpy2``.
It reads requests and writes replies as plain bytes over its stdin and stdout: no pickle, no
fork of a process running threads (gRPC, ``simulate``), and no re-import of the caller's
``__main__`` or of ``confide`` itself, so a worker is ready in about 0.25 s where a ``spawn``
process pool took over 1 s of CPU per worker. The scalar and points cross a pipe between
processes of the same party, not a trust boundary. Results come back in order, with at most two
chunks per worker in flight, so memory stays bounded however long the stream. Small jobs run in
this process, where starting workers would cost more than it saves.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import os
import queue
import secrets
import struct
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import BinaryIO, Literal

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from confide.errors import ConfideError, ConfigError, ProtocolError

__all__ = [
    "A",
    "DEFAULT_CHUNK",
    "MAX_TRIES",
    "P",
    "PARALLEL_MIN_POINTS",
    "POINT_BYTES",
    "SCALAR_BYTES",
    "CurvePool",
    "CurveTask",
    "available_cores",
    "check_points",
    "hash_multiply",
    "hash_to_curve",
    "is_on_curve",
    "multiply",
    "new_scalar",
]

#: The field prime of Curve25519.
P = 2**255 - 19
#: The Montgomery coefficient of Curve25519.
A = 486662
#: Bytes of a point (its u-coordinate, little-endian) and of a scalar.
POINT_BYTES = 32
SCALAR_BYTES = 32
#: Hash-to-curve candidates before giving up (each fails with probability about 1/2).
MAX_TRIES = 128
#: Points per chunk handed to a worker (about 0.1 s of work on one core).
DEFAULT_CHUNK = 2048
#: Below this many points in one job, workers cost more to start than they save.
PARALLEL_MIN_POINTS = 16_384

_MASK_255 = (1 << 255) - 1
_HALF = (P - 1) // 2
# Per-point outcomes of the kernel.
_OK, _NOT_ON_CURVE, _LOW_ORDER, _NO_POINT = 0, 1, 2, 3
_REASONS = {
    _NOT_ON_CURVE: "not on Curve25519 (a twist or invalid point)",
    _LOW_ORDER: "of low order (it would give the point at infinity)",
}
# A worker request: operation (0 hash, 1 multiply), item width, domain length, data length;
# then the scalar, the domain and the data. The reply: 32 bytes and 1 status byte per item.
_REQUEST = struct.Struct("<BBHI")
_OPS = {"hash": 0, "multiply": 1}


def _side_python(u: int) -> int:
    """The Legendre symbol of ``u^3 + A u^2 + u`` modulo ``P`` by Euler's criterion: 1 when
    ``u`` is on the curve, -1 when it is on the twist, 0 for ``u = 0``."""
    symbol = pow((u * (u * (u + A) + 1)) % P, _HALF, P)
    return -1 if symbol == P - 1 else symbol


def _load_side() -> Callable[[int], int]:
    """:func:`_side_python`, computed by GMP when ``gmpy2`` is installed (about 50 times faster)."""
    try:
        import gmpy2  # type: ignore[import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - exercised where gmpy2 is missing
        return _side_python
    modulus = gmpy2.mpz(P)

    def side(u: int) -> int:
        x = gmpy2.mpz(u)
        return int(gmpy2.jacobi(x * (x * (x + A) + 1) % modulus, modulus))

    return side


_side = _load_side()


def new_scalar() -> bytes:
    """A fresh secret X25519 scalar: 32 bytes from ``secrets`` (clamped by X25519 itself)."""
    return secrets.token_bytes(SCALAR_BYTES)


def available_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def is_on_curve(u: int) -> bool:
    """Whether ``u`` (in ``[0, P)``) is the u-coordinate of a point of Curve25519, not the twist."""
    return _side(u) != -1


# The kernel: _hash_to_u, _kernel and _serve run both here and, as source text, in workers. They
# use only the module constants above, _side, hashlib and cryptography's X25519.


def _hash_to_u(prefix: bytes, digest: bytes) -> bytes | None:
    for counter in range(MAX_TRIES // 2):
        h = hashlib.sha512(prefix + counter.to_bytes(1, "little") + digest).digest()
        for candidate in (h[:POINT_BYTES], h[POINT_BYTES:]):
            u = int.from_bytes(candidate, "little") & _MASK_255
            if u < P and _side(u) == 1:
                return u.to_bytes(POINT_BYTES, "little")
    return None


def _kernel(op: int, scalar: bytes, domain: bytes, data: bytes, width: int) -> tuple[bytes, bytes]:
    """The work of one chunk, plain bytes in and out (in a worker or in this process).

    ``op`` 0 (hash): ``data`` holds digests of ``width`` bytes; hash each to the curve, then
    multiply. ``op`` 1 (multiply): ``data`` holds canonical points; check each is on the curve,
    then multiply. Returns the points (zeros where refused) and one status byte per point.
    """
    exchange = X25519PrivateKey.from_private_bytes(scalar).exchange
    load = X25519PublicKey.from_public_bytes
    prefix = len(domain).to_bytes(1, "little") + domain
    out = bytearray()
    status = bytearray()
    zero = bytes(POINT_BYTES)
    for start in range(0, len(data), width):
        item = data[start : start + width]
        if op == 0:
            point = _hash_to_u(prefix, item)
            if point is None:
                out += zero
                status.append(_NO_POINT)
                continue
        else:
            if _side(int.from_bytes(item, "little")) == -1:
                out += zero
                status.append(_NOT_ON_CURVE)
                continue
            point = item
        try:
            out += exchange(load(point))
        except ValueError:  # all-zero result: the input has order dividing 8
            out += zero
            status.append(_LOW_ORDER)
        else:
            status.append(_OK)
    return bytes(out), bytes(status)


def _serve(source: BinaryIO, sink: BinaryIO) -> None:
    """A worker's loop: answer each request of ``source`` on ``sink`` until end of input."""
    while header := source.read(_REQUEST.size):
        op, width, domain_size, data_size = _REQUEST.unpack(header)
        body = source.read(SCALAR_BYTES + domain_size + data_size)
        scalar, domain = body[:SCALAR_BYTES], body[SCALAR_BYTES : SCALAR_BYTES + domain_size]
        points, status = _kernel(op, scalar, domain, body[SCALAR_BYTES + domain_size :], width)
        sink.write(points + status)
        sink.flush()


def _worker_program() -> str:
    """The source of a worker: this module's constants and kernel functions, then ``_serve``."""
    constants = {
        "P": P, "A": A, "POINT_BYTES": POINT_BYTES, "SCALAR_BYTES": SCALAR_BYTES,
        "MAX_TRIES": MAX_TRIES, "_MASK_255": _MASK_255, "_HALF": _HALF, "_OK": _OK,
        "_NOT_ON_CURVE": _NOT_ON_CURVE, "_LOW_ORDER": _LOW_ORDER, "_NO_POINT": _NO_POINT,
    }  # fmt: skip
    try:
        functions = [
            inspect.getsource(f) for f in (_side_python, _load_side, _hash_to_u, _kernel, _serve)
        ]
    except OSError as exc:  # pragma: no cover - only without source files
        raise ConfideError("curve workers need this module's source; use workers=1") from exc
    return "\n".join(
        [
            "from __future__ import annotations",
            "import sys",
            f"sys.path[:] = {[p for p in sys.path if p]!r}",  # what this process imports from
            "import hashlib, struct",
            "from typing import BinaryIO, Callable",
            "from cryptography.hazmat.primitives.asymmetric.x25519 import (",
            "    X25519PrivateKey, X25519PublicKey)",
            *(f"{name} = {value!r}" for name, value in constants.items()),
            f"_REQUEST = struct.Struct({_REQUEST.format!r})",
            *functions,
            "_side = _load_side()",
            "_serve(sys.stdin.buffer, sys.stdout.buffer)",
        ]
    )


def check_points(value: object, *, source: str, rows: int | None = None) -> np.ndarray:
    """``value`` as an ``(n, 32)`` uint8 array of canonical u-coordinates, or ``ProtocolError``.

    ``source`` names the sender in the error (e.g. ``"'bob'"``); ``rows``, when given, is the
    exact number of points expected. Whether each point is on the curve and not of low order is
    checked where it is multiplied (:func:`multiply`, :class:`CurvePool`).
    """
    if (
        not isinstance(value, np.ndarray)
        or value.dtype != np.uint8
        or value.ndim != 2
        or value.shape[1] != POINT_BYTES
    ):
        raise ProtocolError(f"{source} sent points that are not a uint8 array of shape (n, 32)")
    if rows is not None and value.shape[0] != rows:
        raise ProtocolError(f"{source} sent {value.shape[0]} points where {rows} were expected")
    top = value[:, -1]
    too_big = (top >= 0x80) | (
        (top == 0x7F) & np.all(value[:, 1:-1] == 0xFF, axis=1) & (value[:, 0] >= 0xED)
    )
    if too_big.any():
        position = int(np.flatnonzero(too_big)[0])
        raise ProtocolError(
            f"{source} sent a non-canonical point at position {position} (u >= 2^255 - 19)"
        )
    return np.ascontiguousarray(value)


@dataclass(frozen=True)
class CurveTask:
    """One piece of curve work: hash ``data`` (digests) to points, or multiply ``data`` (points).

    ``source`` names who the data came from in error messages (``"'bob'"``, ``"own keys"``);
    ``offset`` is the position of ``data[0]`` in that source's stream; ``domain`` separates the
    hash to the curve of one protocol from any other.
    """

    op: Literal["hash", "multiply"]
    data: np.ndarray
    source: str
    offset: int = 0
    domain: bytes = b""

    def __post_init__(self) -> None:
        if self.op not in ("hash", "multiply"):
            raise ConfigError(f"unknown curve operation {self.op!r}")
        if self.data.dtype != np.uint8 or self.data.ndim != 2:
            raise ConfigError("curve task data must be a two-dimensional uint8 array")
        if self.op == "multiply" and self.data.shape[1] != POINT_BYTES:
            raise ConfigError(f"points must be {POINT_BYTES} bytes each")
        if not 0 <= len(self.domain) < 256:
            raise ConfigError("a hash-to-curve domain is at most 255 bytes")


_Part = Future[tuple[bytes, bytes]] | tuple[bytes, bytes]


class _Worker:
    """One worker process running :func:`_worker_program`, one request at a time."""

    def __init__(self, program: str) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-c", program],  # isolated: no current folder on the path
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def call(self, request: bytes, reply_size: int) -> bytes:
        stdin, stdout = self._process.stdin, self._process.stdout
        if stdin is None or stdout is None:  # pragma: no cover - always piped
            raise ConfideError("a curve worker has no pipes")
        try:
            stdin.write(request)
            stdin.flush()
            reply = stdout.read(reply_size)
        except OSError as exc:
            raise ConfideError(f"a curve worker failed: {self._last_words()}") from exc
        if len(reply) != reply_size:
            raise ConfideError(f"a curve worker stopped: {self._last_words()}")
        return reply

    def _last_words(self) -> str:
        self.close()
        err = self._process.stderr.read() if self._process.stderr else b""
        lines = err.decode("utf-8", "replace").strip().splitlines()
        return lines[-1] if lines else f"exit code {self._process.returncode}"

    def close(self) -> None:
        """End the process: end of input stops it; a stuck one is killed."""
        if self._process.stdin is not None and not self._process.stdin.closed:
            with contextlib.suppress(OSError):  # the worker may be gone already
                self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - a hung worker
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


class CurvePool:
    """X25519 work spread over worker processes, results in order; use as a context manager.

    ``workers=1`` does everything in this process; more start that many worker processes on
    first use (see the module docstring). :meth:`for_points` picks in-process work for small
    jobs. :meth:`close` (or leaving the ``with`` block) stops every worker.
    """

    def __init__(self, workers: int | None = None, *, chunk: int = DEFAULT_CHUNK) -> None:
        count = available_cores() if workers is None else workers
        if count < 1 or chunk < 1:
            raise ConfigError(f"workers and chunk must be positive, got {workers} and {chunk}")
        self.workers = count
        self.chunk = chunk
        self._threads: ThreadPoolExecutor | None = None
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._started: list[_Worker] = []
        self._lock = threading.Lock()

    @classmethod
    def for_points(
        cls, points: int, workers: int | None = None, *, chunk: int = DEFAULT_CHUNK
    ) -> CurvePool:
        """A pool for a job of about ``points`` multiplications (in-process when small)."""
        return cls(1 if points < PARALLEL_MIN_POINTS else workers, chunk=chunk)

    def __enter__(self) -> CurvePool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker processes (work not yet started is dropped)."""
        with self._lock:
            threads, self._threads = self._threads, None
            started, self._started = self._started, []
        if threads is not None:
            threads.shutdown(wait=True, cancel_futures=True)
        for worker in started:
            worker.close()

    def run(self, scalar: bytes, task: CurveTask) -> np.ndarray:
        """The result of one task, as an ``(n, 32)`` uint8 array."""
        return next(self.imap(scalar, [task]))[1]

    def imap(
        self, scalar: bytes, tasks: Iterable[CurveTask]
    ) -> Iterator[tuple[CurveTask, np.ndarray]]:
        """Each task with its result, in order; tasks are pulled lazily as workers free up.

        Raises :class:`~confide.errors.ProtocolError` at the first refused point of a
        ``multiply`` task (naming its source and position).
        """
        if not isinstance(scalar, bytes) or len(scalar) != SCALAR_BYTES:
            raise ConfigError(f"an X25519 scalar is {SCALAR_BYTES} bytes")
        window = 1 if self.workers == 1 else 2 * self.workers
        pending: deque[tuple[CurveTask, list[_Part]]] = deque()
        in_flight = 0
        source = iter(tasks)
        exhausted = False
        while True:
            while not exhausted and in_flight < window:
                task = next(source, None)
                if task is None:
                    exhausted = True
                    break
                starts = range(0, task.data.shape[0], self.chunk)
                parts = [self._submit(scalar, task, start) for start in starts]
                pending.append((task, parts))
                in_flight += len(parts)
            if not pending:
                return
            task, parts = pending.popleft()
            in_flight -= len(parts)
            results = [part if isinstance(part, tuple) else part.result() for part in parts]
            yield task, self._finish(task, results)

    def _submit(self, scalar: bytes, task: CurveTask, start: int) -> _Part:
        piece = task.data[start : start + self.chunk]
        op, width, data = _OPS[task.op], piece.shape[1], piece.tobytes()
        if self.workers == 1:
            return _kernel(op, scalar, task.domain, data, width)
        request = _REQUEST.pack(op, width, len(task.domain), len(data)) + scalar + task.domain
        return self._executor().submit(self._call, request + data, piece.shape[0] * 33)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._threads is None:
                program = _worker_program()
                for _ in range(self.workers):
                    worker = _Worker(program)
                    self._started.append(worker)
                    self._idle.put(worker)
                self._threads = ThreadPoolExecutor(self.workers, "confide-curve")
            return self._threads

    def _call(self, request: bytes, reply_size: int) -> tuple[bytes, bytes]:
        """Send one request to an idle worker (a thread per worker waits on the pipes)."""
        worker = self._idle.get()
        try:
            reply = worker.call(request, reply_size)
        finally:
            self._idle.put(worker)
        split = reply_size // 33 * POINT_BYTES
        return reply[:split], reply[split:]

    @staticmethod
    def _finish(task: CurveTask, parts: list[tuple[bytes, bytes]]) -> np.ndarray:
        points = np.frombuffer(b"".join(p for p, _ in parts), dtype=np.uint8)
        status = np.frombuffer(b"".join(s for _, s in parts), dtype=np.uint8)
        refused = np.flatnonzero(status)
        if refused.size:
            position = int(refused[0])
            code = int(status[position])
            if task.op == "multiply":
                raise ProtocolError(
                    f"{task.source} sent a point at position {task.offset + position} that is "
                    f"{_REASONS[code]}"
                )
            raise ConfideError(
                f"the key digest at position {task.offset + position} of {task.source} gives no "
                "usable point (probability below 2^-120); use another digest domain"
            )
        return points.reshape(-1, POINT_BYTES)


def _in_process(task: CurveTask, scalar: bytes) -> np.ndarray:
    with CurvePool(1) as pool:
        return pool.run(scalar, task)


def hash_to_curve(digests: np.ndarray, domain: bytes) -> np.ndarray:
    """The ``(n, 32)`` u-coordinates on Curve25519 that ``digests`` (``(n, w)`` uint8) hash to."""
    prefix = len(domain).to_bytes(1, "little") + domain
    out = []
    for row in np.ascontiguousarray(digests, dtype=np.uint8):
        point = _hash_to_u(prefix, row.tobytes())
        if point is None:  # pragma: no cover - probability 2^-128
            raise ConfideError("a digest gives no point on the curve; use another domain")
        out.append(point)
    points: np.ndarray = np.frombuffer(b"".join(out), dtype=np.uint8).reshape(-1, POINT_BYTES)
    copied: np.ndarray = points.copy()
    return copied


def hash_multiply(scalar: bytes, digests: np.ndarray, domain: bytes) -> np.ndarray:
    """``X25519(scalar, hash_to_curve(d))`` for each digest row, in this process."""
    task = CurveTask("hash", np.ascontiguousarray(digests, dtype=np.uint8), "own keys", 0, domain)
    return _in_process(task, scalar)


def multiply(scalar: bytes, points: object, *, source: str = "the peer") -> np.ndarray:
    """``X25519(scalar, u)`` for each point, after every check on it, in this process."""
    checked = check_points(points, source=source)
    return _in_process(CurveTask("multiply", checked, source), scalar)
