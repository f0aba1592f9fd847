"""How a component declares who learns what, so reports can list it and reviewers can check it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Disclosure"]


@dataclass(frozen=True)
class Disclosure:
    """One thing a party (or every party) learns while or after a component runs."""

    who: str
    learns: str
    why: str = ""

    def __str__(self) -> str:
        text = f"{self.who} learns {self.learns}"
        return f"{text} ({self.why})" if self.why else text
