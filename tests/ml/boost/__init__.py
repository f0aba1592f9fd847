"""Tests of confide.ml.boost: vertical SecureBoost, its plaintext twin and the split model."""
