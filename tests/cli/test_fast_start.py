"""``chainrule --help`` stays fast (issue 15): parsing the command line imports argparse
definitions only; the training loop, nn, data, explain (Jinja2) and plotting load in ``run``."""

from __future__ import annotations

import json
import subprocess
import sys

# Every module here took tens to hundreds of milliseconds of a --help that took 0.5-0.7 s.
HEAVY = (
    "numpy",  # 0.1-0.2 s alone: chainrule's top-level API and the engine load it on first use
    "chainrule.engine",
    "chainrule.nn",
    "chainrule.optim",
    "chainrule.data",
    "chainrule.explain",
    "chainrule.diagnostics",
    "chainrule.report",
    "chainrule.classic.network",
    "chainrule.training.run",
    "chainrule.training.learners",
    "chainrule.training.checkpoint",
    "chainrule.training.loop",
    "jinja2",
    "matplotlib",
    "sklearn",
    "scipy",
    "safetensors",
    "tqdm",
    "torch",
)


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"import sys\n{code}\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules or "
        "any(k.startswith(m + '.') for k in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"'))


def test_help_imports_no_heavy_module() -> None:
    code = (
        "from chainrule.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert _loaded_after(code) == []


def test_every_subcommands_help_is_as_light() -> None:
    code = (
        "import contextlib, io\nfrom chainrule.cli.main import COMMANDS, main\n"
        "for name in COMMANDS:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        try:\n            main([name, '--help'])\n        except SystemExit:\n"
        "            pass"
    )
    assert _loaded_after(code) == []
