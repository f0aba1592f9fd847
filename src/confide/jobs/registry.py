"""The component registry: the functions a job's steps name, and what they take and give back.

A component is an SPMD function that every party of a job runs for one step of its spec::

    registry = ComponentRegistry()

    @registry.register("stats.joint", disclosure=DISCLOSURE, check=check_stats_spec)
    def stats_joint(ctx: Context, inputs: ComponentInputs) -> ComponentOutputs:
        ...
        return ComponentOutputs(values={"summary": stats.to_dict()})

The node (:mod:`confide.node.runner`) builds the :class:`ComponentInputs` of each party: the
step, its parameters, the frames this party may read (read by the node through
:meth:`~confide.node.DatasetRegistry.read` with exactly the columns the step declares for this
party's datasets: a component that needs the id column declares it) and the outputs of the
steps this one comes ``after``, as this party holds them. The component returns
:class:`ComponentOutputs`: the values of the step's declared outputs that *this* party receives
(the node stores them for this party only, and refuses a value for an output this party does
not receive) and private ``state`` that stays in this process for the job's later steps (never
stored, never sent).

``check`` (optional) is called on every party's node when the job is proposed, before any data
is read: it raises :class:`~confide.errors.ConfigError` when the spec asks the component for
something it cannot honour (an output kind it does not make, receivers that differ from the
parties that learn the value in its protocol, parameters it does not know), and the node
refuses the job with that reason. Components are looked up by name in an explicit registry
object that the node is given: there is no global registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from confide.errors import ConfigError
from confide.net.wire import Value
from confide.policy.job import JobSpec, Output, Step, check_component_name
from confide.runtime.context import Context
from confide.runtime.disclosure import Disclosure

__all__ = [
    "Component",
    "ComponentFn",
    "ComponentInputs",
    "ComponentOutputs",
    "ComponentRegistry",
    "Progress",
    "SpecCheck",
    "readers",
]

#: ``progress(fraction, message)``: how far the component is, in [0, 1], and what it does.
Progress = Callable[[float, str], None]


def readers(spec: JobSpec, step: Step) -> tuple[str, ...]:
    """The parties that read data in ``step``, sorted by name (the order the node gives the
    job's parties in every context)."""
    return tuple(sorted(party for party, datasets in step.reads.items() if datasets))


def _no_progress(fraction: float, message: str) -> None:
    """The progress callback of inputs built without one."""


@dataclass(frozen=True)
class ComponentOutputs:
    """What a component gives back on one party.

    ``values``: output name -> value (wire-format values only: numbers, text, bytes, numpy
    arrays, lists and maps of them), for the step's outputs that this party receives.
    ``state``: anything this party keeps for the job's later steps (aligned row positions, a
    model share); it never leaves the process.
    """

    values: Mapping[str, Value] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ComponentInputs:
    """What a component receives on one party (see the module docstring).

    ``frames``: dataset name -> the columns this step reads of it (exactly those declared), only for
    this party's datasets that the step reads. ``id_columns``: dataset name -> its id column.
    ``upstream``: step id -> that step's outputs on this party, for the steps in ``step.after``.
    """

    party: str
    spec: JobSpec
    step: Step
    frames: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    id_columns: Mapping[str, str] = field(default_factory=dict)
    upstream: Mapping[str, ComponentOutputs] = field(default_factory=dict)
    progress: Progress = _no_progress

    @property
    def params(self) -> Mapping[str, Any]:
        """The step's parameters, the same on every party."""
        return self.step.params

    @property
    def readers(self) -> tuple[str, ...]:
        """The parties that read data in this step, by name."""
        return readers(self.spec, self.step)

    def receives(self, output: Output) -> bool:
        """Whether this party receives ``output``."""
        return self.party in output.receivers

    def received(self, values: Mapping[str, Value]) -> dict[str, Value]:
        """``values`` (one per output name) cut to the outputs this party receives."""
        return {o.name: values[o.name] for o in self.step.outputs if self.receives(o)}


#: A component: run by every party of the job, for one step.
ComponentFn = Callable[[Context, ComponentInputs], ComponentOutputs]

#: A component's check of a spec: raises :class:`ConfigError` if it cannot run ``step``.
SpecCheck = Callable[[JobSpec, Step], None]


@dataclass(frozen=True)
class Component:
    """A registered component: its name, its function, who learns what, and its spec check."""

    name: str
    fn: ComponentFn = field(repr=False)
    disclosure: tuple[Disclosure, ...]
    check: SpecCheck | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_component_name(self.name, "component")
        if not callable(self.fn):
            raise ConfigError(f"component {self.name!r}: its function is not callable")
        if not self.disclosure or not all(isinstance(d, Disclosure) for d in self.disclosure):
            raise ConfigError(
                f"component {self.name!r} must declare who learns what (Disclosure items)"
            )

    @property
    def summary(self) -> str:
        """The first line of the function's docstring."""
        doc = (self.fn.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


class ComponentRegistry:
    """Component names -> components; one per node (see the module docstring)."""

    def __init__(self, components: Iterable[Component] = ()) -> None:
        self._components: dict[str, Component] = {}
        for component in components:
            self.add(component)

    def add(self, component: Component) -> Component:
        """Add ``component``; :class:`ConfigError` if its name is taken."""
        if component.name in self._components:
            raise ConfigError(f"a component named {component.name!r} is already registered")
        self._components[component.name] = component
        return component

    def register(
        self,
        name: str,
        *,
        disclosure: Iterable[Disclosure],
        check: SpecCheck | None = None,
    ) -> Callable[[ComponentFn], ComponentFn]:
        """A decorator that registers the function as component ``name`` and returns it as is."""

        def decorate(fn: ComponentFn) -> ComponentFn:
            self.add(Component(name, fn, tuple(disclosure), check))
            return fn

        return decorate

    def get(self, name: str) -> Component:
        """The component ``name``; :class:`ConfigError` naming the installed ones if none."""
        try:
            return self._components[name]
        except KeyError:
            installed = ", ".join(sorted(self._components)) or "none"
            raise ConfigError(
                f"component {name!r} is not installed on this node (installed: {installed})"
            ) from None

    def names(self) -> tuple[str, ...]:
        """The registered names, sorted."""
        return tuple(sorted(self._components))

    def problems(self, spec: JobSpec) -> list[str]:
        """Why this registry cannot run ``spec``: unknown components and failed spec checks,
        one sentence per step at fault (empty when it can)."""
        found = []
        for step in spec.steps:
            try:
                component = self.get(step.component)
                if component.check is not None:
                    component.check(spec, step)
            except ConfigError as exc:
                found.append(f"step {step.id!r}: {exc}")
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._components

    def __iter__(self) -> Iterator[Component]:
        return iter(self._components[name] for name in self.names())

    def __len__(self) -> int:
        return len(self._components)

    def __repr__(self) -> str:
        return f"ComponentRegistry({list(self.names())})"
