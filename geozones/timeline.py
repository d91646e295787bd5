"""Checked positions over time: counts per period, distance band and actor group.

The reporting behind geozones is about forces withdrawing, so after "where" the question
is "when": :func:`timeline` counts the positions of a :func:`~geozones.check_positions`
result per period (a month by default), distance band and actor group, and
:func:`plot_timeline` draws those counts with each scenario's time in force shaded.

Rules that hold for every count:

- **Once, in the first period.** A position whose date range (``date`` to ``date_to``)
  spans several periods (a UCDP event over two months, a position dated only "2018" in a
  monthly timeline) is counted once, in the period where its range starts; the column
  ``multi_period`` says how many of a cell's positions run on past the cell's period.
- **Each named group.** With ``by="actor_group"`` a position naming two groups
  (``"hezbollah;iran"``) counts once for each, so counts add up over groups to more than
  the number of positions; ``by=None`` counts every position once, in group ``"all"``.
- **Nothing dropped silently.** A row with an error, no date or an unreadable date is not
  in any period; the numbers are in ``attrs["not_counted"]``.
- **Gaps are zeros.** Every period between the first and the last dated position is in
  the table, with a count of 0 for each band and group where nothing was seen.

Examples
--------
>>> import pandas as pd
>>> results = pd.DataFrame({
...     "date": pd.to_datetime(["2018-01-05", "2018-03-02", None]),
...     "band": ["0–5 km", "beyond 60 km", "0–5 km"],
...     "actor_groups": ["hezbollah", "iran", "iran"],
...     "error": ["", "", ""]})
>>> t = timeline(results, by=None)
>>> t.groupby("period")["count"].sum().tolist()
[1, 0, 1]
>>> t.attrs["not_counted"]
{'error': 0, 'undated': 1, 'unreadable date': 0, 'no band': 0}
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from geozones.columns import as_text
from geozones.errors import InputError
from geozones.symbology import band_colours, check_figure_path
from geozones.writing import atomic_output

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure, SubFigure

__all__ = [
    "BAND",
    "COUNT",
    "GROUP",
    "MULTI_PERIOD",
    "NOT_COUNTED",
    "PERIOD",
    "plot_timeline",
    "timeline",
]

#: Columns of a timeline table.
PERIOD = "period"
BAND = "band"
GROUP = "group"
COUNT = "count"
MULTI_PERIOD = "multi_period"
#: Keys of ``attrs["not_counted"]``, in order.
NOT_COUNTED = ("error", "undated", "unreadable date", "no band")

_NO_GROUP = "(no group)"
_ALL = "all"
_DAY = pd.Timedelta(days=1)
_MAX_PANELS = 12
_WINDOW_COLOURS = ("#d7191c", "#2b83ba", "#7b3294", "#e66101", "#008837", "#525252")
_FREQ_WORDS = {
    "MonthBegin": "month",
    "QuarterBegin": "quarter",
    "YearBegin": "year",
    "Week": "week",
    "Day": "day",
}


# --------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------


def timeline(
    results: pd.DataFrame,
    *,
    freq: str = "MS",
    by: str | None = "actor_group",
    scenarios: Any = None,
) -> pd.DataFrame:
    """Count checked positions per period, distance band and group.

    Parameters
    ----------
    results
        A :func:`~geozones.check_positions` result, or one read back from CSV: columns
        ``date`` (the start of each position's date range), ``band`` and ``error``, and
        ``date_to`` (the last day of the range, inclusive; when absent, ``date``) and
        ``actor_groups`` (groups joined by ``";"``, ``""`` for none) where used. Not
        changed.
    freq
        The length of a period, as a pandas frequency that names the period's start, a
        day or longer: ``"MS"`` (months), ``"QS"`` (quarters), ``"YS"`` (years),
        ``"W-MON"`` (weeks from Monday), ``"D"`` (days).
    by
        ``"actor_group"``: one group per actor group a position names (a position naming
        two counts once for each; ``"(no group)"`` when it names none). ``None``: every
        position once, in group ``"all"``. Any other column name: the column's values
        (``"(no group)"`` when empty).
    scenarios
        Scenarios whose time in force is added, as one column ``in_force_<name>`` per
        scenario (``"in force"``, ``"partly"`` or ``"not in force"`` for the whole
        period). Scenario objects, names of bundled scenarios, TOML paths, or a mapping
        ``{name: (from, to)}`` of inclusive dates (``None`` = open). By default the
        scenarios the results were checked against (``results.attrs["scenarios"]``,
        which a CSV round trip loses); ``()`` for none.

    Returns
    -------
    pandas.DataFrame
        One row per period × band × group, sorted in that order: ``period`` (Timestamp,
        the period's first day), ``band`` (an ordered categorical, nearest band first),
        ``group``, ``count`` (positions whose date range starts in the period) and
        ``multi_period`` (how many of them run on past the period), then the
        ``in_force_<name>`` columns. Every period from the first dated position's to the
        last's is present, with 0 where nothing was seen. ``attrs``: ``not_counted``
        ({"error", "undated", "unreadable date", "no band"}: rows left out, by reason),
        ``positions`` (rows counted), ``freq``, ``by``, ``windows`` ({name: (from, to)})
        and ``credits`` (the datasets' credit lines, e.g. UCDP GED).

    Raises
    ------
    InputError
        A missing column (named), an unknown `freq` or `by`, or a scenario whose dates
        cannot be read.

    Examples
    --------
    >>> import pandas as pd
    >>> results = pd.DataFrame({
    ...     "date": pd.to_datetime(["2018-01-05", "2018-01-20", "2018-04-01"]),
    ...     "date_to": pd.to_datetime(["2018-01-05", "2018-02-10", "2018-04-01"]),
    ...     "band": ["0–5 km", "0–5 km", "5–20 km"],
    ...     "actor_groups": ["hezbollah;iran", "iran", ""],
    ...     "error": ["", "", ""]})
    >>> t = timeline(results, freq="QS")
    >>> t[t["count"] > 0][["band", "group", "count", "multi_period"]].values.tolist()
    [['0–5 km', 'hezbollah', 1, 0], ['0–5 km', 'iran', 2, 0], ['5–20 km', '(no group)', 1, 0]]
    """
    _require(results, "date")
    _require(results, "band")
    offset = _offset(freq)
    rows = _Counting.of(results)
    groups, group_order = _groups(results, by)
    bands = _band_order(results["band"], rows.band[rows.counted])
    windows = _windows(scenarios, results)
    keep = np.flatnonzero(rows.counted)
    out = _period_counts(rows, keep, offset, groups, group_order, bands)
    for name, (w_from, w_to) in windows.items():
        out[f"in_force_{name}"] = _in_force(out[PERIOD], offset, w_from, w_to)
    out.attrs = {
        "not_counted": rows.not_counted,
        "positions": int(keep.size),
        "freq": freq,
        "by": by,
        "windows": windows,
        "credits": _credits(results),
    }
    return out


class _Counting(NamedTuple):
    """Each row's date range and band, whether it is counted, and why the others are not."""

    start: pd.Series
    end: pd.Series
    band: pd.Series
    counted: NDArray
    not_counted: dict[str, int]

    @classmethod
    def of(cls, results: pd.DataFrame) -> _Counting:
        n = len(results)
        error = (
            _text(results["error"]).to_numpy() != ""
            if "error" in results
            else np.zeros(n, dtype=bool)
        )
        start, unreadable = _dates(results["date"], "date")
        end = start
        if "date_to" in results:
            date_to, _ = _dates(results["date_to"], "date_to")
            end = date_to.where(date_to.notna() & (date_to > start), start)
        band = _text(results["band"])
        undated = start.isna().to_numpy() & ~unreadable
        no_band = (band.to_numpy() == "") & ~error & start.notna().to_numpy()
        not_counted = {
            "error": int(error.sum()),
            "undated": int((undated & ~error).sum()),
            "unreadable date": int((unreadable & ~error).sum()),
            "no band": int(no_band.sum()),
        }
        counted = ~error & start.notna().to_numpy() & ~no_band
        return cls(start, end, band, counted, not_counted)


def _period_counts(
    rows: _Counting,
    keep: NDArray,
    offset: pd.DateOffset,
    groups: pd.DataFrame,
    group_order: list[str],
    bands: list[str],
) -> pd.DataFrame:
    """Positions counted per period × band × group, every period of the span present."""
    start, end = rows.start, rows.end
    if keep.size:
        first = _period_start(start.iloc[keep].min(), offset)
        periods = pd.date_range(first, start.iloc[keep].max(), freq=offset)
    else:
        periods = pd.DatetimeIndex(start.iloc[:0].to_numpy())  # empty, of start's unit
    edges = periods.append(pd.DatetimeIndex([periods[-1] + offset])) if keep.size else periods

    s = start.iloc[keep].to_numpy()
    idx = np.searchsorted(periods.to_numpy(), s, side="right") - 1
    multi = end.iloc[keep].to_numpy() >= edges.to_numpy()[idx + 1] if keep.size else idx > 0
    table = pd.DataFrame(
        {
            PERIOD: periods[idx] if keep.size else periods,
            BAND: rows.band.iloc[keep].to_numpy(),
            "_row": keep,
            MULTI_PERIOD: multi.astype(np.int64),
        }
    )
    table = table.merge(groups, on="_row", how="left")
    counts = table.groupby([PERIOD, BAND, GROUP], sort=False, observed=True).agg(
        **{COUNT: ("_row", "size"), MULTI_PERIOD: (MULTI_PERIOD, "sum")}
    )
    seen = [g for g in group_order if g in set(table[GROUP])]
    full = pd.MultiIndex.from_product([periods, bands, seen], names=[PERIOD, BAND, GROUP])
    out = counts.reindex(full, fill_value=0).reset_index()
    out[BAND] = pd.Categorical(out[BAND], categories=bands, ordered=True)
    out[GROUP] = out[GROUP].astype(object)
    out[COUNT] = out[COUNT].astype(np.int64)
    out[MULTI_PERIOD] = out[MULTI_PERIOD].astype(np.int64)
    return out


def _require(results, column: str) -> None:
    if not isinstance(results, pd.DataFrame):
        msg = f"results must be a table from check_positions, not {type(results).__name__}"
        raise InputError(msg)
    if column not in results:
        msg = f"results have no {column!r} column: pass the result of check_positions"
        raise InputError(msg)


def _text(values: pd.Series) -> pd.Series:
    """Values as stripped text, with "" for missing ones."""
    return as_text(values).reset_index(drop=True)


def _offset(freq) -> pd.DateOffset:
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError):
        offset = None
    if offset is None or isinstance(freq, bool):
        msg = (
            "freq must be a pandas frequency such as 'MS' (months), 'QS' (quarters), 'YS' "
            f"(years) or 'W-MON' (weeks), not {freq!r}"
        )
        raise InputError(msg)
    kind = type(offset).__name__
    if "End" in kind:
        msg = (
            f"freq {freq!r} labels periods by their last day: use one that names their "
            "first day, such as 'MS', 'QS' or 'YS'"
        )
        raise InputError(msg)
    t0 = pd.Timestamp("2000-01-03")
    if offset.n < 1 or (t0 + offset) - t0 < _DAY:
        msg = f"freq must be a day or longer, and forward, not {freq!r}"
        raise InputError(msg)
    return offset


def _period_start(first: pd.Timestamp, offset) -> pd.Timestamp:
    day = first.normalize()
    if isinstance(offset, pd.tseries.offsets.Tick):
        return day.floor(pd.Timedelta(offset)) if offset.nanos % _DAY.value == 0 else day
    return offset.rollback(day)


def _dates(values: pd.Series, column: str) -> tuple[pd.Series, np.ndarray]:
    """Dates as datetime64, and where a non-empty value could not be read as one."""
    values = values.reset_index(drop=True)
    if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
        values.dtype
    ):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            values = values.dt.tz_convert(None)  # UTC, like the scenarios' dates
        return values, np.zeros(len(values), dtype=bool)
    text = _text(values)
    try:
        parsed = pd.to_datetime(text.where(text != "", None), errors="coerce", format="ISO8601")
    except (TypeError, ValueError):  # mixed time zones
        parsed = pd.to_datetime(
            text.where(text != "", None), errors="coerce", format="ISO8601", utc=True
        )
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert(None)
    return parsed, (parsed.isna() & (text != "")).to_numpy()


def _groups(results: pd.DataFrame, by) -> tuple[pd.DataFrame, list[str]]:
    """A table (_row, group) with one row per counted group of each row, and the order."""
    n = len(results)
    if by is None:
        return pd.DataFrame({"_row": np.arange(n), GROUP: _ALL}), [_ALL]
    if not isinstance(by, str):
        msg = f"by must be 'actor_group', None or a column name, not {by!r}"
        raise InputError(msg)
    if by in ("actor_group", "actor_groups"):
        if "actor_groups" not in results:
            msg = (
                "results have no 'actor_groups' column: pass the result of check_positions, "
                "or by=None"
            )
            raise InputError(msg)
        parts = _text(results["actor_groups"]).str.split(";")
        exploded = parts.map(lambda g: list(dict.fromkeys(p.strip() for p in g))).explode()
        table = pd.DataFrame({"_row": exploded.index.to_numpy(), GROUP: exploded.to_numpy()})
    else:
        if by not in results:
            msg = f"results have no {by!r} column to group by"
            raise InputError(msg)
        table = pd.DataFrame({"_row": np.arange(n), GROUP: _text(results[by]).to_numpy()})
    table[GROUP] = table[GROUP].astype(object).replace("", _NO_GROUP)
    table = table.drop_duplicates()
    named = sorted(g for g in set(table[GROUP]) if g != _NO_GROUP)
    return table, [*named, _NO_GROUP]


_LABEL = re.compile(r"^\s*(beyond\s+)?(?:[-+\d.eE]+\s*[–-]\s*)?([-+]?\d+(?:\.\d+)?)")


def _band_key(label: str) -> tuple[float, int, str]:
    """Sort key of a band label: "0–5 km" < "5–20 km" < "beyond 60 km" < other text."""
    match = _LABEL.match(label)
    if not match:
        return (math.inf, 2, label)
    return (float(match.group(2)), 1 if match.group(1) else 0, label)


def _band_order(column: pd.Series, seen: pd.Series) -> list[str]:
    known = set(seen)
    if isinstance(column.dtype, pd.CategoricalDtype):
        known |= {str(c) for c in column.cat.categories}
    known.discard("")
    return sorted(known, key=_band_key)


def _in_force(periods: pd.Series, offset, w_from, w_to) -> np.ndarray:
    start = pd.DatetimeIndex(periods)
    stop = start + offset  # exclusive
    lo = start if w_from is None else start.where(start > w_from, w_from)
    hi = stop if w_to is None else stop.where(stop < w_to + _DAY, w_to + _DAY)
    covered = np.asarray((lo == start) & (hi == stop))
    overlap = np.asarray(lo < hi)
    return np.where(covered, "in force", np.where(overlap, "partly", "not in force"))


def _credits(results: pd.DataFrame) -> list[str]:
    """Credit lines for the datasets the table comes from (one rule: maps.data_credits)."""
    from geozones.maps import data_credits

    return data_credits(results)


# --------------------------------------------------------------------------------------
# Scenario windows
# --------------------------------------------------------------------------------------


def _windows(scenarios, results) -> dict[str, tuple[pd.Timestamp | None, pd.Timestamp | None]]:
    """{name: (first day, last day)} of each scenario's time in force; None = open."""
    if scenarios is None:
        attrs = getattr(results, "attrs", {}) or {}
        if isinstance(attrs.get("windows"), Mapping):
            return dict(attrs["windows"])
        scenarios = attrs.get("scenarios") or {}
    from geozones import checks

    if isinstance(scenarios, checks.Scenario | str | os.PathLike):
        scenarios = [scenarios]
    if isinstance(scenarios, Mapping):
        items = list(scenarios.items())
    elif isinstance(scenarios, Iterable) and not isinstance(scenarios, bytes):
        items = []
        bundled = None
        for s in scenarios:
            if isinstance(s, str | os.PathLike) and not isinstance(s, checks.Scenario):
                bundled = bundled or checks.bundled_scenarios()
                if isinstance(s, str) and s in bundled:
                    s = bundled[s]
                elif Path(s).suffix.lower() == ".toml":
                    s = checks.load_scenario(s)
                else:
                    msg = f"no scenario {s!r}; bundled: {', '.join(bundled)}, or a TOML path"
                    raise InputError(msg)
            if not isinstance(s, checks.Scenario):
                msg = f"scenarios must be Scenario objects, names or TOML paths, not {s!r}"
                raise InputError(msg)
            items.append((s.name, s))
    else:
        msg = (
            "scenarios must be a list of scenarios or a mapping {name: (from, to)}, "
            f"not {scenarios!r}"
        )
        raise InputError(msg)
    out = {}
    for name, value in items:
        if isinstance(value, checks.Scenario):
            pair = (getattr(value, "in_force_from", None), getattr(value, "in_force_to", None))
        elif isinstance(value, Mapping):
            pair = (value.get("in_force_from"), value.get("in_force_to"))
        elif isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
            pair = tuple(value)
        else:
            msg = f"scenario {name!r}: give its time in force as (from, to), not {value!r}"
            raise InputError(msg)
        w_from = _date(pair[0], name, "in_force_from")
        w_to = _date(pair[1], name, "in_force_to")
        if w_from is not None and w_to is not None and w_from > w_to:
            msg = f"scenario {name!r}: in_force_from {w_from:%Y-%m-%d} is after in_force_to"
            raise InputError(msg)
        out[str(name)] = (w_from, w_to)
    return out


def _date(value, name, key) -> pd.Timestamp | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if isinstance(value, dt.date | str | np.datetime64):
            stamp = pd.Timestamp(value)
            if not pd.isna(stamp):
                return stamp.tz_localize(None).normalize() if stamp.tz else stamp.normalize()
    except (TypeError, ValueError):
        pass
    msg = f"scenario {name!r}: {key} must be a date (YYYY-MM-DD) or None, not {value!r}"
    raise InputError(msg)


# --------------------------------------------------------------------------------------
# Drawing
# --------------------------------------------------------------------------------------


def plot_timeline(
    results_or_timeline: pd.DataFrame,
    *,
    scenarios: Any = None,
    freq: str = "MS",
    by: str | None = "actor_group",
    groups: Sequence[str] | None = None,
    ax: Axes | None = None,
    path: str | os.PathLike | None = None,
    title: str | None = None,
    credits: Sequence[str] | None = None,
) -> Figure:
    r"""Draw checked positions over time: one panel per group, bars stacked by band.

    Each scenario's time in force is shaded in every panel and labelled with the
    scenario's name; a window that lies outside the dates shown is listed in the legend
    only. The rows :func:`timeline` did not count (errors, undated) and the datasets'
    credits are written under the panels.

    Parameters
    ----------
    results_or_timeline
        A :func:`~geozones.check_positions` result (counted with :func:`timeline`, using
        `freq`, `by` and `scenarios`) or a table :func:`timeline` returned.
    scenarios
        As for :func:`timeline`: Scenario objects, names of bundled scenarios, TOML paths
        or ``{name: (from, to)}``; by default those the results were checked against.
    freq, by
        Passed to :func:`timeline` for a check result; ignored for a timeline table.
    groups
        The groups to draw, one panel each, in this order (a group with no positions
        gets an empty panel that says so); by default every group, the largest first
        (at most 12).
    ax
        Draw into these axes (one panel: choose one group, or ``by=None``).
    path
        Save the figure there (``.png``, ``.svg`` or ``.pdf``), replacing the file
        atomically.
    title
        The figure's title; by default one that says what is counted.
    credits
        Credit lines of the data shown; by default those :func:`timeline` found (UCDP
        GED, ACLED).

    Returns
    -------
    matplotlib.figure.Figure
        The figure (the one `ax` belongs to, when given).

    Raises
    ------
    InputError
        As :func:`timeline`; an unknown file extension; more panels than 12, or than one
        with `ax`.

    Examples
    --------
    >>> import pandas as pd
    >>> results = pd.DataFrame({"date": pd.to_datetime(["2018-01-05", "2018-03-02"]),
    ...                         "band": ["0–5 km", "5–20 km"], "error": ""})
    >>> fig = plot_timeline(results, by=None, scenarios={"demand": ("2018-02-01", None)})
    >>> [t.get_text() for t in fig.legends[0].get_texts()]
    ['0–5 km', '5–20 km', 'demand\nin force 2018-02-01 – open']
    """
    check_figure_path(path)
    table = results_or_timeline
    if isinstance(table, pd.DataFrame) and {PERIOD, BAND, GROUP, COUNT} <= set(table.columns):
        windows = _windows(scenarios, table)
        freq = table.attrs.get("freq", freq)
    else:
        table = timeline(table, freq=freq, by=by, scenarios=scenarios)
        windows = table.attrs["windows"]
    chosen = _chosen_groups(table, groups, ax)
    layout = _layout(table, windows, freq)
    fig, panels_in, axes = _panels(ax, len(chosen))
    for i, (panel, group) in enumerate(zip(axes, chosen, strict=True)):
        _draw_panel(panel, group, layout, first=i == 0)
    legend = {
        "handles": _legend_handles(layout),
        "fontsize": 7.5,
        "title": "distance band",
        "title_fontsize": 8,
    }
    if ax is None:
        fig.legend(loc="outside right upper", frameon=False, **legend)
    else:
        ax.legend(loc="upper left", framealpha=0.92, **legend)
    by_used = table.attrs.get("by", by)
    what = {None: "", "actor_group": " and actor group", "actor_groups": " and actor group"}
    if title is None:
        title = (
            f"Checked positions per {layout.freq_word}, by distance band"
            f"{what.get(by_used, f' and {by_used}')}"
        )
    panels_in.suptitle(title, fontsize=11)
    notes = _notes(table, chosen, by_used, layout.freq_word, credits)
    if notes:
        _write_notes(fig, ax, notes)
    if path is not None:
        fmt = os.path.splitext(os.fspath(path))[1].lstrip(".").lower() or None
        with atomic_output(path) as tmp:
            fig.savefig(tmp, dpi=150, format=fmt)
    return fig


def _chosen_groups(table: pd.DataFrame, groups: Sequence[str] | None, ax: Axes | None) -> list:
    """The groups drawn, one panel each: `groups`, else every group, most positions first."""
    if groups is None:
        totals = table.groupby(GROUP, sort=False)[COUNT].sum()
        chosen = list(totals.sort_values(ascending=False, kind="stable").index)
    elif isinstance(groups, str) or not all(isinstance(g, str) for g in groups):
        msg = f"groups must be a list of group names, not {groups!r}"
        raise InputError(msg)
    else:
        chosen = list(dict.fromkeys(groups))
    if not chosen:
        chosen = [_ALL]
    if len(chosen) > _MAX_PANELS:
        msg = (
            f"{len(chosen)} groups is too many panels (at most {_MAX_PANELS}): choose some "
            "with groups=[...]"
        )
        raise InputError(msg)
    if ax is not None and len(chosen) != 1:
        msg = f"ax= draws one panel, but there are {len(chosen)} groups: choose one with groups="
        raise InputError(msg)
    return chosen


@dataclass(frozen=True)
class _Layout:
    """What every panel shares: periods, bands and their colours, and scenario windows."""

    table: pd.DataFrame
    periods: pd.DatetimeIndex
    offset: pd.DateOffset
    span: tuple[pd.Timestamp, pd.Timestamp] | None  # the dates on the x axis
    bands: list[str]
    colours: dict[str, str]
    windows: dict[str, tuple[Any, Any]]
    window_colour: dict[str, str]
    freq_word: str


def _layout(table: pd.DataFrame, windows: dict[str, tuple[Any, Any]], freq: str) -> _Layout:
    offset = _offset(freq)
    bands = (
        list(table[BAND].cat.categories)
        if isinstance(table[BAND].dtype, pd.CategoricalDtype)
        else sorted({str(b) for b in table[BAND]}, key=_band_key)
    )
    periods = pd.DatetimeIndex(sorted(set(table[PERIOD])))
    span = (periods[0], periods[-1] + offset) if len(periods) else None
    return _Layout(
        table=table,
        periods=periods,
        offset=offset,
        span=span,
        bands=bands,
        colours=band_colours(bands),
        windows=windows,
        window_colour={
            name: _WINDOW_COLOURS[i % len(_WINDOW_COLOURS)] for i, name in enumerate(windows)
        },
        freq_word=_FREQ_WORDS.get(type(offset).__name__, f"period ({freq})"),
    )


def _panels(ax: Axes | None, n: int) -> tuple[Figure, Figure | SubFigure, list[Axes]]:
    """The whole figure, the (sub)figure that gets the title, and one axes per panel."""
    from matplotlib.figure import Figure

    if ax is None:
        fig = Figure(figsize=(11, 1.5 + 1.9 * n), layout="constrained")
        return fig, fig, list(fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0])
    panels_in = ax.figure  # a figure or a subfigure: it gets the title
    if panels_in is None:  # pragma: no cover - an axes always belongs to a figure
        msg = "ax belongs to no figure"
        raise InputError(msg)
    return panels_in.figure, panels_in, [ax]  # the whole figure is written and returned


