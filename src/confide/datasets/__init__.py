"""Built-in data: seeded synthetic generators for demos, tests and benchmarks.

Also the split of the real credit data beside the project (``../shared/data/``) between a bank
and a data platform, in the same shape as the generated vertical data.
"""

from confide.datasets.credit import VerticalCredit, taiwan_vertical, vertical_credit
from confide.datasets.synthetic import HORIZONTAL_COLUMNS, horizontal_customers

__all__ = [
    "HORIZONTAL_COLUMNS",
    "VerticalCredit",
    "horizontal_customers",
    "taiwan_vertical",
    "vertical_credit",
]
