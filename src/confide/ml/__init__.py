"""Machine learning across parties, as SPMD functions of a context.

Vertical SecureBoost (gradient boosted trees with the labels at one party and features spread
over others) lives in :mod:`confide.ml.boost`; its public names are re-exported here.
"""

from confide.ml.boost import (
    DISCLOSURE,
    BoostParams,
    GrowPolicy,
    ModelPart,
    Objective,
    PlainBoost,
    SecureBoost,
    predict_margin,
    secureboost_job,
)

__all__ = [
    "DISCLOSURE",
    "BoostParams",
    "GrowPolicy",
    "ModelPart",
    "Objective",
    "PlainBoost",
    "SecureBoost",
    "predict_margin",
    "secureboost_job",
]
