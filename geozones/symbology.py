"""How geozones draws things, described once for every renderer.

The colours of bands, scenario verdicts and lines, the legend entries built from zones and
results, the offline basemap (its layers and their colours) and the figure formats live here.
:mod:`geozones.maps` (Leaflet) and :mod:`geozones.plot` and :mod:`geozones.timeline`
(matplotlib) are renderers of this description: they choose widths, dashes and fonts that suit
their medium, and take every colour and every legend label from here.

Examples
--------
>>> from geozones import symbology
>>> symbology.band_palette(3)
['#99000d', '#f16913', '#fed976']
>>> symbology.band_colours(["0–5 km", "5–20 km", "beyond 20 km"])["beyond 20 km"]
'#6e6e6e'
>>> symbology.line_style("bravo_line", 0, "B-Line").label
'Bravo line'
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import get_close_matches
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geozones import datasets
from geozones.errors import InputError
from geozones.lines import LineSet

if TYPE_CHECKING:  # pragma: no cover
    from xyzservices import TileProvider

__all__ = [
    "BAND_COLOURS",
    "BASEMAP",
    "BASEMAP_ALIASES",
    "BEYOND_COLOUR",
    "FIGURE_FORMATS",
    "LINE_COLOURS",
    "LINE_STYLES",
    "MARKER_EDGE_COLOUR",
    "STATE_COLOURS",
    "STATE_ORDER",
    "UNKNOWN_COLOUR",
    "TileBasemap",
    "AreaStyle",
    "BasemapLayers",
    "BasemapStyle",
    "LineStyle",
    "ZoneEntry",
    "band_categories",
    "band_colours",
    "band_palette",
    "basemap_layers",
    "check_figure_path",
    "display_names",
    "line_label",
    "line_style",
    "lines_to_draw",
    "peak_title",
    "scenario_column",
    "state_colour",
    "tile_basemap",
    "to_4326",
    "zone_entries",
    "zones_name",
]

# ----------------------------------------------------------------------------- bands

#: Sequential band palette, innermost (darkest) first: ColorBrewer YlOrRd.
BAND_COLOURS = ("#99000d", "#d7301f", "#f16913", "#fd8d3c", "#fdae6b", "#fed976")
#: Colour of positions beyond every threshold, and of positions that carry no band.
BEYOND_COLOUR = "#6e6e6e"
#: Fill of a position whose verdict or band has no colour of its own.
UNKNOWN_COLOUR = "#ffffff"
#: Outline of a position marker.
MARKER_EDGE_COLOUR = "#222222"


def band_palette(k: int) -> list[str]:
    """Return `k` colours from :data:`BAND_COLOURS`, spread evenly, innermost (darkest) first.

    Examples
    --------
    >>> band_palette(1)
    ['#d7301f']
    """
    if k <= 0:
        return []
    if k == 1:
        return [BAND_COLOURS[1]]
    idx = np.round(np.linspace(0, len(BAND_COLOURS) - 1, k)).astype(int)
    return [BAND_COLOURS[i] for i in idx]


def band_colours(bands: Sequence[str]) -> dict[str, str]:
    """Colour each band label: the palette for the inner bands, grey for ``beyond ...``.

    `bands` are labels in order, innermost first, as :func:`geozones.check_positions` writes
    them in its ``band`` column.
    """
    inner = [b for b in bands if not str(b).startswith("beyond")]
    colours = dict(zip(inner, band_palette(len(inner)), strict=True))
    colours.update({b: BEYOND_COLOUR for b in bands if b not in colours})
    return colours


def band_categories(band: pd.Series) -> list[str]:
    """The non-empty band labels of a ``band`` column, innermost first.

    A categorical column keeps its categories' order; text is sorted.
    """
    cats = (
        list(band.cat.categories)
        if isinstance(band.dtype, pd.CategoricalDtype)
        else sorted(band.dropna().astype(str).unique())
    )
    return [str(c) for c in cats if str(c) != ""]


@dataclass(frozen=True)
class ZoneEntry:
    """One band of a zone set as a legend shows it: label, colour and area in km²."""

    label: str
    colour: str
    area_km2: float


def to_4326(gdf: Any) -> Any:
    """`gdf` (a GeoDataFrame or GeoSeries) in EPSG:4326; as it is when it has no CRS."""
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        return gdf.to_crs(4326)
    return gdf


def _check_zones(zones: Any) -> gpd.GeoDataFrame:
    if not isinstance(zones, gpd.GeoDataFrame) or "outer_km" not in zones:
        msg = (
            "zones must be a GeoDataFrame from build_zones or build_zone_set, with an "
            f"'outer_km' column; got {type(zones).__name__}"
        )
        raise InputError(msg)
    return zones


def zone_entries(zones: gpd.GeoDataFrame) -> list[ZoneEntry]:
    """One legend entry per row of `zones`, in row order.

    The colour comes from the band's outer distance (``outer_km``, km): the thresholds are
    coloured innermost darkest. The label is the ``band`` column, else ``label``, else
    "inner–outer km"; the area is ``area_km2`` (NaN when absent).

    Examples
    --------
    >>> import geozones as gz
    >>> [e.label for e in zone_entries(gz.build_zones("alpha_line", (5, 20)))]
    ['0–5 km', '5–20 km']
    """
    zones = _check_zones(zones)
    outer = pd.to_numeric(zones["outer_km"], errors="coerce").to_numpy(dtype=float)
    inner = (
        pd.to_numeric(zones["inner_km"], errors="coerce").to_numpy(dtype=float)
        if "inner_km" in zones
        else np.full(len(zones), np.nan)
    )
    thresholds = np.unique(outer[np.isfinite(outer)])
    colours = dict(zip(thresholds.tolist(), band_palette(len(thresholds)), strict=True))
    if "band" in zones:
        labels = zones["band"].astype(str).tolist()
    elif "label" in zones:
        labels = zones["label"].astype(str).tolist()
    else:
        labels = [f"{a:g}–{b:g} km" for a, b in zip(inner, outer, strict=True)]
    area = (
        pd.to_numeric(zones["area_km2"], errors="coerce").to_numpy(dtype=float)
        if "area_km2" in zones
        else np.full(len(zones), np.nan)
    )
    return [
        ZoneEntry(label, colours.get(o, BEYOND_COLOUR), float(a))
        for label, o, a in zip(labels, outer.tolist(), area.tolist(), strict=True)
    ]


def zones_name(zones: gpd.GeoDataFrame, name: str | None = None) -> str:
    """The name a zone layer is shown under: `name`, else its zone set or line, else "zones"."""
    if name is not None:
        return name
    for col in ("zone_set", "line"):
        if col in zones and zones[col].notna().any():
            return str(zones[col].dropna().iloc[0])
    return "zones"


# --------------------------------------------------------------------------- verdicts

#: Fill colour of positions by scenario outcome.
STATE_COLOURS = {
    "breach": "#d7191c",
    "uncertain": "#fdae61",
    "undated": "#9e8ac8",
    "compliant": "#1a9641",
    "other side": "#2b83ba",
    "not in force": "#e6e6e6",
    "not restricted": "#bdbdbd",
}
#: Verdicts most serious first: the legend's order, and the one drawn on top.
STATE_ORDER = ("breach", "uncertain", "undated", "other side", "compliant", "not in force")


def state_colour(state: str) -> str:
    """The fill of a position with this verdict (:data:`UNKNOWN_COLOUR` for others)."""
    return STATE_COLOURS.get(state, UNKNOWN_COLOUR)


def scenario_column(positions: pd.DataFrame, scenario: str | None) -> str | None:
    """The column of `positions` that holds `scenario`'s verdicts; None for no scenario.

    `scenario` is a name (``"israel_60km_2018"``) or the column (``"scenario_..."``).

    Raises
    ------
    InputError
        `positions` has no such column.
    """
    if scenario is None:
        return None
    for col in (scenario, f"scenario_{scenario}"):
        if col in positions:
            return col
    have = [c for c in positions.columns if str(c).startswith("scenario_")]
    msg = (
        f"no scenario column {scenario!r} in positions; it has "
        f"{', '.join(map(str, have)) or 'none'} (run check_positions(..., scenarios=[...]))"
    )
    raise InputError(msg)


# ------------------------------------------------------------------------------ lines


@dataclass(frozen=True)
class LineStyle:
    """How a line is drawn: its colour, its dash pattern (dash, gap in pixels) and label."""

    colour: str
    dash: tuple[float, ...] | None
    label: str

    @property
    def dash_text(self) -> str | None:
        """The dash pattern as SVG and Leaflet write it (``"8 5"``), None for solid."""
        return " ".join(f"{v:g}" for v in self.dash) if self.dash else None


#: The bundled lines' own styles, by dataset name.
LINE_STYLES = {
    "alpha_line": LineStyle("#111111", None, "Alpha line"),
    "bravo_line": LineStyle("#1f4e9c", (8, 5), "Bravo line"),
    "ceasefire_line_1974": LineStyle("#6a3d9a", (2, 4), "1974 ceasefire line (Natural Earth)"),
    "undof_limit_ne": LineStyle("#1f78b4", (8, 5), "UNDOF limit (Natural Earth)"),
}
#: Colours of other lines, in turn.
LINE_COLOURS = ("#111111", "#1f4e9c", "#6a3d9a", "#b15928", "#33a02c", "#e7298a")
_MAX_LINE_LABEL = 40


def line_label(name: str) -> str:
    """A line's name, cut to 40 characters for a legend."""
    return name if len(name) <= _MAX_LINE_LABEL else name[: _MAX_LINE_LABEL - 1] + "…"


