"""Built-in data: seeded synthetic generators for demos, tests and benchmarks."""

from confide.datasets.synthetic import HORIZONTAL_COLUMNS, horizontal_customers

__all__ = ["HORIZONTAL_COLUMNS", "horizontal_customers"]
