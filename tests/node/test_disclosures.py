"""The job flow's modules and every installed component say who learns what."""

from __future__ import annotations

from confide.node import admin, coordinator, runner
from confide.node.components import default_registry
from confide.runtime.disclosure import Disclosure


def test_each_part_of_the_job_flow_says_who_learns_what() -> None:
    for module in (admin, coordinator, runner):
        assert module.DISCLOSURE
        assert all(isinstance(d, Disclosure) and d.who and d.learns for d in module.DISCLOSURE)


def test_every_builtin_component_says_who_learns_what() -> None:
    for component in default_registry():
        assert component.disclosure and component.summary
        assert all(d.who and d.learns for d in component.disclosure)
