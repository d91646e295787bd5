"""Benchmark ``geozones.zone_map`` + ``save_map``: HTML size and time to first render.

Run it from the repository root, in one command::

    .venv/bin/python bench/map.py [--sizes 1000 10000 50000] [--repeat 3] [--seed 2018]
                                  [--peer-max 50000] [--keep DIR]

What it does
------------
For each size ``n`` it makes ``n`` synthetic positions (``gz.examples.synthetic_positions``),
checks them against the Alpha line with the bundled scenarios (``gz.check_positions``) and
draws two maps of them:

- ``geozones``: ``gz.zone_map(gz.build_zone_set("alpha_5_20_60"), checked)`` written with
  ``gz.save_map`` (offline: Leaflet and everything inline, the vector basemap, legend,
  controls, time filter, canvas markers with tooltips and popups on demand);
- ``folium`` (the peer, what a notebook does today): ``folium.Map(tiles=None,
  prefer_canvas=True)`` with one ``folium.CircleMarker`` per position, coloured by band,
  with a tooltip (actor, distance, band) and the same Alpha-line bands as a
  ``folium.GeoJson`` layer. Its CDN scripts are served from the local XStatic copy of Leaflet
  by a browser route; its jQuery, Bootstrap and Font Awesome get empty local responses (the
  network is not part of the measurement).

Each file opens in headless Chromium (Debian's ``chromium``, found on the PATH) with every
other request aborted. The same probe is appended to both files after the map script: two
animation frames later it records ``performance.now()``, the time since navigation started
when the first frame with everything drawn has been painted. The best of ``--repeat``
fresh pages is kept.

What it prints
--------------
One row per size: positions, the HTML size (MB) of each map, the time to first render
(seconds) of each, the peer/geozones ratios, the seconds Python took to build and write each
file, and how many requests left the file (must be 0 for geozones). Then the targets: at
10k positions the geozones HTML is at most 5 MB and renders in at most 2 s.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
from functools import partial
from pathlib import Path

from _common import best_of

import geozones as gz
from geozones._browser import CHROMIUM_ARGS, LOCAL_SCHEMES, chromium_path

PROBE = (
    "<script>requestAnimationFrame(function(){requestAnimationFrame(function(){"
    "window.__renderMs=performance.now();});});</script>"
)
TARGET_MB, TARGET_S, TARGET_N = 5.0, 2.0, 10_000
MB = 1e6


def add_probe(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("</html>", PROBE + "\n</html>"), encoding="utf-8")


def build_geozones(checked, zones, path: Path) -> Path:
    m = gz.zone_map(zones, checked)
    gz.save_map(m, path)
    return path


def build_folium(checked, zones, path: Path) -> Path:
    import folium

    colours = {"0–5 km": "#99000d", "5–20 km": "#f16913", "20–60 km": "#fed976"}
    m = folium.Map(location=[33.0, 35.85], zoom_start=8, tiles=None, prefer_canvas=True)
    folium.GeoJson(zones[["band", "geometry"]], name="zones").add_to(m)
    ok = checked[checked["error"] == ""]
    for lon, lat, actor, km, band in zip(
        ok["lon"], ok["lat"], ok["actor"], ok["distance_km"], ok["band"].astype(str), strict=True
    ):
        colour = colours.get(band, "#6e6e6e")
        folium.CircleMarker(
            [lat, lon],
            radius=4,
            color="#222",
            weight=1,
            fill=True,
            fill_color=colour,
            fill_opacity=0.9,
            tooltip=f"{actor} · {km:.1f} km · {band}",
        ).add_to(m)
    m.save(str(path))
    return path


def serve_cdn_locally(route) -> None:
    """Answer the peer's CDN requests from the XStatic copy of Leaflet, or empty."""
    import xstatic.pkg.leaflet as xleaflet

    url = route.request.url
    base = Path(xleaflet.BASE_DIR)
    if url.endswith("/leaflet.js"):
        route.fulfill(body=(base / "leaflet.js").read_bytes(), content_type="text/javascript")
    elif url.endswith("/leaflet.css"):
        route.fulfill(body=(base / "leaflet.css").read_bytes(), content_type="text/css")
    elif url.endswith(".js"):
        route.fulfill(body=b"", content_type="text/javascript")
    elif url.endswith(".css"):
        route.fulfill(body=b"", content_type="text/css")
    else:
        route.abort()


