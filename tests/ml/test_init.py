"""The public names of confide.ml, pinned."""

from __future__ import annotations

import confide.ml
import confide.ml.boost
from confide.runtime import Disclosure


def test_public_names() -> None:
    expected = {
        "DISCLOSURE",
        "BoostParams",
        "GrowPolicy",
        "ModelPart",
        "Objective",
        "PlainBoost",
        "SecureBoost",
        "predict_margin",
        "secureboost_job",
    }
    assert set(confide.ml.__all__) == expected
    assert set(confide.ml.boost.__all__) == expected
    for name in expected:
        assert getattr(confide.ml, name) is getattr(confide.ml.boost, name)


def test_disclosures_name_every_party_role() -> None:
    disclosure = confide.ml.DISCLOSURE
    assert all(isinstance(d, Disclosure) for d in disclosure)
    who = " ".join(d.who for d in disclosure)
    assert "label holder" in who and "passive" in who
