"""Checking reported positions against lines, distance bands and scenarios.

Every position gets its exact geodesic distance to the nearest line in force on its date,
the smallest threshold it is within, which side of that line it lies on, and, for each
threshold, whether it is **inside**, **outside** or **uncertain** given how precisely it is
known: with distance ``d`` and uncertainty radius ``r``, inside when ``d + r <= D``,
outside when ``d - r > D``, uncertain otherwise. ``line_accuracy=True`` adds the line's
own positional accuracy to ``r``.

A *scenario* is an agreement or a demand written as data (a TOML file): a line, a
distance, a side, the actor groups it keeps away, the roles in which naming them counts as
presence, and when it is in force. Each position gets one verdict per scenario:

- ``not restricted``: no excluded actor group is named in a counted role;
- ``not in force``: the position's whole date range lies outside the scenario's window;
- ``undated``: the scenario has a window and the position has no date (unless
  ``undated_in_force``);
- ``other side``: on the side of the line the scenario does not restrict;
- ``breach``: within the distance even at the far edge of its uncertainty, and dated
  wholly inside the window;
- ``uncertain``: the uncertainty radius straddles the distance, or a breach whose date
  range straddles the window's start or end (never a breach);
- ``compliant``: beyond the distance even at the near edge of its uncertainty;
- "" for a row with an error (its ``error`` column says why).

Each verdict but ``not restricted`` has one line of evidence beside it (``evidence_<name>``):
who is named in which role and what the source wrote, how far from which line, and when.
:func:`findings` turns breaches and uncertain verdicts into a ledger.
A scenario is checked against a schema (the metadata of :class:`Scenario`'s fields) when it
is read, made or used: unknown keys, wrong types, a distance that is not a positive number
of kilometres up to :data:`MAX_DISTANCE_KM`, an unknown side or actor group are errors
naming the file (or scenario) and the key, with a close match when there is one.

Input columns are never lost
----------------------------
An input column with the name of a result column (``distance_km``, ``within_km``, ``band``,
``nearest_line``, ``side``, ``along_km``, ``radius_m``, ``actor_groups``, ``actor_roles``,
or any ``state_…km``, ``scenario_…``, ``evidence_…`` or ``distance_km_…`` column),
compared without case, and a repeated column name, are kept under the prefix
:data:`INPUT_PREFIX`: ``side`` becomes ``input_side``, or ``input_2_side``,
``input_3_side``… when that is taken. So geozones' own output can be
checked again: the earlier results are kept as ``input_…`` columns, and the result's
``state_…`` and ``scenario_…`` columns are always its own run's. The result's
``attrs["input_columns"]`` maps each new name to the input's.
"""

from __future__ import annotations

import datetime
import difflib
import json
import numbers
import os
import re
import sys
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from numpy.typing import NDArray

from geozones import datasets, geodesy
from geozones.actors import ACLED_ROLES, ROLES, UCDP_ROLES, ActorNormaliser, role_columns
from geozones.columns import as_text
from geozones.errors import GeozonesError, InputError
from geozones.lines import LineSet, as_lines
from geozones.parallel import resolve_threads
from geozones.positions import (
    ACTOR,
    CLAIM_TEXT,
    DATE,
    DATE_PRECISION,
    DATE_TO,
    DENIED_BY,
    ERROR,
    LAT,
    LON,
    PLACE,
    ROW,
    SOURCE,
    STATUS,
    UNCERTAINTY_M,
    URL,
    free_column_name,
    read_positions,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "ACTOR_GROUPS",
    "ACTOR_ROLES",
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
    "CheckSpec",
    "Scenario",
    "bundled_scenarios",
    "check_positions",
    "check_spec",
    "classify",
    "findings",
    "is_denied",
    "load_scenario",
    "register_engine",
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
ACTOR_ROLES = "actor_roles"
#: The verdicts a scenario column holds ("" for a row with an error: see ``error``).
VERDICTS = (
    "breach",
    "uncertain",
    "compliant",
    "other side",
    "not in force",
    "undated",
    "not restricted",
)

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
    paths = (str, os.PathLike, shapely.Geometry, gpd.GeoDataFrame, gpd.GeoSeries, LineSet)
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


def _as_date(value: object) -> datetime.date | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.time() != datetime.time(0) or value.tzinfo is not None:
            raise _Bad(f"must be a date (YYYY-MM-DD), not a time of day {_show(value)}")
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, pd.Timestamp) and not pd.isna(value):
        return _as_date(value.to_pydatetime())
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Bad(f"must be a date written YYYY-MM-DD, not {_show(value)}")


