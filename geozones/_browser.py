"""How geozones' own tooling drives Debian's headless chromium (tests, bench, screenshot).

Not part of the public API. Chromium comes from the system (``apt-get install chromium``);
playwright's own browser download is never used.
"""

from __future__ import annotations

import shutil

#: Headless flags that keep chromium from reaching for the network on its own.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: URL schemes a saved map may load from: everything else counts as a network request.
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")


def chromium_path() -> str | None:
    """Return the path of the system chromium, or None when it is not installed.

    Examples
    --------
    >>> chromium_path() is None or chromium_path().endswith(("chromium", "chromium-browser"))
    True
    """
    return shutil.which("chromium") or shutil.which("chromium-browser")
