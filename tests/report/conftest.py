"""Fixtures for the report tests: one quick lab run per test session (a few seconds)."""

from __future__ import annotations

import pytest

from chainrule.report import LabSettings, run_lab


@pytest.fixture(scope="session")
def quick_lab():
    """The lab's quick settings, seed 0: small data and few epochs, same story."""
    return run_lab(LabSettings.quick_settings(seed=0))
