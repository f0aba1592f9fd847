"""A client of a running node's admin API (:mod:`confide.node.admin`), for the ``confide`` command.

    client = AdminClient.from_config(load_config("node.yaml"))
    job = client.submit(Path("job.yaml").read_text())
    client.approve(job["id"])

Answers are the API's JSON. Errors come back as the store's own types: :class:`NotFound`
(404), :class:`IllegalTransition` (409), :class:`ConfigError` (400 and 401), :class:`StoreError`
(500); :class:`NodeUnreachable` when no daemon answers on the configured address.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote

from confide.errors import ConfideError, ConfigError
from confide.node.config import NodeConfig
from confide.node.errors import IllegalTransition, NotFound, StoreError

__all__ = ["AdminClient", "NodeUnreachable"]

_ERRORS: dict[int, type[ConfideError]] = {
    400: ConfigError,
    401: ConfigError,
    404: NotFound,
    409: IllegalTransition,
}


class NodeUnreachable(ConfideError):
    """No node daemon answers on the admin address of the config."""


class AdminClient:
    """Calls the admin API at ``http://host:port`` with ``token``."""

    def __init__(self, host: str, port: int, token: str, *, timeout: float = 30.0) -> None:
        shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
        self.base_url = f"http://{shown}:{port}"
        self._token = token
        self.timeout = timeout

    @classmethod
    def from_config(cls, config: NodeConfig, *, timeout: float = 30.0) -> AdminClient:
        """The client of the node that ``config`` describes (its admin address and token)."""
        return cls(config.admin_host, config.admin_port, config.admin_token(), timeout=timeout)

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One API call; the decoded JSON answer, or the error the API reported."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(  # noqa: S310 (always http://, built above)
            self.base_url + path,
            data=data,
            method=method,
            headers={
                "Authorization": f"Bearer {self._token}",
                "Content-Type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise _translate(exc) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NodeUnreachable(
                f"no Confide node answers at {self.base_url} ({reason}); is `confide node start` "
                "running with this config?"
            ) from exc

    # -- the calls ----------------------------------------------------------------------------

    def node(self) -> dict[str, Any]:
        """The node's party, federation, components and job counts."""
        answer: dict[str, Any] = self.request("GET", "/v1/node")
        return answer

    def jobs(self) -> list[dict[str, Any]]:
        """Every job, oldest first."""
        answer: list[dict[str, Any]] = self.request("GET", "/v1/jobs")
        return answer

    def submit(self, spec_yaml: str) -> dict[str, Any]:
        """Propose a job; its detail."""
        answer: dict[str, Any] = self.request("POST", "/v1/jobs", {"spec": spec_yaml})
        return answer

    def job(self, job_id: str) -> dict[str, Any]:
        """A job's detail."""
        answer: dict[str, Any] = self.request("GET", f"/v1/jobs/{quote(job_id)}")
        return answer

    def approve(self, job_id: str) -> dict[str, Any]:
        """Approve a job held for this node's operator."""
        answer: dict[str, Any] = self.request("POST", f"/v1/jobs/{quote(job_id)}/approve", {})
        return answer

    def refuse(self, job_id: str, reason: str) -> dict[str, Any]:
        """Refuse a job held for this node's operator."""
        path = f"/v1/jobs/{quote(job_id)}/refuse"
        answer: dict[str, Any] = self.request("POST", path, {"reason": reason})
        return answer

    def cancel(self, job_id: str, reason: str = "") -> dict[str, Any]:
        """Stop a job at every party."""
        path = f"/v1/jobs/{quote(job_id)}/cancel"
        answer: dict[str, Any] = self.request("POST", path, {"reason": reason})
        return answer

    def logs(self, job_id: str, after: int | None = None) -> list[dict[str, Any]]:
        """The job's log lines, those after ``after`` only if given."""
        query = "" if after is None else f"?after={int(after)}"
        answer: list[dict[str, Any]] = self.request("GET", f"/v1/jobs/{quote(job_id)}/logs{query}")
        return answer

    def results(self, job_id: str) -> list[dict[str, Any]]:
        """The results this node keeps for its party."""
        answer: list[dict[str, Any]] = self.request("GET", f"/v1/jobs/{quote(job_id)}/results")
        return answer

    def result(self, job_id: str, name: str) -> dict[str, Any]:
        """One result, with its value as JSON."""
        path = f"/v1/jobs/{quote(job_id)}/results/{quote(name, safe='')}"
        answer: dict[str, Any] = self.request("GET", path)
        return answer

    def __repr__(self) -> str:
        return f"AdminClient({self.base_url!r})"


def _translate(exc: urllib.error.HTTPError) -> ConfideError:
    try:
        message = str(json.loads(exc.read()).get("error", ""))
    except (ValueError, AttributeError, OSError):
        message = ""
    kind = _ERRORS.get(exc.code, StoreError)
    return kind(message or f"the node's admin API answered {exc.code} {exc.reason}")
