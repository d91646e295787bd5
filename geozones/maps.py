"""Leaflet maps of zones, lines and positions that open offline and never run their data.

:func:`zone_map` draws bands, lines and positions onto a :class:`folium.Map`, and calls stack
onto the same map with ``m=``. :func:`save_map` writes it as one self-contained HTML file.

What makes these maps different from folium's defaults:

- **Offline.** Leaflet 1.9 (from the XStatic-Leaflet package) and geozones' own small
  scripts and styles (``geozones/_web``) are inlined into the page, with Leaflet's images as
  data URIs. Nothing comes from a CDN: folium's jQuery, Bootstrap and Font Awesome links are
  removed from the map. This is a property of the map object, so the map that JupyterLab
  shows inline is offline too. The default basemap is vector: the bundled countries and sea,
  governorates and districts, towns, the Golan Heights, the Area of Separation and Mount
  Hermon. Online tiles from any xyzservices provider (``basemap="CartoDB.Voyager"``, or the
  short ``"osm"``, ``"imagery"``, ``"topo"``) are an option.
- **Safe.** Every string from the data is HTML-escaped in Python before it reaches the page,
  data travels inside ``<script>`` as JSON with ``<``, ``>`` and ``&`` escaped, and a URL
  becomes a link only if it is http(s).
- **Complete.** A legend (which also counts the rows that could not be mapped), a layer
  control, a scale bar, a geodesic measure tool, the cursor's coordinates in decimal degrees
  and MGRS, a draw tool that exports lines as GeoJSON for :func:`geozones.read_lines`, a
  date filter for dated positions and the data's attribution.
- **Scalable.** Positions are drawn as circle markers on one canvas, with tooltips and
  popups built on demand from column-wise, dictionary-encoded data.

Examples
--------
>>> import geozones as gz
>>> m = gz.zone_map(gz.build_zones("alpha_line", (5, 20)), lines="alpha_line")
>>> html = m.get_root().render()
>>> "cdn.jsdelivr.net" in html, "geozones.map(" in html
(False, True)
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geozones import datasets
from geozones.columns import as_text
from geozones.errors import InputError
from geozones.geodesy import destination, inverse, line_parts
from geozones.lines import as_lines
from geozones.symbology import (
    BAND_COLOURS,
    BASEMAP,
    BASEMAP_ALIASES,
    BEYOND_COLOUR,
    MARKER_EDGE_COLOUR,
    STATE_COLOURS,
    STATE_ORDER,
    UNKNOWN_COLOUR,
    TileBasemap,
    band_categories,
    band_colours,
    basemap_layers,
    display_names,
    line_style,
    lines_to_draw,
    peak_title,
    scenario_column,
    state_colour,
    tile_basemap,
    to_4326,
    zone_entries,
    zones_name,
)
from geozones.writing import write_text_atomic

if TYPE_CHECKING:  # pragma: no cover
    import folium
    from xyzservices import TileProvider

__all__ = [
    "ACLED_CREDIT",
    "BAND_COLOURS",
    "BASEMAPS",
    "GOLAN_CENTRE",
    "STATE_COLOURS",
    "UCDP_CREDIT",
    "data_credits",
    "remote_references",
    "save_map",
    "zone_map",
]

#: Where a map with nothing to fit opens: (lat, lon) of the Golan, as Leaflet wants it.
GOLAN_CENTRE = (33.0, 35.85)

#: Short names of online tile basemaps -> the xyzservices provider each stands for; any
#: other provider name, or an :class:`xyzservices.TileProvider`, works as well.
BASEMAPS = BASEMAP_ALIASES

_WEB = Path(__file__).parent / "_web"
# folium's header links to CDNs, by the names folium gives them.
_FOLIUM_CDN_NAMES = (
    "leaflet",
    "jquery",
    "bootstrap",
    "awesome_markers",
    "leaflet_css",
    "bootstrap_css",
    "glyphicons_css",
    "awesome_markers_font_css",
    "awesome_markers_css",
    "awesome_rotate_css",
)
_ATTRIBUTION_LINKS = {
    datasets.ATTRIBUTION_OSM: "https://www.openstreetmap.org/copyright",
    datasets.ATTRIBUTION_NATURAL_EARTH: "https://www.naturalearthdata.com",
    datasets.ATTRIBUTION_GEONAMES: "https://www.geonames.org",
}
_TEXT_COLUMNS = (
    "actor",
    "place",
    "source",
    "url",
    "side",
    "location_method",
    "status",
    "denied_by",
    "claim_text",
)
_EPOCH = np.datetime64("1970-01-01", "D")
_MANY_POSITIONS = 2000  # above this, uncertainty circles start hidden


# ---------------------------------------------------------------------------- credits

#: Credit line for UCDP GED events (CC BY 4.0: credit the dataset and cite its article).
UCDP_CREDIT = datasets.EVENT_DATASET_CREDITS["UCDP GED"]
#: Credit line for ACLED events (ACLED's attribution policy: name ACLED, link its website).
ACLED_CREDIT = datasets.EVENT_DATASET_CREDITS["ACLED"]
_CREDIT_LINKS = {
    UCDP_CREDIT: "https://ucdp.uu.se",
    ACLED_CREDIT: "https://acleddata.com",
}


def _filled(df: pd.DataFrame, *columns: str) -> bool:
    """Whether every one of `columns` is in `df` with at least one non-empty value."""
    for c in columns:
        if c not in df:
            return False
        values = df[c]
        text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
        if not (text != "").any():
            return False
    return True


def data_credits(results: pd.DataFrame | None) -> list[str]:
    """Return the credit lines that a map, figure or printout of `results` must carry.

    A table with UCDP GED events (the columns ``side_a``, ``side_b`` and ``where_prec``,
    or ``date_prec``, as :func:`geozones.read_positions` keeps them) is credited with
    :data:`UCDP_CREDIT`; one with ACLED events (``event_id_cnty``, or ``actor1`` and
    ``time_precision``) with :data:`ACLED_CREDIT`. A ``dataset`` column naming
    ``"UCDP GED"`` or ``"ACLED"`` (as in :func:`geozones.checks.findings`) counts too.
    Columns that are present but empty do not.

    Parameters
    ----------
    results
        Positions, results of :func:`geozones.check_positions`, findings, or None.

    Returns
    -------
    list of str
        The credits, UCDP first; empty when the data needs none beyond the basemap's.

    Examples
    --------
    >>> import pandas as pd
    >>> data_credits(pd.DataFrame({"side_a": ["Government of Israel"], "side_b": ["Hezbollah"],
    ...                            "where_prec": [1]}))
    ['UCDP GED (CC BY 4.0), Sundberg & Melander 2013']
    >>> data_credits(pd.DataFrame({"actor": ["IDF"]}))
    []
    """
    if results is None or not isinstance(results, pd.DataFrame) or results.empty:
        return []
    named = set()
    if "dataset" in results:
        named = {str(v).strip().upper() for v in results["dataset"].dropna().unique()}
    out = []
    if (
        _filled(results, "side_a", "side_b", "where_prec")
        or _filled(results, "date_prec")
        or any(v.startswith("UCDP") for v in named)
    ):
        out.append(UCDP_CREDIT)
    if (
        _filled(results, "event_id_cnty")
        or _filled(results, "actor1", "time_precision")
        or any(v.startswith("ACLED") for v in named)
    ):
        out.append(ACLED_CREDIT)
    return out


# ------------------------------------------------------------------------ safe output


def _escape(value: Any) -> str:
    """HTML-escape a value from the data (quotes included); None and NaN become "".

    Bidirectional embedding, override and isolate controls are taken out: U+202E would
    show "Hezbollah" reversed, or reorder a line of evidence.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(_BIDI_CONTROLS.sub("", str(value)), quote=True)


_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def _http_url(value: Any) -> str:
    """Return `value` escaped for an ``href`` if it is an absolute http(s) URL, else ""."""
    text = "" if value is None or value is pd.NA else str(value).strip()
    if not text or any(c.isspace() or ord(c) < 32 for c in text):
        return ""
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return html.escape(text, quote=True)


