"""Checking reported positions against lines, distance bands and scenarios.

Every position gets its exact geodesic distance to the nearest line in force on its date,
the smallest threshold it is within, which side of that line it lies on, and, for each
threshold, whether it is **inside**, **outside** or **uncertain** given how precisely it is
known: with distance ``d`` and uncertainty radius ``r``, inside when ``d + r <= D``,
outside when ``d - r > D``, uncertain otherwise. ``line_accuracy=True`` adds the line's
own positional accuracy to ``r``.

A *scenario* is an agreement or a demand written as data (a TOML file): a line, a
distance, a side and the actor groups it keeps away. Each position gets ``breach``,
``compliant``, ``uncertain``, ``not restricted`` (its actor is not named) or ``other side``.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geozones import datasets, geodesy
from geozones.actors import ActorNormaliser
from geozones.errors import InputError
from geozones.io import read_lines
from geozones.positions import ACTOR, DATE, ERROR, LAT, LON, UNCERTAINTY_M, read_positions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "ACTOR_GROUPS",
    "ALONG_KM",
    "BAND",
    "DISTANCE_KM",
    "NEAREST_LINE",
    "RADIUS_M",
    "SIDE",
    "WITHIN_KM",
    "Scenario",
    "bundled_scenarios",
    "check_positions",
    "load_scenario",
    "state_column",
    "summarize",
]

DISTANCE_KM = "distance_km"
WITHIN_KM = "within_km"
BAND = "band"
NEAREST_LINE = "nearest_line"
SIDE = "side"
ALONG_KM = "along_km"
RADIUS_M = "radius_m"
ACTOR_GROUPS = "actor_groups"

_SIDE_WORDS = {1: "left", -1: "right", 0: "on the line"}


def state_column(distance_km: float) -> str:
    """Name of the column holding the inside/uncertain/outside state for a threshold.

    Examples
    --------
    >>> state_column(5), state_column(2.5)
    ('state_5km', 'state_2.5km')
    """
    return f"state_{distance_km:g}km"


@dataclass(frozen=True)
class Scenario:
    """An agreement or demand: keep `excluded_actors` at least `distance_km` from `line`.

    Attributes
    ----------
    name, title
        A short identifier (used in column names) and a one-line description.
    source
        The agreement or demand in plain words, with who reported it.
    line
        A bundled line layer name, a path, or a geometry / GeoDataFrame.
    distance_km
        The distance the actors must keep.
    side
        ``"both"``, or ``"left"`` / ``"right"`` of the line's direction: positions on the
        other side are ``other side``.
    excluded_actors
        Actor groups (see :mod:`geozones.actors`) the scenario keeps away.
    proxy
        True when the line stands in for one that is not available; ``note`` says how.
    """

    name: str
    title: str
    source: str
    line: object
    distance_km: float
    side: str = "both"
    excluded_actors: tuple[str, ...] = ()
    proxy: bool = False
    note: str = ""
    path: str = field(default="", compare=False)

    @property
    def column(self) -> str:
        """The result column for this scenario."""
        return f"scenario_{self.name}"


def load_scenario(path: str | os.PathLike, **overrides) -> Scenario:
    """Read a scenario from a TOML file; keyword arguments override its fields.

    A relative ``line`` path is read relative to the TOML file.

    Examples
    --------
    >>> s = load_scenario(datasets.data_dir() / "scenarios" / "israel_60km_2018.toml")
    >>> s.distance_km, s.side, s.excluded_actors
    (60.0, 'left', ('iran', 'hezbollah', 'iran_backed_militias'))
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{path}: no such scenario file"
        raise InputError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML ({exc})"
        raise InputError(msg) from None
    table = dict(data.get("scenario", data))
    table |= overrides
    missing = [k for k in ("name", "line", "distance_km") if k not in table]
    if missing:
        msg = f"{path}: the scenario needs {', '.join(missing)}"
        raise InputError(msg)
    line = table["line"]
    if isinstance(line, str) and line not in datasets.names() and not Path(line).is_absolute():
        candidate = path.parent / line
        line = str(candidate) if candidate.exists() else line
    try:
        distance = float(table["distance_km"])
    except (TypeError, ValueError):
        msg = f"{path}: distance_km must be a number, not {table['distance_km']!r}"
        raise InputError(msg) from None
    side = table.get("side", "both")
    if side not in ("both", "left", "right"):
        msg = f"{path}: side must be both, left or right, not {side!r}"
        raise InputError(msg)
    if not re.fullmatch(r"[A-Za-z0-9_]+", str(table["name"])):
        msg = f"{path}: name must be letters, digits and underscores, not {table['name']!r}"
        raise InputError(msg)
    return Scenario(
        name=str(table["name"]),
        title=str(table.get("title", table["name"])),
        source=str(table.get("source", "")),
        line=line,
        distance_km=distance,
        side=side,
        excluded_actors=tuple(table.get("excluded_actors", ())),
        proxy=bool(table.get("proxy", False)),
        note=str(table.get("note", "")),
        path=str(path),
    )


