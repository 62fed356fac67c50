"""The network view's page: its settings form, the words its script shows, its routes.

The page is the frame; every number on it arrives over ``/ws/network`` (see
:mod:`chainrule.playground.live`) from a :class:`~chainrule.playground.session.Bench`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route

from chainrule.i18n import N_
from chainrule.playground import live
from chainrule.playground.pages import page
from chainrule.playground.session import DATA_SETS, ENGINES, Settings
from chainrule.training.config import ACTIVATIONS, COSTS, INITS

#: The words the network view's script shows (translated when the page is served).
MESSAGES = {
    "closed": N_("The connection to the server closed; reload the page to train again."),
    "no_plane": N_("Digits have 64 inputs: there is no input plane to draw."),
    "status": N_(
        "step {step} · epoch {epoch} · loss {loss} · train accuracy {train} · "
        "test accuracy {test} · {fps} updates/s"
    ),
    "steps": N_("steps"),
    "layer": N_("layer {l}"),
    "output": N_("output"),
    "heat_caption": N_("{name} of layer {l} (largest |value| {scale})"),
    "try_remedy": N_("Restart side by side with {remedy}"),
    "side_title": N_("Side by side from the same initial weights: as set, and with {remedy}"),
    "side_caption": N_("step {step}, loss {loss}, train accuracy {train}"),
    "as_set": N_("as set"),
    "play": N_("Play"),
    "pause": N_("Pause"),
    "per_second": N_("{n} steps/s"),
    "remedy_batch_norm": N_("batch normalization"),
    "remedy_clip": N_("gradient clipping at norm 1"),
    "remedy_lower_lr": N_("a learning rate ten times lower"),
    "remedy_higher_lr": N_("a learning rate ten times higher"),
    "remedy_relu": N_("ReLU"),
    "remedy_tanh": N_("tanh"),
}


async def network_page(request: Request) -> HTMLResponse:
    """The network view: settings, play/pause/step, and the live panels."""
    defaults = Settings()
    return page(
        request,
        "network.html.j2",
        view="network",
        script="network.js",
        messages=MESSAGES,
        defaults=defaults.to_dict(),
        max_speed=request.app.state.limits.steps_per_second,
        choices={
            "data": DATA_SETS,
            "activation": ACTIVATIONS,
            "init": INITS,
            "cost": COSTS,
            "engine": ENGINES,
        },
    )


routes: list[BaseRoute] = [Route("/network", network_page, name="network"), *live.routes]