def _legend_handles(layout: _Layout) -> list:
    """A patch per band, and one per scenario window with its time in force."""
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=layout.colours[b], edgecolor="#333", linewidth=0.4, label=b)
        for b in layout.bands
    ]
    for name, (w_from, w_to) in layout.windows.items():
        label = f"{name}\nin force {_day(w_from, 'open')} – {_day(w_to, 'open')}"
        if layout.span is not None and not _overlaps(w_from, w_to, *layout.span):
            label += " (outside the dates shown)"
        colour = layout.window_colour[name]
        handles.append(Patch(facecolor=colour, alpha=0.18, edgecolor=colour, label=label))
    return handles


def _draw_panel(panel: Axes, group: str, layout: _Layout, *, first: bool) -> None:
    """One group's panel: bars stacked by band, scenario windows, title and axes."""
    import matplotlib.dates as mdates
    from matplotlib.ticker import MaxNLocator

    table = layout.table
    sub = table[table[GROUP] == group]
    top = _draw_bars(panel, sub, layout)
    if layout.span is not None:
        _draw_windows(panel, layout, first=first)
    total = int(sub[COUNT].sum())
    word = "position" if total == 1 else "positions"
    panel.set_title(f"{group}: {total:,} {word}", fontsize=9, loc="left")
    if group not in set(table[GROUP]) or total == 0:
        panel.text(
            0.5,
            0.5,
            f"no positions of {group} in these data",
            transform=panel.transAxes,
            ha="center",
            va="center",
            fontsize=8,
            color="#555",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            zorder=5,
        )
    panel.set_ylim(0, max(top * 1.15, 1.0))
    counts_locator = panel.yaxis.get_major_locator()
    if isinstance(counts_locator, MaxNLocator):  # the default AutoLocator is one
        counts_locator.set_params(integer=True)
    freq_word = layout.freq_word
    panel.set_ylabel(
        f"per {freq_word}" if freq_word in _FREQ_WORDS.values() else "count", fontsize=8
    )
    panel.grid(axis="y", color="#ddd", linewidth=0.6, zorder=0)
    panel.tick_params(labelsize=8)
    locator = mdates.AutoDateLocator(minticks=6, maxticks=14)
    panel.xaxis.set_major_locator(locator)
    panel.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    panel.xaxis_date()


