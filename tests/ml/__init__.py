"""Tests of confide.ml."""