class _LinksOnly(HTMLParser):
    """Rebuild HTML as escaped text and http(s) links; every other tag is dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open_links = 0
        self.skip = 0  # inside <script> or <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "a" and not self.open_links:
            url = _http_url(dict(attrs).get("href"))
            if url:
                self.out.append(f'<a href="{url}" target="_blank" rel="noopener">')
                self.open_links += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(self.skip - 1, 0)
        elif tag == "a" and self.open_links:
            self.out.append("</a>")
            self.open_links -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.out.append(_escape(data))


def _links_only_html(text: str) -> str:
    """`text` (HTML from a tile provider) as escaped text whose only tags are http(s) links.

    Examples
    --------
    >>> _links_only_html('&copy; <a href="https://osm.org" onclick="x()">OSM</a><img src=x>')
    '© <a href="https://osm.org" target="_blank" rel="noopener">OSM</a>'
    """
    parser = _LinksOnly()
    parser.feed(str(text))
    parser.close()
    return "".join(parser.out) + "</a>" * parser.open_links


_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


# A brace that would open Jinja syntax ("{{", "{%", "{#"). In JSON text such a brace can
# only stand inside a string (a structural "{" is followed by '"' or "}"), where "\u007b"
# means the same character.
_TEMPLATE_OPENERS = re.compile(r"\{(?=[{%#])")


class _JSON(str):
    """JSON text made by :func:`_js` or :func:`_js_raw`: safe in a ``<script>``, inert to Jinja.

    Only text of this type goes into a call of the map runtime as it is; anything else is
    serialised by :func:`_js` first, so a plain string can only ever become a JSON string.
    """

    __slots__ = ()


def _js(obj: Any) -> _JSON:
    """Serialise `obj` as JSON that is safe inside an HTML ``<script>`` element."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return _js_raw(text)


def _js_raw(text: str) -> _JSON:
    """Make already serialised JSON `text` safe inside an HTML ``<script>`` element.

    ``< > &`` and the JavaScript line separators are escaped, and so is every brace that
    opens template syntax, so the text means the same to a browser and nothing to Jinja.
    """
    return _JSON(_TEMPLATE_OPENERS.sub(r"\\u007b", text.translate(_JSON_ESCAPES)))


# ------------------------------------------------------------------------ the assets


def _data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _inline_script(text: str, what: str) -> str:
    if re.search(r"</script", text, re.IGNORECASE):  # pragma: no cover - packaged files
        msg = f"{what} contains '</script' and cannot be inlined"
        raise InputError(msg)
    return f"<script>{text}</script>"


#: geozones' browser modules (``geozones/_web``), one file per tool, in the order they are
#: inlined: each may use the ones before it, and ``map.js`` builds a map's tools from them.
_WEB_MODULES = (
    "core.js",
    "geodesy.js",
    "legend.js",
    "basemap.js",
    "bands.js",
    "lines.js",
    "coordinates.js",
    "toolbar.js",
    "measure.js",
    "draw.js",
    "datefilter.js",
    "popups.js",
    "positions.js",
    "map.js",
)


def _web_module(name: str) -> str:
    """The inline ``<script>`` of one browser module, refused if it holds template syntax."""
    text = (_WEB / name).read_text(encoding="utf-8")
    if _TEMPLATE_OPENERS.search(text):  # pragma: no cover - packaged files
        msg = f"{name} contains template syntax ('{{{{', '{{%' or '{{#') and cannot be inlined"
        raise InputError(msg)
    return _inline_script(text, name)


def _inline_style(text: str, what: str) -> str:
    if re.search(r"</style", text, re.IGNORECASE):  # pragma: no cover - packaged files
        msg = f"{what} contains '</style' and cannot be inlined"
        raise InputError(msg)
    return f"<style>{text}</style>"


@cache
def _assets_html(modules: tuple[str, ...] = _WEB_MODULES) -> str:
    """Leaflet and geozones' scripts and styles, inline, with images as data URIs.

    `modules` are the browser modules to inline (all of them for a map; the tests of one
    tool load fewer).
    """
    import xstatic.pkg.leaflet as xleaflet

    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S*\s*$", "", js)
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    images = {
        name: _data_uri(base / "images" / name, "image/png")
        for name in (
            "layers.png",
            "layers-2x.png",
            "marker-icon.png",
            "marker-icon-2x.png",
            "marker-shadow.png",
        )
    }
    for name, uri in images.items():
        css = css.replace(f"url(images/{name})", f'url("{uri}")')
    icons = (
        'L.Icon.Default.imagePath="";L.Icon.Default.mergeOptions('
        + _js(
            {
                "iconUrl": images["marker-icon.png"],
                "iconRetinaUrl": images["marker-icon-2x.png"],
                "shadowUrl": images["marker-shadow.png"],
            }
        )
        + ");"
    )
    own_css = (_WEB / "geozones.css").read_text(encoding="utf-8")
    version = getattr(xleaflet, "VERSION", "1.9")
    return "\n".join(
        [
            f"<!-- Leaflet {version} (BSD-2-Clause, from XStatic-Leaflet) and geozones, inline -->",
            _inline_style(css, "leaflet.css"),
            _inline_script(js, "leaflet.js"),
            _inline_script(icons, "icons"),
            _inline_style(own_css, "geozones.css"),
            *(_web_module(name) for name in modules),
        ]
    )


@cache
def _elements():
    """Create the branca/folium element classes (folium is imported only when needed).

    This is where geozones' text enters folium, and no template ever sees it. branca
    renders a macro's output *again* as Jinja source (``Element(script(...))``), so text
    from a file passed through a template would be evaluated: ``{{ ... }}`` in an actor
    cell would run Python. Instead, :class:`Call` and the assets put their finished text
    into the page as :class:`Raw` elements, which render it verbatim.
    """
    from branca.element import Element, MacroElement
    from folium.template import Template

    class Raw(Element):
        """Text put into the page as it is: never parsed as a template."""

        def __init__(self, text: str):
            super().__init__()
            self._name = "GeozonesRaw"
            self.text = text

        def render(self, **kwargs) -> str:
            return self.text

    class OfflineAssets(MacroElement):
        """Inline Leaflet and geozones into the page header, replacing folium's CDN links."""

        _template = Template("")

        def render(self, **kwargs):
            figure = self.get_root()
            for name in _FOLIUM_CDN_NAMES:
                figure.header._children.pop(name, None)
            figure.header.add_child(Raw(_assets_html()), name="geozones_assets", index=0)
            super().render(**kwargs)

    class Call(MacroElement):
        """One call of the geozones map runtime: ``geozones.map(m, options).method(args)``.

        `method` is one of the runtime's methods (``_web/map.js``); `options` holds one
        object per tool. Every argument is JSON: text made by :func:`_js` goes in as it
        is, and any other value is serialised by :func:`_js` here. The call is written into
        the page's script as a :class:`Raw` element, never through a template.
        """

        _template = Template("")

        def __init__(self, method: str, *args: Any, options: dict[str, Any]):
            super().__init__()
            if method not in _RUNTIME_METHODS:  # pragma: no cover - our own names
                msg = f"not a geozones map method: {method!r}"
                raise InputError(msg)
            self._name = "GeozonesCall"
            self.method = method
            self.args = [a if isinstance(a, _JSON) else _js(a) for a in args]
            self.options = _js(options)

        def render(self, **kwargs):
            target = self._parent.get_name()
            if not re.fullmatch(r"[A-Za-z_$][\w$]*", target):  # pragma: no cover - folium's
                msg = f"not a map variable: {target!r}"
                raise InputError(msg)
            args = ", ".join(self.args)
            text = f"geozones.map({target}, {self.options}).{self.method}({args});\n"
            self.get_root().script.add_child(Raw(text), name=self.get_name())

    return OfflineAssets, Call


#: The methods of the map runtime that Python calls (``geozones/_web/map.js``).
_RUNTIME_METHODS = frozenset(
    ("basemap", "tiles", "attribution", "bands", "lines", "positions", "addLegend", "fit")
)


def _runtime_options(
    *, tools: bool = True, time_filter: bool = True, fixed_view: bool = False
) -> dict[str, Any]:
    """The options of a map's runtime: one JSON object per tool of ``geozones/_web``."""
    return {
        "view": {"fixed": fixed_view},
        "legend": {},
        "coordinates": {},
        "measure": {"enabled": tools},
        "draw": {"enabled": tools},
        "dateFilter": {"enabled": time_filter},
        "positions": {},
    }


