"""Static figures of zones, lines and positions for reports (PNG, SVG, PDF) with matplotlib.

:func:`plot_zones` draws the same things as :func:`geozones.zone_map` on the bundled vector
basemap (sea, countries, governorates and districts, the Golan Heights, the Area of
Separation, towns and Mount Hermon), with a legend, a scale bar, a north arrow and the data's
attribution. It uses matplotlib's object API only (no ``pyplot``), so it works in scripts,
servers and tests without a display.

Examples
--------
>>> import geozones as gz
>>> fig = gz.plot_zones(gz.build_zones("alpha_line", (5, 20)))
>>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()][:2]
['0–5 km', '5–20 km']
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geozones import datasets, geodesy
from geozones.errors import InputError
from geozones.geodesy import geodesic_distance
from geozones.lines import LineSet, as_lines
from geozones.maps import data_credits
from geozones.symbology import (
    BASEMAP,
    BEYOND_COLOUR,
    UNKNOWN_COLOUR,
    band_categories,
    band_colours,
    basemap_layers,
    check_figure_path,
    display_names,
    line_style,
    lines_to_draw,
    peak_title,
    scenario_column,
    state_colour,
    to_4326,
    zone_entries,
)
from geozones.writing import atomic_output

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_zones"]


def _extent(boxes, pad: float = 0.08) -> tuple[float, float, float, float]:
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return (35.3, 36.6, 32.4, 33.6)
    a = np.asarray(boxes, dtype=float)
    x0, y0, x1, y1 = a[:, 0].min(), a[:, 1].min(), a[:, 2].max(), a[:, 3].max()
    dx, dy = max(x1 - x0, 0.05), max(y1 - y0, 0.05)
    return (x0 - pad * dx, x1 + pad * dx, y0 - pad * dy, y1 + pad * dy)


def _bounds(geoms) -> list[float] | None:
    geoms = [g for g in geoms if g is not None and not g.is_empty]
    if not geoms:
        return None
    return list(shapely.total_bounds(np.asarray(geoms, dtype=object)))


def _basemap(ax: Axes, extent) -> None:
    """Draw the offline basemap's areas (:data:`geozones.symbology.BASEMAP`) and labels."""
    from matplotlib import patheffects

    x0, x1, y0, y1 = extent
    frame = shapely.box(x0, y0, x1, y1)
    base = basemap_layers()
    ax.set_facecolor(BASEMAP.sea)
    countries, admin = base.countries, base.admin
    land, admin_edge = BASEMAP.countries, BASEMAP.admin.edge
    golan, aos = BASEMAP.golan_heights, BASEMAP.area_of_separation
    countries.plot(ax=ax, facecolor=land.fill, edgecolor=land.edge, linewidth=0.8, zorder=1)
    admin.boundary.plot(ax=ax, color=admin_edge, linewidth=0.5, linestyle=(0, (4, 3)), zorder=2)
    base.golan_heights.plot(
        ax=ax, facecolor=golan.fill, edgecolor=golan.edge, linewidth=0.6, linestyle=":", zorder=2
    )
    base.area_of_separation.plot(
        ax=ax, facecolor=aos.fill, edgecolor=aos.edge, linewidth=0.6, alpha=0.8, zorder=3
    )
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    _area_labels(ax, frame, halo)
    _place_labels(ax, frame, halo)


def _area_labels(ax: Axes, frame: shapely.Polygon, halo: list) -> None:
    """Country names in capitals, and governorate and district names in italics."""
    base = basemap_layers()
    countries, admin = base.countries, base.admin
    for name, geom in zip(countries["NAME"], countries.geometry, strict=True):
        part = shapely.intersection(geom, frame)
        if part.area > 0.02 * frame.area:
            p = shapely.point_on_surface(part)
            ax.text(
                p.x,
                p.y,
                name.upper(),
                color=BASEMAP.country_label,
                fontsize=10,
                ha="center",
                va="center",
                zorder=4,
                path_effects=halo,
            )
    for name, p in zip(admin["name"], shapely.point_on_surface(admin.geometry), strict=True):
        if frame.contains(p):
            ax.text(
                p.x,
                p.y,
                name,
                color=BASEMAP.admin_label,
                fontsize=6.5,
                style="italic",
                ha="center",
                va="center",
                zorder=4,
                path_effects=halo,
                clip_on=True,
            )