def bundled_scenarios() -> dict[str, Scenario]:
    """Return the scenarios that ship with geozones, by name.

    Examples
    --------
    >>> sorted(bundled_scenarios())
    ['arrangement_2017_5km', 'israel_60km_2018']
    """
    folder = datasets.data_dir() / "scenarios"
    found = (load_scenario(p) for p in sorted(folder.glob("*.toml")))
    return {s.name: s for s in found}


# --------------------------------------------------------------------------------------
# Lines
# --------------------------------------------------------------------------------------


def _lines_table(line) -> gpd.GeoDataFrame:
    """Lines as a GeoDataFrame: name, geometry, valid_from, valid_to, accuracy_m."""
    if isinstance(line, str) and line in datasets.names():
        gdf = read_lines(datasets.load(line))
        gdf["name"] = line
    elif isinstance(line, list | tuple) and all(isinstance(x, str) for x in line):
        gdf = pd.concat([_lines_table(x) for x in line], ignore_index=True)
        gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs=4326)
    elif isinstance(line, shapely.Geometry):
        gdf = read_lines(gpd.GeoDataFrame({"name": ["line"]}, geometry=[line], crs=4326))
    else:
        gdf = read_lines(line)
    for column in ("valid_from", "valid_to"):
        if column not in gdf:
            gdf[column] = pd.NaT
        gdf[column] = pd.to_datetime(gdf[column], errors="coerce")
    if "accuracy_m" not in gdf:
        gdf["accuracy_m"] = np.nan
    gdf["accuracy_m"] = pd.to_numeric(gdf["accuracy_m"], errors="coerce")
    return gdf.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------------------


