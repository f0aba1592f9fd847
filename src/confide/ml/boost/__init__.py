"""Vertical gradient boosting: SecureBoost over OU or Paillier, its plaintext twin, the split model.

Public names:

- :class:`SecureBoost`, the estimator every party runs over a context, and
  :func:`secureboost_job` for :func:`confide.launch`;
- :class:`PlainBoost`, the plaintext twin the tests compare it with;
- :class:`BoostParams`, :class:`Objective`, :class:`GrowPolicy`: the settings;
- :class:`ModelPart` and :func:`predict_margin`: one party's part of a model and vertical
  prediction;
- :data:`DISCLOSURE`: who learns what, training and prediction together.
"""

from confide.ml.boost.estimator import SecureBoost, secureboost_job
from confide.ml.boost.model import DISCLOSURE as PREDICTION_DISCLOSURE
from confide.ml.boost.model import ModelPart, predict_margin
from confide.ml.boost.params import BoostParams, GrowPolicy, Objective
from confide.ml.boost.plain import PlainBoost
from confide.ml.boost.secureboost import DISCLOSURE as TRAINING_DISCLOSURE

DISCLOSURE = TRAINING_DISCLOSURE + PREDICTION_DISCLOSURE

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