def _place_labels(ax: Axes, frame: shapely.Polygon, halo: list) -> None:
    """Towns as dots and peaks as triangles, each with its name (elevation in metres)."""
    base = basemap_layers()
    towns = base.towns
    inside = towns[towns.geometry.within(frame)]
    ax.scatter(
        inside.geometry.x,
        inside.geometry.y,
        s=6,
        color=BASEMAP.town,
        zorder=5,
        edgecolors="white",
        linewidths=0.4,
    )
    for name, x, y in zip(inside["NAME"], inside.geometry.x, inside.geometry.y, strict=True):
        ax.text(
            x,
            y,
            f" {name}",
            fontsize=7,
            va="center",
            ha="left",
            color=BASEMAP.town_label,
            zorder=5,
            path_effects=halo,
            clip_on=True,
        )
    peaks = base.peaks[base.peaks.geometry.within(frame)]
    for name, elev, x, y in zip(
        peaks["name"], peaks["elevation"], peaks.geometry.x, peaks.geometry.y, strict=True
    ):
        ax.plot([x], [y], marker="^", color=BASEMAP.peak, markersize=6, zorder=5)
        ax.text(
            x,
            y,
            f"  {peak_title(name)} {elev:,.0f} m",
            fontsize=7,
            color=BASEMAP.peak_label,
            va="center",
            zorder=5,
            path_effects=halo,
            clip_on=True,
        )


def _metres_per_degree_lon(lat: float) -> float:
    """Metres along one degree of longitude at latitude `lat` (degrees), on WGS84.

    The geodesic length of a 0.01° step of longitude there, times 100: the scale of the
    figure's x axis at that latitude.

    Examples
    --------
    >>> round(_metres_per_degree_lon(0.0), 1), round(_metres_per_degree_lon(60.0), 1)
    (111319.5, 55799.9)
    """
    half = _SCALE_STEP_DEG / 2
    return float(geodesic_distance(-half, lat, half, lat)) / _SCALE_STEP_DEG


_SCALE_STEP_DEG = 0.01


def _scale_bar(ax: Axes, extent) -> None:
    """A scale bar in the lower left (matplotlib-scalebar), true at the map's centre latitude.

    The x axis is in degrees of longitude, so one data unit is the geodesic length of a
    degree of longitude at the centre latitude (:func:`_metres_per_degree_lon`). The axes'
    aspect is 1/cos(latitude) and the bar stays horizontal, so its own warning about an
    unequal aspect does not apply.
    """
    from matplotlib_scalebar.scalebar import ScaleBar

    _, _, y0, y1 = extent
    bar = ScaleBar(
        _metres_per_degree_lon((y0 + y1) / 2),
        units="m",
        dimension="si-length",
        location="lower left",
        length_fraction=0.25,
        width_fraction=0.008,
        rotation="horizontal-only",
        box_alpha=0.8,
        font_properties={"size": 7},
        color="#222",
    )
    bar.set_zorder(20)
    ax.add_artist(bar)