def check_positions(
    positions,
    line,
    distances_km: Sequence[float] = (5, 20, 60),
    *,
    scenarios: Iterable[Scenario | str] | None = None,
    line_accuracy: bool = False,
    default_uncertainty_m: float = 0.0,
    actors: ActorNormaliser | Mapping[str, Iterable[str]] | None = None,
    threads: int | None = None,
    engine: str | None = None,
    **read_options,
) -> gpd.GeoDataFrame:
    """Classify each position by its exact geodesic distance to the nearest line.

    Parameters
    ----------
    positions
        Anything :func:`geozones.read_positions` reads (a path too), or its result.
    line
        The line(s): a bundled layer name (``"alpha_line"``) or a list of them, a file,
        a GeoDataFrame of lines (``name``, optional ``valid_from`` / ``valid_to`` dates and
        ``accuracy_m``) or a shapely line. A dated position is measured to the lines in
        force on its date; an undated one to all of them.
    distances_km
        The thresholds, increasing, in kilometres.
    scenarios
        Scenarios to judge each position against: :class:`Scenario` objects, names of
        bundled ones (see :func:`bundled_scenarios`) or TOML paths.
    line_accuracy
        Add the line's ``accuracy_m`` to each position's uncertainty radius.
    default_uncertainty_m
        The radius used for positions whose uncertainty is unknown (metres).
    actors
        How to group actor names; :class:`geozones.actors.ActorNormaliser` defaults, or
        extra ``{group: [alias, ...]}``.
    threads
        Threads for the distance computation (see :func:`geozones.distance_to_line`);
        ignored by the dask engine, which runs one partition per worker thread.
    engine
        ``"pandas"`` (the default: in memory, in this process) or ``"dask"``: partition by
        partition on the current Dask client (see :func:`geozones.scale.connect`), for
        CSV/TSV or (Geo)Parquet paths, globs or directories, or pandas tables; a dask
        (geo)DataFrame always takes the dask engine. It returns a lazy
        ``dask_geopandas.GeoDataFrame``; see :func:`geozones.scale.check_positions_dask`
        for its options (``blocksize``, ``partition_rows``) and
        :func:`geozones.scale.write_results` to write it. Needs ``geozones[scale]``.
    **read_options
        Passed to :func:`geozones.read_positions` when `positions` is not read yet.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per input row, in input order (a lazy ``dask_geopandas.GeoDataFrame``
        with the same columns with the dask engine): the columns of
        :func:`~geozones.read_positions`, then ``distance_km``, ``within_km`` (the
        smallest threshold the point is within; NaN beyond them all), ``band``,
        ``nearest_line``, ``side`` (left / right / on the line), ``along_km``,
        ``radius_m`` (the uncertainty used), one ``state_<D>km`` column per threshold,
        ``actor_groups`` and one ``scenario_<name>`` column per scenario. ``error`` is ""
        or the reason the row could not be used (its distance is then NaN).

    Examples
    --------
    >>> import pandas as pd
    >>> reports = pd.DataFrame({"actor": ["Hezbollah"], "lat": [33.1838], "lon": [35.8916],
    ...                         "uncertainty_m": [500]})
    >>> r = check_positions(reports, "alpha_line")
    >>> r[["distance_km", "within_km", "band", "side", "state_5km"]].round(2).values.tolist()
    [[4.69, 5.0, '0–5 km', 'left', 'uncertain']]
    """
    if engine not in (None, "pandas", "dask"):
        msg = f"engine must be 'pandas' or 'dask', not {engine!r}"
        raise InputError(msg)
    if engine == "dask" or (engine is None and hasattr(positions, "__dask_graph__")):
        from geozones.scale import check_positions_dask  # dask is only needed here

        return check_positions_dask(
            positions,
            line,
            distances_km,
            scenarios=scenarios,
            line_accuracy=line_accuracy,
            default_uncertainty_m=default_uncertainty_m,
            actors=actors,
            **read_options,
        )
    if hasattr(positions, "__dask_graph__"):
        msg = "a dask collection takes engine='dask' (or compute it first)"
        raise InputError(msg)
    limits = _check_thresholds(distances_km)
    if isinstance(positions, gpd.GeoDataFrame) and ERROR in positions and LON in positions:
        table = positions.copy()
    else:
        table = read_positions(positions, **read_options)
    lines = _lines_table(line)
    n = len(table)
    usable = (table[ERROR] == "").to_numpy() & table[LON].notna().to_numpy()
    lon = table[LON].to_numpy(dtype=float)
    lat = table[LAT].to_numpy(dtype=float)
    dates = (
        pd.to_datetime(table[DATE], errors="coerce")
        if DATE in table
        else pd.Series(pd.NaT, index=table.index)
    )
    error = table[ERROR].to_numpy(dtype=object).copy()

    best = np.full(n, np.inf)
    which = np.full(n, -1)
    side = np.zeros(n, dtype=np.int8)
    along = np.full(n, np.nan)
    measured: dict[str, tuple[np.ndarray, geodesy.LineLocation]] = {}
    for k, row in lines.iterrows():  # loops over lines, never over points
        applies = usable & _in_force(dates, row["valid_from"], row["valid_to"])
        idx = np.flatnonzero(applies)
        if idx.size == 0:
            continue
        loc = geodesy.locate_on_line(
            lon[idx], lat[idx], row.geometry, nearest_point=False, threads=threads
        )
        if isinstance(line, str) and len(lines) == 1:
            measured[line] = (idx, loc)  # scenarios on the same line reuse it
        closer = loc.distance_m < best[idx]
        take = idx[closer]
        best[take] = loc.distance_m[closer]
        which[take] = k
        side[take] = loc.side[closer]
        along[take] = loc.along_m[closer]
    no_line = usable & (which < 0)
    for i in np.flatnonzero(no_line):
        names = ", ".join(lines["name"].astype(str))
        error[i] = f"no line in force on {dates.iloc[i]:%Y-%m-%d} (lines: {names})"
    ok = usable & ~no_line
    distance_m = np.where(ok, best, np.nan)

    radius = table[UNCERTAINTY_M].to_numpy(dtype=float).copy()
    radius[np.isnan(radius)] = default_uncertainty_m
    if line_accuracy:
        acc = lines["accuracy_m"].to_numpy(dtype=float)
        radius = radius + np.where(which >= 0, np.nan_to_num(acc[np.maximum(which, 0)]), 0.0)
    radius = np.where(ok, radius, np.nan)

    out = table.copy()
    out[ERROR] = pd.array(error, dtype=table[ERROR].dtype)  # text already: no numpy round trip
    out[DISTANCE_KM] = distance_m / 1000.0
    band_index = np.searchsorted(limits * 1000.0, np.where(ok, distance_m, 0.0), side="left")
    within = np.r_[limits, np.nan][band_index]
    out[WITHIN_KM] = np.where(ok, within, np.nan)
    labels = [*_band_labels(limits), ""]
    out[BAND] = _categorical(np.where(ok, band_index, len(limits) + 1), labels)
    names = [*lines["name"].astype(str).tolist(), ""]
    out[NEAREST_LINE] = _categorical(np.where(ok, which, len(lines)), names)
    out[SIDE] = _categorical(np.where(ok, side + 1, 3), ["right", "on the line", "left", ""])
    out[ALONG_KM] = np.where(ok, along / 1000.0, np.nan)
    out[RADIUS_M] = radius
    for d_km in limits:
        out[state_column(d_km)] = _states(distance_m, radius, d_km * 1000.0, ok)

    normaliser = _normaliser(actors)
    actor_text = table[ACTOR] if ACTOR in table else pd.Series([""] * n)
    out[ACTOR_GROUPS] = normaliser(actor_text)
    for scenario in _scenarios(scenarios):
        out[scenario.column] = _judge(
            scenario, lon, lat, radius, ok, out[ACTOR_GROUPS], threads, measured
        )
    out.attrs = dict(table.attrs) | {"distances_km": limits.tolist()}
    return out


