"""What the outcomes of every vertical job share: the first fields and the wire form.

:class:`VerticalOutcome` is the base of :class:`~confide.jobs.credit.CreditOutcome` and
:class:`~confide.jobs.boost.BoostOutcome`: the party, its settings (as wire values) and the
sizes of the shared steps (its table, the intersection, the train and test rows), in that order
first, then each job's own fields. :meth:`~VerticalOutcome.to_dict` gives every field as it is,
in field order; :meth:`~VerticalOutcome.from_dict` refuses unknown keys and turns the
:attr:`~VerticalOutcome.ARRAYS` fields back into arrays. :func:`disclosure_dicts` writes the
``(step, disclosure)`` list both outcomes carry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

import numpy as np

from confide.jobs.vertical.values import known_values
from confide.runtime.disclosure import Disclosure

__all__ = ["VerticalOutcome", "disclosure_dicts"]

V = TypeVar("V", bound="VerticalOutcome")


def disclosure_dicts(items: Iterable[tuple[str, Disclosure]]) -> list[dict[str, str]]:
    """``(step, disclosure)`` pairs as wire values."""
    return [{"step": step, "who": d.who, "learns": d.learns, "why": d.why} for step, d in items]


@dataclass
class VerticalOutcome:
    """One party's result of a vertical job: the fields every job has, first."""

    #: How :meth:`from_dict` names the outcome in its error ("unknown credit outcome fields").
    KIND: ClassVar[str] = "job outcome"
    #: Fields that :meth:`from_dict` turns into arrays (a node's admin API gives lists).
    ARRAYS: ClassVar[tuple[str, ...]] = ()

    party: str
    settings: dict[str, Any]
    rows: int = 0
    intersection: int = 0
    train_size: int = 0
    test_size: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Wire values: numbers, strings, arrays, and lists and dicts of these."""
        return {item.name: getattr(self, item.name) for item in fields(self)}

    @classmethod
    def from_dict(cls: type[V], values: Mapping[str, Any]) -> V:
        """The inverse of :meth:`to_dict`; unknown keys are an error."""
        kwargs = known_values(cls, values, f"{cls.KIND} fields")
        for name in cls.ARRAYS:
            if kwargs.get(name) is not None:
                kwargs[name] = np.asarray(kwargs[name])
        return cls(**kwargs)
