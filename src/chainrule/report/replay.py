"""The lab replay: the lab's recorded runs in one page with a scrubber over their steps.

:func:`replay_data` picks the recorded runs out of the lab's numbers (``lab.json``, i.e.
:meth:`LabResult.to_dict`): each run's per-layer learning speed ‖∂J/∂b^l‖, gradient norm
‖∂J/∂W^l‖ and loss at every recorded step or epoch. :func:`render_replay_html` lays them out
with ``templates/replay.html.j2``; the page's script (``templates/replay.js``, a classic script,
as ``file://`` pages cannot load modules) only shows the numbers it is given.

The page works two ways: written beside ``report.html`` by ``chainrule lab`` as one file with
its script, style and data inside (it opens from ``file://`` with no server), and served by
the playground, whose security policy allows no inline script: there the script and style are
links (``script_url``, ``style_url``). The data are JSON in a ``<script type="application/json">``
element either way.

>>> data = replay_data({"remedies": [], "exploding": None, "large_lr": None, "training": None})
>>> data["runs"]
[]
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from markupsafe import Markup

from chainrule.i18n import N_, _, current_language
from chainrule.report.html import environment

REPLAY_NAME = "replay.html"
#: The page's script and style, shipped beside the templates.
ASSETS = ("replay.js", "replay.css")

#: The runs the replay offers, as (title, where in lab.json).
RUNS = (
    (N_("Exploding: large weights, no clipping"), ("exploding", "unclipped")),
    (N_("Exploding: large weights, clipped"), ("exploding", "clipped")),
    (N_("Too large a learning rate"), ("large_lr", "large")),
    (N_("A normal learning rate"), ("large_lr", "normal")),
)


def asset(name: str) -> str:
    """The text of one of the page's files (``replay.js`` or ``replay.css``)."""
    if name not in ASSETS:
        raise KeyError(name)
    return resources.files("chainrule.report").joinpath("templates", name).read_text("utf-8")


def _run(title: str, key: str, numbers: dict[str, Any]) -> dict[str, Any]:
    speeds = numbers.get("speeds") or []
    layers = len(speeds[0]) if speeds else 0
    return {
        "key": key,
        "title": title,
        "record": numbers.get("record", "epoch"),
        "x": numbers.get("x", []),
        "layers": [_("layer {l}").format(l=l) for l in range(1, layers + 1)],
        "speeds": speeds,
        "grad_norms": numbers.get("grad_norms") or [],
        "loss": numbers.get("train_loss") or [],
        "settings": {
            k: numbers.get(k) for k in ("sizes", "activation", "init", "lr", "clip", "batch_norm")
        },
    }


def replay_data(lab: dict[str, Any]) -> dict[str, Any]:
    """The recorded runs of a lab (its ``to_dict()`` or ``lab.json``), for the replay page:
    the remedies of part 3 (recorded by epoch), then the exploding runs (recorded by step)."""
    runs = [
        _run(_("Vanishing gradients: {title}").format(title=remedy["title"]), remedy["key"], remedy)
        for remedy in lab.get("remedies") or []
    ]
    for title, (part, which) in RUNS:
        numbers = (lab.get(part) or {}).get(which)
        if numbers:
            runs.append(_run(_(title), f"{part}-{which}", numbers))
    return {"runs": runs}


def render_replay_html(
    data: dict[str, Any],
    *,
    script_url: str | None = None,
    style_url: str | None = None,
    home_url: str | None = None,
    icon_url: str | None = None,
) -> str:
    """The replay page; with no URLs, its script and style are written inside it.
    ``home_url``, ``icon_url``: a link back to the playground and its icon, when served."""
    words = {
        "step": _("step"),
        "epoch": _("epoch"),
        "of": _("of"),
        "loss": _("loss"),
        "speed": _("learning speed ‖∂J/∂b^l‖"),
        "grad": _("gradient norm ‖∂J/∂W^l‖"),
        "play": _("Play"),
        "pause": _("Pause"),
        "none": _("no record"),
        "run": _("Run"),
        "layer": _("layer"),
    }
    inline = {name: Markup(asset(name)) for name in ASSETS}  # neither holds "</" (tested)
    return (
        environment()
        .get_template("replay.html.j2")
        .render(
            lang=current_language(),
            title=_("chainrule lab replay"),
            data=data,
            words=words,
            script_url=script_url,
            style_url=style_url,
            home_url=home_url,
            icon_url=icon_url,
            home=_("chainrule playground"),
            script=inline["replay.js"],
            style=inline["replay.css"],
        )
    )
