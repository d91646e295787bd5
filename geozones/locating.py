"""Locating positions: the ordered steps that find where each row of a table is.

:func:`locate` runs :data:`LOCATION_STEPS` in order. Each step takes the rows still
unresolved (:attr:`Located.todo`), places those whose cells it can read, and passes on the
rest; cells that only say "missing" pass on, anything else unreadable is an error for its
row. The steps, first that applies:

0. the geometry of a vector file (a line or polygon: a point inside it, with a radius that
   covers it);
1. latitude / longitude columns (:data:`geozones.columns.COLUMN_NAMES`);
2. one coordinate column, a decimal pair or DMS text (:mod:`geozones.coordinates`);
3. an MGRS column;
4. a place name, from the gazetteer (:mod:`geozones.gazetteer`), narrowed by a governorate
   column when there is one.

Then radius columns and precision codes replace the radius the digits implied, and
suspicious coordinates are flagged, never fixed: ``0, 0``, beyond ±90 / ±180, or a pair
that looks swapped (outside :data:`AREA_OF_INTEREST`, inside it once swapped).

Examples
--------
>>> import pandas as pd
>>> from geozones.columns import text_reader
>>> table = pd.DataFrame({"lat": ["33.1", ""], "lon": ["35.8", ""], "place": ["", "Daraa"]})
>>> found = locate(table, None, ReadOptions(), label="the table", text=text_reader(table))
>>> found.method.tolist(), found.lat.round(2).tolist(), found.error.tolist()
(['lat/lon columns', 'place name'], [33.1, 32.62], ['', ''])
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from geozones import coordinates, gazetteer, geodesy
from geozones.columns import (
    COLUMN_NAMES,
    LAT,
    LON,
    PLACE,
    RADIUS_COLUMNS,
    UNCERTAINTY_M,
    find_column,
    is_text_column,
    option_names,
    to_float,
)
from geozones.errors import InputError

__all__ = [
    "ACLED_PRECISION_M",
    "AREA_OF_INTEREST",
    "LOCATION_STEPS",
    "MAX_UNCERTAINTY_M",
    "UCDP_PRECISION_M",
    "Located",
    "ReadOptions",
    "locate",
]

#: West, south, east, north (degrees) of the area geozones expects positions in: Syria,
#: Lebanon, Israel, the Palestinian territories and Jordan. Used to flag swapped pairs.
AREA_OF_INTEREST = (33.5, 29.0, 43.0, 37.5)

#: ACLED ``geo_precision`` to an uncertainty radius (metres). ACLED codes 1 when the
#: source names the town, 2 when it names a small area near a town, 3 when it names only
#: a larger region (the capital of which is coded). The radii are geozones' choice; pass
#: ``precision_radii_m=`` to change them.
ACLED_PRECISION_M = {1: 2_000.0, 2: 15_000.0, 3: 50_000.0}
#: UCDP GED ``where_prec`` to an uncertainty radius (metres): 1 exact location, 2 within
#: about 25 km, 3 a second-order administrative unit, 4 a first-order one (a governorate),
#: 5 a linear or fuzzy feature, 6 the country, 7 waters or airspace.
UCDP_PRECISION_M = {
    1: 2_000.0,
    2: 25_000.0,
    3: 30_000.0,
    4: 75_000.0,
    5: 25_000.0,
    6: 300_000.0,
    7: 300_000.0,
}

#: The largest uncertainty radius (metres) a position may have: about half the Earth's
#: circumference, beyond which a position could be anywhere. A radius column holding more
#: (or ``inf``, a negative number, text) makes its row an error.
MAX_UNCERTAINTY_M = 20_000_000.0

_M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class ReadOptions:
    """How positions are found in a table: the options of :func:`geozones.read_positions`.

    The columns named (``None``: found by the column map), how a single coordinate column
    orders two plain numbers (``"latlon"`` or ``"lonlat"``), radii (metres) for ACLED's and
    UCDP's precision codes, the area ``(west, south, east, north)`` in degrees where
    positions are expected (``None``: no check) and the gazetteer for place names. Both
    engines take them; the dask engine ships them once to its workers.

    Raises
    ------
    InputError
        `order` is neither ``"latlon"`` nor ``"lonlat"``.
    """

    lon_column: str | None = None
    lat_column: str | None = None
    coordinates_column: str | None = None
    mgrs_column: str | None = None
    place_column: str | None = None
    admin1_column: str | None = None
    order: str = "latlon"
    precision_radii_m: Mapping[int, float] | None = None
    area: tuple[float, float, float, float] | None = AREA_OF_INTEREST
    gazetteer_: gazetteer.Gazetteer | None = None

    def __post_init__(self) -> None:
        if self.order not in ("latlon", "lonlat"):
            msg = f"order must be 'latlon' or 'lonlat', not {self.order!r}"
            raise InputError(msg)


#: The columns that locate a row: key in the column map, the option that names it, and
#: what it holds (for errors), in the order they are looked for.
_LOCATION_COLUMNS = (
    (LAT, "lat_column", "latitude"),
    (LON, "lon_column", "longitude"),
    ("coordinates", "coordinates_column", "coordinates"),
    ("mgrs", "mgrs_column", "MGRS"),
    (PLACE, "place_column", "place names"),
    ("admin1", "admin1_column", "governorate"),
)


@dataclass
class Located:
    """Where each row is, filled in step by step (arrays of one value per row).

    ``lon``, ``lat`` (degrees) and ``uncertainty_m`` (metres) are NaN where the row has no
    usable position; ``method`` says which step placed it, ``place`` the gazetteer's name
    for it, ``error`` why it cannot be used ("" when it can), ``note`` what the reader
    should know. ``todo`` marks the rows no step has taken yet.
    """

    lon: np.ndarray
    lat: np.ndarray
    uncertainty_m: np.ndarray
    method: np.ndarray
    place: np.ndarray
    error: np.ndarray
    note: np.ndarray
    todo: np.ndarray

    @classmethod
    def start(cls, n: int, row_errors: Mapping[int, str]) -> Located:
        """`n` rows, none placed; the rows of `row_errors` are errors, taken by no step."""
        found = cls(
            lon=np.full(n, np.nan),
            lat=np.full(n, np.nan),
            uncertainty_m=np.full(n, np.nan),
            method=np.full(n, "", dtype=object),
            place=np.full(n, "", dtype=object),
            error=np.full(n, "", dtype=object),
            note=np.full(n, "", dtype=object),
            todo=np.ones(n, dtype=bool),
        )
        for i, reason in row_errors.items():
            found.error[i] = reason
            found.todo[i] = False
        return found

    def add_note(self, mask, text: str) -> None:
        """Add `text` to the note of the rows of `mask`."""
        for i in np.flatnonzero(mask):
            self.note[i] = f"{self.note[i]}; {text}" if self.note[i] else text


@dataclass(frozen=True)
class _Table:
    """What every step reads: the table, its geometries, the columns found, the options."""

    table: pd.DataFrame
    geoms: np.ndarray | None
    columns: dict
    options: ReadOptions
    text: Callable[..., pd.Series]


def _find_columns(table: pd.DataFrame, options: ReadOptions, *, label, vector: bool) -> dict:
    """The column (or None) for each key of :data:`_LOCATION_COLUMNS`.

    A table that cannot hold positions is refused, with the options that name columns
    (as the command line and Python spell them).
    """
    cols = {
        key: find_column(
            table,
            getattr(options, field),
            COLUMN_NAMES[key],
            what=what,
            label=label,
            option=field,
        )
        for key, field, what in _LOCATION_COLUMNS
    }
    if (cols[LAT] is None) != (cols[LON] is None):
        have = cols[LAT] or cols[LON]
        other = "lon_column" if cols[LAT] is not None else "lat_column"
        msg = (
            f"{label}: column {have!r} has no partner: both latitude and longitude are "
            f"needed; name the other with {option_names(other)}; columns: {list(table.columns)}"
        )
        raise InputError(msg)
    if not vector and not any(cols[k] for k in (LAT, "coordinates", "mgrs", PLACE)):
        msg = (
            f"{label}: no column holds positions; name them lat/lon, coordinates, mgrs or "
            "place, or pass --lat-column/--lon-column, --coordinates-column, --mgrs-column "
            "or --place-column (lat_column=, lon_column=, coordinates_column=, mgrs_column=, "
            f"place_column= in Python){_guess_lat_lon(table)}; columns: {list(table.columns)}"
        )
        raise InputError(msg)
    return cols


def _guess_lat_lon(table: pd.DataFrame) -> str:
    """A hint naming the columns that look like latitude and longitude, or ``""``."""
    names = [str(c) for c in table.columns]
    lat = next((c for c in names if "lat" in c.lower()), None)
    lon = next((c for c in names if any(t in c.lower() for t in ("lon", "lng"))), None)
    if lat is None or lon is None or lat == lon:
        return ""
    return f"; perhaps --lat-column {shlex.quote(lat)} --lon-column {shlex.quote(lon)}"


def _from_geometry(source: _Table, found: Located) -> None:
    """Step 0: the geometry of a vector file's feature."""
    if source.geoms is None:
        return
    g_lon, g_lat, g_unc, g_err, g_note = _from_geometries(source.geoms)
    has = found.todo & (g_err != "missing")
    found.lon[has], found.lat[has], found.uncertainty_m[has] = g_lon[has], g_lat[has], g_unc[has]
    found.method[has] = "geometry"
    bad = has & (g_err != "")
    found.error[bad] = g_err[bad]
    found.add_note(has & (g_note != ""), "a non-point geometry: its representative point is used")
    found.todo &= ~has


