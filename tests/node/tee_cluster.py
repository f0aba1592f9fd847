"""Node daemons for enclave jobs: a bank and a platform (data providers) and an enclave host.

:class:`TeeCluster` is a :class:`~tests.node.cluster.Cluster` (real ``confide node start``
processes, gRPC with mTLS, SQLite) of the parties of :data:`tests.tee.helpers.JOB`. Its setup
writes, besides the federation and the configs, what the ``tee`` sections name: a simulated
platform and the enclave image at the host, the platform's public quoting key and both
receivers' public output keys at each provider, and each receiver's private output key. Each
provider registers its table of :func:`~tests.tee.helpers.credit_frames` (as CSV) with a policy
that allows :data:`~tests.tee.helpers.JOB` in enclaves of the image's measurement, approved
automatically (``policy_changes`` overrides fields of that policy, to allow other jobs). The
host contributes no dataset, so its operator approves (:meth:`approve`); it keeps each job's
ciphertexts after the job only with ``keep_ciphertexts``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from confide.errors import ConfideError
from confide.net.federation import Federation, init_federation
from confide.node import DatasetRegistry, NodeStore
from confide.policy import DatasetPolicy
from confide.runtime.launcher import free_ports
from confide.tee import EnclaveImage, ReceiverKey, SimulatedPlatform
from tests.node.cluster import Cluster, node_config
from tests.node.jobkit import wait_for
from tests.tee.helpers import credit_frames, policy_for

TEE_PARTIES = ("bank", "host", "platform")
PROVIDERS = {"bank": "loans", "platform": "features"}
RECEIVERS = ("bank", "platform")


@dataclass
class TeeCluster(Cluster):
    """The daemons of :data:`TEE_PARTIES` (module docstring); ``image`` is the host's."""

    image: EnclaveImage | None = None
    rows: int = 800
    policy_changes: dict[str, Any] = field(default_factory=dict)
    keep_ciphertexts: bool = False

    def setup(self) -> None:
        assert self.image is not None
        fed_path = init_federation(
            TEE_PARTIES, self.folder / "federation", ports=free_ports(len(TEE_PARTIES))
        )
        federation = Federation.load(fed_path)
        keys = self.folder / "keys"
        keys.mkdir()
        platform = SimulatedPlatform.create(self.folder / "host-platform")
        for receiver in RECEIVERS:
            ReceiverKey.generate().save(keys / f"{receiver}.key", keys / f"{receiver}.pub")
        tables = credit_frames(self.rows)
        for party, admin_port in zip(TEE_PARTIES, free_ports(len(TEE_PARTIES)), strict=True):
            home = self.folder / party
            home.mkdir(mode=0o700)
            url = f"sqlite:///{home / 'state' / 'node.db'}"
            config = node_config(fed_path, federation, party, home, url, admin_port)
            if party == "host":
                config["tee"] = {
                    "enclave": {"image": str(self.image.path), "platform": str(platform.folder)},
                    "keep_ciphertexts": self.keep_ciphertexts,
                }
            else:
                config["tee"] = {
                    "platform_keys": [str(platform.public_key_path)],
                    "receiver_keys": {r: str(keys / f"{r}.pub") for r in RECEIVERS},
                    "output_key": str(keys / f"{party}.key"),
                }
            path = home / "node.yaml"
            path.write_text(yaml.safe_dump(config))
            self.configs[party] = path
            self.urls[party] = url
            if party in PROVIDERS:
                name = PROVIDERS[party]
                csv = home / f"{name}.csv"
                tables[(party, name)].to_csv(csv, index=False)
                with NodeStore.open(url) as store:
                    DatasetRegistry(store).add(name, path=csv, id_column="id")
                    store.put_policy(self.policy(name))
        for party in TEE_PARTIES:
            self.start(party)
        for party in TEE_PARTIES:
            self.wait_up(party)

    def policy(self, dataset: str, measurements: list[str] | None = None) -> DatasetPolicy:
        """The providers' policy: the job, in enclaves of ``measurements`` (the image's)."""
        assert self.image is not None
        listed = [self.image.measurement] if measurements is None else measurements
        return policy_for(dataset, listed, **{"approval": "auto", **self.policy_changes})

    def set_policy(self, party: str, policy: DatasetPolicy) -> None:
        """Replace the policy of ``party``'s dataset while its daemon runs."""
        with NodeStore.open(self.urls[party]) as store:
            store.put_policy(policy)

    def approve(self, party: str, job_id: str) -> None:
        """``party``'s operator approves the job, once it has reached ``party``."""

        def proposed() -> bool:
            try:
                return bool(self.job(party, job_id)["state"] == "proposed")
            except ConfideError:  # not there yet
                return False

        wait_for(proposed, 30, f"{job_id} to reach {party}")
        self.client(party).approve(job_id)

    def job_folder(self, party: str, job_id: str) -> Path:
        """Where ``party``'s node keeps the ciphertexts of an enclave job."""
        return self.folder / party / "state" / "tee" / job_id
