"""Tests of confide.report."""