def _north_arrow(ax: Axes) -> None:
    """A hand-drawn north arrow in the upper right (the axes are lon/lat, north is up)."""
    ax.annotate(
        "N",
        xy=(0.95, 0.96),
        xytext=(0.95, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=10,
        fontweight="bold",
        zorder=20,
        arrowprops={"arrowstyle": "-|>", "color": "#222", "linewidth": 1.5},
    )


def plot_zones(
    zones: gpd.GeoDataFrame | None = None,
    positions: pd.DataFrame | None = None,
    lines: Any = None,
    *,
    ax: Axes | None = None,
    path: str | os.PathLike | None = None,
    scenario: str | None = None,
    basemap: bool = True,
    uncertainty: bool | None = None,
    title: str | None = None,
    extent: Sequence[float] | None = None,
    figsize: tuple[float, float] = (8.0, 9.0),
    dpi: int = 200,
) -> Figure:
    """Draw zones, lines and positions as a static figure for reports.

    Parameters
    ----------
    zones
        Bands from :func:`geozones.build_zones` (``inner_km``, ``outer_km`` in km), filled
        with the same sequential palette as :func:`geozones.zone_map`.
    positions
        Positions, best from :func:`geozones.check_positions`, coloured by band or by
        `scenario`. Rows with an ``error`` or no coordinates are counted in the legend.
        UCDP GED or ACLED events are credited under the map
        (:func:`geozones.maps.data_credits`).
    lines
        Lines to draw and label, as :func:`geozones.zone_map` takes them; by default the
        bundled lines named in the ``line`` column of `zones`, ``False`` for none.
    ax
        Axes to draw into; by default a new figure.
    path
        Write the figure here; the extension picks the format (``.png``, ``.svg``, ``.pdf``).
    scenario
        Colour positions by this scenario's outcome (``"israel_60km_2018"``).
    basemap
        Draw the bundled vector basemap.
    uncertainty
        Draw uncertainty radii (metres, as circles); by default for at most 2,000 positions.
    title
        A title above the map.
    extent
        ``(lon_min, lon_max, lat_min, lat_max)`` in degrees; by default fitted to the zones
        and lines, or to the positions.
    figsize, dpi
        Size of a new figure in inches, and the resolution of a PNG.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (the one `ax` belongs to, when given).

    Raises
    ------
    InputError
        An unknown file extension, scenario or malformed zones; a figure size, resolution
        or extent out of range (at most 100 inches a side, 10–1,200 dpi, at most 20,000
        pixels a side).

    Examples
    --------
    >>> import tempfile, pathlib, geozones as gz
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "zones.svg"
    >>> fig = gz.plot_zones(gz.build_zones("alpha_line", (5,)), lines="alpha_line", path=out)
    >>> out.read_text().startswith("<?xml")
    True
    """
    check_figure_path(path)
    _check_size(figsize, dpi, extent)
    fig, ax = _figure_axes(ax, figsize)
    boxes = []
    if zones is not None:
        zone_entries(zones)  # refuses malformed zones before drawing anything
        zones = to_4326(zones)
        boxes.append(_bounds(zones.geometry))
    line_set = None
    lines = lines_to_draw(lines, zones)
    if lines is not None:
        line_set = as_lines(lines)
        boxes.append(_bounds(line_set.frame.geometry))
    pos = _drawable_positions(positions) if positions is not None else None
    if pos is not None and not boxes and len(pos.lon):
        boxes.append([pos.lon.min(), pos.lat.min(), pos.lon.max(), pos.lat.max()])
    if extent is None:
        extent = _fit_extent(ax, fig, _extent(boxes))
    x0, x1, y0, y1 = extent
    extent = (x0, x1, y0, y1)
    if basemap:
        _basemap(ax, extent)
    handles: list = []
    if zones is not None:
        handles += _draw_zones(ax, zones)
    if line_set is not None:
        handles += _draw_lines(ax, line_set)
    if pos is not None:
        handles += _draw_positions(ax, pos, scenario, uncertainty)
    _finish_axes(ax, extent, handles, basemap=basemap, title=title)
    _credit(ax, positions)
    if path is not None:
        fmt = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or None
        with atomic_output(path) as tmp:
            fig.savefig(tmp, dpi=dpi, format=fmt)
    return fig


def _figure_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """`ax` and its whole figure (also when `ax` is in a subfigure), or a new figure's axes."""
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        return fig, fig.add_subplot()
    whole = ax.figure.figure
    if not isinstance(whole, Figure):  # pragma: no cover - matplotlib always has a root
        msg = "ax belongs to no figure"
        raise InputError(msg)
    return whole, ax


@dataclass(frozen=True)
class _Positions:
    """The positions that can be drawn, their lon/lat in degrees, and how many cannot."""

    table: pd.DataFrame
    lon: np.ndarray
    lat: np.ndarray
    n_bad: int


def _drawable_positions(df: pd.DataFrame) -> _Positions:
    if isinstance(df, gpd.GeoDataFrame) and "lon" not in df:
        df = to_4326(df)
        lon, lat = df.geometry.x.to_numpy(), df.geometry.y.to_numpy()
    else:
        lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if "error" in df:
        ok &= df["error"].fillna("").astype(str).to_numpy() == ""
    return _Positions(df.loc[ok], lon[ok], lat[ok], int((~ok).sum()))


def _fit_extent(
    ax: Axes, fig: Figure, fitted: tuple[float, float, float, float]
) -> tuple[float, ...]:
    """Widen or heighten a fitted extent to the shape of the axes, for context."""
    x0, x1, y0, y1 = fitted
    bbox = ax.get_position()
    fw, fh = fig.get_size_inches()
    want = (bbox.width * fw) / max(bbox.height * fh, 1e-9)
    coslat = math.cos(math.radians((y0 + y1) / 2))
    have = (x1 - x0) * coslat / (y1 - y0)
    if have < want:
        grow = ((y1 - y0) * want / coslat - (x1 - x0)) / 2
        return (x0 - grow, x1 + grow, y0, y1)
    grow = ((x1 - x0) * coslat / want - (y1 - y0)) / 2
    return (x0, x1, y0 - grow, y1 + grow)


def _draw_zones(ax: Axes, zones: gpd.GeoDataFrame) -> list:
    """Fill each band in its colour; one legend patch per band."""
    from matplotlib.patches import Patch

    handles = []
    for geom, entry in zip(zones.geometry, zone_entries(zones), strict=True):
        colour = entry.colour
        gpd.GeoSeries([geom]).plot(
            ax=ax, facecolor=colour, edgecolor=colour, alpha=0.35, linewidth=0.8, zorder=6
        )
        handles.append(Patch(facecolor=colour, edgecolor=colour, alpha=0.5, label=entry.label))
    return handles


def _draw_lines(ax: Axes, lines: LineSet) -> list:
    """Draw each line in its style; one legend line per line."""
    from matplotlib.lines import Line2D

    layers = [str(v) if v else "" for v in lines.frame["layer"]]
    handles = []
    for i, (layer, name, geom) in enumerate(
        zip(layers, display_names(lines), lines.frame.geometry, strict=True)
    ):
        look = line_style(layer, i, name)
        style: tuple[float, tuple[float, ...]] | Literal["-"] = (
            (0, tuple(float(v) for v in look.dash)) if look.dash else "-"
        )
        gpd.GeoSeries([geom]).plot(
            ax=ax, color=look.colour, linewidth=1.8, linestyle=style, zorder=8
        )
        handles.append(
            Line2D([], [], color=look.colour, linewidth=1.8, linestyle=style, label=look.label)
        )
    return handles


def _position_colours(sub: pd.DataFrame, scenario: str | None) -> tuple[Any, dict[str, str]]:
    """Each position's legend key (verdict, band or "position") and the key's colour."""
    col = scenario_column(sub, scenario)
    if col is not None:
        keys = sub[col].astype(str).to_numpy()
        return keys, {k: state_colour(k) for k in pd.unique(keys) if k}
    if "band" in sub:
        keys = sub["band"].astype(str).to_numpy()
        return keys, band_colours(band_categories(sub["band"]))
    return np.full(len(sub), "position", dtype=object), {"position": BEYOND_COLOUR}


#: Vertices of each drawn uncertainty circle (a geodesic circle: every vertex is exactly the
#: radius from the position, on the ellipsoid).
CIRCLE_VERTICES = 72


def _draw_uncertainty(
    ax: Axes, pos: _Positions, colour: np.ndarray, uncertainty: bool | None
) -> None:
    """Dashed geodesic circles of each position's uncertainty radius (metres)."""
    from matplotlib.collections import LineCollection

    sub = pos.table
    radius_col = next((c for c in ("radius_m", "uncertainty_m") if c in sub), None)
    show_radius = len(sub) <= 2000 if uncertainty is None else uncertainty
    if not (radius_col and show_radius):
        return
    r = pd.to_numeric(sub[radius_col], errors="coerce").fillna(0).to_numpy(dtype=float)
    keep = r > 0
    if not keep.any():
        return
    lon0, lat0 = pos.lon[keep][:, None], pos.lat[keep][:, None]
    azimuths = np.linspace(0.0, 360.0, CIRCLE_VERTICES + 1)[None, :]
    radius_m = np.minimum(r[keep], geodesy.MAX_WALK_M)[:, None]
    lon, lat, _ = geodesy.destination(*np.broadcast_arrays(lon0, lat0, azimuths, radius_m))
    lon = lon0 + (lon - lon0 + 180.0) % 360.0 - 180.0  # beside the position, not wrapped
    ax.add_collection(
        LineCollection(
            list(np.stack([lon, lat], axis=-1)),
            colors=list(colour[keep]),
            linewidths=0.7,
            linestyles="--",
            zorder=9,
            gid="uncertainty",
        )
    )


def _draw_positions(ax: Axes, pos: _Positions, scenario: str | None, uncertainty) -> list:
    """Dots coloured by verdict or band, their uncertainty, and their legend entries."""
    from matplotlib.lines import Line2D

    keys, palette = _position_colours(pos.table, scenario)
    colour = np.array([palette.get(k, UNKNOWN_COLOUR) for k in keys], dtype=object)
    _draw_uncertainty(ax, pos, colour, uncertainty)
    n = len(pos.table)
    size = 28 if n <= 1000 else 10 if n <= 10_000 else 4
    ax.scatter(
        pos.lon, pos.lat, s=size, c=list(colour), edgecolors="#222", linewidths=0.5, zorder=10
    )
    counts = pd.Series(keys).value_counts()
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor=c,
            markeredgecolor="#222",
            label=f"{k} ({counts.get(k, 0):,})",
        )
        for k, c in palette.items()
    ]
    if pos.n_bad:
        plural = "s" if pos.n_bad != 1 else ""
        label = f"{pos.n_bad:,} row{plural} not mapped — see the error column"
        handles.append(Line2D([], [], linestyle="", label=label))
    return handles