def _check_thresholds(distances_km) -> np.ndarray:
    try:
        km = np.atleast_1d(np.asarray(distances_km, dtype=float))
    except (TypeError, ValueError):
        msg = f"distances_km must be numbers of kilometres, not {distances_km!r}"
        raise InputError(msg) from None
    if km.size == 0 or not np.isfinite(km).all() or (km <= 0).any():
        msg = f"distances_km must be positive numbers; got {km.tolist()}"
        raise InputError(msg)
    if (np.diff(km) <= 0).any():
        msg = f"distances_km must be increasing, without duplicates; got {km.tolist()}"
        raise InputError(msg)
    return km


def _band_labels(limits: np.ndarray) -> list[str]:
    inner = np.r_[0.0, limits[:-1]]
    labels = [f"{a:g}–{b:g} km" for a, b in zip(inner, limits, strict=True)]
    return [*labels, f"beyond {limits[-1]:g} km"]


def _in_force(dates: pd.Series, valid_from, valid_to) -> np.ndarray:
    d = dates.to_numpy(dtype="datetime64[ns]")
    undated = np.isnat(d)
    ok = np.ones(len(d), dtype=bool)
    if not pd.isna(valid_from):
        ok &= ~(d < np.datetime64(pd.Timestamp(valid_from)))
    if not pd.isna(valid_to):
        ok &= ~(d > np.datetime64(pd.Timestamp(valid_to)))
    return ok | undated


_STATES = ["inside", "uncertain", "outside", ""]


def _states(distance_m, radius, limit_m, ok) -> pd.Categorical:
    inside = distance_m + radius <= limit_m
    outside = distance_m - radius > limit_m
    codes = np.where(inside, 0, np.where(outside, 2, 1))
    return _categorical(np.where(ok, codes, 3), _STATES)


def _categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    """A categorical from integer codes; the labels need not be unique or all used."""
    unique = list(dict.fromkeys(labels))
    remap = np.array([unique.index(label) for label in labels])
    return pd.Categorical.from_codes(remap[np.asarray(codes, dtype=np.int64)], unique)


def _normaliser(actors) -> ActorNormaliser:
    if actors is None:
        return ActorNormaliser()
    if isinstance(actors, ActorNormaliser):
        return actors
    return ActorNormaliser().extend(actors)