def line_style(layer: str, index: int, name: str) -> LineStyle:
    """The style of the `index`-th line drawn: a bundled layer's own, else the next colour."""
    own = LINE_STYLES.get(layer)
    if own is not None:
        return own
    return LineStyle(LINE_COLOURS[index % len(LINE_COLOURS)], None, line_label(name))


def display_names(lines: LineSet) -> list[str]:
    """Each line's name as a legend shows it: its feature's own name, else its name."""
    frame = lines.frame
    if "feature" not in frame:
        return lines.names
    feature = frame["feature"].astype(object).where(frame["feature"].notna(), None)
    return [str(f) if f else n for f, n in zip(feature, lines.names, strict=True)]


def lines_to_draw(lines: Any, zones: gpd.GeoDataFrame | None) -> Any:
    """The lines a map draws: `lines`, or by default the bundled lines `zones` were built on.

    Returns None when there is nothing to draw (`lines` is False, or no default).
    """
    if lines is None and zones is not None and "line" in zones:
        names = [str(v) for v in zones["line"].dropna().unique() if str(v) in datasets.names()]
        lines = names or None
    if lines is None or lines is False:
        return None
    return lines


# ---------------------------------------------------------------------------- basemap


@dataclass(frozen=True)
class AreaStyle:
    """Colours of a basemap layer: outline and fill (None for no fill)."""

    edge: str
    fill: str | None = None