def _finish_axes(
    ax: Axes, extent: tuple[float, ...], handles: list, *, basemap: bool, title: str | None
) -> None:
    """Limits, aspect, ticks, scale bar, north arrow, legend and title."""
    from matplotlib.patches import Patch

    x0, x1, y0, y1 = extent
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1.0 / math.cos(math.radians((y0 + y1) / 2)))
    ax.tick_params(labelsize=7)
    ax.set_xlabel("longitude (°E)", fontsize=7)
    ax.set_ylabel("latitude (°N)", fontsize=7)
    _scale_bar(ax, extent)
    _north_arrow(ax)
    if basemap:
        aos, golan = BASEMAP.area_of_separation, BASEMAP.golan_heights
        handles.append(Patch(facecolor=aos.fill, edgecolor=aos.edge, label="Area of Separation"))
        handles.append(
            Patch(facecolor=golan.fill, edgecolor=golan.edge, linestyle=":", label="Golan Heights")
        )
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.92)
    if title:
        ax.set_title(title, fontsize=11)


def _credit(ax: Axes, positions: pd.DataFrame | None) -> None:
    """The bundled data's attribution and the positions' dataset credits, lower right."""
    credit = "; ".join([datasets.attribution(), *data_credits(positions)])
    ax.text(
        0.995,
        0.005,
        credit,
        transform=ax.transAxes,
        fontsize=5.5,
        color="#333",
        ha="right",
        va="bottom",
        zorder=21,
        wrap=True,
        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1.5},
    )


