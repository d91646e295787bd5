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
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geozones import datasets
from geozones.errors import InputError
from geozones.maps import (
    _LINE_COLOURS,
    _LINE_STYLES,
    BEYOND_COLOUR,
    STATE_COLOURS,
    _band_palette,
    _read_lines_arg,
    _scenario_column,
    _to_4326,
    data_credits,
)
from geozones.writing import atomic_output

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_zones"]

_SEA = "#b9d7ea"
_LAND = "#f3f0e8"
_FORMATS = {".png", ".svg", ".pdf"}
_NICE_KM = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


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
    from matplotlib import patheffects

    x0, x1, y0, y1 = extent
    frame = shapely.box(x0, y0, x1, y1)
    ax.set_facecolor(_SEA)
    countries = datasets.load("countries")
    countries.plot(ax=ax, facecolor=_LAND, edgecolor="#6f6a60", linewidth=0.8, zorder=1)
    admin = pd.concat(
        [datasets.load("syria_governorates"), datasets.load("israel_districts")],
        ignore_index=True,
    )
    admin = admin[admin["name"] != "UNDOF"]
    admin.boundary.plot(ax=ax, color="#a89d88", linewidth=0.5, linestyle=(0, (4, 3)), zorder=2)
    datasets.load("golan_heights").plot(
        ax=ax, facecolor="#e6dcc0", edgecolor="#8c7a4f", linewidth=0.6, linestyle=":", zorder=2
    )
    datasets.load("area_of_separation").plot(
        ax=ax, facecolor="#8fb8e6", edgecolor="#2d5a96", linewidth=0.6, alpha=0.8, zorder=3
    )
    halo = [patheffects.withStroke(linewidth=2.2, foreground="white")]
    for name, geom in zip(countries["NAME"], countries.geometry, strict=True):
        part = shapely.intersection(geom, frame)
        if part.area > 0.02 * frame.area:
            p = shapely.point_on_surface(part)
            ax.text(
                p.x,
                p.y,
                name.upper(),
                color="#8a8478",
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
                color="#8c8070",
                fontsize=6.5,
                style="italic",
                ha="center",
                va="center",
                zorder=4,
                path_effects=halo,
                clip_on=True,
            )
    towns = datasets.load("towns")
    inside = towns[towns.geometry.within(frame)]
    ax.scatter(
        inside.geometry.x,
        inside.geometry.y,
        s=6,
        color="#444",
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
            color="#333",
            zorder=5,
            path_effects=halo,
            clip_on=True,
        )
    peaks = datasets.load("elevation_points")
    peaks = peaks[peaks["name"].notna() & peaks.geometry.within(frame)]
    for name, elev, x, y in zip(
        peaks["name"], peaks["elevation"], peaks.geometry.x, peaks.geometry.y, strict=True
    ):
        title = f"Mount Hermon ({name})" if name == "Jabal ash Shaykh" else name
        ax.plot([x], [y], marker="^", color="#6b4423", markersize=6, zorder=5)
        ax.text(
            x,
            y,
            f"  {title} {elev:,.0f} m",
            fontsize=7,
            color="#5b3a1a",
            va="center",
            zorder=5,
            path_effects=halo,
            clip_on=True,
        )


