"""The boosting job: vertical SecureBoost on credit data, from PSI to scores and importance.

results = confide.launch(boost_job, {
    "bank": {"settings": settings.to_dict(), "table": PartyTable("bank.csv").to_dict()},
    "platform": {"settings": settings.to_dict(), "table": PartyTable("p.csv").to_dict()},
})
outcome = BoostOutcome.from_dict(results["bank"])

As a node component: ``credit.boost`` (:mod:`confide.jobs.boost.component`).
"""

from confide.jobs.boost.features import numeric_features
from confide.jobs.boost.outcome import BoostOutcome
from confide.jobs.boost.pipeline import DISCLOSURE, boost_job, run_boost
from confide.jobs.boost.settings import BoostJobSettings

__all__ = [
    "DISCLOSURE",
    "BoostJobSettings",
    "BoostOutcome",
    "boost_job",
    "numeric_features",
    "run_boost",
]