def _from_lat_lon(source: _Table, found: Located) -> None:
    """Step 1: latitude and longitude columns; the radius from the digits written."""
    lat_col, lon_col = source.columns[LAT], source.columns[LON]
    if lat_col is None:
        return
    table, error, n = source.table, found.error, len(source.table)
    lat_t, lon_t = source.text(lat_col), source.text(lon_col)
    present = found.todo & ((lat_t != "").to_numpy() | (lon_t != "").to_numpy())
    la, lo = to_float(lat_t), to_float(lon_t)
    la_missing = (lat_t == "").to_numpy()
    lo_missing = (lon_t == "").to_numpy()
    # "35.8e-1": an exponent, or an E (east) typed between two numbers? Refused, as
    # the coordinates module refuses it; only text as written (a float column has none)
    written = is_text_column(table, lat_col) and is_text_column(table, lon_col)
    exponent = np.zeros(n, dtype=bool)
    for col, t, values in ((lat_col, lat_t, la), (lon_col, lon_t, lo)):
        if not is_text_column(table, col):
            continue
        marked = present & ~np.isnan(values) & ~exponent & _has_exponent(t)
        for i in np.flatnonzero(marked & (error == "")):
            error[i] = (
                f"column {col!r}: {t.iloc[i]!r} looks like a number in exponent "
                "notation; write decimal degrees"
            )
        exponent |= marked
    for mask, col, cells in (
        (present & la_missing, lat_col, None),
        (present & lo_missing, lon_col, None),
        (present & ~la_missing & np.isnan(la), lat_col, lat_t),
        (present & ~lo_missing & np.isnan(lo), lon_col, lon_t),
    ):
        for i in np.flatnonzero(mask & (error == "")):
            error[i] = (
                f"column {col!r} is empty"
                if cells is None
                else f"column {col!r}: {cells.iloc[i]!r} is not a number"
            )
    ok = present & ~np.isnan(la) & ~np.isnan(lo) & ~exponent
    found.lon[ok], found.lat[ok] = lo[ok], la[ok]
    found.method[ok] = "lat/lon columns"
    # precision from the digits written, only where the source wrote text
    if written:
        found.uncertainty_m[ok] = _written_precision_m(lat_t, lon_t, la)[ok]
    found.todo &= ~present