@dataclass
class _MapState:
    """What geozones has added to a folium map, kept on the map so that calls stack."""

    options: dict[str, Any] = field(default_factory=_runtime_options)
    offline: bool = False
    basemap_done: bool = False
    credits: set[str] = field(default_factory=set)
    position_layers: int = 0
    #: Where the map's window of longitudes starts (set by the first call that draws)
    seam: float | None = None


_STATE_ATTRIBUTE = "_geozones_state"


def _state(m: folium.Map) -> _MapState:
    """The geozones state of `m`, made on first use (a map from folium has every tool)."""
    state = getattr(m, _STATE_ATTRIBUTE, None)
    if not isinstance(state, _MapState):
        state = _MapState()
        setattr(m, _STATE_ATTRIBUTE, state)
    return state


def _make_offline(m: folium.Map) -> None:
    """Make `m` render with inline Leaflet and no CDN links (idempotent)."""
    m.default_js = []
    m.default_css = []
    state = _state(m)
    if not state.offline:
        offline_assets, _ = _elements()
        m.add_child(offline_assets(), name="geozones_assets")
        state.offline = True


def _call(m: folium.Map, method: str, *args: Any) -> None:
    """Add a call of the map runtime to `m`, with the map's options (defaults: every tool)."""
    _, call = _elements()
    m.add_child(call(method, *args, options=_state(m).options))


# ------------------------------------------------------------------------- geometry


def _feature_collection(geoms: Iterable, props: Sequence[dict], *, decimals: int = 6) -> _JSON:
    """GeoJSON FeatureCollection text of `geoms` with coordinates rounded to `decimals`."""
    geoms = np.asarray(list(geoms), dtype=object)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
    texts = shapely.to_geojson(geoms)
    features = [
        f'{{"type":"Feature","properties":{_js(p)},"geometry":{g}}}'
        for g, p in zip(texts, props, strict=True)
        if g is not None
    ]
    return _js_raw('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}")


def _bbox(geoms) -> list[float] | None:
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return None
    x0, y0, x1, y1 = shapely.total_bounds(np.asarray(geoms, dtype=object))
    return [float(x0), float(y0), float(x1), float(y1)]


def _union_bbox(*boxes: list[float] | None) -> list[float] | None:
    found = [b for b in boxes if b is not None]
    if not found:
        return None
    a = np.asarray(found)
    return [float(a[:, 0].min()), float(a[:, 1].min()), float(a[:, 2].max()), float(a[:, 3].max())]


# ------------------------------------------------------------- the globe on a flat map
#
# Leaflet draws lon/lat as given, on one copy of the world from -180 to 180. Zones come split
# at ±180 (RFC 7946), so a zone round the antimeridian would be drawn as two halves at the far
# edges of the world, and a line segment from 178.5 to -179.5 across the whole world. On the
# map (never in exports) every layer is drawn in one window of longitudes [w, w + 360), the
# seam w in the widest stretch of longitude holding nothing, and each segment of a line along
# its geodesic, unwrapped. The edges a polygon gets from the seam or from the ±90° parallels
# of a pole cap are not boundaries: such a band is filled without a stroke and outlined apart.

#: Segments of a line longer than this are drawn through points on their geodesic.
_GEODESIC_STEP_M = 50_000.0


def _spans(lo: float, hi: float) -> list[tuple[float, float]]:
    """The stretches of [-180, 180] that the longitudes lo..hi (lo <= hi) cover."""
    if hi - lo >= 360.0:
        return [(-180.0, 180.0)]
    start = (lo + 180.0) % 360.0 - 180.0
    stop = start + (hi - lo)
    if stop <= 180.0:
        return [(start, stop)]
    return [(start, 180.0), (-180.0, stop - 360.0)]


def _seam(geoms: Iterable, lon: Iterable[float] = ()) -> float:
    """The map's seam: -180 unless the widest gap in longitude lies elsewhere, then its middle."""
    spans: list[tuple[float, float]] = [(float(x), float(x)) for x in lon if np.isfinite(x)]
    for g in geoms:
        for part in shapely.get_parts(np.asarray([g], dtype=object)):
            if part is None or part.is_empty:
                continue
            x0, _, x1, _ = part.bounds
            spans.extend(_spans(x0, x1))
    if not spans:
        return -180.0
    spans.sort()
    merged = [list(spans[0])]
    for a, b in spans[1:]:
        if a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    wrap_gap = merged[0][0] + 360.0 - merged[-1][1]
    gaps = [(merged[i + 1][0] - merged[i][1], i) for i in range(len(merged) - 1)]
    if not gaps or max(gaps)[0] <= wrap_gap:
        return -180.0
    _, i = max(gaps)
    return (merged[i][1] + merged[i + 1][0]) / 2.0


def _shifted(geom: Any, dx: float) -> Any:
    """`geom` moved by `dx` degrees of longitude."""
    return shapely.transform(geom, lambda xy: xy + np.array([dx, 0.0]))


def _wrapped(geom: Any, seam: float) -> Any:
    """A polygon (lon within ±180) drawn in [seam, seam + 360): its west of the seam moved 360°."""
    if seam == -180.0 or geom is None or geom.is_empty:
        return geom
    east = shapely.intersection(geom, shapely.box(seam, -90.0, 180.0, 90.0))
    west = shapely.intersection(geom, shapely.box(-180.0, -90.0, seam, 90.0))
    west = _shifted(west, 360.0)
    parts = [
        p
        for p in shapely.get_parts(np.asarray([east, west], dtype=object))
        if p.geom_type == "Polygon" and not p.is_empty
    ]
    return shapely.union_all(parts) if parts else geom


def _on_geodesics(part: np.ndarray) -> np.ndarray:
    """Vertices (n, 2) of a line part, with points on each long segment's geodesic."""
    lon, lat = part[:, 0], part[:, 1]
    az, _, dist = inverse(lon[:-1], lat[:-1], lon[1:], lat[1:])
    steps = np.maximum(np.ceil(dist / _GEODESIC_STEP_M), 1).astype(int)
    if (steps == 1).all():
        return part
    seg = np.repeat(np.arange(len(steps)), steps)  # each segment: its start, then points on it
    j = np.arange(len(seg)) - np.repeat(np.cumsum(steps) - steps, steps)
    x, y, _ = destination(lon[seg], lat[seg], az[seg], dist[seg] * j / steps[seg])
    xy = np.column_stack([x, y])
    xy[j == 0] = part[:-1]  # the vertices themselves, exactly
    return np.concatenate([xy, part[-1:]])


def _unwrapped(xy: np.ndarray) -> list[np.ndarray]:
    """Each vertex's longitude moved by a multiple of 360 to lie within 180° of the one before.

    A step of more than 90° in longitude (a geodesic passing within about 0.3° of a pole, as
    its points lie at most 50 km apart) ends a piece and starts another: on the map the line
    runs off the end of the world there and comes back elsewhere.
    """
    step = (np.diff(xy[:, 0]) + 180.0) % 360.0 - 180.0
    lon = xy[0, 0] + np.concatenate([[0.0], np.cumsum(step)])
    out = np.column_stack([lon, xy[:, 1]])
    cuts = np.flatnonzero(np.abs(step) > 90.0) + 1
    pieces = np.split(out, cuts)
    for i in range(1, len(pieces)):  # each piece starts within ±180 of the prime meridian
        pieces[i] = pieces[i] - [360.0 * math.floor((pieces[i][0, 0] + 180.0) / 360.0), 0.0]
    return [p for p in pieces if len(p) >= 2]


def _line_parts_drawn(geom: Any) -> list[np.ndarray]:
    """Vertices (n, 2) of each part of a line as drawn: along its geodesics, unwrapped."""
    if geom is None or geom.is_empty:
        return []
    return [q for p in line_parts(geom) for q in _unwrapped(_on_geodesics(p))]


def _display_line(geom: Any, seam: float) -> Any:
    """A line as drawn: along its geodesics, unwrapped, within [seam, seam + 360)."""
    parts = _line_parts_drawn(geom)
    if not parts:
        return geom
    inside = all(seam <= xy[:, 0].min() and xy[:, 0].max() <= seam + 360.0 for xy in parts)
    coords = shapely.get_coordinates(geom)
    if inside and np.array_equal(np.concatenate(parts), coords):
        return geom  # drawn as given
    out = []
    for xy in parts:
        line = shapely.LineString(xy)
        first = math.floor((xy[:, 0].min() - seam) / 360.0)
        last = math.floor((xy[:, 0].max() - seam) / 360.0)
        if first == last:
            out.append(_shifted(line, -360.0 * first))
            continue
        for k in range(first, last + 1):
            lo = seam + 360.0 * k
            piece = shapely.intersection(line, shapely.box(lo, -90.0, lo + 360.0, 90.0))
            piece = _shifted(piece, -360.0 * k)
            out.extend(
                p
                for p in shapely.get_parts(np.asarray([piece], dtype=object))
                if p.geom_type == "LineString" and not p.is_empty
            )
    return out[0] if len(out) == 1 else shapely.MultiLineString(out)


def _frame_edges(seam: float) -> Any:
    """The edges of the window [seam, seam + 360) x [-90, 90]: the seam and the poles."""
    east = seam + 360.0
    return shapely.MultiLineString(
        [
            [(seam, -90), (seam, 90)],
            [(east, -90), (east, 90)],
            [(seam, 90), (east, 90)],
            [(seam, -90), (east, -90)],
        ]
    )


def _outline(geom: Any, seam: float) -> Any:
    """The boundary of a drawn band without its stretches on the seam and the poles.

    None when the band has no edge there: it is then stroked as a polygon.
    """
    if geom is None or geom.is_empty:
        return None
    edges = _frame_edges(seam)
    boundary = shapely.boundary(geom)
    on_frame = shapely.intersection(boundary, edges)
    if on_frame.is_empty or shapely.length(on_frame) == 0.0:
        return None
    return shapely.difference(boundary, edges)


# --------------------------------------------------------------------------- legend


def _swatch(colour: str, *, kind: str = "swatch", opacity: float = 1.0, dash: str | None = None):
    if kind == "stroke":
        style = f"border-top-color:{colour};" + ("border-top-style:dashed;" if dash else "")
        return f'<span class="gz-stroke" style="{style}"></span>'
    rgba = _rgba(colour, opacity)
    return f'<span class="gz-{kind}" style="background:{rgba}"></span>'


def _rgba(colour: str, opacity: float) -> str:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{opacity:g})"