_MAX_INCHES = 100.0
_DPI_RANGE = (10, 1200)
_MAX_PIXELS = 20_000  # a side: a larger PNG takes gigabytes to draw


def _check_size(figsize, dpi, extent) -> None:
    """Refuse a figure that cannot be drawn, or would take gigabytes, before drawing it."""
    try:
        width, height = (float(v) for v in figsize)
        dpi_value = float(dpi)
    except (TypeError, ValueError):
        msg = (
            f"figsize must be (width, height) in inches and dpi a number, not {figsize!r}, {dpi!r}"
        )
        raise InputError(msg) from None
    if not all(0 < v <= _MAX_INCHES for v in (width, height)):
        msg = f"figsize must be two sizes in (0, {_MAX_INCHES:g}] inches, not {figsize!r}"
        raise InputError(msg)
    if not _DPI_RANGE[0] <= dpi_value <= _DPI_RANGE[1]:
        msg = f"dpi must be within {_DPI_RANGE[0]}–{_DPI_RANGE[1]}, not {dpi!r}"
        raise InputError(msg)
    if max(width, height) * dpi_value > _MAX_PIXELS:
        msg = (
            f"a {width:g} × {height:g} inch figure at {dpi_value:g} dpi is over "
            f"{_MAX_PIXELS:,} pixels a side; lower dpi or figsize"
        )
        raise InputError(msg)
    if extent is None:
        return
    try:
        x0, x1, y0, y1 = (float(v) for v in extent)
    except (TypeError, ValueError):
        msg = f"extent must be (lon_min, lon_max, lat_min, lat_max) in degrees, not {extent!r}"
        raise InputError(msg) from None
    if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
        msg = (
            "extent must be (lon_min, lon_max, lat_min, lat_max) with min < max, longitudes "
            f"within ±180 and latitudes within ±90, not {tuple(extent)!r}"
        )
        raise InputError(msg)