def _scenarios(scenarios) -> list[Scenario]:
    if scenarios is None:
        return []
    if isinstance(scenarios, Scenario | str | os.PathLike):
        scenarios = [scenarios]
    bundled = None
    out = []
    for s in scenarios:
        if isinstance(s, Scenario):
            out.append(s)
            continue
        bundled = bundled or bundled_scenarios()
        if isinstance(s, str) and s in bundled:
            out.append(bundled[s])
        elif Path(s).suffix.lower() == ".toml":
            out.append(load_scenario(s))
        else:
            msg = f"no scenario {s!r}; bundled: {', '.join(bundled)}, or give a TOML path"
            raise InputError(msg)
    return out


def _judge(scenario: Scenario, lon, lat, radius, ok, groups, threads, measured):
    n = len(lon)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return _categorical(np.full(n, 5), _OUTCOMES)
    cached = measured.get(scenario.line) if isinstance(scenario.line, str) else None
    if cached is not None and np.array_equal(cached[0], idx):
        loc = cached[1]
    else:
        geom = shapely.union_all(_lines_table(scenario.line).geometry.array)
        loc = geodesy.locate_on_line(lon[idx], lat[idx], geom, nearest_point=False, threads=threads)
    d = loc.distance_m
    r = radius[idx]
    limit = scenario.distance_km * 1000.0
    # 0 breach, 1 uncertain, 2 compliant, 3 other side, 4 not restricted, 5 not used
    state = np.where(d + r <= limit, 0, np.where(d - r > limit, 2, 1))
    if scenario.side != "both":
        wanted = 1 if scenario.side == "left" else -1
        state = np.where((loc.side == -wanted) & (d > r), 3, state)
    excluded = set(scenario.excluded_actors)
    codes_all, uniques = pd.factorize(pd.Series(groups))  # each group combination once
    named_of = np.array([bool(excluded & set(str(g).split(";"))) for g in uniques] + [False])
    named = named_of[codes_all[idx]]  # code -1 (missing) picks the final False
    codes = np.full(n, 5)
    codes[idx] = np.where(named, state, 4)
    return _categorical(codes, _OUTCOMES)


_OUTCOMES = ["breach", "uncertain", "compliant", "other side", "not restricted", ""]


# --------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Count checked positions by band, by actor group, by scenario outcome and by error.

    Returns a tidy table with columns ``what``, ``value`` and ``count``; error messages
    are grouped by their wording with the quoted values and numbers taken out.

    Examples
    --------
    >>> import pandas as pd
    >>> r = check_positions(pd.DataFrame({"lat": [33.18, 95.0], "lon": [35.89, 35.8]}),
    ...                     "alpha_line")
    >>> summarize(r)[["what", "value", "count"]].values.tolist()[:2]
    [['band', '0–5 km', 1], ['band', '(not used)', 1]]
    """
    parts = []
    if BAND in results:
        band = results[BAND].astype(str).replace("", "(not used)")
        order = list(dict.fromkeys([*_band_order(results), "(not used)"]))
        counts = band.value_counts().reindex(order).dropna().astype(int)
        parts.append(("band", counts))
    if ACTOR_GROUPS in results:
        groups = results[ACTOR_GROUPS].astype(str).str.split(";").explode()
        groups = groups.replace("", "(no group)")
        parts.append(("actor group", groups.value_counts()))
    for column in [c for c in results.columns if str(c).startswith("scenario_")]:
        values = results[column].astype(str).replace("", "(not used)")
        parts.append((column, values.value_counts()))
    if ERROR in results:
        errors = results.loc[results[ERROR] != "", ERROR].map(_error_kind)
        parts.append(("error", errors.value_counts()))
    rows = [
        {"what": what, "value": str(value), "count": int(count)}
        for what, counts in parts
        for value, count in counts.items()
    ]
    return pd.DataFrame(rows, columns=["what", "value", "count"])


def _band_order(results) -> list[str]:
    limits = results.attrs.get("distances_km")
    if limits:
        return _band_labels(np.asarray(limits, dtype=float))
    return sorted(v for v in results[BAND].astype(str).unique() if v)


def _error_kind(message: str) -> str:
    text = re.sub(r"'[^']*'", "'…'", message)
    text = re.sub(r"-?\d+(\.\d+)?", "#", text)
    return text
