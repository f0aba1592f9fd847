"""The errors of the node's store and dataset registry, under :class:`~confide.ConfideError`::

    ConfideError
    ├── ConfigError                   a request the store refuses (bad name, unknown column, ...)
    │   ├── NotFound                  no dataset, job or result of that name (also a LookupError)
    │   ├── AlreadyExists             the name or id is taken
    │   ├── IllegalTransition         a job state change the lifecycle does not allow
    │   └── DatasetChanged            a dataset's file or table no longer matches its registration
    └── StoreError                    the database failed or cannot be reached

Messages name datasets, columns, jobs and parties, never a value of the data: they may travel to
peers and into logs.
"""

from __future__ import annotations

from confide.errors import ConfideError, ConfigError

__all__ = ["AlreadyExists", "DatasetChanged", "IllegalTransition", "NotFound", "StoreError"]


class NotFound(ConfigError, LookupError):
    """No dataset, policy, job or result with that name."""


class AlreadyExists(ConfigError):
    """A dataset name, job id or result name that is already taken."""


class IllegalTransition(ConfigError):
    """A job state change that :data:`~confide.node.records.TRANSITIONS` does not allow."""


class DatasetChanged(ConfigError):
    """A dataset's file (its SHA-256) or table (its columns) changed since it was registered."""


class StoreError(ConfideError):
    """The node's database failed, cannot be reached, or holds something it should not."""
