"""Jobs: pipelines of components that every party of a job runs (SPMD), and their settings.

:mod:`confide.jobs.credit` is the main job: vertical credit scoring from PSI to the scorecard.
:mod:`confide.jobs.boost` is the same job with vertical SecureBoost in place of WOE and logistic
regression (node component ``credit.boost``); both start with the steps of
:mod:`confide.jobs.vertical.rows` (settings check, load, PSI, split) and share the rest of their
frame through :mod:`confide.jobs.vertical` (settings and outcome bases, the check of a job
spec, the node component runner).
"""
