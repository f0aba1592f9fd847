"""Tags derived from scopes, job isolation and argument checks of the context."""

from __future__ import annotations

import pytest

from confide.errors import ConfigError
from confide.net.memory import MemoryHub
from confide.runtime.context import Context, Role


def contexts(job_id: str = "job1") -> dict[str, Context]:
    hub = MemoryHub(["a", "b"])
    return {p: Context(p, link, job_id=job_id, timeout=5) for p, link in hub.links().items()}


def test_scopes_and_counters_give_matching_tags() -> None:
    ctx = contexts()
    a, b = ctx["a"], ctx["b"]
    for epoch in range(2):
        with a.scope("epoch", epoch):
            a.send("b", "grad", epoch)
            a.send("b", "grad", epoch + 10)
    for epoch in range(2):
        with b.scope("epoch", epoch):
            assert b.recv("a", "grad") == epoch
            assert b.recv("a", "grad") == epoch + 10


def test_tags_carry_job_scope_name_and_count() -> None:
    a = contexts()["a"]
    with a.scope("fit"), a.scope("epoch", 3):
        assert a._tag("w", "b", {}) == "job1/fit/epoch/3/w#0"
    assert a._scope == []


def test_two_jobs_on_the_same_links_do_not_mix() -> None:
    hub = MemoryHub(["a", "b"])
    one = {p: Context(p, link, job_id="one", timeout=5) for p, link in hub.links().items()}
    two = {p: Context(p, link, job_id="two", timeout=5) for p, link in hub.links().items()}
    one["a"].send("b", "x", "from job one")
    two["a"].send("b", "x", "from job two")
    assert two["b"].recv("a", "x") == "from job two"
    assert one["b"].recv("a", "x") == "from job one"


def test_roles_and_order() -> None:
    hub = MemoryHub(["bank", "platform", "dealer"])
    roles: dict[str, list[Role | str]] = {
        "dealer": [Role.COMPUTE_HELPER],
        "bank": [Role.DATA_PROVIDER, "result_receiver"],
    }
    ctx = Context("bank", hub.link("bank"), parties=["bank", "platform", "dealer"], roles=roles)
    assert ctx.others == ("platform", "dealer")
    assert ctx.parties_with(Role.COMPUTE_HELPER) == ("dealer",)
    assert ctx.parties_with(Role.RESULT_RECEIVER) == ("bank",)
    assert ctx.job_id.startswith("job-")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"job_id": "a/b"}, "job id"),
        ({"parties": ["a", "a", "b"]}, "unique"),
        ({"parties": ["b", "c"]}, "not one of"),
        ({"timeout": 0}, "timeout"),
        ({"roles": {"zed": [Role.DATA_PROVIDER]}}, "not in the job"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object], message: str) -> None:
    hub = MemoryHub(["a", "b"])
    with pytest.raises(ConfigError, match=message):
        Context("a", hub.link("a"), **kwargs)  # type: ignore[arg-type]


def test_bad_names_and_peers_are_refused() -> None:
    a = contexts()["a"]
    with pytest.raises(ConfigError, match="scope part"), a.scope("no/slash"):
        pass
    with pytest.raises(ConfigError, match="message name"):
        a.send("b", "x#1", 0)
    with pytest.raises(ConfigError, match="another party"):
        a.send("a", "x", 0)
