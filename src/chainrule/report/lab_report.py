"""The lab's files: ``report.html``, the figures as PNG and ``lab.json``, written atomically.

The lab's outputs have one module per job: :mod:`~chainrule.report.lab_figures` draws the
figures, :mod:`~chainrule.report.lab_html` lays out the HTML report (its prose is in
``templates/``), :mod:`~chainrule.report.lab_summary` writes the text ``chainrule lab`` prints,
and this module writes the files into a folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from chainrule.errors import ConfigError
from chainrule.i18n import localized
from chainrule.report.lab import LabResult
from chainrule.report.lab_figures import NUMBERS_NAME, REPORT_NAME, FigureFile, lab_figures
from chainrule.report.lab_html import render_lab_html
from chainrule.report.lab_summary import render_summary
from chainrule.report.replay import REPLAY_NAME, render_replay_html, replay_data
from chainrule.serialization import atomic_write_bytes, atomic_write_text, try_writing_in

__all__ = [
    "NUMBERS_NAME",
    "REPORT_NAME",
    "FigureFile",
    "lab_figures",
    "prepare_out",
    "render_lab_html",
    "render_summary",
    "write_lab",
]


def prepare_out(out: str | os.PathLike[str]) -> Path:
    """The output folder, created if needed; a ConfigError if it cannot be one."""
    where = f"out={str(out)!r} (--out)"
    if not str(out):
        raise ConfigError(f"{where}: name a folder, e.g. out")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{where}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        try_writing_in(path)
    except OSError as exc:
        raise ConfigError(f"{where}: cannot write there ({exc.strerror or exc})") from None
    return path


@localized
def write_lab(result: LabResult, out: str | os.PathLike[str]) -> dict[str, Path]:
    """Write ``report.html``, every figure as PNG, ``lab.json`` and ``replay.html`` (the
    recorded runs with a scrubber over their steps) into ``out``, atomically (``lang="zh"``:
    the report and the figures in Chinese).

    Returns the paths by key (the figure keys of :func:`lab_figures`, ``"report"``,
    ``"numbers"`` and ``"replay"``).
    """
    folder = prepare_out(out)
    files = lab_figures(result)
    paths: dict[str, Path] = {}
    # The folder is the program's to fill: a link planted in it is replaced, never followed.
    for key, f in files.items():
        paths[key] = atomic_write_bytes(folder / f.name, f.png, follow_symlinks=False)
    recorded = result.to_dict()
    numbers = json.dumps(recorded, indent=1, allow_nan=False)
    paths["numbers"] = atomic_write_text(
        folder / NUMBERS_NAME, numbers + "\n", follow_symlinks=False
    )
    paths["report"] = atomic_write_text(
        folder / REPORT_NAME, render_lab_html(result, files), follow_symlinks=False
    )
    paths["replay"] = atomic_write_text(
        folder / REPLAY_NAME, render_replay_html(replay_data(recorded)), follow_symlinks=False
    )
    return paths
