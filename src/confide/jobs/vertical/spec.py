"""The check of a job spec that every vertical job's node component makes when it is proposed.

A vertical job's step is laid out the same way whichever model it trains, for example::

    - id: scorecard
      component: credit.scorecard          # or credit.boost
      params: {label_holder: bank, feature_owners: [platform], dealer: dealer,
               id_column: id, label_column: default}
      reads:
        bank: {loans: [id, default, utilisation, payment_ratio]}
        platform: {features: [id, income, age]}
      outputs:
        - {name: scores, kind: scores, to: [bank]}
        - {name: model, kind: model_part, to: [bank, platform]}

- the job's parties are the settings' parties (``params`` are the job's settings);
- each data party, and no other party, reads exactly one dataset, with its id column; only the
  label holder reads the label column; the other columns read are the features (a job may want
  at least one at every data party);
- one output of kind ``scores``, received by the label holder only;
- any other output is of kind ``model_part`` and received by data parties only (each receives
  its own part: the component cuts the values, see :mod:`.component`).

:func:`check_vertical_spec` refuses anything else with a :class:`ConfigError` before any data is
read; its messages name parties and columns, never values.
"""

from __future__ import annotations

from confide.errors import ConfigError
from confide.jobs.vertical.settings import VerticalSettings
from confide.policy.job import JobSpec, OutputKind, Step

__all__ = ["check_vertical_spec"]


def check_vertical_spec(
    name: str,
    spec: JobSpec,
    step: Step,
    settings: VerticalSettings,
    *,
    parties_hint: str = "",
    features_required: bool = False,
    model_parts: str = "model parts go to data parties only",
) -> None:
    """Refuse a step of component ``name`` that the job cannot run as declared.

    ``parties_hint`` ends the message on other parties (e.g. how to name a dealer);
    ``features_required`` refuses a data party that reads no feature column; ``model_parts``
    is the message on a model part sent elsewhere than to data parties.
    """
    parties = set(spec.parties)
    if parties != set(settings.parties):
        raise ConfigError(
            f"{name}: the job's parties {sorted(parties)} are not the step's "
            f"{sorted(settings.parties)}{parties_hint}"
        )
    reads = {party: datasets for party, datasets in step.reads.items() if datasets}
    if set(reads) != set(settings.data_parties):
        raise ConfigError(f"{name}: exactly the data parties {settings.data_parties} must read")
    for party, datasets in reads.items():
        if len(datasets) != 1:
            raise ConfigError(f"{name}: {party!r} must read exactly one dataset")
        columns = next(iter(datasets.values()))
        if settings.id_column not in columns:
            raise ConfigError(f"{name}: {party!r} must read the id column {settings.id_column!r}")
        holds_label = settings.label_column in columns
        if holds_label != (party == settings.label_holder):
            raise ConfigError(f"{name}: only the label holder reads {settings.label_column!r}")
        features = [c for c in columns if c not in (settings.id_column, settings.label_column)]
        if features_required and not features:
            raise ConfigError(f"{name}: {party!r} must read at least one feature column")
    scores = [o for o in step.outputs if o.kind is OutputKind.SCORES]
    if len(scores) != 1 or list(scores[0].receivers) != [settings.label_holder]:
        raise ConfigError(f"{name}: one output of kind scores, received by the label holder only")
    for output in step.outputs:
        if output.kind is OutputKind.SCORES:
            continue
        if output.kind is not OutputKind.MODEL_PART:
            raise ConfigError(f"{name}: outputs are of kind scores or model_part only")
        if not set(output.receivers) <= set(settings.data_parties):
            raise ConfigError(f"{name}: {model_parts}")
