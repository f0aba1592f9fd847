"""What the vertical jobs (the credit scorecard, the boosting job) share beyond their first steps.

Both jobs run over a bank (the label holder) and its partners (the feature owners), start with
the same steps and run as node components of the same shape. This package holds what they have
in common, once:

- :mod:`.rows`: the first steps of both (check, load, PSI, split), :class:`AlignedRows`;
- :mod:`.stages`: :class:`StageClock` (timed stages, their bytes) and the progress lines;
- :mod:`.tables`: :class:`PartyTable` (where a party's table is), reading and checking it;
- :mod:`.settings`: :class:`VerticalSettings`, the base of both settings classes (the parties,
  the columns, the split, the PSI protocol's checks, the wire form and the fingerprint);
- :mod:`.outcome`: :class:`VerticalOutcome`, the base of both outcomes (the party, its settings,
  the sizes of the shared steps, the wire form), and :func:`disclosure_dicts`;
- :mod:`.spec`: :func:`check_vertical_spec`, the check of a proposed job step;
- :mod:`.component`: :func:`run_component`, which runs a job as a node component and cuts its
  outcome into the step's outputs.
"""

from confide.jobs.vertical.component import run_component, step_settings
from confide.jobs.vertical.outcome import VerticalOutcome, disclosure_dicts
from confide.jobs.vertical.settings import PSI_PROTOCOLS, VerticalSettings
from confide.jobs.vertical.spec import check_vertical_spec

__all__ = [
    "PSI_PROTOCOLS",
    "VerticalOutcome",
    "VerticalSettings",
    "check_vertical_spec",
    "disclosure_dicts",
    "run_component",
    "step_settings",
]