def _draw_bars(panel: Axes, sub: pd.DataFrame, layout: _Layout) -> float:
    """Bars of counts per period, stacked by band; returns the tallest stack."""
    import matplotlib.dates as mdates

    periods, offset = layout.periods, layout.offset
    pivot = (
        sub.pivot_table(index=PERIOD, columns=BAND, values=COUNT, aggfunc="sum", observed=False)
        .reindex(index=periods, columns=layout.bands)
        .fillna(0)
    )
    left = mdates.date2num(periods.to_pydatetime()) if len(periods) else np.array([])
    right = mdates.date2num((periods + offset).to_pydatetime()) if len(periods) else np.array([])
    width = (right - left) * 0.82
    bottom = np.zeros(len(periods))
    for band in layout.bands:
        heights = pivot[band].to_numpy(dtype=float)
        panel.bar(
            left + (right - left) * 0.09,
            heights,
            width=width,
            bottom=bottom,
            align="edge",
            color=layout.colours[band],
            edgecolor="#333",
            linewidth=0.3,
            zorder=3,
        )
        bottom += heights
    return float(bottom.max()) if bottom.size else 0.0


def _draw_windows(panel: Axes, layout: _Layout, *, first: bool) -> None:
    """Shade each scenario's time in force; name it in the first panel."""
    import matplotlib.dates as mdates

    assert layout.span is not None
    x0, x1 = layout.span
    panel.set_xlim(mdates.date2num(x0), mdates.date2num(x1))
    for k, (name, (w_from, w_to)) in enumerate(layout.windows.items()):
        if not _overlaps(w_from, w_to, x0, x1):
            continue
        a = mdates.date2num(max(w_from, x0) if w_from is not None else x0)
        b = mdates.date2num(min(w_to + _DAY, x1) if w_to is not None else x1)
        colour = layout.window_colour[name]
        panel.axvspan(a, b, color=colour, alpha=0.13, zorder=1, gid=f"scenario:{name}")
        panel.axvline(a, color=colour, linewidth=1.0, linestyle="--", zorder=2)
        if first:
            panel.annotate(
                name,
                xy=(a, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -3 - 10 * k),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=7.5,
                color=colour,
                zorder=4,
            )