@dataclass(frozen=True)
class BasemapStyle:
    """The colours of the offline basemap."""

    background: str
    sea: str
    countries: AreaStyle
    admin: AreaStyle
    golan_heights: AreaStyle
    area_of_separation: AreaStyle
    country_label: str
    admin_label: str
    town: str
    town_label: str
    peak: str
    peak_label: str


#: The offline basemap's colours; maps and plot draw the same layers with them.
BASEMAP = BasemapStyle(
    background="#dedbd3",
    sea="#b9d7ea",
    countries=AreaStyle("#6f6a60", "#f3f0e8"),
    admin=AreaStyle("#a89d88"),
    golan_heights=AreaStyle("#8c7a4f", "#e6dcc0"),
    area_of_separation=AreaStyle("#2d5a96", "#8fb8e6"),
    country_label="#8a8478",
    admin_label="#8c8070",
    town="#444",
    town_label="#333",
    peak="#6b4423",
    peak_label="#5b3a1a",
)


@dataclass(frozen=True)
class BasemapLayers:
    """The bundled layers of the offline basemap (EPSG:4326), loaded once."""

    countries: gpd.GeoDataFrame
    admin: gpd.GeoDataFrame  # Syrian governorates and Israeli districts
    golan_heights: gpd.GeoDataFrame
    area_of_separation: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame
    peaks: gpd.GeoDataFrame  # named elevation points


@cache
def basemap_layers() -> BasemapLayers:
    """The offline basemap's layers from :mod:`geozones.datasets` (do not modify them)."""
    admin = pd.concat(
        [datasets.load("syria_governorates"), datasets.load("israel_districts")],
        ignore_index=True,
    )
    peaks = datasets.load("elevation_points")
    return BasemapLayers(
        countries=datasets.load("countries"),
        admin=admin[admin["name"] != "UNDOF"],
        golan_heights=datasets.load("golan_heights"),
        area_of_separation=datasets.load("area_of_separation"),
        towns=datasets.load("towns"),
        peaks=peaks[peaks["name"].notna()],
    )


#: Short names of online tile basemaps and the xyzservices provider each one stands for.
BASEMAP_ALIASES = {
    "osm": "OpenStreetMap.Mapnik",
    "imagery": "Esri.WorldImagery",
    "topo": "OpenTopoMap",
}


@dataclass(frozen=True)
class TileBasemap:
    """An online tile basemap, as an xyzservices provider describes it.

    `url` is a Leaflet URL template (``{s}``, ``{z}``, ``{x}``, ``{y}``, ``{r}``);
    `attribution_html` is the provider's own HTML credit, which a renderer must sanitise
    before it reaches a page (a provider object can be made by anyone); `attribution` is
    the same credit as plain text. Zoom levels are Web Mercator tile levels.
    """

    name: str
    url: str
    attribution_html: str
    attribution: str
    min_zoom: int
    max_zoom: int
    subdomains: str | tuple[str, ...]