def _legend_row(swatch: str, label_html: str, count_html: str = "") -> str:
    count = f'<span class="gz-count">{count_html}</span>' if count_html else ""
    return f'<div class="gz-row">{swatch}<span>{label_html}</span>{count}</div>'


# -------------------------------------------------------------------------- basemap


def _collection(gdf: gpd.GeoDataFrame, decimals: int) -> Any:
    return json.loads(_feature_collection(gdf.geometry, [{}] * len(gdf), decimals=decimals))


def _basemap_area_layers() -> list[dict[str, Any]]:
    """The basemap's areas as Leaflet layers: sea, countries, admin, Golan, Area of Separation."""
    base = basemap_layers()
    countries = base.countries
    land = shapely.union_all(countries.geometry.to_numpy())
    x0, y0, x1, y1 = countries.total_bounds
    sea = shapely.difference(shapely.box(x0 - 4.0, y0, x1, y1), land)  # the sea west of it too
    golan, aos = BASEMAP.golan_heights, BASEMAP.area_of_separation
    return [
        {
            "name": None,
            "fc": json.loads(_feature_collection([sea], [{}], decimals=4)),
            "style": {"stroke": False, "fillColor": BASEMAP.sea, "fillOpacity": 1},
        },
        {
            "name": "Countries (Natural Earth)",
            "fc": _collection(countries, 4),
            "style": {
                "color": BASEMAP.countries.edge,
                "weight": 1.3,
                "fillColor": BASEMAP.countries.fill,
                "fillOpacity": 1,
            },
        },
        {
            "name": "Governorates and districts (Natural Earth)",
            "fc": _collection(base.admin, 4),
            "style": {
                "color": BASEMAP.admin.edge,
                "weight": 0.8,
                "dashArray": "4 3",
                "fill": False,
            },
        },
        {
            "name": "Golan Heights (OpenStreetMap)",
            "fc": _collection(base.golan_heights, 5),
            "style": {
                "color": golan.edge,
                "weight": 1,
                "dashArray": "2 3",
                "fillColor": golan.fill,
                "fillOpacity": 0.8,
            },
        },
        {
            "name": "UNDOF Area of Separation (OpenStreetMap)",
            "fc": _collection(base.area_of_separation, 5),
            "style": {"color": aos.edge, "weight": 1, "fillColor": aos.fill, "fillOpacity": 0.6},
        },
    ]


def _label(lon: float, lat: float, text: str, cls: str) -> list[Any]:
    return [round(float(lon), 5), round(float(lat), 5), f"<span>{_escape(text)}</span>", cls]


def _town_labels(towns: gpd.GeoDataFrame) -> list[list[Any]]:
    """Natural Earth towns, then GeoNames places of 10,000 people or more near the Golan."""
    capitals = towns["ADM0CAP"].fillna(0).astype(float) > 0
    labels = [
        _label(x, y, name, "gz-town gz-capital" if cap else "gz-town")
        for name, x, y, cap in zip(
            towns["NAME"], towns.geometry.x, towns.geometry.y, capitals, strict=True
        )
    ]
    places = datasets.load("gazetteer")
    pop = pd.to_numeric(places["population"], errors="coerce").fillna(0)
    near = places.geometry.x.between(35.0, 37.0) & places.geometry.y.between(32.0, 34.2)
    extra = places[near & (pop >= 10000)]
    # GeoNames repeats the Natural Earth towns under other spellings: drop those within ~5 km
    town_xy = np.column_stack([towns.geometry.x, towns.geometry.y])
    extra_xy = np.column_stack([extra.geometry.x, extra.geometry.y])
    gap = np.min(np.hypot(*(extra_xy[:, None, :] - town_xy[None, :, :]).transpose(2, 0, 1)), 1)
    extra = extra[gap > 0.05]
    return labels + [
        _label(x, y, name, "gz-town gz-min10")
        for name, x, y in zip(extra["name"], extra.geometry.x, extra.geometry.y, strict=True)
    ]


def _basemap_labels() -> list[dict[str, Any]]:
    """The basemap's labels: countries, governorates, the Golan, towns and peaks."""
    base = basemap_layers()
    countries = base.countries
    frame = shapely.box(*countries.total_bounds)
    country_labels = []
    for name, geom in zip(countries["NAME"], countries.geometry, strict=True):
        clipped = shapely.intersection(geom, frame)
        if clipped.is_empty or clipped.area < 0.05:
            continue
        p = shapely.point_on_surface(clipped)
        country_labels.append(_label(p.x, p.y, name, "gz-country"))
    admin = base.admin
    admin_labels = [
        _label(p.x, p.y, name, "gz-admin")
        for name, p in zip(admin["name"], shapely.point_on_surface(admin.geometry), strict=True)
    ]
    peaks = base.peaks
    peak_labels = [
        _label(x, y, f"▲ {peak_title(name)} {elev:,.0f} m", "gz-peak")
        for name, elev, x, y in zip(
            peaks["name"], peaks["elevation"], peaks.geometry.x, peaks.geometry.y, strict=True
        )
    ]
    return [
        {"name": "Labels: countries", "items": country_labels},
        {"name": "Labels: governorates and districts", "items": admin_labels},
        {"name": None, "items": [_label(35.66, 33.02, "Golan Heights", "gz-area")]},
        {"name": "Towns (Natural Earth, GeoNames)", "items": _town_labels(base.towns)},
        {"name": "Mount Hermon and peaks (Natural Earth)", "items": peak_labels},
    ]


@cache
def _basemap_payload() -> _JSON:
    """The offline vector basemap as a JSON payload for ``geozones.map(m).basemap``."""
    payload = {
        "background": BASEMAP.background,
        "layers": _basemap_area_layers(),
        "labels": _basemap_labels(),
    }
    return _js(payload)


