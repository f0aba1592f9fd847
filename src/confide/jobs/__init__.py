"""Jobs: pipelines of components that every party of a job runs (SPMD), and their settings.

:mod:`confide.jobs.credit` is the main job: vertical credit scoring from PSI to the scorecard.
"""
