"""The node's local admin API: JSON over HTTP on a loopback address, behind a bearer token.

The ``confide job`` and ``confide node status`` commands talk to the running daemon through it
(:class:`~confide.node.client.AdminClient`). It listens only on the loopback address of the
node's config (:class:`~confide.node.NodeConfig` refuses any other) and answers only requests
that carry ``Authorization: Bearer <token>`` with the node's admin token (compared in constant
time, :func:`hmac.compare_digest`); the token file is private to the node's user.

=========================================  ================================================
request                                    answer
=========================================  ================================================
``GET  /v1/node``                          party, federation, peers, components, job counts,
                                           its means for enclave jobs
``GET  /v1/jobs``                          every job (summary), oldest first
``POST /v1/jobs``  ``{"spec": YAML}``      submit a job (this party initiates it): its detail
``GET  /v1/jobs/ID``                       the job's detail: state, reason, approvals,
                                           steps, progress, spec
``POST /v1/jobs/ID/approve``               this node's operator approves
``POST /v1/jobs/ID/refuse`` ``{"reason"}`` this node's operator refuses, saying why
``POST /v1/jobs/ID/cancel`` ``{"reason"}`` stop the job at every party
``GET  /v1/jobs/ID/logs?after=SEQ``        the job's log lines (newer than ``SEQ``)
``GET  /v1/jobs/ID/results``               the results kept for this party (names, kinds)
``GET  /v1/jobs/ID/results/NAME``          one result's value as JSON
=========================================  ================================================

Errors are ``{"error": message, "type": name}`` with status 400 (bad request), 401 (no or
wrong token), 404 (no such job or result), 409 (not possible in the job's state), 500 (the
store failed). Bodies are at most :data:`MAX_BODY_BYTES`.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import math
import re
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np

from confide.errors import ConfideError, ConfigError
from confide.net.wire import decode
from confide.node.approvals import SignedDecision
from confide.node.coordinator import Coordinator
from confide.node.errors import AlreadyExists, IllegalTransition, NotFound
from confide.node.records import JobRecord, JobState, LogLine, ResultRecord
from confide.node.store import NodeStore
from confide.runtime.disclosure import Disclosure

__all__ = ["DISCLOSURE", "MAX_BODY_BYTES", "AdminServer", "job_detail", "job_summary", "json_value"]

logger = logging.getLogger(__name__)

DISCLOSURE = (
    Disclosure(
        "whoever holds this node's admin token (its operators, on this machine)",
        "every job this node knows, its spec, decisions, log and the results kept for this "
        "node's party",
        "the API listens on loopback only and wants the token on every request",
    ),
)

#: Largest request body the API reads.
MAX_BODY_BYTES = 1 << 20

_JOB = r"(?P<job>[A-Za-z0-9_.-]+)"


# -- JSON views ------------------------------------------------------------------------------------


def json_value(value: Any) -> Any:
    """A decoded wire value as JSON: arrays as lists, bytes as ``{"base64": ...}``, NaN and
    infinities as ``null``."""
    if isinstance(value, np.ndarray):
        return json_value(value.tolist())
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_value(item) for item in value]
    if isinstance(value, bytes):
        return {"base64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def job_summary(job: JobRecord) -> dict[str, Any]:
    """A job's listing entry."""
    return {
        "id": job.id,
        "name": job.spec.name,
        "state": job.state.value,
        "reason": job.reason,
        "proposer": job.proposer,
        "spec_hash": job.spec_hash,
        "created_at": job.created_at.isoformat(),
        "updated_at": job.updated_at.isoformat(),
    }


def _log_json(line: LogLine) -> dict[str, Any]:
    return {
        "seq": line.seq,
        "at": line.at.isoformat(),
        "message": line.message,
        "progress": line.progress,
    }


def _result_json(result: ResultRecord) -> dict[str, Any]:
    return {
        "name": result.name,
        "kind": result.kind.value,
        "created_at": result.created_at.isoformat(),
        "bytes": None if result.payload is None else len(result.payload),
    }


