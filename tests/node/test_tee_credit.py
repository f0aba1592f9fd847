"""One credit job spec through node daemons, by MPC and in the enclave: the same results.

The cluster is :class:`~tests.node.tee_cluster.TeeCluster` (a bank, a platform and a host whose
node runs the simulated enclave), its providers' policies allowing the credit jobs too. The bank
submits the same ``credit.scorecard`` (then ``credit.boost``) spec twice, with the host as the
dealer: once as it is (MPC among the nodes, the host dealing) and once with ``execution: tee``
on its step (the host's enclave). Stated tolerances, on the label holder's outcome: the same
split (identical train and test ids) and selection, IVs within 1e-12 (the secure counts are
exact), coefficients and intercept within 3e-4 (the secure estimator's fixed-point gap to its
plaintext twin), test AUC within 0.005; boosting: the same trees (every model part's shape
digest) and scores within 1e-9. Each model part's receiver gets its own part only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from confide.cli.node_demo import Execution, boost_spec, credit_spec
from confide.jobs.boost import BoostJobSettings, BoostOutcome
from confide.jobs.credit import CreditOutcome, CreditSettings
from confide.ml.boost import ModelPart
from confide.net.wire import Value, decode
from confide.node import NodeStore
from confide.tee import SIMULATION_TRUST, EnclaveImage, build_image
from tests.node.tee_cluster import TeeCluster
from tests.tee.helpers import BANK_FEATURES, PLATFORM_FEATURES

COEF_TOLERANCE = 3e-4
AUC_TOLERANCE = 0.005
READS = {
    "bank": ["id", "default", *BANK_FEATURES],
    "platform": ["id", *PLATFORM_FEATURES],
}
CREDIT = CreditSettings(dealer="host", split_seed=3, epochs=4)
BOOST = BoostJobSettings(
    dealer="host", split_seed=3, n_estimators=3, max_depth=3, key_bits=1024, allow_weak_key=True
)
POLICY: dict[str, Any] = {
    "components": ["credit.scorecard", "credit.boost"],
    "outputs": {"scores": ["bank"], "model_part": ["bank", "platform"]},
}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TeeCluster]:
    folder = tmp_path_factory.mktemp("tee-credit")
    image: EnclaveImage = build_image(folder / "image")
    made = TeeCluster(folder / "nodes", "sqlite", image=image, rows=1_500, policy_changes=POLICY)
    made.folder.mkdir()
    try:
        made.setup()
        yield made
    finally:
        made.close()


def run(cluster: TeeCluster, spec: str) -> dict[str, dict[str, Value]]:
    """Submit ``spec`` at the bank, approve it at the host; each receiver's results."""
    job_id = str(cluster.client("bank").submit(spec)["id"])
    cluster.approve("host", job_id)
    for party in ("bank", "platform", "host"):
        job = cluster.wait_job(party, job_id, timeout=180)
        assert job["state"] == "finished", (party, job["reason"])
    found = {}
    for party in ("bank", "platform"):
        with NodeStore.open(cluster.urls[party]) as store:
            kept = store.results(job_id, party)
        found[party] = {r.name: decode(bytearray(r.payload or b"")) for r in kept}
    return found


def test_the_scorecard_by_mpc_and_in_the_enclave_agree(cluster: TeeCluster) -> None:
    mpc = run(cluster, credit_spec("credit-mpc", CREDIT, READS))
    tee = run(cluster, credit_spec("credit-tee", CREDIT, READS, execution=Execution.TEE))
    assert set(tee["bank"]) == set(mpc["bank"]) == {"scorecard.scores", "scorecard.model"}
    assert set(tee["platform"]) == set(mpc["platform"]) == {"scorecard.model"}
    by_mpc = CreditOutcome.from_dict(dict(mpc["bank"]["scorecard.scores"]))
    in_tee = CreditOutcome.from_dict(dict(tee["bank"]["scorecard.scores"]))
    assert (in_tee.rows, in_tee.intersection) == (by_mpc.rows, by_mpc.intersection)
    assert list(in_tee.train_ids or []) == list(by_mpc.train_ids or [])
    assert list(in_tee.test_ids or []) == list(by_mpc.test_ids or [])
    assert in_tee.selected == by_mpc.selected and in_tee.owners == by_mpc.owners
    for name, iv in by_mpc.iv.items():
        assert in_tee.iv[name] == pytest.approx(iv, abs=1e-12), name
    for party, coefficients in by_mpc.coefficients.items():
        for name, value in coefficients.items():
            assert abs(in_tee.coefficients[party][name] - value) <= COEF_TOLERANCE, name
    assert in_tee.intercept is not None and by_mpc.intercept is not None
    assert abs(in_tee.intercept - by_mpc.intercept) <= COEF_TOLERANCE
    auc_tee, auc_mpc = in_tee.metrics["test"]["auc"], by_mpc.metrics["test"]["auc"]
    assert abs(auc_tee - auc_mpc) <= AUC_TOLERANCE, (auc_tee, auc_mpc)
    assert any(SIMULATION_TRUST in d["why"] for d in in_tee.disclosures)
    for party in ("bank", "platform"):
        got, want = tee[party]["scorecard.model"], mpc[party]["scorecard.model"]
        assert isinstance(got, dict) and isinstance(want, dict) and set(got) == set(want)
        assert all(abs(got[k] - v) <= COEF_TOLERANCE for k, v in want.items())
        assert set(got) == {f for f, owner in by_mpc.owners.items() if owner == party} & set(
            by_mpc.selected
        )


def test_boosting_by_mpc_and_in_the_enclave_grow_the_same_trees(cluster: TeeCluster) -> None:
    mpc = run(cluster, boost_spec("boost-mpc", BOOST, READS))
    tee = run(cluster, boost_spec("boost-tee", BOOST, READS, execution=Execution.TEE))
    by_mpc = BoostOutcome.from_dict(dict(mpc["bank"]["boost.scores"]))
    in_tee = BoostOutcome.from_dict(dict(tee["bank"]["boost.scores"]))
    assert list(in_tee.test_ids or []) == list(by_mpc.test_ids or [])
    assert in_tee.test_scores is not None and by_mpc.test_scores is not None
    np.testing.assert_allclose(in_tee.test_scores, by_mpc.test_scores, rtol=0, atol=1e-9)
    assert in_tee.first_tree["split"] == by_mpc.first_tree["split"]
    for party in ("bank", "platform"):
        got = ModelPart.from_wire(tee[party]["boost.model"])
        want = ModelPart.from_wire(mpc[party]["boost.model"])
        assert got.party == party and got.shape_digest() == want.shape_digest()
        assert (got.view is None) == (want.view is None) == (party == "platform")
