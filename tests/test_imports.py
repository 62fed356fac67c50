"""The engine needs NumPy alone: importing chainrule (engine, nn, optim, classic) loads no
plotting, learning or GPU library; CuPy is imported only when a user asks for the GPU."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "sklearn", "scipy", "tqdm", "torch", "cupy", "safetensors")


def test_importing_the_engine_loads_numpy_only() -> None:
    code = (
        "import sys, chainrule, chainrule.nn, chainrule.optim, chainrule.classic; "
        "import chainrule as cr; x = cr.tensor([1.0, 2.0], requires_grad=True); "
        "(cr.sigmoid(x) * x).sum().backward(); "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