def job_detail(store: NodeStore, job: JobRecord, party: str) -> dict[str, Any]:
    """A job's full view for ``party``'s operator: decisions, steps, progress and spec."""
    spec = job.spec
    approvals = []
    for record in store.approvals(job.id):
        reason = SignedDecision.from_record(record).reason
        approvals.append(
            {
                "party": record.party,
                "decision": record.decision.value,
                "reason": reason or None,
                "at": record.at.isoformat(),
            }
        )
    decided = {a["party"] for a in approvals}
    lines = store.job_log(job.id)
    progress = next((line.progress for line in reversed(lines) if line.progress is not None), None)
    return {
        **job_summary(job),
        "parties": {p: sorted(role.value for role in roles) for p, roles in spec.parties.items()},
        "datasets": {p: list(names) for p, names in spec.datasets.items()},
        "steps": [
            {
                "id": step.id,
                "component": step.component,
                "after": list(step.after),
                "outputs": [output.to_dict() for output in step.outputs],
            }
            for step in spec.steps
        ],
        "approvals": approvals,
        "waiting_for": (
            [p for p in sorted(spec.parties) if p not in decided]
            if job.state is JobState.PROPOSED
            else []
        ),
        "progress": progress,
        "last_message": lines[-1].message if lines else None,
        "results": [_result_json(r) for r in store.results(job.id, party)],
        "spec": job.spec_yaml,
    }


# -- the server --------------------------------------------------------------------------------


class _Request:
    """What a route handler gets: the path's groups, the query and the JSON body."""

    def __init__(self, groups: dict[str, str], query: dict[str, list[str]], body: Any) -> None:
        self.groups = groups
        self.query = query
        self.body = body

    def text(self, name: str, default: str = "") -> str:
        if not isinstance(self.body, dict):
            return default
        value = self.body.get(name, default)
        if not isinstance(value, str):
            raise ConfigError(f"the request field {name!r} must be text")
        return value


_Route = Callable[[_Request], tuple[int, Any]]