def _new_credits(found: Iterable[str], given: Iterable[str]) -> list[str]:
    """The credits in `found` whose dataset (UCDP, ACLED) no credit in `given` names yet."""
    given = " ".join(given).upper()
    return [c for c in found if c.split()[0].upper() not in given]


def _attribution_html(extra: Iterable[str] = (), *, basemap: bool = True) -> str:
    parts: list[str] = []
    bundled: tuple[str, ...] = (
        datasets.ATTRIBUTION_OSM,
        datasets.ATTRIBUTION_NATURAL_EARTH,
        datasets.ATTRIBUTION_GEONAMES,
    )
    if not basemap:
        bundled = ()
    for text in (*bundled, *extra):
        if not text or any(_escape(text) in p for p in parts):
            continue
        url = _http_url(_ATTRIBUTION_LINKS.get(text) or _CREDIT_LINKS.get(text, ""))
        esc = _escape(text)
        parts.append(f'<a href="{url}" target="_blank" rel="noopener">{esc}</a>' if url else esc)
    return ("Data: " if basemap else "") + "; ".join(parts)


# ---------------------------------------------------------------------------- zones


def _zones_payload(
    zones: gpd.GeoDataFrame, name: str | None, seam: float = -180.0
) -> tuple[list[_JSON], str, list[float] | None]:
    entries = zone_entries(zones)
    zones = to_4326(zones)
    drawn = [_wrapped(g, seam) for g in zones.geometry]
    outlines = [_outline(g, seam) for g in drawn]
    # a band with edges on the seam or a pole is filled without a stroke ("e": 0) and its
    # outline ("o": 1) drawn after every band
    props: list[dict[str, Any]] = [
        {"c": e.colour, **({"e": 0} if o is not None else {})}
        for e, o in zip(entries, outlines, strict=True)
    ]
    edges = [
        (o, {"c": e.colour, "o": 1})
        for e, o in zip(entries, outlines, strict=True)
        if o is not None
    ]
    fc = _feature_collection(drawn + [o for o, _ in edges], props + [p for _, p in edges])
    name = zones_name(zones, name)
    fill_opacity = 0.3
    rows = [
        _legend_row(
            _swatch(e.colour, opacity=fill_opacity + 0.15),
            _escape(e.label),
            f"{e.area_km2:,.0f} km²" if np.isfinite(e.area_km2) else "",
        )
        for e in entries
    ]
    legend = f"<h4>Zones: {_escape(name)}</h4>" + "".join(rows)
    style = {"weight": 1.2, "opacity": 0.9, "fillOpacity": fill_opacity}
    args = [_js(f"Zones: {_escape(name)}"), fc, _js(style)]
    return args, legend, _bbox(drawn)


# ---------------------------------------------------------------------------- lines


def _lines_payload(lines: Any, seam: float = -180.0) -> tuple[list[_JSON], str, list[float] | None]:
    resolved = as_lines(lines)
    gdf = resolved.frame
    n = len(gdf)
    layer = [str(v) if v else "" for v in gdf["layer"]]
    names = display_names(resolved)
    drawn = [_display_line(g, seam) for g in gdf.geometry]
    props, rows = [], []
    for i, (lay, name, geom) in enumerate(zip(layer, names, drawn, strict=True)):
        look = line_style(lay, i, name)
        colour, dash, label = look.colour, look.dash_text, look.label
        merged = shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom
        at = shapely.line_interpolate_point(merged, (i + 1) / (n + 1), normalized=True)
        if at is None or at.is_empty:
            at = shapely.point_on_surface(geom)
        props.append(
            {
                "c": colour,
                "n": _escape(label),
                "lx": round(at.x, 6),
                "ly": round(at.y, 6),
                "dir": "left" if i % 2 == 0 else "right",
                **({"d": dash} if dash else {}),
            }
        )
        text = f'<span title="{_escape(name)}">{_escape(label)}</span>'
        rows.append(_legend_row(_swatch(colour, kind="stroke", dash=dash), text))
    fc = _feature_collection(drawn, props)
    legend = "<h4>Lines</h4>" + "".join(rows)
    style = {"weight": 3, "opacity": 0.95}
    return [_js("Lines"), fc, _js(style)], legend, _bbox(drawn)


# ------------------------------------------------------------------------ positions


def _text_codes(values: pd.Series, *, url: bool = False) -> tuple[list[int], list[str]]:
    """Dictionary-encode a text column: codes and the escaped distinct values."""
    text = values.astype(object).where(values.notna(), "")
    codes, uniques = pd.factorize(text.astype(str), sort=False)
    clean = _http_url if url else _escape
    return codes.tolist(), [clean(u) for u in uniques]


def _as_datetime(values: pd.Series) -> pd.Series:
    """A date column as naive datetime64 (text is read as ISO 8601; NaT where unreadable)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(None)
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        text = values.astype(object).where(values.notna(), None)
        values = pd.to_datetime(text, errors="coerce", format="ISO8601")
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert(None)
    return values


def _days(values: pd.Series) -> list[int | None]:
    """Days since 1970-01-01 of a date column; None where there is no date."""
    values = _as_datetime(values)
    arr = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    ok = ~np.isnat(arr)
    out = np.where(ok, (arr - _EPOCH).astype("int64", copy=False), 0)
    return [int(v) if k else None for v, k in zip(out.tolist(), ok.tolist(), strict=True)]


def _text(values: pd.Series) -> pd.Series:
    """A column as stripped text, "" where missing."""
    return as_text(values)


def _date_labels(df: pd.DataFrame) -> pd.Series:
    """When each position was, as text: its date range at its precision.

    "2018", "2018-06", "2017-03-19", "2017-03-19 to 2017-03-25" or "undated". Uses
    ``date`` and, when present, ``date_to`` (last day, inclusive) and
    ``date_precision`` ("day", "instant", "week", "month", "year", "range").
    """
    if "date" not in df:
        return pd.Series("undated", index=df.index, dtype=object)
    start = _as_datetime(df["date"])
    end = _as_datetime(df["date_to"]) if "date_to" in df else start
    end = end.where(end.notna(), start)
    day = start.dt.strftime("%Y-%m-%d").astype(object)
    last = end.dt.strftime("%Y-%m-%d").astype(object)
    label = day.where((last == day) | last.isna(), day + " to " + last)
    if "date_precision" in df:
        precision = _text(df["date_precision"]).str.lower()
        label = label.mask(precision == "year", start.dt.strftime("%Y").astype(object))
        label = label.mask(precision == "month", start.dt.strftime("%Y-%m").astype(object))
        instant = start.dt.strftime("%Y-%m-%d %H:%M UTC").astype(object)
        label = label.mask(precision == "instant", instant)
    return label.where(start.notna(), "undated")


def _denied(df: pd.DataFrame) -> np.ndarray:
    """Whether each row is a denied or disputed claim (``denied_by``, or ``status``)."""
    from geozones.checks import is_denied

    return np.asarray(is_denied(df), dtype=bool)


_MAX_LISTED = 20  # breaches listed in the legend


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _breach_list(sub: pd.DataFrame, col: str, when: pd.Series, layer: int) -> str:
    """Legend HTML: the breaches of scenario column `col`, each a link to its position."""
    verdict = _text(sub[col]).to_numpy()
    idx = np.flatnonzero(verdict == "breach")
    if not len(idx):
        return ""
    denied = _denied(sub)
    actor = _text(sub["actor"]).to_numpy() if "actor" in sub else np.full(len(sub), "")
    place = _text(sub["place"]).to_numpy() if "place" in sub else np.full(len(sub), "")
    if "src_place" in sub:
        given = _text(sub["src_place"]).to_numpy()
        place = np.where(place == "", given, place)
    dates = when.to_numpy()
    items = []
    for i in idx[:_MAX_LISTED].tolist():
        who = _escape(_short(actor[i] or "unnamed actor", 40))
        where = ", ".join(_escape(_short(v, 28)) for v in (place[i], dates[i]) if v)
        flag = ' <span class="gz-denied">denied</span>' if denied[i] else ""
        items.append(
            f'<li><a href="#" class="gz-breach" data-gz-layer="{layer}" data-gz-i="{i}">'
            f"<b>{who}</b>{flag}<br><span>{where}</span></a></li>"
        )
    more = len(idx) - _MAX_LISTED
    tail = f'<div class="gz-note">… and {more:,} more</div>' if more > 0 else ""
    n_denied = int(denied[idx].sum())
    note = f" ({n_denied:,} denied)" if n_denied else ""
    return (
        f'<div class="gz-note gz-breach-head">Breaches{note}: click to show</div>'
        f'<ol class="gz-breaches">{"".join(items)}</ol>{tail}'
    )


def _coordinates(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude in degrees of each row: ``lon``/``lat``, else the points."""
    if "lon" in df and "lat" in df:
        lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float)
        return lon, lat
    if isinstance(df, gpd.GeoDataFrame):
        geom = df.geometry
        empty = geom.isna().to_numpy() | geom.is_empty.to_numpy()
        safe = geom.where(~empty, shapely.Point(np.nan, np.nan)).to_numpy()
        return shapely.get_x(safe).astype(float), shapely.get_y(safe).astype(float)
    msg = "positions need lon and lat columns or point geometries"
    raise InputError(msg)