def _notes(
    table: pd.DataFrame,
    chosen: list,
    by_used: Any,
    freq_word: str,
    credits: Sequence[str] | None,
) -> list[str]:
    """What the figure does not show or counts twice, and the data's credits."""
    notes = []
    not_counted = table.attrs.get("not_counted") or {}
    left_out = {k: v for k, v in not_counted.items() if v}
    if left_out:
        notes.append("Not counted: " + ", ".join(f"{v:,} {k}" for k, v in left_out.items()) + ".")
    shown = table[table[GROUP].isin(chosen)]
    multi = int(shown[MULTI_PERIOD].sum()) if MULTI_PERIOD in table else 0
    if multi:
        notes.append(
            f"{multi:,} of the counts shown are positions whose date range runs past its "
            f"{freq_word}: each is counted once, in the {freq_word} where its range starts."
        )
    if by_used in ("actor_group", "actor_groups"):
        notes.append("A position naming several groups counts once in each.")
    credits = list(table.attrs.get("credits") or []) if credits is None else list(credits)
    if credits:
        notes.append("Data: " + "; ".join(credits) + ".")
    return notes


def _write_notes(fig: Figure, ax: Axes | None, notes: list[str]) -> None:
    """The notes under the panels (under `ax`, when drawing into one)."""
    width = int(fig.get_size_inches()[0] * 15)
    note = textwrap.fill(" ".join(notes), width=width)
    if ax is None:
        fig.supxlabel(note, fontsize=7, color="#333", x=0.01, ha="left", linespacing=1.4)
    else:
        ax.annotate(
            note,
            xy=(0, 0),
            xycoords="axes fraction",
            xytext=(0, -24),
            textcoords="offset points",
            fontsize=6.5,
            color="#333",
            va="top",
            annotation_clip=False,
        )


def _day(value, default: str) -> str:
    return default if value is None else f"{value:%Y-%m-%d}"


def _overlaps(w_from, w_to, x0, x1) -> bool:
    return (w_from is None or w_from < x1) and (w_to is None or w_to + _DAY > x0)