def tile_basemap(basemap: str | TileProvider) -> TileBasemap:
    """The online tile basemap `basemap` names, from xyzservices.

    Parameters
    ----------
    basemap
        A short name of :data:`BASEMAP_ALIASES` (``"osm"``, ``"imagery"``, ``"topo"``), the
        name of any xyzservices provider (``"OpenStreetMap.Mapnik"``, ``"CartoDB.Positron"``;
        matched as :func:`xyzservices.providers.query_name` matches, ignoring case, spaces,
        dots and underscores), or an :class:`xyzservices.TileProvider` (for one that needs
        an API key: ``xyzservices.providers.Thunderforest.Landscape(apikey="...")``).

    Returns
    -------
    TileBasemap

    Raises
    ------
    InputError
        An unknown name (the message suggests close ones), a provider that needs an API key
        it was not given, or one whose URL is not http(s).

    Examples
    --------
    >>> tiles = tile_basemap("osm")
    >>> tiles.name, tiles.url, tiles.max_zoom
    ('OpenStreetMap.Mapnik', 'https://tile.openstreetmap.org/{z}/{x}/{y}.png', 19)
    >>> tile_basemap("OpenStreetMap.Mapnk")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geozones.errors.InputError: unknown basemap ...; did you mean 'OpenStreetMap.Mapnik'...
    """
    import xyzservices

    provider = _tile_provider(basemap, xyzservices)
    name = str(provider.get("name", "tiles"))
    if provider.requires_token():
        msg = (
            f"basemap {name!r} needs an API key: pass the provider with its key, such as "
            f"xyzservices.providers.{name}(apikey='...')"
        )
        raise InputError(msg)
    try:
        url = str(provider.build_url(scale_factor="{r}", fill_subdomain=False))
    except (KeyError, ValueError) as exc:
        msg = f"basemap {name!r} has no usable URL template ({exc})"
        raise InputError(msg) from None
    if not url.lower().startswith(("https://", "http://")):
        msg = f"basemap {name!r}: its URL template must be http(s), not {url[:60]!r}"
        raise InputError(msg)
    subdomains = provider.get("subdomains", "abc")
    return TileBasemap(
        name=name,
        url=url,
        attribution_html=str(provider.html_attribution or ""),
        attribution=str(provider.get("attribution", "") or ""),
        min_zoom=int(provider.get("min_zoom", 0)),
        max_zoom=int(provider.get("max_zoom", 18)),
        subdomains=subdomains if isinstance(subdomains, str) else tuple(map(str, subdomains)),
    )


def _tile_provider(basemap: Any, xyzservices: Any) -> Any:
    """The xyzservices provider that `basemap` (an alias, a name or a provider) is."""
    if isinstance(basemap, xyzservices.TileProvider):
        return basemap
    if not isinstance(basemap, str):
        msg = (
            "basemap must be 'offline', a provider name such as 'OpenStreetMap.Mapnik', an "
            f"xyzservices.TileProvider or None, not {type(basemap).__name__}"
        )
        raise InputError(msg)
    name = BASEMAP_ALIASES.get(basemap.strip().lower(), basemap)
    try:
        return xyzservices.providers.query_name(name)
    except ValueError:
        pass
    known = ["offline", *BASEMAP_ALIASES, *xyzservices.providers.flatten()]
    by_lower = {k.lower(): k for k in known}
    close = [by_lower[k] for k in get_close_matches(basemap.lower(), by_lower, n=3, cutoff=0.6)]
    hint = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
    msg = (
        f"unknown basemap {basemap!r}; {hint}use 'offline', {', '.join(map(repr, BASEMAP_ALIASES))}"
        " or the name of an xyzservices provider (xyzservices.providers.flatten() lists them)"
    )
    raise InputError(msg)


def peak_title(name: str) -> str:
    """A peak's label: Natural Earth's "Jabal ash Shaykh" is shown as Mount Hermon."""
    return f"Mount Hermon ({name})" if name == "Jabal ash Shaykh" else name


# ---------------------------------------------------------------------------- figures

#: The file extensions a static figure can be written to.
FIGURE_FORMATS = frozenset({".png", ".svg", ".pdf"})


def check_figure_path(path: str | os.PathLike | None) -> None:
    """Refuse a figure path whose extension is not a :data:`FIGURE_FORMATS` one.

    Raises
    ------
    InputError
        The extension is not ``.png``, ``.svg`` or ``.pdf``.
    """
    if path is not None and Path(path).suffix.lower() not in FIGURE_FORMATS:
        msg = f"cannot write {str(path)!r}: use a .png, .svg or .pdf file name"
        raise InputError(msg)