@dataclass
class _Colouring:
    """How positions are coloured: band and verdict codes, their labels, each marker's fill."""

    bands: list[str]
    band_codes: np.ndarray
    band_colour: dict[str, str]
    column: str | None  # the scenario column, if colouring by verdict
    states: list[str]
    state_codes: np.ndarray
    fill: np.ndarray


def _colouring(sub: pd.DataFrame, scenario: str | None) -> _Colouring:
    """Colour by the scenario's verdict when there is one, else by band."""
    n = len(sub)
    if "band" in sub:
        cats = band_categories(sub["band"])
        colour_of_band = band_colours(cats)
        codes = pd.Categorical(sub["band"].astype(str), categories=cats).codes
    else:
        cats, colour_of_band = [], {}
        codes = np.full(n, -1)
    fill = np.array([colour_of_band[c] for c in cats] + [BEYOND_COLOUR], dtype=object)[codes]
    col = scenario_column(sub, scenario)
    states: list[str] = []
    scodes = np.full(n, -1)
    if col is not None:
        st = sub[col]
        categorical = isinstance(st.dtype, pd.CategoricalDtype)
        found = list(st.cat.categories) if categorical else sorted(st.dropna().astype(str).unique())
        states = [str(s) for s in found if str(s) != ""]
        if not categorical:  # the most serious first
            rank = {s: r for r, s in enumerate((*STATE_ORDER, "not restricted"))}
            states.sort(key=lambda s: (rank.get(s, len(rank)), s))
        scodes = pd.Categorical(st.astype(str), categories=states).codes
        fill = np.array([state_colour(s) for s in states] + [UNKNOWN_COLOUR], dtype=object)[scodes]
    return _Colouring(cats, codes, colour_of_band, col, states, scodes, fill)


def _verdicts(sub: pd.DataFrame) -> list[list[Any]]:
    """Every scenario's verdict and evidence, dictionary-encoded, for the popup."""
    verdicts = []
    for c in sub.columns:
        if not (isinstance(c, str) and c.startswith("scenario_")):
            continue
        key = c.removeprefix("scenario_")
        evidence = sub[f"evidence_{key}"] if f"evidence_{key}" in sub else None
        verdicts.append(
            [
                _escape(key.replace("_", " ")),
                *_text_codes(sub[c]),
                *(_text_codes(evidence) if evidence is not None else ([], [])),
            ]
        )
    return verdicts


def _radius_m(sub: pd.DataFrame) -> np.ndarray:
    """Each position's uncertainty radius in metres; 0 where none or unusable."""
    radius_col = next((c for c in ("radius_m", "uncertainty_m") if c in sub), None)
    if radius_col is None:
        return np.zeros(len(sub))
    radius = pd.to_numeric(sub[radius_col], errors="coerce").fillna(0).to_numpy(dtype=float)
    # an unusable radius (infinite, negative, larger than the Earth) draws no circle
    radius = np.where(np.isfinite(radius) & (radius <= 20_037_508.0), radius, 0.0)
    return np.maximum(radius, 0)


def _popup_columns(
    sub: pd.DataFrame, columns: Sequence[str]
) -> tuple[dict[str, list[int]], dict[str, list[str]], list[list[str]]]:
    """The popup's text columns, dictionary-encoded, and the extra fields' titles."""
    cols, dicts = {}, {}
    extra = [c for c in columns if c not in _TEXT_COLUMNS]
    for c in (*_TEXT_COLUMNS, *extra):
        values = sub[c] if c in sub else None
        if c == "place" and "src_place" in sub:  # read_positions keeps the given name there
            given = sub["src_place"].astype(object).where(sub["src_place"].notna(), "")
            values = given if values is None else values.where(values.astype(str) != "", given)
        if values is not None:
            cols[c], dicts[c] = _text_codes(values, url=(c == "url"))
    missing = [c for c in extra if c not in sub]
    if missing:
        msg = f"columns not in positions: {', '.join(map(str, missing))}"
        raise InputError(msg)
    return cols, dicts, [[c, _escape(str(c).replace("_", " "))] for c in extra]


def _numbers(sub: pd.DataFrame) -> dict[str, Any]:
    """Distance (km, 3 decimals) and input row number of each position; None where absent."""
    out: dict[str, Any] = {"km": [None] * len(sub), "row": None}
    if "distance_km" in sub:
        km = pd.to_numeric(sub["distance_km"], errors="coerce").to_numpy(dtype=float)
        out["km"] = [None if not math.isfinite(v) else v for v in np.round(km, 3).tolist()]
    if "row" in sub:
        rows = pd.to_numeric(sub["row"], errors="coerce").to_numpy(dtype=float)
        out["row"] = [int(v) if math.isfinite(v) else None for v in rows]
    return out


def _positions_legend(
    sub: pd.DataFrame,
    colouring: _Colouring,
    payload: dict[str, Any],
    *,
    name: str,
    n_bad: int,
    layer: int,
    when: pd.Series,
    has_radius: bool,
) -> str:
    """Legend HTML: counts by verdict (and the breaches) or by band, and what is not drawn."""
    n, rows = len(sub), []
    col, states, cats = colouring.column, colouring.states, colouring.bands
    if col is not None:
        scodes = colouring.state_codes
        counts = np.bincount(scodes[scodes >= 0], minlength=len(states))
        rows.append(f'<div class="gz-note">{payload["scenario"]}:</div>')
        for s, c in zip(states, counts.tolist(), strict=True):
            rows.append(_legend_row(_swatch(state_colour(s), kind="dot"), _escape(s), f"{c:,}"))
        rows.append(_breach_list(sub, col, when, layer))
    if cats:
        codes = colouring.band_codes
        counts = np.bincount(codes[codes >= 0], minlength=len(cats))
        if col is not None:
            rows.append('<div class="gz-note">by band:</div>')
        for c, cnt in zip(cats, counts.tolist(), strict=True):
            swatch = _swatch(colouring.band_colour[c], kind="dot") if col is None else ""
            rows.append(_legend_row(swatch, _escape(c), f"{cnt:,}"))
    if not cats and col is None:
        rows.append(_legend_row(_swatch(BEYOND_COLOUR, kind="dot"), "position", f"{n:,}"))
    if n_bad:
        rows.append(
            f'<div class="gz-warning gz-unmapped">{n_bad:,} row{"s" if n_bad != 1 else ""} '
            "not mapped — see the error column</div>"
        )
    if has_radius:
        rows.append(
            '<div class="gz-note">dashed outlines: uncertainty radius'
            + ("" if payload["uncertainty"] else " (turn on in the layer control)")
            + "</div>"
        )
    return f"<h4>{_escape(name)} <span class='gz-count'>{n:,}</span></h4>" + "".join(rows)


