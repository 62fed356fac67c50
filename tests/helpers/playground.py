"""What the playground tests share besides fixtures: the address the test client pretends to
be served at (the guard checks Host and Origin against it) and where Chromium is."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

BASE_URL = "http://127.0.0.1:8765"
#: The Origin header of the server's own pages, as the test client is served.
ORIGIN = BASE_URL


def chromium_path() -> str | None:
    """Debian's chromium (``CHROMIUM`` names another), or None."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None