def _parse_column(source: _Table, found: Located, key: str, name: str, parse) -> None:
    """Place the rows whose `key` column `parse` reads (coordinates or MGRS text)."""
    column = source.columns[key]
    if column is None:
        return
    values = source.text(column)
    present = found.todo & (values != "").to_numpy()
    if present.any():
        idx = np.flatnonzero(present)
        parsed = parse(values.iloc[idx].tolist())
        found.lon[idx] = parsed["lon"].to_numpy()
        found.lat[idx] = parsed["lat"].to_numpy()
        found.uncertainty_m[idx] = parsed["uncertainty_m"].to_numpy()
        errs = parsed["error"].to_numpy()
        for i, e in zip(idx, errs, strict=True):
            if e:
                found.error[i] = f"column {column!r}: {e}"
        found.method[idx] = name
    found.todo &= ~present


def _from_coordinates(source: _Table, found: Located) -> None:
    """Step 2: one coordinate column, a decimal pair or DMS text."""
    order = source.options.order

    def parse(cells: list) -> pd.DataFrame:
        return coordinates.parse_coordinate_text(cells, order=order)

    _parse_column(source, found, "coordinates", "coordinates", parse)


def _from_mgrs(source: _Table, found: Located) -> None:
    """Step 3: an MGRS column."""
    _parse_column(source, found, "mgrs", "MGRS", coordinates.parse_mgrs)