def _scale_bar(ax: Axes, extent) -> None:
    """A hand-drawn two-segment scale bar in the lower left, true at its latitude."""
    from matplotlib.patches import Rectangle

    x0, x1, y0, y1 = extent
    lat = y0 + 0.06 * (y1 - y0)
    km_per_deg = 111.320 * math.cos(math.radians(lat))
    width_km = (x1 - x0) * km_per_deg
    km = max(k for k in _NICE_KM if k <= max(width_km / 4, 1))
    deg = km / km_per_deg
    left = x0 + 0.05 * (x1 - x0)
    h = 0.012 * (y1 - y0)
    for i, colour in enumerate(("#222", "white")):
        ax.add_patch(
            Rectangle(
                (left + i * deg / 2, lat),
                deg / 2,
                h,
                facecolor=colour,
                edgecolor="#222",
                linewidth=0.8,
                zorder=20,
            )
        )
    for frac, text in ((0, "0"), (0.5, f"{km / 2:g}"), (1, f"{km:g} km")):
        ax.text(
            left + frac * deg, lat + 1.6 * h, text, fontsize=7, ha="center", va="bottom", zorder=20
        )


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
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if path is not None and Path(path).suffix.lower() not in _FORMATS:
        msg = f"cannot write {str(path)!r}: use a .png, .svg or .pdf file name"
        raise InputError(msg)
    _check_size(figsize, dpi, extent)
    if ax is None:
        fig = Figure(figsize=figsize, layout="constrained")
        ax = fig.add_subplot()
    else:
        fig = ax.figure.figure  # the whole figure, also when `ax` is in a subfigure

    handles: list = []
    boxes = []
    if zones is not None:
        if not isinstance(zones, gpd.GeoDataFrame) or "outer_km" not in zones:
            msg = "zones must be a GeoDataFrame from build_zones, with an 'outer_km' column"
            raise InputError(msg)
        zones = _to_4326(zones)
        boxes.append(_bounds(zones.geometry))
    line_gdf = None
    if lines is None and zones is not None and "line" in zones:
        names = [str(v) for v in zones["line"].dropna().unique() if str(v) in datasets.names()]
        lines = names or None
    if lines is not None and lines is not False:
        line_gdf = _read_lines_arg(lines)
        boxes.append(_bounds(line_gdf.geometry))

    pos = None
    n_bad = 0
    if positions is not None:
        df = positions
        if isinstance(df, gpd.GeoDataFrame) and "lon" not in df:
            df = _to_4326(df)
            lon, lat = df.geometry.x.to_numpy(), df.geometry.y.to_numpy()
        else:
            lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(dtype=float)
            lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        if "error" in df:
            ok &= df["error"].fillna("").astype(str).to_numpy() == ""
        n_bad = int((~ok).sum())
        pos = (df.loc[ok], lon[ok], lat[ok])
        if not boxes and ok.any():
            boxes.append([lon[ok].min(), lat[ok].min(), lon[ok].max(), lat[ok].max()])

    if extent is None:
        x0, x1, y0, y1 = _extent(boxes)
        # widen or heighten the fitted extent to the shape of the axes, for context
        bbox = ax.get_position()
        fw, fh = fig.get_size_inches()
        want = (bbox.width * fw) / max(bbox.height * fh, 1e-9)
        coslat = math.cos(math.radians((y0 + y1) / 2))
        have = (x1 - x0) * coslat / (y1 - y0)
        if have < want:
            grow = ((y1 - y0) * want / coslat - (x1 - x0)) / 2
            x0, x1 = x0 - grow, x1 + grow
        else:
            grow = ((x1 - x0) * coslat / want - (y1 - y0)) / 2
            y0, y1 = y0 - grow, y1 + grow
    else:
        x0, x1, y0, y1 = extent
    extent = (x0, x1, y0, y1)
    if basemap:
        _basemap(ax, extent)

    if zones is not None:
        outer = pd.to_numeric(zones["outer_km"], errors="coerce").to_numpy(dtype=float)
        thresholds = np.unique(outer[np.isfinite(outer)])
        colours = dict(zip(thresholds.tolist(), _band_palette(len(thresholds)), strict=True))
        labels = (
            zones["band"].astype(str).tolist()
            if "band" in zones
            else [f"{o:g} km" for o in outer.tolist()]
        )
        for geom, o, label in zip(zones.geometry, outer.tolist(), labels, strict=True):
            colour = colours.get(o, BEYOND_COLOUR)
            gpd.GeoSeries([geom]).plot(
                ax=ax, facecolor=colour, edgecolor=colour, alpha=0.35, linewidth=0.8, zorder=6
            )
            handles.append(Patch(facecolor=colour, edgecolor=colour, alpha=0.5, label=label))

    if line_gdf is not None:
        n = len(line_gdf)
        layers = line_gdf["layer"].astype(str).tolist() if "layer" in line_gdf else [""] * n
        for i, (layer, name, geom) in enumerate(
            zip(layers, line_gdf["name"].astype(str), line_gdf.geometry, strict=True)
        ):
            colour, dash, short = _LINE_STYLES.get(
                layer, (_LINE_COLOURS[i % len(_LINE_COLOURS)], None, None)
            )
            style: tuple[float, tuple[float, ...]] | Literal["-"] = (
                (0, tuple(float(v) for v in dash.split())) if dash else "-"
            )
            gpd.GeoSeries([geom]).plot(
                ax=ax, color=colour, linewidth=1.8, linestyle=style, zorder=8
            )
            label = short or (name if len(name) <= 40 else name[:39] + "…")
            handles.append(
                Line2D([], [], color=colour, linewidth=1.8, linestyle=style, label=label)
            )

    if pos is not None:
        sub, lon, lat = pos
        col = _scenario_column(sub, scenario)
        if col is not None:
            keys = sub[col].astype(str).to_numpy()
            palette = {k: STATE_COLOURS.get(k, "#ffffff") for k in pd.unique(keys) if k}
        elif "band" in sub:
            keys = sub["band"].astype(str).to_numpy()
            cats = [
                str(c)
                for c in (
                    sub["band"].cat.categories
                    if isinstance(sub["band"].dtype, pd.CategoricalDtype)
                    else sorted(set(keys))
                )
                if str(c)
            ]
            inner = [c for c in cats if not c.startswith("beyond")]
            palette = dict(zip(inner, _band_palette(len(inner)), strict=True))
            palette.update({c: BEYOND_COLOUR for c in cats if c.startswith("beyond")})
        else:
            keys = np.full(len(sub), "position", dtype=object)
            palette = {"position": BEYOND_COLOUR}
        colour = np.array([palette.get(k, "#ffffff") for k in keys], dtype=object)
        radius_col = next((c for c in ("radius_m", "uncertainty_m") if c in sub), None)
        show_radius = len(sub) <= 2000 if uncertainty is None else uncertainty
        if radius_col and show_radius:
            from matplotlib.collections import EllipseCollection

            r = pd.to_numeric(sub[radius_col], errors="coerce").fillna(0).to_numpy(dtype=float)
            keep = r > 0
            if keep.any():
                h = 2 * r[keep] / 111_320.0  # diameter in degrees of latitude
                w = h / np.cos(np.radians(lat[keep]))
                ax.add_collection(
                    EllipseCollection(
                        w,
                        h,
                        np.zeros(keep.sum()),
                        units="xy",
                        offsets=np.column_stack([lon[keep], lat[keep]]),
                        offset_transform=ax.transData,
                        facecolors="none",
                        edgecolors=list(colour[keep]),
                        linewidths=0.7,
                        linestyles="--",
                        zorder=9,
                    )
                )
        size = 28 if len(sub) <= 1000 else 10 if len(sub) <= 10_000 else 4
        ax.scatter(lon, lat, s=size, c=list(colour), edgecolors="#222", linewidths=0.5, zorder=10)
        counts = pd.Series(keys).value_counts()
        for k, c in palette.items():
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markerfacecolor=c,
                    markeredgecolor="#222",
                    label=f"{k} ({counts.get(k, 0):,})",
                )
            )
        if n_bad:
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="",
                    label=(
                        f"{n_bad:,} row{'s' if n_bad != 1 else ''} not mapped"
                        " — see the error column"
                    ),
                )
            )

    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect(1.0 / math.cos(math.radians((y0 + y1) / 2)))
    ax.tick_params(labelsize=7)
    ax.set_xlabel("longitude (°E)", fontsize=7)
    ax.set_ylabel("latitude (°N)", fontsize=7)
    _scale_bar(ax, extent)
    _north_arrow(ax)
    if basemap:
        handles.append(Patch(facecolor="#8fb8e6", edgecolor="#2d5a96", label="Area of Separation"))
        handles.append(
            Patch(facecolor="#e6dcc0", edgecolor="#8c7a4f", linestyle=":", label="Golan Heights")
        )
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.92)
    if title:
        ax.set_title(title, fontsize=11)
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
    if path is not None:
        fmt = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or None
        with atomic_output(path) as tmp:
            fig.savefig(tmp, dpi=dpi, format=fmt)
    return fig


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