def _positions_payload(
    positions: pd.DataFrame | str | os.PathLike,
    *,
    scenario: str | None,
    columns: Sequence[str],
    uncertainty: bool | None,
    name: str,
    layer: int = 0,
    seam: float = -180.0,
) -> tuple[list[_JSON], str, list[float] | None]:
    df: pd.DataFrame
    if isinstance(positions, pd.DataFrame):
        df = positions
    else:
        from geozones.positions import read_positions

        df = read_positions(positions)
    if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df:
        df = to_4326(df)
    lon, lat = _coordinates(df)
    if seam != -180.0:
        lon = np.where(lon < seam, lon + 360.0, lon)
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lat) <= 90)
    if "error" in df:
        ok &= df["error"].fillna("").astype(str).to_numpy() == ""
    sub = df.loc[ok]
    n = len(sub)
    colouring = _colouring(sub, scenario)
    col, states = colouring.column, colouring.states
    fill = colouring.fill.astype(str)
    style_keys = pd.Series(fill) + "|" + MARKER_EDGE_COLOUR
    k, uniq = pd.factorize(style_keys)
    rank = {s: r for r, s in enumerate(STATE_ORDER)}
    cols, dicts, fields = _popup_columns(sub, columns)
    when, radius = _date_labels(sub), _radius_m(sub)
    payload: dict[str, Any] = {
        "x": np.round(lon[ok], 6).tolist(),
        "y": np.round(lat[ok], 6).tolist(),
        "b": colouring.band_codes.tolist(),
        "bands": [_escape(c) for c in colouring.bands],
        "scenario": _escape(col.removeprefix("scenario_").replace("_", " ")) if col else "",
        "s": colouring.state_codes.tolist(),
        "states": [_escape(s) for s in states],
        "k": k.tolist(),
        "styles": [dict(zip(("fill", "stroke"), u.split("|"), strict=True)) for u in uniq],
        "t": _days(sub["date"]) if "date" in sub else [None] * n,
        "t2": _days(sub["date_to"]) if "date_to" in sub else None,
        "when": _text_codes(when),
        "id": layer,
        "verdicts": _verdicts(sub),
        # the most serious first, for the marker of a place that holds several positions
        "rank": [rank.get(s, len(rank)) for s in states],
        "r": np.round(radius, 1).tolist(),
        **_numbers(sub),
        "cols": cols,
        "dict": dicts,
        "fields": fields,
        "radius": 6 if n <= 1000 else 5 if n <= 5000 else 4,
        "uncertainty": bool(n <= _MANY_POSITIONS if uncertainty is None else uncertainty),
    }
    n_bad = int(len(df) - ok.sum())
    legend = _positions_legend(
        sub,
        colouring,
        payload,
        name=name,
        n_bad=n_bad,
        layer=layer,
        when=when,
        has_radius=bool((radius > 0).any()),
    )
    args = [_js(_escape(name)), _js(payload)]
    if not n:  # nothing drawable: the legend still counts the rows
        return args, legend, None
    bbox = [float(lon[ok].min()), float(lat[ok].min()), float(lon[ok].max()), float(lat[ok].max())]
    return args, legend, bbox


# ------------------------------------------------------------------------ public API


def zone_map(
    zones: gpd.GeoDataFrame | None = None,
    positions: pd.DataFrame | str | os.PathLike | None = None,
    lines: Any = None,
    *,
    m: folium.Map | None = None,
    basemap: str | TileProvider | None = "offline",
    scenario: str | None = None,
    columns: Sequence[str] = (),
    uncertainty: bool | None = None,
    zones_name: str | None = None,
    positions_name: str = "Positions",
    tools: bool = True,
    time_filter: bool = True,
    location: tuple[float, float] | None = None,
    zoom_start: int | None = None,
    width: str | int = "100%",
    height: str | int = "100%",
    credits: Sequence[str] = (),
) -> folium.Map:
    """Draw zones, lines and positions on an offline Leaflet map.

    Parameters
    ----------
    zones
        Bands from :func:`geozones.build_zones` or :func:`geozones.build_zone_set` (columns
        ``inner_km``, ``outer_km`` in kilometres and, optionally, ``band``), drawn with a
        sequential palette, innermost darkest.
    positions
        Positions, best the result of :func:`geozones.check_positions`: coloured by band (or
        by `scenario`), with a tooltip and a popup giving who, when, the place, the distance
        in km, the band, the source (a link when ``url`` is http(s)) and the uncertainty
        radius (m), drawn as a dashed circle. Rows with a non-empty ``error`` or no
        coordinates are not drawn; the legend counts them. A path is read with
        :func:`geozones.read_positions`.
    lines
        Lines to draw and label: a bundled line name (``"alpha_line"``), a list of them, a
        path, a GeoDataFrame or a shapely line. By default (None) the lines named in the
        ``line`` column of `zones` are drawn when they are bundled; ``False`` draws none.
    m
        A map to draw onto (from an earlier call); calls stack. By default a new map.
    basemap
        ``"offline"`` (the bundled vector layers, no network); online tiles: the name of
        any xyzservices provider (``"OpenStreetMap.Mapnik"``, ``"CartoDB.Positron"``), an
        :class:`xyzservices.TileProvider` (as :meth:`geopandas.GeoDataFrame.explore` takes
        them), or a short name of :data:`BASEMAPS` (``"osm"``, ``"imagery"``, ``"topo"``),
        credited as the provider asks; or None for no basemap. Tiles need the network, and
        :func:`save_map` with ``offline=True`` refuses them. Ignored when `m` is given.
    scenario
        A scenario of :func:`geozones.check_positions` (``"israel_60km_2018"`` or the column
        ``"scenario_israel_60km_2018"``): positions are then coloured by its outcome
        (breach, uncertain, compliant, ...).
    columns
        More columns of `positions` to show in the popup, escaped like the rest.
    uncertainty
        Show the uncertainty circles when the map opens. By default, when there are at most
        2,000 positions; they can always be switched in the layer control.
    zones_name, positions_name
        Names of the layers in the layer control and the legend.
    tools
        Add the measure tool and the draw-a-line tool (new maps only).
    time_filter
        Add the date filter when positions carry dates (new maps only).
    location, zoom_start
        Open at this (lat, lon) and zoom instead of fitting the map to what is drawn.
    width, height
        Size of the map, as folium takes it (pixels or a percentage).
    credits
        More data credits for the attribution line (new maps only), such as the source of
        the positions: ``["UCDP GED, CC BY 4.0"]``.

    Returns
    -------
    folium.Map
        `m`, or a new map. Save it with :func:`save_map`.

    Raises
    ------
    InputError
        A layer cannot be drawn: zones without ``outer_km``, an unknown scenario or column,
        an unknown basemap (the message suggests close names) or one that needs an API
        key it was not given, or lines that :func:`geozones.read_lines` refuses; a `location`
        that is not a (lat, lon) on Earth, or a `zoom_start` outside 0–20.

    Examples
    --------
    >>> import geozones as gz
    >>> m = gz.zone_map(lines=["alpha_line", "bravo_line"])
    >>> m = gz.zone_map(gz.build_zones("alpha_line", (5,)), m=m)
    >>> m.get_root().render().count('.bands("Zones: alpha_line"')
    1
    """
    tiles = None
    if basemap is not None and not (isinstance(basemap, str) and basemap == "offline"):
        tiles = tile_basemap(basemap)
    _check_view(location, zoom_start)
    if m is None:
        m = _new_map(location, zoom_start, width, height, tools=tools, time_filter=time_filter)
    _make_offline(m)
    table: pd.DataFrame | None = None
    if isinstance(positions, pd.DataFrame):
        table = positions
    elif positions is not None:
        from geozones.positions import read_positions

        table = read_positions(positions)
    _add_basemap_and_credits(m, basemap, tiles, zones, table, credits)
    legends, boxes = [], []
    lines = lines_to_draw(lines, zones)
    seam = _map_seam(m, zones, lines, table)
    if zones is not None:
        args, legend, box = _zones_payload(zones, zones_name, seam)
        _call(m, "bands", *args)
        legends.append(legend)
        boxes.append(box)
    if lines is not None:
        args, legend, box = _lines_payload(lines, seam)
        _call(m, "lines", *args)
        legends.append(legend)
        boxes.append(box)
    position_box = None
    if table is not None:
        state = _state(m)
        layer, state.position_layers = state.position_layers, state.position_layers + 1
        args, legend, position_box = _positions_payload(
            table,
            scenario=scenario,
            columns=list(columns),
            uncertainty=uncertainty,
            name=positions_name,
            layer=layer,
            seam=seam,
        )
        _call(m, "positions", *args)
        legends.append(legend)
    for legend in legends:
        _call(m, "addLegend", _js(legend))
    box = _union_bbox(*boxes) or position_box
    if box is not None:
        _call(m, "fit", _js(box))
    return m


