"""Pages in headless Chromium for the browser tests: the launcher and the :class:`Page` helper.

Chromium is Debian's ``chromium`` package (``scripts/test`` installs it), driven by
playwright-python pointed at the system browser. Without it the browser tests are skipped
locally and fail under CI (when the ``CI`` environment variable is set).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from geozones._browser import CHROMIUM_ARGS, chromium_path
from geozones._browser import LOCAL_SCHEMES as LOCAL


def _chromium() -> str:
    path = chromium_path()
    reason = None
    if path is None:
        reason = "Debian's chromium is not installed (scripts/test installs it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright (python) is not installed: pip install '.[test]'"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    return path


def launch_browser() -> Iterator:
    """Yield a headless Chromium (for a fixture), or skip when there is none."""
    path = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=list(CHROMIUM_ARGS))
        yield b
        b.close()


class Page:
    """A page opened from a file with every non-local request aborted and counted."""

    def __init__(self, browser, path: Path, downloads: bool = False):
        self.context = browser.new_context(
            viewport={"width": 1200, "height": 900}, accept_downloads=downloads
        )
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri())
        self.page.wait_for_function("window.geozones && window.geozones.ready", timeout=20000)
        self.settle()

    def settle(self):
        """Wait until the map has stopped moving: pixels from map_point hold until it moves."""
        self.page.wait_for_function(
            """() => {
                const el = document.querySelector('.folium-map');
                const m = el && window[el.id];
                return !m || (!m._animatingZoom && !(m._panAnim && m._panAnim._inProgress));
            }""",
            timeout=10000,
        )
        self.page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )

    def _route(self, route):
        url = route.request.url
        if url.startswith(LOCAL):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def eval(self, js: str, arg=None):
        return self.page.evaluate(js, arg)

    def map_point(self, lat: float, lon: float) -> tuple[float, float]:
        """Page pixel of a lat/lon on the map."""
        return tuple(
            self.eval(
                """([lat, lon]) => {
                    const el = document.querySelector('.folium-map');
                    const p = window[el.id].latLngToContainerPoint([lat, lon]);
                    const r = el.getBoundingClientRect();
                    return [r.left + p.x, r.top + p.y];
                }""",
                [lat, lon],
            )
        )

    def close_popups(self):
        self.eval("window[document.querySelector('.folium-map').id].closePopup()")

    def close(self):
        self.context.close()
