"""Package names that import their module on first use (PEP 562), for a fast start.

``chainrule --help`` must not pay for the whole library (issue 15): a command module reads a
few constants from ``chainrule.training.config`` at parse time, and with eager package
``__init__`` files that alone imported every training, diagnostics and nn module.

>>> getattr_, dir_ = lazy_exports("json", {"dumps": "json"})
>>> getattr_("dumps")([1])
'[1]'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(
    package: str, where: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: name ``n`` comes from module
    ``where[n]`` (imported when ``n`` is first asked for); other names raise AttributeError."""

    def __getattr__(name: str) -> Any:
        try:
            module = where[name]
        except KeyError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        return getattr(importlib.import_module(module), name)

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__