def _map_seam(m: folium.Map, zones: Any, lines: Any, table: pd.DataFrame | None) -> float:
    """The seam of `m`'s window of longitudes, chosen by the first call that draws anything."""
    state = _state(m)
    if state.seam is not None:
        return state.seam
    geoms: list[Any] = []
    if zones is not None:
        geoms.extend(to_4326(zones).geometry)
    if lines is not None:
        for g in as_lines(lines).frame.geometry:
            geoms.extend(shapely.LineString(xy) for xy in _line_parts_drawn(g))
    lon: Iterable[float] = ()
    if not geoms and table is not None:
        df = to_4326(table) if isinstance(table, gpd.GeoDataFrame) else table
        try:
            lon = _coordinates(df)[0]
        except InputError:
            lon = ()
    if not geoms and not len(np.asarray(lon)):
        return -180.0  # nothing drawn yet: a later call chooses
    state.seam = _seam(geoms, lon)
    return state.seam


def _new_map(
    location: tuple[float, float] | None,
    zoom_start: int | None,
    width: str | int,
    height: str | int,
    *,
    tools: bool,
    time_filter: bool,
) -> folium.Map:
    """A new folium map with no tiles, and its runtime options (which tools it has)."""
    import folium

    m = folium.Map(
        location=list(location or GOLAN_CENTRE),
        zoom_start=zoom_start or 9,
        tiles=None,
        prefer_canvas=True,
        control_scale=False,
        width=width,
        height=height,
    )
    _state(m).options = _runtime_options(
        tools=bool(tools), time_filter=bool(time_filter), fixed_view=location is not None
    )
    return m


def _add_basemap_and_credits(
    m: folium.Map,
    basemap: str | TileProvider | None,
    tiles: TileBasemap | None,
    zones: gpd.GeoDataFrame | None,
    positions: pd.DataFrame | None,
    credits: Sequence[str],
) -> None:
    """The basemap and the attribution line on a new map; on a used one, the new credits."""
    state = _state(m)
    if state.basemap_done:  # a later call onto the same map: credit the data it adds
        more = _new_credits(data_credits(positions), state.credits)
        if more:
            state.credits.update(more)
            _call(m, "attribution", _js(_attribution_html(more, basemap=False)))
        return
    state.basemap_done = True
    if tiles is not None:
        _call(m, "tiles", _tiles_payload(tiles))
    elif basemap is not None:
        _call(m, "basemap", _basemap_payload())
    extra_attr: list[str] = []
    if zones is not None and "attribution" in zones:
        extra_attr = [str(a) for a in zones["attribution"].dropna().unique()]
    extra_attr += [str(c) for c in credits]
    extra_attr += _new_credits(data_credits(positions), extra_attr)
    state.credits.update(extra_attr)
    _call(m, "attribution", _js(_attribution_html(extra_attr)))


def _tiles_payload(tiles: TileBasemap) -> _JSON:
    """An online tile layer for ``geozones.map(m).tiles``: its credit reduced to safe HTML."""
    spec = {
        "name": _escape(tiles.name),  # the layer control shows names as HTML
        "url": tiles.url,
        "attribution": _links_only_html(tiles.attribution_html or _escape(tiles.attribution)),
        "minZoom": tiles.min_zoom,
        "maxZoom": tiles.max_zoom,
        "subdomains": tiles.subdomains,
    }
    return _js(spec)


def _check_view(location, zoom_start) -> None:
    if location is not None:
        try:
            lat, lon = (float(v) for v in location)
        except (TypeError, ValueError):
            msg = f"location must be (lat, lon) in degrees, not {location!r}"
            raise InputError(msg) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            msg = f"location must be (lat, lon) with |lat| <= 90 and |lon| <= 180, not {location!r}"
            raise InputError(msg)
    if zoom_start is not None and not (
        isinstance(zoom_start, int | np.integer) and 0 <= zoom_start <= 20
    ):
        msg = f"zoom_start must be a whole number from 0 to 20, not {zoom_start!r}"
        raise InputError(msg)


_REMOTE_PATTERNS = (
    re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.IGNORECASE),
    re.compile(r"<link\b[^>]*\bhref\s*=\s*[\"']?((?:https?:)?//[^\"'\s>]+)", re.IGNORECASE),
    re.compile(
        r"<(?:img|iframe|video|audio|source|embed|object)\b[^>]*\b(?:src|data)\s*=\s*[\"']?"
        r"((?:https?:)?//[^\"'\s>]+)",
        re.IGNORECASE,
    ),
    re.compile(r"url\(\s*[\"']?((?:https?:)?//[^\"')\s]+)", re.IGNORECASE),
    re.compile(r"@import\s+[\"']((?:https?:)?//[^\"']+)", re.IGNORECASE),
    re.compile(r"((?:https?:)?//[^\"'\s<>]*\{[xyzs]\}[^\"'\s<>]*)", re.IGNORECASE),
)


def remote_references(page: str) -> list[str]:
    """List the remote resources that an HTML page loads when it opens.

    Scripts, stylesheets, images, frames, CSS ``url()`` and ``@import``, and tile URL
    templates (``.../{z}/{x}/{y}.png``). Links a reader may follow (``<a href>``) are not
    loads and are not listed.

    Parameters
    ----------
    page
        The HTML text.

    Returns
    -------
    list of str
        The URLs, in order of first appearance, without repeats.

    Examples
    --------
    >>> remote_references('<script src="https://cdn.example/x.js"></script><a href="https://a">')
    ['https://cdn.example/x.js']
    """
    found: dict[str, int] = {}
    for pattern in _REMOTE_PATTERNS:
        for match in pattern.finditer(page):
            found.setdefault(match.group(1), match.start())
    return sorted(found, key=found.__getitem__)


def _remote_elements(m: folium.Map) -> list[str]:
    """Absolute URLs that folium elements of `m` load from JavaScript.

    WMS layers, image and video overlays and custom icons keep their URLs in plain
    JavaScript strings, which the page text alone does not show as loads.
    """
    found, stack = [], [m]
    while stack:
        element = stack.pop()
        stack.extend(getattr(element, "_children", {}).values())
        values = [getattr(element, a, None) for a in ("url", "video_url", "tiles")]
        options = getattr(element, "options", None)
        if isinstance(options, dict):
            values += list(options.values())
        for value in values:
            if isinstance(value, str) and re.match(r"\s*(?:https?:)?//", value, re.IGNORECASE):
                found.append(value.strip())
    return found


def save_map(m: folium.Map, path: str | os.PathLike, *, offline: bool = True) -> Path:
    """Write a map as one self-contained HTML file.

    Leaflet, geozones' scripts and styles and their images are inline: the file opens the
    same anywhere, years later, with no network.

    Parameters
    ----------
    m
        A map from :func:`zone_map`, or any :class:`folium.Map` (its CDN links to Leaflet,
        jQuery, Bootstrap and Font Awesome are replaced by the inline Leaflet).
    path
        The HTML file to write (UTF-8).
    offline
        Refuse to write a page that would load anything from the network when it opens:
        online tile layers or scripts, styles and images of other folium plugins.
        ``offline=False`` writes such a page as it is.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    InputError
        With ``offline=True``, when the page still loads remote resources; the message
        lists them.

    Examples
    --------
    >>> import tempfile, pathlib, geozones as gz
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "map.html"
    >>> gz.save_map(gz.zone_map(lines="alpha_line"), out).stat().st_size > 100_000
    True
    """
    _make_offline(m)
    page = m.get_root().render()
    if offline:
        remote = list(dict.fromkeys(remote_references(page) + _remote_elements(m)))
        if remote:
            listed = ", ".join(remote[:5]) + (" ..." if len(remote) > 5 else "")
            msg = (
                f"the map would load {len(remote)} remote resource(s) when opened: {listed}. "
                "Draw it with basemap='offline' and without folium plugins that load from "
                "CDNs, or save it with offline=False"
            )
            raise InputError(msg)
    return write_text_atomic(path, page)
