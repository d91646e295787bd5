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
A scenario is checked against a schema (the metadata of :class:`Scenario`'s fields) when it
is read, made or used: unknown keys, wrong types, a distance that is not a positive number
of kilometres up to :data:`MAX_DISTANCE_KM`, an unknown side or actor group are errors
naming the file (or scenario) and the key, with a close match when there is one.

Input columns are never lost
----------------------------
An input column with the name of a result column (``distance_km``, ``within_km``, ``band``,
``nearest_line``, ``side``, ``along_km``, ``radius_m``, ``actor_groups``, or any
``state_…km`` or ``scenario_…`` column), compared without case, and a repeated column
name, are kept under the prefix :data:`INPUT_PREFIX`: ``side`` becomes ``input_side``, or
``input_2_side``, ``input_3_side``… when that is taken. So geozones' own output can be
checked again: the earlier results are kept as ``input_…`` columns, and the result's
``state_…`` and ``scenario_…`` columns are always its own run's. The result's
``attrs["input_columns"]`` maps each new name to the input's.
"""

from __future__ import annotations

import difflib
import json
import numbers
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geozones import datasets, geodesy
from geozones.actors import ActorNormaliser
from geozones.errors import InputError
from geozones.io import read_lines
from geozones.positions import (
    ACTOR,
    DATE,
    ERROR,
    LAT,
    LON,
    UNCERTAINTY_M,
    free_column_name,
    read_positions,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "ACTOR_GROUPS",
    "ALONG_KM",
    "BAND",
    "DISTANCE_KM",
    "INPUT_PREFIX",
    "MAX_DISTANCE_KM",
    "MAX_RADIUS_M",
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
_SIDES = ("both", "left", "right")
_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")

#: The largest distance, in kilometres, a scenario or a threshold may have: about half the
#: Earth's circumference, beyond which every point on Earth is within it of any line.
MAX_DISTANCE_KM = 20_000.0
#: The largest uncertainty radius, in metres, a position may have (the same bound).
MAX_RADIUS_M = MAX_DISTANCE_KM * 1000.0
#: Input columns named like a result column are kept under this prefix (see
#: :func:`check_positions`): ``side`` becomes ``input_side``, or ``input_2_side``...
INPUT_PREFIX = "input_"


def state_column(distance_km: float) -> str:
    """Name of the column holding the inside/uncertain/outside state for a threshold.

    Examples
    --------
    >>> state_column(5), state_column(2.5)
    ('state_5km', 'state_2.5km')
    """
    return f"state_{distance_km:g}km"


class _Bad(Exception):
    """A value does not fit its key: the message says why, the caller names file and key."""


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:56]}…{text[-3:]}"


def _as_text(value: object) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be text, not {_show(value)}")
    return value


def _as_name(value: object) -> str:
    if not (isinstance(value, str) and _NAME.fullmatch(value)):
        raise _Bad(f"must be 1 to 64 letters, digits and underscores, not {_show(value)}")
    return value


def _as_line(value: object) -> object:
    paths = (str, os.PathLike, shapely.Geometry, gpd.GeoDataFrame, gpd.GeoSeries)
    several = isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value)
    if not (isinstance(value, paths) or several) or (isinstance(value, str) and not value.strip()):
        raise _Bad(f"must be a bundled layer name or a file, not {_show(value)}")
    return value


def _as_distance(value: object) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise _Bad(f"must be a number of kilometres, not {_show(value)}")
    if not 0 < float(value) <= MAX_DISTANCE_KM:  # NaN fails too
        raise _Bad(
            f"must be a positive number of kilometres up to {MAX_DISTANCE_KM:,.0f}, "
            f"not {_show(value)}"
        )
    return float(value)


def _as_side(value: object) -> str:
    if not (isinstance(value, str) and value in _SIDES):
        raise _Bad(f"must be 'both', 'left' or 'right', not {_show(value)}")
    return value


def _as_groups(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        raise _Bad(
            f"must be a list of actor groups, not one string {_show(value)} "
            f"(write {json.dumps([value], ensure_ascii=False)})"
        )
    if not (isinstance(value, list | tuple) and all(isinstance(g, str) for g in value)):
        raise _Bad(f"must be a list of actor groups, not {_show(value)}")
    if not value:
        raise _Bad("is empty: name the actor groups the scenario keeps away")
    return tuple(dict.fromkeys(value))


def _as_flag(value: object) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise _Bad(f"must be true or false, not {_show(value)}")
    return bool(value)


def _key(check, *, required: bool = False) -> dict:
    """A scenario key: how its value is checked, and whether a TOML file must give it."""
    return {"check": check, "required": required}


@dataclass(frozen=True)
class Scenario:
    """An agreement or demand: keep `excluded_actors` at least `distance_km` from `line`.

    Every field is checked when the object is made (an :class:`~geozones.errors.InputError`
    names the scenario and the field); :func:`check_positions` also checks that the actor
    groups are known. Each field's ``metadata`` is the schema of its TOML key, so a new
    key is one line here.

    Attributes
    ----------
    name, title
        A short identifier (1 to 64 letters, digits and underscores, used in the column
        name ``scenario_<name>``) and a one-line description.
    source
        The agreement or demand in plain words, with who reported it.
    line
        A bundled line layer name, a path, or a geometry / GeoDataFrame.
    distance_km
        The distance the actors must keep (kilometres, more than 0 and at most
        :data:`MAX_DISTANCE_KM`).
    side
        ``"both"``, or ``"left"`` / ``"right"`` of the line's direction: positions on the
        other side are ``other side``.
    excluded_actors
        Actor groups (see :mod:`geozones.actors`) the scenario keeps away: at least one.
    proxy
        True when the line stands in for one that is not available; ``note`` says how.

    Examples
    --------
    >>> Scenario(name="demand", title="t", source="s", line="alpha_line", distance_km=-5,
    ...          excluded_actors=["iran"])
    Traceback (most recent call last):
    geozones.errors.InputError: scenario 'demand': distance_km must be a positive number of kilometres up to 20,000, not -5
    """  # noqa: E501

    name: str = field(metadata=_key(_as_name, required=True))
    title: str = field(metadata=_key(_as_text))
    source: str = field(metadata=_key(_as_text))
    line: object = field(metadata=_key(_as_line, required=True))
    distance_km: float = field(metadata=_key(_as_distance, required=True))
    side: str = field(default="both", metadata=_key(_as_side))
    excluded_actors: tuple[str, ...] = field(default=(), metadata=_key(_as_groups, required=True))
    proxy: bool = field(default=False, metadata=_key(_as_flag))
    note: str = field(default="", metadata=_key(_as_text))
    path: str = field(default="", compare=False)  # where it was read from: not a TOML key

    def __post_init__(self) -> None:
        label = self.path or f"scenario {self.name!r}"
        for key, check in _SCHEMA.items():
            try:
                object.__setattr__(self, key, check["check"](getattr(self, key)))
            except _Bad as exc:
                msg = f"{label}: {key} {exc}"
                raise InputError(msg) from None

    @property
    def column(self) -> str:
        """The result column for this scenario."""
        return f"scenario_{self.name}"


#: The keys of a scenario TOML file, in order, with their checks (from Scenario's fields).
_SCHEMA: dict[str, dict] = {f.name: dict(f.metadata) for f in fields(Scenario) if f.metadata}


def load_scenario(
    path: str | os.PathLike,
    /,
    *,
    actors: ActorNormaliser | Mapping[str, Iterable[str]] | None = None,
    **overrides,
) -> Scenario:
    """Read a scenario from a TOML file; keyword arguments override its fields.

    The file holds a ``[scenario]`` table (or the same keys at the top level): ``name``,
    ``line``, ``distance_km`` and ``excluded_actors`` (a list), and optionally ``title``,
    ``source``, ``side``, ``proxy`` and ``note``. Each value is checked: an unknown key (a
    typo such as ``excluded_actor`` would silently do nothing), a value of the wrong type,
    a distance that is not a positive number of kilometres up to :data:`MAX_DISTANCE_KM`,
    an unknown side or actor group, or a line that is neither a bundled layer nor a file
    is an error naming the file and the key, with a close match when there is one. A
    relative ``line`` path is read relative to the TOML file.

    Parameters
    ----------
    path
        The TOML file.
    actors
        The actor groups the scenario may name, as :func:`check_positions` takes them;
        the default groups (:data:`geozones.actors.DEFAULT_GROUPS`) when omitted.
    **overrides
        Values that replace the file's, checked the same way (the message says
        ``(argument)``).

    Raises
    ------
    InputError
        The file cannot be read, is not TOML, or a key or value is refused.

    Examples
    --------
    >>> s = load_scenario(datasets.data_dir() / "scenarios" / "israel_60km_2018.toml")
    >>> s.distance_km, s.side, s.excluded_actors
    (60.0, 'left', ('iran', 'hezbollah', 'iran_backed_militias'))
    >>> load_scenario(s.path, excluded_actors=["hezbolah"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    geozones.errors.InputError: ...: excluded_actors: unknown actor group 'hezbolah'; did you mean 'hezbollah'? ...
    """  # noqa: E501
    return _load_scenario(path, _normaliser(actors), overrides)


def _load_scenario(path, normaliser: ActorNormaliser | None, overrides: Mapping) -> Scenario:
    """load_scenario; a `normaliser` of None leaves the actor groups unchecked."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{path}: no such scenario file"
        raise InputError(msg) from None
    except UnicodeDecodeError as exc:
        msg = f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        raise InputError(msg) from None
    except OSError as exc:
        msg = f"{path}: cannot read the scenario file ({exc.strerror or exc})"
        raise InputError(msg) from None
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML ({exc})"
        raise InputError(msg) from None
    table = data
    if "scenario" in data:
        table = data["scenario"]
        if not isinstance(table, dict):
            msg = f"{path}: scenario must be a table ([scenario]), not {_show(table)}"
            raise InputError(msg)
        outside = [k for k in data if k != "scenario"]
        if outside:
            msg = f"{path}: unknown key {outside[0]!r} outside the [scenario] table"
            raise InputError(msg)
    for keys, what in ((table, "key"), (overrides, "argument")):
        for key in keys:
            if key not in _SCHEMA:
                close = difflib.get_close_matches(key, list(_SCHEMA), n=1)
                hint = (
                    f"; did you mean {close[0]!r}?"
                    if close
                    else f"; the keys are {', '.join(_SCHEMA)}"
                )
                msg = f"{path}: unknown {what} {key!r}{hint}"
                raise InputError(msg)
    table = dict(table) | dict(overrides)
    missing = [k for k, key in _SCHEMA.items() if key["required"] and k not in table]
    if missing:
        msg = f"{path}: the scenario needs {', '.join(missing)}"
        raise InputError(msg)
    table.setdefault("title", table["name"])
    table.setdefault("source", "")
    values = {}
    for key, value in table.items():
        where = f"{path}: {key}" + (" (argument)" if key in overrides else "")
        try:
            values[key] = _SCHEMA[key]["check"](value)
        except _Bad as exc:
            msg = f"{where} {exc}"
            raise InputError(msg) from None
        if key == "line":
            values[key] = _scenario_line(value, path, where)
    scenario = Scenario(**values, path=str(path))
    if normaliser is not None:
        _check_groups(scenario, normaliser, str(path))
    return scenario


def _scenario_line(line, path: Path, where: str):
    """A bundled name, or a path relative to the TOML file or the working folder."""
    if isinstance(line, list | tuple):
        return [_scenario_line(one, path, where) for one in line]
    if not isinstance(line, str) or line in datasets.names():
        return line
    beside = path.parent / line
    if beside.exists():
        return str(beside)
    if Path(line).exists():
        return line
    close = difflib.get_close_matches(line, datasets.names(), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (looked beside {path.name} too)"
    msg = f"{where} {line!r} is neither a bundled layer nor a file{hint}"
    raise InputError(msg)


def _check_groups(scenario: Scenario, normaliser: ActorNormaliser, label: str) -> None:
    """Every excluded actor group is one `normaliser` knows, or an error with a hint."""
    known = normaliser.groups
    for group in scenario.excluded_actors:
        if group in known:
            continue
        if group.strip().lower() in known:
            close = [group.strip().lower()]
        else:  # an alias names its groups ("Hizballah"); else a close spelling
            close = list(normaliser.groups_of(group))
            close = close or difflib.get_close_matches(group.lower(), sorted(known), n=1)
        each = " (one entry each)" if len(close) > 1 else ""
        hint = f"; did you mean {', '.join(map(repr, close))}{each}?" if close else ""
        msg = (
            f"{label}: excluded_actors: unknown actor group {group!r}{hint or '.'} Known "
            f"groups: {', '.join(sorted(known))}; for groups of your own, pass actors="
        )
        raise InputError(msg)


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
    accuracy = gdf["accuracy_m"].to_numpy(dtype=float)
    bad = ~np.isnan(accuracy) & ~((accuracy >= 0) & (accuracy <= MAX_RADIUS_M))
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        msg = (
            f"line {gdf['name'].iloc[k]!r}: accuracy_m must be a number of metres from 0 to "
            f"{MAX_RADIUS_M:,.0f}, not {accuracy[k]:g}"
        )
        raise InputError(msg)
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
        The thresholds, increasing, in kilometres: positive, at most
        :data:`MAX_DISTANCE_KM`, and distinct in their ``state_<D>km`` names.
    scenarios
        Scenarios to judge each position against: :class:`Scenario` objects, names of
        bundled ones (see :func:`bundled_scenarios`) or TOML paths, with distinct names;
        each is checked (see :func:`load_scenario`), and its actor groups must be known
        to `actors`.
    line_accuracy
        Add the line's ``accuracy_m`` to each position's uncertainty radius.
    default_uncertainty_m
        The radius used for positions whose uncertainty is unknown (metres, 0 to
        :data:`MAX_RADIUS_M`). A position's own radius (``uncertainty_m``) outside that
        range, infinite or not a number makes its row an error.
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
        or the reason the row could not be used (its distance is then NaN). Input
        columns of those names are kept as ``input_<name>`` (``input_2_<name>``… when
        taken; see the module's notes).

    Raises
    ------
    InputError
        An option is refused (naming it), a scenario is, or the line cannot be read.

    Examples
    --------
    >>> import pandas as pd
    >>> reports = pd.DataFrame({"actor": ["Hezbollah"], "lat": [33.1838], "lon": [35.8916],
    ...                         "uncertainty_m": [500]})
    >>> r = check_positions(reports, "alpha_line")
    >>> r[["distance_km", "within_km", "band", "side", "state_5km"]].round(2).values.tolist()
    [[4.69, 5.0, '0–5 km', 'left', 'uncertain']]
    >>> check_positions(reports.assign(side=["Syria"]), "alpha_line")[["input_side", "side"]]
      input_side  side
    0      Syria  left
    """
    if engine not in (None, "pandas", "dask"):
        msg = f"engine must be 'pandas' or 'dask', not {engine!r}"
        raise InputError(msg)
    _check_options(
        default_uncertainty_m=default_uncertainty_m, line_accuracy=line_accuracy, threads=threads
    )
    limits = _check_thresholds(distances_km)
    normaliser = _normaliser(actors)
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
    judged = _scenarios(scenarios, normaliser)
    if isinstance(positions, gpd.GeoDataFrame) and {ERROR, LON, LAT} <= set(positions.columns):
        table = positions.copy()
    else:
        table = read_positions(positions, **read_options)
    produced = [DISTANCE_KM, WITHIN_KM, BAND, NEAREST_LINE, SIDE, ALONG_KM, RADIUS_M]
    produced += [state_column(d) for d in limits] + [ACTOR_GROUPS]
    produced += [s.column for s in judged]
    table, kept = _keep_input_columns(table, produced)
    lines = _lines_table(line)
    n = len(table)
    error = _error_texts(table[ERROR])
    lon = pd.to_numeric(table[LON], errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(table[LAT], errors="coerce").to_numpy(dtype=float)
    placed = np.isfinite(lon) & np.isfinite(lat)
    error[(error == "") & ~placed] = "no position: lon or lat is empty or not a number"
    usable = (error == "") & placed
    dates = (
        pd.to_datetime(table[DATE], errors="coerce")
        if DATE in table
        else pd.Series(pd.NaT, index=table.index)
    )

    given = table[UNCERTAINTY_M] if UNCERTAINTY_M in table else pd.Series(np.nan, index=table.index)
    radius, bad_radius = _radii(given, default_uncertainty_m)
    for i in np.flatnonzero(usable & bad_radius):
        value = given.iloc[i]
        shown = f"{value:g} m" if isinstance(value, numbers.Real) else _show(value)
        error[i] = (
            f"uncertainty_m is {shown}: an uncertainty radius is 0 to {MAX_DISTANCE_KM:,.0f} km"
        )
    usable &= ~bad_radius

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

    if line_accuracy:
        acc = lines["accuracy_m"].to_numpy(dtype=float)
        radius = radius + np.where(which >= 0, np.nan_to_num(acc[np.maximum(which, 0)]), 0.0)
    radius = np.where(ok, radius, np.nan)

    out = table.copy()
    out[ERROR] = pd.array(error, dtype=_text_dtype(table[ERROR]))  # no numpy round trip
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

    actor_text = table[ACTOR] if ACTOR in table else pd.Series([""] * n)
    out[ACTOR_GROUPS] = normaliser(actor_text)
    for scenario in judged:
        out[scenario.column] = _judge(
            scenario, lon, lat, radius, ok, out[ACTOR_GROUPS], threads, measured
        )
    out.attrs = dict(table.attrs) | {"distances_km": limits.tolist(), "input_columns": kept}
    return out


def _check_options(*, default_uncertainty_m, line_accuracy, threads) -> None:
    """Refuse absurd options before any work, with the option's name."""
    d = default_uncertainty_m
    if (
        isinstance(d, bool | np.bool_)
        or not isinstance(d, numbers.Real)
        or not 0 <= float(d) <= MAX_RADIUS_M  # NaN fails too
    ):
        msg = (
            f"default_uncertainty_m must be a number of metres from 0 to "
            f"{MAX_RADIUS_M:,.0f} ({MAX_DISTANCE_KM:,.0f} km), not {_show(d)}"
        )
        raise InputError(msg)
    if not isinstance(line_accuracy, bool | np.bool_):
        msg = f"line_accuracy must be True or False, not {_show(line_accuracy)}"
        raise InputError(msg)
    if threads is not None and (
        isinstance(threads, bool | np.bool_)
        or not isinstance(threads, numbers.Integral)
        or threads < 1
    ):
        msg = f"threads must be a positive whole number or None, not {_show(threads)}"
        raise InputError(msg)


def _check_thresholds(distances_km) -> np.ndarray:
    """The thresholds as floats: positive, finite, at most MAX_DISTANCE_KM, increasing."""
    values = [distances_km] if isinstance(distances_km, numbers.Real) else distances_km
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        msg = f"distances_km must be a list of numbers of kilometres, not {_show(distances_km)}"
        raise InputError(msg)
    values = list(values)
    if not values:
        msg = "distances_km needs at least one threshold"
        raise InputError(msg)
    for v in values:
        if isinstance(v, Iterable) and not isinstance(v, str | bytes):
            msg = f"distances_km must be a list of numbers, not nested lists: {_show(values)}"
            raise InputError(msg)
        if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
            msg = f"distances_km must be numbers of kilometres, not {_show(v)}"
            raise InputError(msg)
    km = np.asarray(values, dtype=float)
    if not (np.isfinite(km) & (km > 0) & (km <= MAX_DISTANCE_KM)).all():
        msg = (
            f"distances_km must be positive, finite numbers of kilometres, at most "
            f"{MAX_DISTANCE_KM:,.0f}; got {km.tolist()}"
        )
        raise InputError(msg)
    if (np.diff(km) <= 0).any():
        msg = f"distances_km must be increasing, without duplicates; got {km.tolist()}"
        raise InputError(msg)
    columns = [state_column(d) for d in km]
    if len(set(columns)) < len(columns):
        msg = (
            f"distances_km must be distinct to 6 significant digits, as their columns "
            f"are ({', '.join(columns)}); got {km.tolist()}"
        )
        raise InputError(msg)
    return km


#: Result columns whatever the thresholds and scenarios: an input column of one of these
#: names (in any case) is kept under INPUT_PREFIX, and so is any ``state_…km`` or
#: ``scenario_…`` column, so that a result's columns are always its own run's.
_RESULT_COLUMNS = (DISTANCE_KM, WITHIN_KM, BAND, NEAREST_LINE, SIDE, ALONG_KM, RADIUS_M)
_RESULT_COLUMNS += (ACTOR_GROUPS,)
_RESULT_PATTERN = re.compile(r"state_.*km|scenario_.+", re.IGNORECASE | re.DOTALL)


def _keep_input_columns(table: gpd.GeoDataFrame, produced: list[str]):
    """Rename input columns a result column would overwrite, and repeated names.

    ``side`` becomes ``input_side``, or ``input_2_side``, ``input_3_side``... when that is
    taken; names are compared without case (GeoPackage fields ignore it). Returns the
    table (a new one when anything changed) and ``{new name: input name}``.
    """
    geometry = table.geometry.name
    reserved = {c.lower() for c in (*_RESULT_COLUMNS, *produced)}
    taken = {str(c).lower() for c in table.columns} | reserved
    seen: set[str] = set()
    names = []
    kept: dict[str, str] = {}
    for column in table.columns:
        key = str(column).lower()
        clash = key in reserved or _RESULT_PATTERN.fullmatch(key) or key in seen
        if column == geometry or not clash:
            names.append(column)
            seen.add(key)
            continue
        new = free_column_name(column, prefix=INPUT_PREFIX, taken=taken)
        seen.add(new.lower())
        names.append(new)
        kept[new] = str(column)
    if not kept:
        return table, kept
    table = table.copy()
    table.columns = names
    return table.set_geometry(geometry), kept


def _error_texts(errors: pd.Series) -> np.ndarray:
    """The error column as an object array of text ("" for missing)."""
    text = errors.to_numpy(dtype=object, na_value=None).copy()
    missing = pd.isna(errors).to_numpy()
    text[missing] = ""
    return text


def _text_dtype(errors: pd.Series):
    dtype = errors.dtype
    if isinstance(dtype, pd.CategoricalDtype) or not pd.api.types.is_string_dtype(dtype):
        return object
    return dtype


def _radii(given: pd.Series, default_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Uncertainty radii in metres (the default where unknown) and where they are unusable."""
    values = pd.to_numeric(given, errors="coerce").to_numpy(dtype=float)
    unknown = np.isnan(values)
    bad = ~unknown & ~((values >= 0) & (values <= MAX_RADIUS_M))  # inf, negative, huge
    if not _is_plain_number(given.dtype):  # text that is not a number
        written = given.notna().to_numpy() & (given.astype(str).str.strip() != "").to_numpy()
        bad |= unknown & written
    return np.where(unknown | bad, default_m, values).astype(float), bad


def _is_plain_number(dtype) -> bool:
    return isinstance(dtype, np.dtype) and dtype.kind in "iuf"


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
    if isinstance(actors, Mapping):
        return ActorNormaliser().extend(actors)  # checks the groups and aliases
    msg = (
        "actors must be an ActorNormaliser or a mapping {group: [alias, ...]}, "
        f"not {_show(actors)}"
    )
    raise InputError(msg)


def _scenarios(scenarios, normaliser: ActorNormaliser | None = None) -> list[Scenario]:
    """Scenario objects, names of bundled ones and TOML paths, checked; distinct names.

    With a `normaliser`, every excluded actor group must be one of its groups; without,
    the groups are left for :func:`check_positions` to check.
    """
    if scenarios is None:
        return []
    if isinstance(scenarios, Scenario | str | os.PathLike):
        scenarios = [scenarios]
    if not isinstance(scenarios, Iterable) or isinstance(scenarios, bytes | Mapping):
        msg = f"scenarios must be a list of scenarios, not {_show(scenarios)}"
        raise InputError(msg)
    bundled = None
    out: list[tuple[Scenario, str]] = []
    for s in scenarios:
        if isinstance(s, Scenario):
            label = s.path or f"scenario {s.name!r}"
            s = replace(s)  # runs the field checks again: the object may predate them
        elif isinstance(s, str | os.PathLike):
            bundled = bundled or bundled_scenarios()
            if isinstance(s, str) and s in bundled:
                s, label = bundled[s], f"bundled scenario {s!r}"
            elif Path(s).suffix.lower() == ".toml":
                label = str(s)
                s = _load_scenario(s, normaliser, {})
            else:
                msg = f"no scenario {s!r}; bundled: {', '.join(bundled)}, or give a TOML path"
                raise InputError(msg)
        else:
            msg = (
                "scenarios must be Scenario objects, names of bundled scenarios or TOML "
                f"paths, not {_show(s)}"
            )
            raise InputError(msg)
        if normaliser is not None:
            _check_groups(s, normaliser, label)
        for other, other_label in out:
            if other.name == s.name:
                msg = (
                    f"two scenarios named {s.name!r} ({other_label} and {label}): "
                    f"both would be column {s.column!r}"
                )
                raise InputError(msg)
        out.append((s, label))
    return [s for s, _ in out]


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


_NUMBER_IN_TEXT = re.compile(r"-?(?:\d+(?:[.,]\d+)*(?:[eE][+-]?\d+)?|\binf\b|\bnan\b)")


def _error_kind(message: str) -> str:
    """An error message with its quoted values and numbers (20,000, 1e+303, inf) as '#'."""
    text = re.sub(r"'[^']*'", "'…'", message)
    return _NUMBER_IN_TEXT.sub("#", text)
