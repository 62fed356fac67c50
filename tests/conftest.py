"""Fixtures shared by the whole suite: the op oracles, PyTorch, the default dtype.

``tests/helpers`` is put on the import path here, so test modules write
``from helpers.oracles import ...`` (pytest runs with ``--import-mode=importlib``, which does not
add test folders to ``sys.path`` by itself).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import chainrule as cr
from chainrule.i18n import language
from helpers import oracles


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch):
    """Every test reads English unless it asks for another language (``with language("zh")``),
    whatever the machine's locale: in this process and in the commands it starts."""
    monkeypatch.setenv("LANGUAGE", "en")
    with language("en"):
        yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A test that asks for the ``torch`` fixture compares against PyTorch: mark it, so that
    # ``-m "not torch"`` leaves it out even where a marker was forgotten. Without torch, every
    # test marked ``torch`` is skipped with the reason (also those that import it lazily).
    have_torch = importlib.util.find_spec("torch") is not None
    for item in items:
        if "torch" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.torch)
        if not have_torch and item.get_closest_marker("torch") is not None:
            item.add_marker(pytest.mark.skip(reason=oracles.TORCH_SKIP_REASON))


@pytest.fixture
def torch():
    """The ``torch`` module, or a skip naming why the PyTorch oracle is unavailable."""
    return oracles.import_torch()


@pytest.fixture(params=["finite_differences", pytest.param("torch", marks=pytest.mark.torch)])
def check(request: pytest.FixtureRequest):
    """One op check, run once per oracle: central differences, then PyTorch's autograd.

    Both variants take the same arguments (see ``helpers.oracles.check_gradient``), so an op
    test is one line: ``check(lambda a, b: a * b, (3, 1), (1, 4))``.
    """
    if request.param == "torch":
        oracles.import_torch()
        return oracles.check_against_torch
    return oracles.check_gradient


@pytest.fixture
def default_float64():
    """Switch the default float dtype to float64 for one test, and always switch it back."""
    previous = cr.get_default_dtype()
    cr.set_default_dtype(np.float64)
    try:
        yield
    finally:
        cr.set_default_dtype(previous)