def _from_place(source: _Table, found: Located) -> None:
    """Step 4: place names, from the gazetteer, narrowed by a governorate column."""
    column, admin1 = source.columns[PLACE], source.columns["admin1"]
    if column is None:
        return
    values = source.text(column)
    present = found.todo & (values != "").to_numpy()
    if present.any():
        idx = np.flatnonzero(present)
        admin = source.text(admin1).iloc[idx].tolist() if admin1 else None
        gaz = source.options.gazetteer_ or gazetteer.Gazetteer.bundled()
        hits = gaz.lookup(values.iloc[idx].tolist(), admin1=admin)
        found.lon[idx] = hits["lon"].to_numpy()
        found.lat[idx] = hits["lat"].to_numpy()
        found.uncertainty_m[idx] = hits["uncertainty_m"].to_numpy()
        found.place[idx] = hits["place"].fillna("").to_numpy()
        found.method[idx] = "place name"
        note = found.note
        mgrs = _looks_like_mgrs(values.iloc[idx], hits["error"].to_numpy(dtype=object) != "")
        for i, e, nt, grid in zip(idx, hits["error"], hits["note"], mgrs, strict=True):
            if e:
                found.error[i] = f"column {column!r}: {e}"
            if grid:  # a grid reference read as a place name: say how to read it as one
                found.error[i] += (
                    f"; it looks like an MGRS grid reference: pass "
                    f"--mgrs-column {shlex.quote(str(column))} (mgrs_column={column!r} in Python)"
                )
            if nt:
                note[i] = f"{note[i]}; {nt}" if note[i] else nt
    found.todo &= ~present


def _looks_like_mgrs(values: pd.Series, failed: np.ndarray) -> np.ndarray:
    """Which of the `failed` place names the MGRS reader (the mgrs package) reads."""
    looks = np.zeros(len(values), dtype=bool)
    if failed.any():
        parsed = coordinates.parse_mgrs(values.iloc[np.flatnonzero(failed)].tolist())
        looks[np.flatnonzero(failed)] = (parsed["error"] == "").to_numpy()
    return looks


#: The location sources, in order: each takes the rows no earlier step has taken.
LOCATION_STEPS = (_from_geometry, _from_lat_lon, _from_coordinates, _from_mgrs, _from_place)


def locate(
    table: pd.DataFrame,
    geoms: np.ndarray | None,
    options: ReadOptions,
    *,
    label: str,
    text: Callable[..., pd.Series],
) -> Located:
    """Where each row of `table` is: :data:`LOCATION_STEPS`, radii, then flags.

    Parameters
    ----------
    table
        The original columns; ``attrs["row_errors"]`` (row index → error) marks rows that
        were not read and are not located.
    geoms
        The features' geometries (lon/lat) of a vector file, or None.
    options
        The columns named, the order of a coordinate pair, the precision radii (metres),
        the area of interest and the gazetteer.
    label
        Names the source in errors.
    text
        A column's cells as text (:func:`geozones.columns.text_reader`).

    Returns
    -------
    Located
        Per row: ``lon``, ``lat`` (degrees) and ``uncertainty_m`` (metres), NaN where
        ``error`` is not empty.

    Raises
    ------
    InputError
        A named column that does not exist, a latitude without a longitude (or the
        reverse), or no column that could hold positions.
    """
    found = Located.start(len(table), dict(table.attrs.get("row_errors", {})))
    columns = _find_columns(table, options, label=label, vector=geoms is not None)
    source = _Table(table, geoms, columns, options, text)
    for step in LOCATION_STEPS:
        step(source, found)
    error = found.error
    for i in np.flatnonzero(found.todo & (error == "")):
        error[i] = "no position: every location column is empty"
    # precision codes and explicit radii replace what the text's digits implied
    found.uncertainty_m = _explicit_uncertainty(
        table, found.uncertainty_m, options.precision_radii_m, text, error
    )
    # suspicious coordinates: flagged, never fixed
    lon, lat = found.lon, found.lat
    _flag_coordinates(lon, lat, error, found.method, area=options.area)
    found.add_note((error == "") & _outside(lon, lat, options.area), "outside the area of interest")
    unusable = error != ""
    lon[unusable] = np.nan
    lat[unusable] = np.nan
    found.uncertainty_m[unusable] = np.nan
    return found


