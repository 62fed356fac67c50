"""The playground: backpropagation in the browser, served by a local web server.

``chainrule playground`` starts it (see :mod:`chainrule.playground.server`); the application is
:func:`chainrule.playground.app.create_app`, every bound on its work in
:class:`chainrule.playground.app.Limits`. It sits above training and report: nothing below
imports it.
"""

from __future__ import annotations

from chainrule.playground.app import Limits, create_app

__all__ = ["Limits", "create_app"]
