"""The main job: vertical credit scoring from PSI to the scorecard (see :mod:`.pipeline`).

results = confide.launch(credit_job, {
    "bank": {"settings": settings.to_dict(), "table": PartyTable("bank.csv").to_dict()},
    "platform": {"settings": settings.to_dict(), "table": PartyTable("p.csv").to_dict()},
    "dealer": {"settings": settings.to_dict(), "table": None},
}, roles={"dealer": ["compute_helper"]})
outcome = CreditOutcome.from_dict(results["bank"])
"""

from confide.jobs.credit.outcome import CreditOutcome
from confide.jobs.credit.pipeline import DISCLOSURE, credit_job, run_credit
from confide.jobs.credit.settings import CreditSettings, PartyTable
from confide.jobs.vertical.stages import StageClock, parse_progress, print_progress

__all__ = [
    "DISCLOSURE",
    "CreditOutcome",
    "CreditSettings",
    "PartyTable",
    "StageClock",
    "credit_job",
    "parse_progress",
    "print_progress",
    "run_credit",
]