def time_render(browser, path: Path, *, peer: bool, repeat: int) -> tuple[float, int]:
    """Best time to first render (s) over `repeat` fresh pages; requests leaving the file."""
    best, leaving = float("inf"), 0
    for _ in range(max(1, repeat)):
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        page = context.new_page()
        outside: list[str] = []

        def route(r, outside=outside):
            url = r.request.url
            if url.startswith(LOCAL_SCHEMES):
                r.continue_()
            elif peer:
                serve_cdn_locally(r)
            else:
                outside.append(url)
                r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri(), timeout=120_000)
        page.wait_for_function("window.__renderMs !== undefined", timeout=120_000)
        best = min(best, page.evaluate("window.__renderMs") / 1000.0)
        leaving = max(leaving, len(outside))
        context.close()
    return best, leaving


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=3, help="fresh pages per map; best kept")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument(
        "--peer-max", type=int, default=50_000, help="largest size the folium peer runs at"
    )
    parser.add_argument("--keep", help="write the HTML files to this folder and keep them")
    args = parser.parse_args(argv)

    chromium = chromium_path()
    if chromium is None:
        raise SystemExit(
            "bench/map.py needs Debian's chromium on the PATH (apt-get install chromium)"
        )
    import folium
    from playwright.sync_api import sync_playwright

    zones = gz.build_zone_set("alpha_5_20_60")
    scenarios = list(gz.checks.bundled_scenarios())
    rows = []
    with tempfile.TemporaryDirectory(prefix="geozones-bench-map-") as tmp_name:
        out_dir = Path(args.keep) if args.keep else Path(tmp_name)
        out_dir.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
            version = browser.version
            for n in args.sizes:
                print(f"{n:,} positions ...", flush=True)
                checked = gz.check_positions(
                    gz.examples.synthetic_positions(n, seed=args.seed),
                    "alpha_line",
                    scenarios=scenarios,
                )
                path = out_dir / f"geozones_{n}.html"
                _, build_s, _ = best_of(partial(build_geozones, checked, zones, path))
                add_probe(path)
                render_s, leaving = time_render(browser, path, peer=False, repeat=args.repeat)
                row = {
                    "n": n,
                    "mb": path.stat().st_size / MB,
                    "render": render_s,
                    "build": build_s,
                    "leaving": leaving,
                }
                if n <= args.peer_max:
                    peer = out_dir / f"folium_{n}.html"
                    _, row["peer_build"], _ = best_of(partial(build_folium, checked, zones, peer))
                    add_probe(peer)
                    row["peer_mb"] = peer.stat().st_size / MB
                    row["peer_render"], _ = time_render(
                        browser, peer, peer=True, repeat=args.repeat
                    )
                rows.append(row)
            browser.close()

    print(
        f"\nmap benchmark: synthetic positions (seed {args.seed}) checked against alpha_line, "
        f"zones alpha_5_20_60; best of {args.repeat} pages"
    )
    print(
        f"python {platform.python_version()}, folium {folium.__version__}, Chromium {version} "
        "(headless, network blocked)\n"
    )
    head = (
        f"{'positions':>10} {'gz MB':>7} {'folium MB':>10} {'size x':>7} {'gz render s':>12} "
        f"{'folium render s':>16} {'speed x':>8} {'gz build s':>11} {'folium build s':>15} "
        f"{'requests out':>13}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        has_peer = "peer_mb" in r
        print(
            f"{r['n']:>10,} {r['mb']:>7.2f} "
            + (
                f"{r['peer_mb']:>10.2f} {r['peer_mb'] / r['mb']:>6.1f}x "
                if has_peer
                else f"{'-':>10} {'-':>7} "
            )
            + f"{r['render']:>12.3f} "
            + (
                f"{r['peer_render']:>16.3f} {r['peer_render'] / r['render']:>7.1f}x "
                if has_peer
                else f"{'-':>16} {'-':>8} "
            )
            + f"{r['build']:>11.2f} "
            + (f"{r['peer_build']:>15.2f} " if has_peer else f"{'-':>15} ")
            + f"{r['leaving']:>13}"
        )

    print("\ntargets")
    at = [r for r in rows if r["n"] == TARGET_N]
    if not at:
        print(f"  (run with {TARGET_N:,} among --sizes to check the targets)")
        return
    r = at[0]
    verdict = "PASS" if r["mb"] <= TARGET_MB else "MISS"
    print(f"  HTML at 10k positions   = {r['mb']:5.2f} MB   target <= {TARGET_MB:g} MB   {verdict}")
    verdict = "PASS" if r["render"] <= TARGET_S else "MISS"
    print(
        f"  render at 10k positions = {r['render']:5.2f} s    target <= {TARGET_S:g} s    {verdict}"
    )
    verdict = "PASS" if all(x["leaving"] == 0 for x in rows) else "MISS"
    print(f"  requests leaving the file: {max(x['leaving'] for x in rows)}   target 0   {verdict}")


if __name__ == "__main__":
    main()