def _as_roles(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not (
        isinstance(value, list | tuple) and all(isinstance(r, str) for r in value)
    ):
        raise _Bad(f"must be a list of roles ({', '.join(ROLES)}), not {_show(value)}")
    if not value:
        raise _Bad(f"is empty: name the roles that count as presence ({', '.join(ROLES)})")
    for role in value:
        if role not in ROLES:
            close = difflib.get_close_matches(role, ROLES, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise _Bad(f"has an unknown role {role!r}; {hint}the roles are {', '.join(ROLES)}")
    return tuple(dict.fromkeys(value))


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
    in_force_from, in_force_to
        The first and last day the scenario holds (inclusive; ``None``: open). A position
        whose whole date range lies outside is ``not in force``; one whose range straddles
        a bound can be no worse than ``uncertain``.
    undated_in_force
        Judge undated positions as if in force (default False: they are ``undated`` when
        the scenario has a window; :func:`check_positions` can override it).
    roles
        The roles in which naming an excluded actor counts as its presence (default: all of
        :data:`geozones.actors.ROLES`, so a Hezbollah position struck by Israel, UCDP's
        ``side_b``, counts). ``["side_a"]`` would count only the side that acted.

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
    in_force_from: datetime.date | None = field(default=None, metadata=_key(_as_date))
    in_force_to: datetime.date | None = field(default=None, metadata=_key(_as_date))
    undated_in_force: bool = field(default=False, metadata=_key(_as_flag))
    roles: tuple[str, ...] = field(default=ROLES, metadata=_key(_as_roles))
    path: str = field(default="", compare=False)  # where it was read from: not a TOML key

    def __post_init__(self) -> None:
        label = self.path or f"scenario {self.name!r}"
        for key, check in _SCHEMA.items():
            try:
                object.__setattr__(self, key, check["check"](getattr(self, key)))
            except _Bad as exc:
                msg = f"{label}: {key} {exc}"
                raise InputError(msg) from None
        first, last = self.in_force_from, self.in_force_to
        if first is not None and last is not None and last < first:
            msg = f"{label}: in_force_to {last} is before in_force_from {first}"
            raise InputError(msg)

    @property
    def window(self) -> str:
        """The scenario's time in force in words.

        Examples
        --------
        >>> import datetime
        >>> s = Scenario(name="d", title="t", source="s", line="alpha_line", distance_km=5,
        ...              excluded_actors=["iran"], in_force_from=datetime.date(2017, 7, 1))
        >>> s.window, s.evidence_column, s.distance_column
        ('in force from 2017-07-01', 'evidence_d', 'distance_km_d')
        """
        first, last = self.in_force_from, self.in_force_to
        if first is None and last is None:
            return "always in force"
        if last is None:
            return f"in force from {first}"
        if first is None:
            return f"in force until {last}"
        return f"in force from {first} to {last}"

    @property
    def evidence_column(self) -> str:
        """The result column holding each verdict's evidence."""
        return f"evidence_{self.name}"

    @property
    def distance_column(self) -> str:
        """The result column holding the distance (km) to the scenario's own line."""
        return f"distance_km_{self.name}"

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
    ``source``, ``side``, ``proxy``, ``note``, ``in_force_from`` / ``in_force_to`` (TOML
    dates, inclusive; omitted: open), ``undated_in_force`` and ``roles`` (see
    :class:`Scenario`). Each value is checked: an unknown key (a
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
    undated_in_force: bool | None = None,
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
        ``accuracy_m``), a shapely line or a :class:`geozones.lines.LineSet` (anything
        :func:`geozones.lines.as_lines` resolves). A dated position is measured to the lines in
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
    undated_in_force
        Judge undated positions as if each scenario were in force (True), or call them
        ``undated`` (False); None (the default) leaves it to each scenario's
        ``undated_in_force`` key.
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
        ``actor_groups``, ``actor_roles`` (who is named in which role, e.g.
        ``side_a=israel; side_b=hezbollah``) and, per scenario, ``scenario_<name>`` (the
        verdict: see :data:`VERDICTS`), ``evidence_<name>`` (one line: who is named in which
        role, how far from the scenario's line, and when) and ``distance_km_<name>`` (to
        the scenario's own line). ``error`` is ""
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
    resolve_threads(threads)  # refused before any work
    spec = check_spec(
        line,
        distances_km,
        scenarios=scenarios,
        line_accuracy=line_accuracy,
        default_uncertainty_m=default_uncertainty_m,
        actors=actors,
        undated_in_force=undated_in_force,
    )
    if engine == "dask" or (engine is None and hasattr(positions, "__dask_graph__")):
        if "dask" not in _ENGINES:  # pragma: no cover - geozones imports geozones.scale
            msg = "the dask engine is not registered: import geozones.scale"
            raise GeozonesError(msg)
        return _ENGINES["dask"](positions, spec, **read_options)
    if hasattr(positions, "__dask_graph__"):
        msg = "a dask collection takes engine='dask' (or compute it first)"
        raise InputError(msg)
    if isinstance(positions, gpd.GeoDataFrame) and {ERROR, LON, LAT} <= set(positions.columns):
        table = positions.copy()
    else:
        table = read_positions(positions, **read_options)
    return classify(table, spec, threads=threads)


# --------------------------------------------------------------------------------------
# The check spec: a request validated once
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CheckSpec:
    """A check request validated once: what :func:`classify` needs besides the positions.

    Build it with :func:`check_spec`. The in-memory engine (:func:`check_positions`) and the
    Dask engine (:func:`geozones.scale.check_positions_dask`, which ships one spec to
    every worker) both classify with it, so a request means the same in both.

    Attributes
    ----------
    lines
        The lines, resolved (:func:`geozones.lines.as_lines`).
    distances_km
        The thresholds, increasing, in kilometres.
    scenarios
        The scenarios, checked, with distinct names (``undated_in_force`` applied).
    scenario_lines
        Each scenario's line, resolved once, in the order of `scenarios`.
    actors
        How actor names are grouped.
    line_accuracy
        Whether the line's ``accuracy_m`` (metres) is added to each position's radius.
    default_uncertainty_m
        The radius, in metres, of positions whose uncertainty is unknown.
    line_key
        The line as given when it was a name or a path (scenarios on the same line reuse
        its distances), else None.

    Examples
    --------
    >>> spec = check_spec("alpha_line", (5, 20), scenarios=["israel_60km_2018"])
    >>> spec.distances_km, spec.lines.names, [s.name for s in spec.scenarios]
    ((5.0, 20.0), ['alpha_line'], ['israel_60km_2018'])
    """

    lines: LineSet
    distances_km: tuple[float, ...]
    scenarios: tuple[Scenario, ...]
    scenario_lines: tuple[LineSet, ...]
    actors: ActorNormaliser
    line_accuracy: bool = False
    default_uncertainty_m: float = 0.0
    line_key: str | None = None


def check_spec(
    line,
    distances_km: Sequence[float] = (5, 20, 60),
    *,
    scenarios: Iterable[Scenario | str] | None = None,
    line_accuracy: bool = False,
    default_uncertainty_m: float = 0.0,
    actors: ActorNormaliser | Mapping[str, Iterable[str]] | None = None,
    undated_in_force: bool | None = None,
) -> CheckSpec:
    """Validate a check request once, into a :class:`CheckSpec`.

    Parameters
    ----------
    line, distances_km, scenarios, line_accuracy, default_uncertainty_m, actors, undated_in_force
        As for :func:`check_positions`: `distances_km` in kilometres,
        `default_uncertainty_m` in metres.

    Returns
    -------
    CheckSpec
        The lines and the scenarios' lines resolved, the options checked.

    Raises
    ------
    InputError
        An option is refused (naming it), a scenario is, or the line cannot be read.

    Examples
    --------
    >>> check_spec("alpha_line", [5, 5])
    Traceback (most recent call last):
    ...
    geozones.errors.InputError: distances_km must be increasing, without duplicates; got [5.0, 5.0]
    """
    _check_options(default_uncertainty_m=default_uncertainty_m, line_accuracy=line_accuracy)
    limits = _check_thresholds(distances_km)
    normaliser = _normaliser(actors)
    if undated_in_force is not None and not isinstance(undated_in_force, bool | np.bool_):
        msg = f"undated_in_force must be True, False or None, not {_show(undated_in_force)}"
        raise InputError(msg)
    judged = _scenarios(scenarios, normaliser)
    if undated_in_force is not None:
        judged = [replace(s, undated_in_force=bool(undated_in_force)) for s in judged]
    lines = as_lines(line)
    return CheckSpec(
        lines=lines,
        distances_km=tuple(float(d) for d in limits),
        scenarios=tuple(judged),
        scenario_lines=tuple(as_lines(s.line) for s in judged),
        actors=normaliser,
        line_accuracy=bool(line_accuracy),
        default_uncertainty_m=float(default_uncertainty_m),
        line_key=line if isinstance(line, str) else None,
    )


#: Engines besides the in-memory one, by name: each takes ``(positions, spec,
#: **read_options)`` and returns its result. :mod:`geozones.scale` registers ``"dask"``
#: when it is imported (``import geozones`` imports it), so this module never imports the
#: engine that imports it.
_ENGINES: dict[str, Callable[..., Any]] = {}


def register_engine(name: str, run: Callable[..., Any]) -> None:
    """Make ``check_positions(..., engine=name)`` call ``run(positions, spec, **read_options)``.

    `spec` is the request, validated (:class:`CheckSpec`). :mod:`geozones.scale` registers
    the ``"dask"`` engine this way.
    """
    _ENGINES[name] = run


# --------------------------------------------------------------------------------------
# The kernel: one table, one spec
# --------------------------------------------------------------------------------------


def classify(
    table: gpd.GeoDataFrame, spec: CheckSpec, *, threads: int | None = None
) -> gpd.GeoDataFrame:
    """Classify a table of positions, as :func:`geozones.read_positions` returns it.

    The kernel of both engines: :func:`check_positions` calls it on the whole table, the
    Dask engine on each partition.

    Parameters
    ----------
    table
        Positions with at least ``error``, ``lon`` and ``lat`` columns (degrees); it is
        not modified.
    spec
        The request, validated by :func:`check_spec`.
    threads
        Threads for the distance computation (see :func:`geozones.distance_to_line`).

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`check_positions` returns it.

    Examples
    --------
    >>> from geozones.positions import read_positions
    >>> table = read_positions(pd.DataFrame({"lat": [33.1838], "lon": [35.8916]}))
    >>> classify(table, check_spec("alpha_line"))["band"].tolist()
    ['0–5 km']
    """
    limits = np.asarray(spec.distances_km, dtype=float)
    judged = spec.scenarios
    normaliser = spec.actors
    default_uncertainty_m = spec.default_uncertainty_m
    line_accuracy = spec.line_accuracy
    produced = [DISTANCE_KM, WITHIN_KM, BAND, NEAREST_LINE, SIDE, ALONG_KM, RADIUS_M]
    produced += [state_column(d) for d in limits] + [ACTOR_GROUPS, ACTOR_ROLES]
    produced += [c for s in judged for c in (s.column, s.evidence_column, s.distance_column)]
    table, kept = _keep_input_columns(table, produced)
    lines = spec.lines.frame
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
        if spec.line_key is not None and len(lines) == 1:
            measured[spec.line_key] = (idx, loc)  # scenarios on the same line reuse it
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
    line_names = [*lines["name"].astype(str).tolist(), ""]
    out[NEAREST_LINE] = _categorical(np.where(ok, which, len(lines)), line_names)
    out[SIDE] = _categorical(np.where(ok, side + 1, 3), ["right", "on the line", "left", ""])
    out[ALONG_KM] = np.where(ok, along / 1000.0, np.nan)
    out[RADIUS_M] = radius
    for d_km in limits:
        out[state_column(d_km)] = _states(distance_m, radius, d_km * 1000.0, ok)

    actor_text = table[ACTOR] if ACTOR in table else pd.Series([""] * n)
    out[ACTOR_GROUPS] = normaliser(actor_text)
    roles = _Roles(table, normaliser)
    out[ACTOR_ROLES] = roles.describe()
    span = _date_span(table, dates)
    for scenario, scenario_lines in zip(judged, spec.scenario_lines, strict=True):
        verdict, evidence, distance_km = _judge(
            scenario, scenario_lines, lon, lat, radius, ok, roles, span, threads, measured
        )
        out[scenario.column] = verdict
        out[scenario.evidence_column] = evidence
        out[scenario.distance_column] = distance_km
    out.attrs = dict(table.attrs) | {
        "distances_km": limits.tolist(),
        "input_columns": kept,
        "scenarios": {s.name: _scenario_record(s) for s in judged},
    }
    return out


def _check_options(*, default_uncertainty_m, line_accuracy) -> None:
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
_RESULT_COLUMNS: tuple[str, ...] = (DISTANCE_KM, WITHIN_KM, BAND, NEAREST_LINE, SIDE, ALONG_KM)
_RESULT_COLUMNS += (RADIUS_M, ACTOR_GROUPS, ACTOR_ROLES)
_RESULT_PATTERN = re.compile(
    r"state_.*km|scenario_.+|evidence_.+|distance_km_.+", re.IGNORECASE | re.DOTALL
)


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
    text = errors.to_numpy(dtype=object).copy()
    missing = pd.isna(errors).to_numpy()
    text[missing] = ""  # every missing value, whatever the dtype's own NA
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


def _states(distance_m, radius, limit_m, ok) -> pd.Categorical[str]:
    inside = distance_m + radius <= limit_m
    outside = distance_m - radius > limit_m
    codes = np.where(inside, 0, np.where(outside, 2, 1))
    return _categorical(np.where(ok, codes, 3), _STATES)


def _categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical[str]:
    """A categorical from integer codes; the labels need not be unique or all used."""
    unique = list(dict.fromkeys(labels))
    remap = np.array([unique.index(label) for label in labels], dtype=np.intp)
    return pd.Categorical.from_codes(remap[np.asarray(codes, dtype=np.int64)], pd.Index(unique))


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


def _combine(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One code per distinct combination of integer codes (each >= -1).

    Also returns, for each new code, the row where it first appears. A hashed factorize,
    column by column, so the key never overflows.
    """
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:
        c = np.asarray(c, dtype=np.int64)
        key = key * (int(c.max(initial=-1)) + 2) + (c + 1)
        key, _ = pd.factorize(key)  # keep the key small: no overflow however many columns
        key = key.astype(np.int64)
    first = np.full(int(key.max(initial=-1)) + 1, -1, dtype=np.int64)
    first[key[::-1]] = np.arange(len(key) - 1, -1, -1)
    return key, first


class _Roles:
    """Who is named in which role, row by row: each role column's texts and groups.

    A row names its actors in the specific roles (UCDP's sides, ACLED's actors) when any of
    those cells holds text, else in the plain ``actor`` column, so that a table mixing UCDP
    events and plain reports gives each row its own roles. Texts are kept as codes into
    their distinct values: a million rows name a few thousand actors.
    """

    def __init__(self, table: pd.DataFrame, normaliser: ActorNormaliser) -> None:
        self.n = len(table)
        columns = role_columns(c for c in table.columns if c != ACTOR)
        columns.pop("actor", None)
        if ACTOR in table:
            columns = {"actor": ACTOR, **columns}
        self.text_codes: dict[str, np.ndarray] = {}  # -1: empty
        self.texts: dict[str, list[str]] = {}
        self.codes: dict[str, np.ndarray] = {}  # group-set code per row, -1: none
        self.groups: dict[str, list[tuple[str, ...]]] = {}
        specific = np.zeros(self.n, dtype=bool)
        for role, column in columns.items():
            codes, uniques = pd.factorize(table[column], use_na_sentinel=True)
            texts = [v.strip() if isinstance(v, str) else str(v).strip() for v in uniques]
            empty = np.array([t == "" for t in texts] + [True])
            codes = np.where(empty[codes], -1, codes).astype(np.int64)
            self.text_codes[role], self.texts[role] = codes, texts
            found = normaliser(texts)
            group_codes = np.append(np.asarray(found.codes, dtype=np.int64), -1)
            self.codes[role] = group_codes[codes]
            self.groups[role] = [tuple(c.split(";")) if c else () for c in found.categories]
            if role != "actor":
                specific |= codes >= 0
        if "actor" in self.codes:  # the plain column counts only where no role names anyone
            self.codes["actor"] = np.where(specific, -1, self.codes["actor"])
            self.text_codes["actor"] = np.where(specific, -1, self.text_codes["actor"])
        self.dataset = np.zeros(self.n, dtype=np.int8)  # 0 plain, 1 UCDP, 2 ACLED
        if "actor1" in self.codes:
            self.dataset[specific] = 2
        if "side_a" in self.codes:
            ucdp = np.logical_or.reduce(
                [self.text_codes[r] >= 0 for r in ("side_a", "side_b") if r in self.codes]
            )
            self.dataset[ucdp] = 1

    @property
    def datasets(self) -> np.ndarray:
        """Each row's dataset by its columns: "UCDP", "ACLED" or ""."""
        return np.array(["", "UCDP", "ACLED"], dtype=object)[self.dataset]

    def _named(self, roles: Sequence[str], keep) -> tuple[np.ndarray, list[list]]:
        """Each row's code into a list of (group, role) pairs kept by `keep`."""
        present = [r for r in roles if r in self.codes]
        if not present or self.n == 0:
            return np.zeros(self.n, dtype=np.int64), [[]]
        key, first = _combine(*(self.codes[r] for r in present))
        combos = []
        for row in first:
            combos.append(
                [
                    (group, role)
                    for role in present
                    if self.codes[role][row] >= 0
                    for group in self.groups[role][self.codes[role][row]]
                    if keep(group)
                ]
            )
        return key, combos

    def describe(self) -> np.ndarray:
        """``role=group+group; role=group`` for every row ("" when no group is named)."""
        inverse, combos = self._named([r for r in ROLES if r in self.codes], lambda g: True)
        words = []
        for pairs in combos:
            by_role: dict[str, list[str]] = {}
            for group, role in pairs:
                by_role.setdefault(role, []).append(group)
            words.append("; ".join(f"{r}={'+'.join(g)}" for r, g in by_role.items()))
        return np.asarray(words, dtype=object)[inverse]

    def who(self, excluded: set[str], roles: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list]:
        """Whether each row names an excluded group in a counted role, and what it names.

        Returns the mask, a code per row and the texts of the codes: ``hezbollah named as
        side_b`` (pairs joined by ", ") followed by what the source wrote, ``(UCDP:
        Government of Israel vs Hezbollah)``.
        """
        inverse, combos = self._named(roles, lambda g: g in excluded)
        pairs_named = np.array([bool(p) for p in combos])
        named = pairs_named[inverse]
        if not named.any():
            return named, np.zeros(self.n, dtype=np.int64), [""]
        texts = list(self.text_codes.values())
        key, first = _combine(inverse, self.dataset, *texts)
        words = []
        for row in first:
            pairs = combos[inverse[row]]
            if not pairs:
                words.append("")
                continue
            cells = {
                role: self.texts[role][c] if (c := self.text_codes[role][row]) >= 0 else ""
                for role in self.texts
            }
            who = ", ".join(f"{g} named as {r}" for g, r in pairs)
            words.append(f"{who} ({self.quote(cells, int(self.dataset[row]))})")
        return named, key, words

    @staticmethod
    def quote(texts: Mapping[str, str], dataset: int) -> str:
        """What a row's source wrote about who was involved, shortened."""

        def cell(role: str) -> str:
            return _short(texts[role]) if role in texts else ""

        if dataset == 1:
            return f"UCDP: {cell('side_a') or '?'} vs {cell('side_b') or '?'}"
        if dataset == 2:
            one = " with ".join(x for x in (cell("actor1"), cell("assoc_actor_1")) if x)
            two = " with ".join(x for x in (cell("actor2"), cell("assoc_actor_2")) if x)
            return f"ACLED: {one or '?'}" + (f" vs {two}" if two else "")
        return f"actor: {json.dumps(cell('actor'), ensure_ascii=False)}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


@dataclass(frozen=True)
class _Span:
    """Each row's date range: first and last instant (NaT when undated), and how written."""

    start: np.ndarray
    end: np.ndarray
    precision: np.ndarray


def _date_span(table: pd.DataFrame, dates: pd.Series) -> _Span:
    start = pd.to_datetime(dates, errors="coerce").to_numpy(dtype="datetime64[ns]")
    end = start.copy()
    if DATE_TO in table:
        given = pd.to_datetime(table[DATE_TO], errors="coerce").to_numpy(dtype="datetime64[ns]")
        end = np.where(np.isnat(given) | np.isnat(start), start, given)
    if DATE_PRECISION in table:
        given_precision = table[DATE_PRECISION]
        text = given_precision.astype(object).where(given_precision.notna(), "")
        precision = text.astype(str).to_numpy(dtype=object)
    else:
        precision = np.full(len(start), "", dtype=object)
    return _Span(start, end, precision)


def date_words(start, end, precision: str = "") -> str:
    """A position's date range as an analyst writes it.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.Timestamp
    >>> date_words(t("2018-01-01"), t("2018-12-31"), "year"), date_words(t("2018-06-01"),
    ...     t("2018-06-30"), "month"), date_words(t("2017-03-19"), t("2017-03-25"), "week")
    ('2018', '2018-06', '2017-03-19 to 2017-03-25')
    >>> date_words(t("2017-03-19"), t("2017-03-19")), date_words(pd.NaT, pd.NaT)
    ('2017-03-19', 'undated')
    """
    if pd.isna(start):
        return "undated"
    start = pd.Timestamp(start)
    end = start if pd.isna(end) else pd.Timestamp(end)
    if precision == "year" and start.is_year_start and end == start + pd.offsets.YearEnd(0):
        return f"{start:%Y}"
    if precision == "month" and start.is_month_start and end == start + pd.offsets.MonthEnd(0):
        return f"{start:%Y-%m}"
    if precision == "instant":
        return f"{start:%Y-%m-%d %H:%M} UTC" + (
            f" to {end:%Y-%m-%d %H:%M} UTC" if end != start else ""
        )
    text = f"{start:%Y-%m-%d}" if start == start.normalize() else f"{start:%Y-%m-%d %H:%M}"
    if end.normalize() != start.normalize():
        text += f" to {end:%Y-%m-%d}"
    return text


def _line_label(line) -> str:
    if isinstance(line, str):
        return line if line in datasets.names() else Path(line).name
    if isinstance(line, os.PathLike):
        return Path(line).name
    if isinstance(line, list | tuple):
        return " + ".join(_line_label(x) for x in line)
    return "the scenario's line"


def _scenario_record(s: Scenario) -> dict:
    def iso(day):
        return None if day is None else day.isoformat()

    return {
        "title": s.title,
        "distance_km": s.distance_km,
        "side": s.side,
        "in_force_from": iso(s.in_force_from),
        "in_force_to": iso(s.in_force_to),
        "line": _line_label(s.line),
        "roles": list(s.roles),
        "undated_in_force": s.undated_in_force,
    }


#: How far local time may be behind and ahead of UTC: an "instant" (a time written with a
#: zone, kept in UTC) may fall on any calendar day in that span.
_BEHIND_UTC = np.timedelta64(12, "h")
_AHEAD_OF_UTC = np.timedelta64(14, "h")

# Codes of the verdict categorical
_BREACH, _UNCERTAIN, _COMPLIANT, _OTHER, _NOT_IN_FORCE, _UNDATED, _FREE, _UNUSED = range(8)
_OUTCOMES = [*VERDICTS, ""]


def _judge(
    scenario: Scenario,
    lines: LineSet,
    lon,
    lat,
    radius,
    ok,
    roles: _Roles,
    span: _Span,
    threads,
    measured,
):
    """The verdict, its evidence and the distance (km) to the scenario's `lines`, per row."""
    n = len(lon)
    codes = np.full(n, _UNUSED)
    distance_km = np.full(n, np.nan)
    idx = np.flatnonzero(ok)
    if idx.size == 0:
        return _categorical(codes, _OUTCOMES), _texts_at(n, np.array([], np.int64), []), distance_km
    cached = measured.get(scenario.line) if isinstance(scenario.line, str) else None
    if cached is not None and np.array_equal(cached[0], idx):
        loc = cached[1]
    else:
        geom = shapely.union_all(lines.frame.geometry.array)
        loc = geodesy.locate_on_line(lon[idx], lat[idx], geom, nearest_point=False, threads=threads)
    d = loc.distance_m
    r = radius[idx]
    distance_km[idx] = d / 1000.0
    limit = scenario.distance_km * 1000.0
    state = np.where(d + r <= limit, _BREACH, np.where(d - r > limit, _COMPLIANT, _UNCERTAIN))
    if scenario.side != "both":
        wanted = 1 if scenario.side == "left" else -1
        state = np.where((loc.side == -wanted) & (d > r), _OTHER, state)
    named_all, who_key, who_words = roles.who(set(scenario.excluded_actors), scenario.roles)
    named = named_all[idx]

    # time: the position's range against the scenario's window (days, inclusive); an
    # instant kept in UTC may fall, where it happened, on the calendar day before or after
    # (UTC-12 to UTC+14): its range is widened by those hours for the comparison
    start, end = span.start[idx], span.end[idx]
    zoned = span.precision[idx] == "instant"
    start = np.where(zoned, start - _BEHIND_UTC, start)
    end = np.where(zoned, end + _AHEAD_OF_UTC, end)
    undated = np.isnat(start)
    before = np.zeros(idx.size, dtype=bool)
    after = np.zeros(idx.size, dtype=bool)
    straddles = np.zeros(idx.size, dtype=bool)
    first, last = scenario.in_force_from, scenario.in_force_to
    if first is not None:
        bound = np.datetime64(first, "ns")
        before = ~undated & (end < bound)
        straddles |= ~undated & ~before & (start < bound)
    if last is not None:
        bound = np.datetime64(last + datetime.timedelta(days=1), "ns")  # end of the last day
        after = ~undated & (start >= bound)
        straddles |= ~undated & ~after & (end >= bound)
    outside = before | after
    windowed = first is not None or last is not None
    no_date = undated & windowed & (not scenario.undated_in_force)
    verdict = np.where(straddles & (state == _BREACH), _UNCERTAIN, state)
    verdict = np.where(outside, _NOT_IN_FORCE, np.where(no_date, _UNDATED, verdict))
    codes[idx] = np.where(named, verdict, _FREE)

    start, end = span.start[idx], span.end[idx]  # the evidence quotes the dates as read
    k = np.flatnonzero(named)
    evidence = _evidence(
        scenario,
        who=pa.array(who_words, type=pa.string()).take(pa.array(who_key[idx[k]])),
        distance_km=d[k] / 1000.0,
        radius_km=r[k] / 1000.0,
        state=state[k],
        verdict=verdict[k],
        span=(start[k], end[k], span.precision[idx[k]]),
        flags=(undated[k], before[k], straddles[k]),
    )
    return _categorical(codes, _OUTCOMES), _texts_at(n, idx[k], evidence), distance_km


def _texts_at(n: int, rows: np.ndarray, texts) -> pd.api.extensions.ExtensionArray:
    """A text column of `n` rows: `texts` at `rows`, "" elsewhere (pandas' str dtype)."""
    texts = pa.array(texts, pa.string())
    if len(rows) == n:  # every row has its text (rows are increasing): no scatter
        return pd.array(texts, dtype="str")
    where = np.zeros(n, dtype=np.int64)
    where[rows] = np.arange(1, len(rows) + 1)
    values = pa.concat_arrays([pa.array([""], type=pa.string()), texts])
    return pd.array(values.take(pa.array(where)), dtype="str")


def _decimal_text(km: np.ndarray) -> pa.Array:
    """Kilometres as text to 0.1 km ("4.5", "60.0"), computed column-wise."""
    tenths = np.rint(np.asarray(km, dtype=float) * 10.0).astype(np.int64)
    whole = pa.array(tenths // 10).cast(pa.string())
    return pc.binary_join_element_wise(whole, pa.array(tenths % 10).cast(pa.string()), ".")


def _evidence(scenario: Scenario, *, who, distance_km, radius_km, state, verdict, span, flags):
    """``who; where; when`` for each judged row, built column-wise (rows repeat their dates)."""
    start, end, precision = span
    undated, before, straddles = flags
    if len(verdict) == 0:
        return pa.array([], type=pa.string())
    line = _line_label(scenario.line)
    limit = f"{scenario.distance_km:g} km"
    pm = pc.if_else(
        pa.array((radius_km > 0) & (verdict != _OTHER)),
        pc.binary_join_element_wise(" ± ", _decimal_text(radius_km), ""),
        "",
    )
    suffixes = [
        f" km from {line}, on the side {scenario.name} does not restrict",
        f" km from {line}, within {limit}",
        f" km from {line}, beyond {limit}",
        f" km from {line}: may be within {limit} or beyond",
    ]
    which = np.select([verdict == _OTHER, state == _BREACH, state == _COMPLIANT], [0, 1, 2], 3)

    windowed = scenario.in_force_from is not None or scenario.in_force_to is not None
    precision_codes, _ = pd.factorize(pd.Series(precision, dtype=object))
    key, first_rows = _combine(
        pd.factorize(start.view(np.int64))[0],
        pd.factorize(end.view(np.int64))[0],
        precision_codes,
        verdict,
        before,
        straddles,
    )
    whens = []
    for i in first_rows:
        words = date_words(start[i], end[i], str(precision[i]))
        if verdict[i] == _NOT_IN_FORCE:
            bound = (
                f"before in force from {scenario.in_force_from}"
                if before[i]
                else f"after in force to {scenario.in_force_to}"
            )
            whens.append(f"dated {words}, {bound}")
        elif undated[i] and windowed:
            assumed = ": judged as in force (undated_in_force)" if scenario.undated_in_force else ""
            whens.append(f"undated; the scenario is {scenario.window}{assumed}")
        elif undated[i]:
            whens.append("undated")
        elif straddles[i]:
            local = (
                " (where it happened, that may be the day before or after)"
                if precision[i] == "instant"
                else ""
            )
            whens.append(f"dated {words}{local}, which straddles {scenario.window}")
        elif windowed:
            whens.append(f"dated {words}, {scenario.window}")
        else:
            whens.append(f"dated {words}")
    # the text after the number, "km from ...; dated ...", once per distinct pair
    tail_key, tail_rows = _combine(which, key)
    tails = [f"{suffixes[which[i]]}; {whens[key[i]]}" for i in tail_rows]
    tail = pa.array(tails, type=pa.string()).take(pa.array(tail_key))
    return pc.binary_join_element_wise(who, "; ", _decimal_text(distance_km), pm, tail, "")


# --------------------------------------------------------------------------------------
# Claims and findings
# --------------------------------------------------------------------------------------

_DENIAL = re.compile(r"\b(?:denied|denies|deny|disputed|refuted|contested|retracted)\b", re.I)
#: "not denied", "never disputed", "no longer contested": a negated denial is none.
_NOT_DENIED = re.compile(
    r"\b(?:not|never|no longer|un)[\s-]*(?:been\s+)?(?:denied|disputed|refuted|contested)\b",
    re.I,
)


def _text_column(results: pd.DataFrame, column: Hashable) -> pd.Series:
    if column not in results:
        return pd.Series([""] * len(results), index=results.index, dtype=object)
    return as_text(results[column])


def is_denied(results: pd.DataFrame) -> np.ndarray:
    """Whether each row is a claim that someone denied or disputed.

    A row is denied when its ``denied_by`` names someone, or its ``status`` says denied,
    disputed, refuted, contested or retracted.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"status": ["reported; denied", "reported", "", "not denied"],
    ...                   "denied_by": ["", "", "an official", ""]})
    >>> is_denied(t).tolist()
    [True, False, True, False]
    """
    status = _text_column(results, STATUS).str.replace(_NOT_DENIED, " ", regex=True)
    denied_by = _text_column(results, DENIED_BY)
    return (status.str.contains(_DENIAL) | (denied_by != "")).to_numpy(dtype=bool)


def _claim_status(status: str, denied_by: str) -> str:
    """``reported; denied by X`` from a status and who denied it."""
    if not denied_by:
        return status
    if _DENIAL.search(status) and status.rstrip().lower().endswith(("denied", "disputed")):
        return f"{status.rstrip()} by {denied_by}"
    return f"{status}; denied by {denied_by}" if status else f"denied by {denied_by}"


def verdict_columns(results: pd.DataFrame) -> list[str]:
    """The scenario verdict columns of a result (``scenario_<name>``)."""
    return [str(c) for c in results.columns if str(c).startswith("scenario_")]


#: The columns of :func:`findings`, in order.
FINDINGS_COLUMNS = (
    "row",
    "scenario",
    "verdict",
    "date_from",
    "date_to",
    "date_precision",
    "dates",
    "actor_group",
    "role",
    "actor",
    "place",
    "lon",
    "lat",
    "distance_km",
    "scenario_km",
    "margin_km",
    "evidence",
    "source",
    "url",
    "claim_status",
    "claim_text",
    "dataset",
)

#: Columns that name a position's place when ``place`` is empty (coordinates were given):
#: UCDP's ``where_coordinates`` and ``adm_2``, ACLED's ``location`` and ``admin2``.
_PLACE_FALLBACK = ("where_coordinates", "location", "adm_2", "admin2", "adm_1", "admin1")

_WHO = re.compile(r"(\w+) named as (\w+)(?:, |(?= \())")
_LIMIT = re.compile(r"(?:within|beyond|may be within) ([0-9.]+(?:e[+-]?[0-9]+)?) km")


def findings(results: pd.DataFrame, scenario=None) -> pd.DataFrame:
    """The ledger: one row per position and scenario whose verdict is breach or uncertain.

    Each row says who (the actor group and the role it is named in, with the actor text),
    where (place, lon/lat, the distance to the scenario's line, the scenario's distance
    and the margin), when (the date range) and on what (the evidence line, the source and
    its url, and the claim's status: a denied claim says so). Breaches come first, then
    by margin, largest first. Works on results read back from a file too (its ``row`` is
    then the row of the file first checked, kept by :func:`geozones.read_positions` as
    ``src_row``).

    Parameters
    ----------
    results
        The result of :func:`check_positions` (or its CSV, read with
        :func:`geozones.read_positions`).
    scenario
        A scenario (:class:`Scenario`, a name, or a list of them) to keep; all of the
        result's scenario columns when omitted.

    Returns
    -------
    pandas.DataFrame
        The columns :data:`FINDINGS_COLUMNS`. ``margin_km`` is the scenario's distance
        minus the position's: positive is inside by that much. ``dataset`` is the input's
        ``dataset`` column when it has one, else "UCDP GED", "ACLED" or "".

    Examples
    --------
    >>> import datetime, pandas as pd
    >>> demand = Scenario(name="demand", title="t", source="s", line="alpha_line",
    ...     distance_km=60, excluded_actors=["hezbollah"],
    ...     in_force_from=datetime.date(2017, 7, 1))
    >>> reports = pd.DataFrame({"actor": ["Hezbollah", "Hezbollah"], "lat": [33.18, 33.18],
    ...     "lon": [35.89, 35.89], "date": ["2018-05-02", "2017-03-19"]})
    >>> r = check_positions(reports, "alpha_line", scenarios=[demand])
    >>> r["scenario_demand"].tolist()
    ['breach', 'not in force']
    >>> f = findings(r)
    >>> f[["row", "verdict", "dates", "actor_group", "role", "scenario_km"]].values.tolist()
    [[2, 'breach', '2018-05-02', 'hezbollah', 'actor', 60.0]]
    >>> f["evidence"].iloc[0]
    'hezbollah named as actor (actor: "Hezbollah"); 4.5 km from alpha_line, within 60 km; dated 2018-05-02, in force from 2017-07-01'
    """  # noqa: E501
    columns, known = _findings_scenarios(results, scenario)
    facts = _RowFacts.of(results)
    parts = [
        _scenario_findings(results, c.removeprefix("scenario_"), facts, known) for c in columns
    ]
    return _ledger(parts)


def _findings_scenarios(results: pd.DataFrame, scenario) -> tuple[list[str], dict[str, dict]]:
    """The scenario columns the ledger covers, and what is known of each scenario."""
    columns = verdict_columns(results)
    known: dict[str, dict] = dict(results.attrs.get("scenarios") or {})
    if scenario is None:
        return columns, known
    wanted = scenario if isinstance(scenario, list | tuple) else [scenario]
    names = []
    for s in wanted:
        if isinstance(s, Scenario):
            known[s.name] = _scenario_record(s)
            names.append(s.name)
        elif isinstance(s, str):
            names.append(s.removeprefix("scenario_"))
        else:
            msg = f"scenario must be a Scenario or its name, not {_show(s)}"
            raise InputError(msg)
    missing = [f"scenario_{n}" for n in names if f"scenario_{n}" not in columns]
    if missing:
        msg = (
            f"the results have no column {missing[0]!r}; their scenario columns are "
            f"{', '.join(columns) or 'none'}"
        )
        raise InputError(msg)
    return [f"scenario_{n}" for n in names], known


@dataclass(frozen=True)
class _RowFacts:
    """What the ledger says of each result row, whatever the scenario: when, who said, where."""

    span: Any  # the rows' date ranges (_date_span)
    status: NDArray
    denied_by: NDArray
    dataset: NDArray
    texts: dict[str, NDArray]
    row: NDArray
    lon: NDArray | None
    lat: NDArray | None

    @classmethod
    def of(cls, results: pd.DataFrame) -> _RowFacts:
        n = len(results)
        span = _date_span(
            results,
            results[DATE] if DATE in results else pd.Series(pd.NaT, index=results.index),
        )
        texts = {
            c: _text_column(results, c).to_numpy(dtype=object)
            for c in (ACTOR, PLACE, SOURCE, URL, CLAIM_TEXT)
        }
        for column in _PLACE_FALLBACK:  # a place as the source named it (UCDP, ACLED)
            empty = texts[PLACE] == ""
            if not empty.any():
                break
            match = [c for c in results.columns if str(c).strip().lower() == column]
            if match:
                named = _text_column(results, match[0]).to_numpy(dtype=object)
                texts[PLACE] = np.where(empty, named, texts[PLACE])
        row = results[ROW].to_numpy() if ROW in results else np.arange(1, n + 1)
        if not results.attrs.get("scenarios") and "src_row" in results:
            # a result read back from a file: its row numbers are that file's, and the rows of
            # the file first checked were kept as src_row (a GeoPackage counts from 1, a CSV 2)
            first = pd.to_numeric(results["src_row"], errors="coerce")
            if first.notna().all() and (first == first.round()).all():
                row = first.astype(np.int64).to_numpy()
        return cls(
            span=span,
            status=_text_column(results, STATUS).to_numpy(dtype=object),
            denied_by=_text_column(results, DENIED_BY).to_numpy(dtype=object),
            dataset=_dataset_names(results),
            texts=texts,
            row=row,
            lon=_numbers(results, LON),
            lat=_numbers(results, LAT),
        )


def _numbers(results: pd.DataFrame, column: str) -> NDArray | None:
    if column not in results:
        return None
    return pd.to_numeric(results[column], errors="coerce").to_numpy(float)


def _dataset_names(results: pd.DataFrame) -> NDArray:
    """Each row's dataset: its ``dataset`` column, else UCDP GED or ACLED by their roles."""
    if "dataset" in results:
        return _text_column(results, "dataset").to_numpy(dtype=object)
    dataset = np.full(len(results), "", dtype=object)
    found = role_columns(results.columns)
    for dataset_roles, name in ((ACLED_ROLES, "ACLED"), (UCDP_ROLES, "UCDP GED")):
        cells = [_text_column(results, found[r]) != "" for r in dataset_roles if r in found]
        if cells:
            dataset[np.logical_or.reduce([c.to_numpy(dtype=bool) for c in cells])] = name
    return dataset


def _factorize_rows(*columns: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
    """Codes of the rows of parallel `columns`, and their distinct rows as tuples.

    No rows give no codes: pandas 2 cannot factorize an empty MultiIndex.
    """
    if not len(columns[0]):
        return np.empty(0, dtype=np.intp), []
    codes, uniques = pd.factorize(pd.MultiIndex.from_arrays(list(columns)))
    return codes, list(uniques)


def _scenario_findings(
    results: pd.DataFrame, name: str, facts: _RowFacts, known: dict[str, dict]
) -> pd.DataFrame:
    """The ledger rows of one scenario: its breaches and uncertain verdicts."""
    column = f"scenario_{name}"
    verdicts = results[column].astype(object).where(results[column].notna(), "").map(str)
    take = np.flatnonzero(verdicts.isin(["breach", "uncertain"]).to_numpy())
    evidence = _text_column(results, f"evidence_{name}").to_numpy(dtype=object)[take]
    if f"distance_km_{name}" in results:
        dist_all = pd.to_numeric(results[f"distance_km_{name}"], errors="coerce")
    elif DISTANCE_KM in results:
        dist_all = pd.to_numeric(results[DISTANCE_KM], errors="coerce")
    else:
        dist_all = pd.Series(np.nan, index=results.index)
    dist = dist_all.to_numpy(dtype=float)[take]
    # who: the (group, role) pairs at the head of the evidence, parsed once per text
    codes, uniques = pd.factorize(pd.Series(evidence, dtype=object))
    pairs = [_WHO.findall(ev.split(" (", 1)[0] + " (") if ev else [] for ev in uniques]
    groups = np.asarray(
        [";".join(dict.fromkeys(g for g, _ in p)) for p in pairs] + [""], dtype=object
    )[codes]
    roles = np.asarray(
        [";".join(dict.fromkeys(r for _, r in p)) for p in pairs] + [""], dtype=object
    )[codes]
    limit = known.get(name, {}).get("distance_km")
    if limit is None:  # read back from a file: the evidence says "within 60 km"
        said = [_LIMIT.findall(ev.rsplit(") ", 1)[-1]) if ev else [] for ev in uniques]
        limits = np.asarray([float(f[-1]) if f else np.nan for f in said] + [np.nan])
        scenario_km = limits[codes]
    else:
        scenario_km = np.full(take.size, float(limit))
    span = facts.span
    start, end, precision = span.start[take], span.end[take], span.precision[take]
    day_codes, days = _factorize_rows(start, end, precision.astype(str))
    dates = np.asarray([date_words(*u) for u in days] + ["undated"], dtype=object)
    claim_codes, claim_uniques = _factorize_rows(facts.status[take], facts.denied_by[take])
    claim_status = np.asarray([_claim_status(*u) for u in claim_uniques] + [""], object)
    texts, nowhere = facts.texts, np.full(take.size, np.nan)
    return pd.DataFrame(
        {
            "row": facts.row[take],
            "scenario": name,
            "verdict": verdicts.to_numpy(dtype=object)[take],
            "date_from": start,
            "date_to": end,
            "date_precision": precision,
            "dates": dates[day_codes] if take.size else [],
            "actor_group": groups,
            "role": roles,
            "actor": texts[ACTOR][take],
            "place": texts[PLACE][take],
            "lon": nowhere if facts.lon is None else facts.lon[take],
            "lat": nowhere if facts.lat is None else facts.lat[take],
            "distance_km": dist,
            "scenario_km": scenario_km,
            "margin_km": scenario_km - dist,
            "evidence": evidence,
            "source": texts[SOURCE][take],
            "url": texts[URL][take],
            "claim_status": claim_status[claim_codes] if take.size else [],
            "claim_text": texts[CLAIM_TEXT][take],
            "dataset": facts.dataset[take],
        },
        columns=list(FINDINGS_COLUMNS),
    )


def _ledger(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The scenarios' rows as one ledger: breaches first, then by margin, largest first."""
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in FINDINGS_COLUMNS})
    parts = [p for p in parts if len(p)]
    table = pd.concat(parts, ignore_index=True) if parts else empty
    table["date_from"] = pd.to_datetime(table["date_from"])
    table["date_to"] = pd.to_datetime(table["date_to"])
    for c in ("distance_km", "scenario_km", "margin_km", "lon", "lat"):
        table[c] = table[c].astype(float)
    if len(table):
        order = (table["verdict"] != "breach").astype(int)
        table = (
            table.assign(_o=order)
            .sort_values(
                ["_o", "scenario", "margin_km", "row"],
                ascending=[True, True, False, True],
                kind="stable",
            )
            .drop(columns="_o")
            .reset_index(drop=True)
        )
    return table


# --------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------


def summarize(results: pd.DataFrame) -> pd.DataFrame:
    """Count checked positions by band, by actor group, by scenario verdict and by error.

    Returns a tidy table with columns ``what``, ``value`` and ``count``. Bands are listed by
    distance (also for results read back from a file, where the thresholds are lost).
    Verdicts of denied or disputed claims (see :func:`is_denied`) are counted apart, as
    ``breach (denied claim)``; a ``claim status`` part counts the claims' statuses. Error
    messages are grouped by their wording with the quoted values and numbers taken out.

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
    denied = is_denied(results)
    for column in verdict_columns(results):
        values = results[column].astype(object).where(results[column].notna(), "").map(str)
        values = values.replace("", "(not used)")
        values = values.where(~denied | values.isin(["(not used)"]), values + " (denied claim)")
        order = [v for v in (*VERDICTS, "(not used)") for v in (v, f"{v} (denied claim)")]
        counts = values.value_counts()
        known = counts.reindex([v for v in order if v in counts.index])
        parts.append((column, pd.concat([known, counts.drop(known.index)])))
    if STATUS in results or DENIED_BY in results:
        claims = _text_column(results, STATUS)
        claims = claims.where(~denied | claims.str.contains(_DENIAL), claims + "; denied")
        claims = claims[claims != ""].str.strip("; ")
        if len(claims):
            parts.append(("claim status", claims.value_counts()))
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
    return sorted((v for v in results[BAND].astype(str).unique() if v), key=band_sort_key)


_BAND_LABEL = re.compile(r"\s*(beyond\s+)?([0-9.]+(?:e[+-]?[0-9]+)?)\s*(?:[–-]\s*([0-9.eE+-]+))?")


def band_sort_key(label: str) -> tuple[float, int, str]:
    """Sort band labels by distance: ``0–5 km``, ``5–20 km``, …, ``beyond 60 km``.

    Examples
    --------
    >>> sorted(["beyond 60 km", "20–60 km", "5–20 km", "0–5 km"], key=band_sort_key)
    ['0–5 km', '5–20 km', '20–60 km', 'beyond 60 km']
    """
    match = _BAND_LABEL.match(str(label))
    if not match:
        return (np.inf, 1, str(label))
    try:
        lower = float(match.group(2))
    except ValueError:
        return (np.inf, 1, str(label))
    return (lower, 1 if match.group(1) else 0, str(label))


_NUMBER_IN_TEXT = re.compile(r"-?(?:\d+(?:[.,]\d+)*(?:[eE][+-]?\d+)?|\binf\b|\bnan\b)")


def _error_kind(message: str) -> str:
    """An error message with its quoted values and numbers (20,000, 1e+303, inf) as '#'."""
    text = re.sub(r"'[^']*'", "'…'", message)
    return _NUMBER_IN_TEXT.sub("#", text)
