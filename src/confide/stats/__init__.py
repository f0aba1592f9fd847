"""Statistics computed jointly by several parties without pooling their data."""

from confide.stats.joint import (
    DISCLOSURE,
    JointStatistics,
    joint_statistics,
    joint_statistics_job,
    plaintext_statistics,
)

__all__ = [
    "DISCLOSURE",
    "JointStatistics",
    "joint_statistics",
    "joint_statistics_job",
    "plaintext_statistics",
]
