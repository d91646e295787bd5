"""Make the README's screenshot from the bundled data: ``docs/map.png``.

Runs ``geozones demo`` into a temporary folder, opens its ``map.html`` in Debian's headless
chromium with every network request refused, and photographs it. Run it from the
repository root after ``scripts/test`` (which installs playwright and chromium)::

    .venv/bin/python scripts/screenshot.py [--out docs/map.png]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from geozones._browser import CHROMIUM_ARGS, LOCAL_SCHEMES, chromium_path
from geozones.cli import main as geozones_main


def main() -> int:
    """Run the demo, photograph its map, return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/map.png")
    parser.add_argument(
        "--size", default="1280x900", help="viewport WIDTHxHEIGHT in pixels (default 1280x900)"
    )
    args = parser.parse_args()
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        sys.exit(f"--size must be WIDTHxHEIGHT, such as 1024x768, not {args.size!r}")
    chromium = chromium_path()
    if chromium is None:
        sys.exit("Debian's chromium is needed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        if geozones_main(["demo", "--out", tmp]) != 0:
            return 1
        refused = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
            page = browser.new_page(viewport={"width": width, "height": height})

            def route(r):
                if r.request.url.startswith(LOCAL_SCHEMES):
                    r.continue_()
                else:
                    refused.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto((Path(tmp) / "map.html").resolve().as_uri())
            page.wait_for_function("window.geozones && window.geozones.ready === true")
            page.screenshot(path=args.out)
            browser.close()
    if refused:
        sys.exit(f"the map asked the network for {refused}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