class AdminServer:
    """The admin API of one node, served on a thread (see the module docstring)."""

    def __init__(self, coordinator: Coordinator, *, host: str, port: int, token: str) -> None:
        if not token:
            raise ConfigError("the admin API needs a token")
        self.coordinator = coordinator
        self._token = token.encode("utf-8")
        self._routes: list[tuple[str, re.Pattern[str], _Route]] = [
            ("GET", re.compile(r"/v1/node"), self._node),
            ("GET", re.compile(r"/v1/jobs"), self._jobs),
            ("POST", re.compile(r"/v1/jobs"), self._submit),
            ("GET", re.compile(rf"/v1/jobs/{_JOB}"), self._job),
            ("POST", re.compile(rf"/v1/jobs/{_JOB}/approve"), self._approve),
            ("POST", re.compile(rf"/v1/jobs/{_JOB}/refuse"), self._refuse),
            ("POST", re.compile(rf"/v1/jobs/{_JOB}/cancel"), self._cancel),
            ("GET", re.compile(rf"/v1/jobs/{_JOB}/logs"), self._logs),
            ("GET", re.compile(rf"/v1/jobs/{_JOB}/results"), self._results),
            ("GET", re.compile(rf"/v1/jobs/{_JOB}/results/(?P<name>[^/]+)"), self._result),
        ]
        try:
            self._server = ThreadingHTTPServer((host, port), self._handler_class())
        except OSError as exc:
            raise ConfigError(
                f"the admin API cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from exc
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="admin-api", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        """The host and port the API listens on."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        """Serve requests on a thread."""
        self._thread.start()

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5.0)

    # -- routes -------------------------------------------------------------------------------

    @property
    def _store(self) -> NodeStore:
        return self.coordinator.services.store

    @property
    def _party(self) -> str:
        return self.coordinator.party

    def _node(self, request: _Request) -> tuple[int, Any]:
        counts: dict[str, int] = {}
        for job in self._store.list_jobs():
            counts[job.state.value] = counts.get(job.state.value, 0) + 1
        federation = self.coordinator.federation
        return HTTPStatus.OK, {
            "party": self._party,
            "federation": federation.name,
            "peers": [p for p in federation.parties if p != self._party],
            "components": list(self.coordinator.services.components.names()),
            "jobs": counts,
            "running": self.coordinator.running(),
            "tee": self.coordinator.services.tee.describe(),
        }

    def _jobs(self, request: _Request) -> tuple[int, Any]:
        return HTTPStatus.OK, [job_summary(job) for job in self._store.list_jobs()]

    def _detail(self, job: JobRecord) -> dict[str, Any]:
        return job_detail(self._store, job, self._party)

    def _submit(self, request: _Request) -> tuple[int, Any]:
        spec = request.text("spec")
        if not spec:
            raise ConfigError("give the job spec's YAML as {'spec': ...}")
        return HTTPStatus.CREATED, self._detail(self.coordinator.submit(spec))

    def _job(self, request: _Request) -> tuple[int, Any]:
        return HTTPStatus.OK, self._detail(self._store.get_job(request.groups["job"]))

    def _approve(self, request: _Request) -> tuple[int, Any]:
        return HTTPStatus.OK, self._detail(self.coordinator.approve(request.groups["job"]))

    def _refuse(self, request: _Request) -> tuple[int, Any]:
        job = self.coordinator.refuse(request.groups["job"], request.text("reason"))
        return HTTPStatus.OK, self._detail(job)

    def _cancel(self, request: _Request) -> tuple[int, Any]:
        job = self.coordinator.cancel(request.groups["job"], request.text("reason"))
        return HTTPStatus.OK, self._detail(job)

    def _logs(self, request: _Request) -> tuple[int, Any]:
        after_text = request.query.get("after", [""])[0]
        if after_text and not after_text.isdigit():
            raise ConfigError("after must be a log line's seq (a number)")
        after = int(after_text) if after_text else None
        lines = self._store.job_log(request.groups["job"], after=after)
        return HTTPStatus.OK, [_log_json(line) for line in lines]

    def _results(self, request: _Request) -> tuple[int, Any]:
        results = self._store.results(request.groups["job"], self._party)
        return HTTPStatus.OK, [_result_json(result) for result in results]

    def _result(self, request: _Request) -> tuple[int, Any]:
        result = self._store.get_result(request.groups["job"], self._party, request.groups["name"])
        if result.payload is None:
            raise ConfigError(f"result {result.name!r} is a file: {result.path}")
        value = decode(bytearray(result.payload))
        return HTTPStatus.OK, {**_result_json(result), "value": json_value(value)}

    # -- HTTP ---------------------------------------------------------------------------------

    def _authorized(self, header: str | None) -> bool:
        scheme, _, token = (header or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        return hmac.compare_digest(token.strip().encode("utf-8"), self._token)

    def _route(self, method: str, path: str) -> tuple[_Route, dict[str, str]] | None:
        for route_method, pattern, route in self._routes:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                return route, match.groupdict()
        return None

    def _answer(self, method: str, target: str, headers: Any, body: bytes) -> tuple[int, Any]:
        if not self._authorized(headers.get("Authorization")):
            return HTTPStatus.UNAUTHORIZED, {"error": "a valid bearer token is required"}
        parts = urlsplit(target)
        found = self._route(method, parts.path.rstrip("/") or "/")
        if found is None:
            return HTTPStatus.NOT_FOUND, {"error": f"no such request: {method} {parts.path}"}
        route, groups = found
        try:
            data = json.loads(body) if body else None
        except (ValueError, UnicodeDecodeError):
            return HTTPStatus.BAD_REQUEST, {"error": "the request body is not JSON"}
        try:
            return route(_Request(groups, parse_qs(parts.query), data))
        except NotFound as exc:
            return HTTPStatus.NOT_FOUND, _error(exc)
        except (IllegalTransition, AlreadyExists) as exc:
            return HTTPStatus.CONFLICT, _error(exc)
        except ConfigError as exc:
            return HTTPStatus.BAD_REQUEST, _error(exc)
        except ConfideError as exc:
            logger.exception("admin request %s %s failed", method, parts.path)
            return HTTPStatus.INTERNAL_SERVER_ERROR, _error(exc)
        except Exception:
            logger.exception("admin request %s %s failed", method, parts.path)
            return HTTPStatus.INTERNAL_SERVER_ERROR, {
                "error": "the node failed to answer (see its log)",
                "type": "InternalError",
            }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "confide-node"

            def _serve(self, method: str) -> None:
                length_text = self.headers.get("Content-Length", "0")
                length = int(length_text) if length_text.isdigit() else -1
                status: int
                data: Any
                if not 0 <= length <= MAX_BODY_BYTES:
                    status, data = (
                        HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                        {"error": f"the body must be at most {MAX_BODY_BYTES} bytes"},
                    )
                    self.close_connection = True
                else:
                    body = self.rfile.read(length) if length else b""
                    status, data = server._answer(method, self.path, self.headers, body)
                payload = json.dumps(data).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("admin API: " + format, *args)

        return Handler


def _error(exc: ConfideError) -> dict[str, str]:
    return {"error": str(exc), "type": type(exc).__name__}