def _has_exponent(text: pd.Series) -> np.ndarray:
    """Where a cell holds an ``e`` or ``E`` (in a cell read as a number: an exponent)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(text.array, type=pa.string())  # arrow-backed: no copy
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    buffers = [chunk.buffers()[2] for chunk in chunks]
    if not any(
        b is not None and np.isin(np.frombuffer(b, np.uint8), _E_BYTES).any() for b in buffers
    ):
        return np.zeros(len(text), dtype=bool)  # no e anywhere: one look at each byte
    found = pc.match_substring(arr, "e", ignore_case=True)
    return found.to_numpy(zero_copy_only=False).astype(bool)


_E_BYTES = np.frombuffer(b"eE", dtype=np.uint8)


def _written_precision_m(lat_t: pd.Series, lon_t: pd.Series, lat: np.ndarray) -> np.ndarray:
    """Half a unit of the last decimal written, in metres (the larger of the two axes)."""

    def decimals(text: pd.Series) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pc.replace_substring(pa.array(text.array, type=pa.string()), ",", ".")
        dot = pc.find_substring(arr, ".").to_numpy(zero_copy_only=False).astype(float)
        length = pc.utf8_length(arr).to_numpy(zero_copy_only=False).astype(float)
        return np.where(dot >= 0, length - dot - 1, 0.0)

    half_unit = 0.5 * 10.0 ** -np.arange(17.0)  # by number of decimals written

    def half(text: pd.Series) -> np.ndarray:
        return half_unit[np.clip(decimals(text), 0, 16).astype(np.intp)]

    half_lat = half(lat_t) * _M_PER_DEG
    half_lon = half(lon_t) * _M_PER_DEG * np.cos(np.radians(np.nan_to_num(lat)))
    return np.maximum(half_lat, np.abs(half_lon))


def _from_geometries(geoms: np.ndarray):
    n = len(geoms)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    unc = np.full(n, np.nan)
    err = np.full(n, "", dtype=object)
    note = np.full(n, "", dtype=object)
    geoms = np.asarray(geoms, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    err[missing] = "missing"
    ok = ~missing
    if ok.any():  # a NaN or infinite coordinate anywhere in a feature: no position from it
        coords, which = shapely.get_coordinates(geoms[ok], return_index=True)
        broken = np.zeros(n, dtype=bool)
        broken[np.flatnonzero(ok)[np.unique(which[~np.isfinite(coords).all(axis=1)])]] = True
        err[broken] = "a coordinate of the geometry is NaN or infinite"
        ok &= ~broken
        # a line or polygon with a vertex off the globe: its radius could not be measured
        # (a point off the globe is flagged later, with a hint when the pair looks swapped)
        off = (np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)
        shapes = np.zeros(n, dtype=bool)
        shapes[np.flatnonzero(ok)] = shapely.get_type_id(geoms[ok]) != 0
        outside = np.zeros(n, dtype=bool)
        outside[np.flatnonzero(~missing)[np.unique(which[off])]] = True
        outside &= shapes
        err[outside] = "a vertex of the geometry is outside longitude ±180 / latitude ±90"
        ok &= ~outside
    if ok.any():
        g = geoms[ok]
        points = shapely.get_type_id(g) == 0
        rep = g.copy()
        if not points.all():  # lines and polygons: a point inside them
            rep[~points] = shapely.point_on_surface(g[~points])
        x, y = shapely.get_x(rep), shapely.get_y(rep)  # x and y only: any z is ignored
        lon[ok], lat[ok] = x, y
        idx = np.flatnonzero(ok)[~points]
        if idx.size:
            note[idx] = "non-point"
            for i in idx:  # non-point features are few; the radius covers the whole shape
                xy = shapely.get_coordinates(geoms[i])
                d = geodesy.geodesic_distance(lon[i], lat[i], xy[:, 0], xy[:, 1])
                unc[i] = float(np.max(d))
    return lon, lat, unc, err, note


def _flag_coordinates(lon, lat, error, method, *, area) -> None:
    has = (error == "") & ~np.isnan(lon) & ~np.isnan(lat)
    zero = has & (lon == 0) & (lat == 0)
    for i in np.flatnonzero(zero):
        error[i] = "0, 0 ('null island'): a missing position written as zeros?"
    has &= ~zero
    bad_lat = has & (np.abs(lat) > 90)
    bad_lon = has & (np.abs(lon) > 180)
    swapped_ok = (np.abs(lon) <= 90) & (np.abs(lat) <= 180)
    if area is not None:
        inside_swapped = _inside(lat, lon, area)
        swapped = has & _outside(lon, lat, area) & inside_swapped & swapped_ok
        for i in np.flatnonzero(swapped):
            error[i] = (
                f"latitude and longitude look swapped: as given (lat {lat[i]:g}, lon "
                f"{lon[i]:g}) the point is far outside the area of interest, swapped it "
                "falls inside; fix the source"
            )
        bad_lat &= ~swapped
        bad_lon &= ~swapped
    for i in np.flatnonzero(bad_lat & (error == "")):
        error[i] = f"latitude {lat[i]:g} is outside ±90"
    for i in np.flatnonzero(bad_lon & (error == "")):
        error[i] = f"longitude {lon[i]:g} is outside ±180"


def _inside(lon, lat, area) -> np.ndarray:
    west, south, east, north = area
    with np.errstate(invalid="ignore"):
        return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)


def _outside(lon, lat, area) -> np.ndarray:
    if area is None:
        return np.zeros(len(lon), dtype=bool)
    return ~np.isnan(lon) & ~_inside(lon, lat, area)


def _explicit_uncertainty(table, unc, precision_radii_m, text, error) -> np.ndarray:
    """Radii from a radius column or a precision code, replacing what the digits implied.

    A radius cell that is empty (or only says "missing") leaves the radius the digits
    implied; ``0`` is an exact position. Anything else that is not a radius of 0 to
    :data:`MAX_UNCERTAINTY_M` (text, a negative number, ``inf``, ``1e300``) makes its row an
    error that names the column and the cell (`error` is updated in place).
    """
    lookup = {str(c).strip().lower(): c for c in table.columns}
    unc = unc.copy()
    for name, scale in RADIUS_COLUMNS.items():
        if name in lookup:
            column = lookup[name]
            written = text(column)
            with np.errstate(over="ignore", invalid="ignore"):
                values = to_float(written) * scale + 0.0  # -0 is 0
                fine = (values >= 0) & (values <= MAX_UNCERTAINTY_M)  # NaN fails too
            unc[fine] = values[fine]  # an empty cell is NaN: not fine, and not given
            suspects = np.flatnonzero(~fine & (error == ""))
            for i in suspects[(written.iloc[suspects] != "").to_numpy(dtype=bool)]:
                value = values[i]
                shown = "not a number" if np.isnan(value) else f"{value:g} m"
                error[i] = (
                    f"{UNCERTAINTY_M} is {shown} (column {column!r}: {written.iloc[i]!r}): "
                    f"an uncertainty radius is 0 to {MAX_UNCERTAINTY_M / 1000:,.0f} km"
                )
            return unc
    for name, default in (("geo_precision", ACLED_PRECISION_M), ("where_prec", UCDP_PRECISION_M)):
        if name in lookup:
            radii = dict(default) | dict(precision_radii_m or {})
            codes = pd.to_numeric(text(lookup[name]), errors="coerce")
            mapped = codes.map(radii).to_numpy(dtype=float)
            given = ~np.isnan(mapped)
            unc[given] = mapped[given]
            return unc
    return unc
