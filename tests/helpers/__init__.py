"""Helpers shared by the test suite (oracles for op checks)."""
