"""Reading positions written as text: decimal pairs, DMS and MGRS grid references.

Each value is read on its own, and either gives a point with an honest uncertainty radius
(derived from how precisely the text is written) or says exactly why it cannot be read.
Nothing is "fixed" silently: an out-of-range latitude is an error, not a swap.

Formats read by :func:`parse_coordinate_text`
---------------------------------------------
- **Decimal pairs**: ``33.1234, 35.8123``, ``33.1234 35.8123``, ``33.1234;35.8123``,
  ``(33.12, 35.81)``, negative numbers, and hemisphere letters before or after each number
  (``33.12N 35.81E``, ``N33.12 E35.81``, ``33.12 N, 35.81 E``); S and W give negative values.
- **DMS**: ``33°07'24.5"N 35°49'12"E``, ``33° 07' 24.5" N, 35° 49' 12" E``,
  ``33 07 24.5 N 35 49 12 E``, ``33d07m24.5sN 35d49m12sE``, degrees and decimal minutes
  ``33°07.408'N 35°49.2'E``, colons ``33:07:24N 35:49:12E``, Unicode primes ``′ ″`` and
  typographic quotes ``’ ”``.
- **MGRS** references, with or without spaces (``36S YC 12345 67890``, ``36SYC1234567890``),
  read by :func:`parse_mgrs`.

The first number is the latitude unless ``order="lonlat"``; hemisphere letters override the
order (N/S mark the latitude, E/W the longitude).

Refused rather than guessed:

- **exponent notation** (``33.1e1 35.8``, ``1e5``, ``35.8e-1``): a number, ``e`` or ``E`` and
  a whole number, touching. Read as a hemisphere letter it gives a wrong position, read as
  an exponent degrees nobody writes. ``33.1E 35.8`` (a space after the E) is East, and
  :func:`parse_dms_value` reads ``33.1E`` as East too.
- **a letter that could belong to either number**: ``33.1 E35.8``, ``33.1 E 35.8`` or
  ``33.1E35.8``, where the other number has no letter of its own. ``33.1E 35.8``,
  ``33.1 E, 35.8`` and ``33.1 N 35.8 E`` say which number each letter belongs to.

Uncertainty
-----------
Half a unit of the last digit written, in metres (1° of latitude = 111,320 m, 1° of longitude
= 111,320·cos(latitude) m), the larger of the two axes: ``33.1, 35.8`` is ±5.6 km and
``33.12345, 35.81234`` ±0.56 m. For DMS, half a unit of the least significant field given.
An MGRS reference names a square of 10^(5 - digits) m a side (digits per axis, 0 to 5); the
position is the square's centre and the uncertainty half its diagonal.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

import mgrs
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from geozones.errors import InputError

__all__ = [
    "COLUMNS",
    "M_PER_DEGREE",
    "decimal_uncertainty_m",
    "parse_coordinate_text",
    "parse_dms_value",
    "parse_mgrs",
]

#: Columns of the tables returned by :func:`parse_coordinate_text` and :func:`parse_mgrs`.
COLUMNS = ("lon", "lat", "uncertainty_m", "error", "kind")
#: Metres per degree of latitude (and of longitude at the equator) used for uncertainties.
M_PER_DEGREE = 111_320.0

_ORDERS = ("latlon", "lonlat")
_FIELD_NAMES = ("degrees", "minutes", "seconds")
_COUNT_WORDS = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}

# One character in, one character out, so positions in the text stay where they were.
_TRANSLATE = str.maketrans(
    {
        "′": "'", "’": "'", "‘": "'", "`": "'", "´": "'", "ʹ": "'",
        "″": '"', "”": '"', "“": '"', "ʺ": '"',
        "º": "°", "˚": "°",
        "−": "-",
        "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ",
    }
)  # fmt: skip
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))
    |(?P<word>[A-Za-z]+)
    |(?P<deg>°)
    |(?P<sec>"|'')
    |(?P<min>')
    |(?P<colon>:)
    |(?P<sep>[,;/])
    """,
    re.VERBOSE,
)
_HEMISPHERES = {"N": "N", "S": "S", "E": "E", "W": "W"}
_HEMISPHERES.update(NORTH="N", SOUTH="S", EAST="E", WEST="W")
_UNITS = {"D": 0, "DEG": 0, "DEGS": 0, "DEGREE": 0, "DEGREES": 0, "M": 1, "MIN": 1, "MINS": 1}
_UNITS.update(MINUTE=1, MINUTES=1, SEC=2, SECS=2, SECOND=2, SECONDS=2)
_DECIMAL_COMMA = re.compile(r"\d,\d")
# A number, e or E and a whole number, touching: "33.1e1", "1e5", "35.8e-1". Read as a
# hemisphere letter it gives a wrong position; read as an exponent, degrees nobody writes.
_EXPONENT = re.compile(r"(?<![\d.])[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+(?![\d.])")

_MGRS_LIKE = re.compile(r"^(\d{1,2})\s*([A-Z])\s*([A-Z]{2})\s*(\d[\d\s]*)?$")
_BANDS = "CDEFGHJKLMNPQRSTUVWX"
_ROWS = "ABCDEFGHJKLMNPQRSTUV"
_COLUMN_SETS = {1: "ABCDEFGH", 2: "JKLMNPQR", 0: "STUVWXYZ"}  # by zone % 3

_NUMBER_TEXT = r"^\s*[NSEWnsew]?\s*[+-]?(?P<int>\d*)(?:[.,](?P<dec>\d*))?\s*°?\s*[NSEWnsew]?\s*$"


class _Unreadable(Exception):
    """The text is not coordinates; the message is the reason shown to the user."""


@dataclass
class _Field:
    text: str
    sign: str
    start: int
    end: int
    rank: int | None = None  # 0 degrees, 1 minutes, 2 seconds; None when no marker
    linked: bool = False  # joined to the previous field by a colon

    @property
    def value(self) -> float:
        return float(self.text)

    @property
    def decimals(self) -> int:
        return len(self.text.partition(".")[2])


@dataclass
class _Angle:
    fields: list[_Field] = field(default_factory=list)
    hemisphere: str = ""
    start: int = -1
    end: int = -1
    colons: bool = False
    movable: bool = False  # the letter might belong to the next number instead

    def add(self, f: _Field) -> None:
        self.fields.append(f)
        self.start = f.start if self.start < 0 else self.start
        self.end = max(self.end, f.end)

    @property
    def plain(self) -> bool:
        """Only numbers separated by spaces: no marker, colon or hemisphere letter."""
        return not (self.hemisphere or self.colons) and all(f.rank is None for f in self.fields)


@dataclass
class _Reading:
    value_deg: float
    precision_deg: float
    axis: str  # "lat", "lon" or "" when no hemisphere letter says
    dms: bool


def parse_coordinate_text(values: Sequence[str | None], *, order: str = "latlon") -> pd.DataFrame:
    r"""Read decimal, DMS or MGRS positions written as text, one value at a time.

    Parameters
    ----------
    values
        Texts such as ``"33.1234, 35.8123"``, ``33°07'24.5"N 35°49'12"E`` or
        ``"36S YC 12345 67890"``. None, NaN and blank strings are reported as ``"empty"``.
        Each distinct text is read once, however often it repeats.
    order
        ``"latlon"`` (the default, as Google Maps and Earth show positions): the first
        number is the latitude; ``"lonlat"``: the first is the longitude. Hemisphere letters
        override the order.

    Returns
    -------
    pandas.DataFrame
        One row per value, in order, with index 0..n-1 and columns ``lon`` and ``lat``
        (degrees, NaN when unusable), ``uncertainty_m`` (metres, from the precision of the
        text), ``error`` (``""`` when the value was read) and ``kind`` (``"decimal"``,
        ``"dms"``, ``"mgrs"``, or ``""`` on error).

    Raises
    ------
    InputError
        `order` is not ``"latlon"`` or ``"lonlat"``, or `values` is a single string.

    Examples
    --------
    >>> t = parse_coordinate_text(["33.12N 35.81E", "33°07'24.5\"N 35°49'12\"E", "abc"])
    >>> t[["lat", "lon", "kind"]].round(5).values.tolist()[:2]
    [[33.12, 35.81, 'decimal'], [33.12347, 35.82, 'dms']]
    >>> t["uncertainty_m"].round(1).tolist()[:2], t.loc[2, "error"]
    ([556.6, 12.9], "cannot read 'abc' as coordinates")
    """
    if order not in _ORDERS:
        msg = f"order must be 'latlon' or 'lonlat', not {order!r}"
        raise InputError(msg)
    return _parse_many(values, lambda text: _parse_text(text, order=order))


def parse_mgrs(values: Sequence[str | None]) -> pd.DataFrame:
    """Read MGRS grid references, giving the centre of each square they name.

    A reference with ``d`` digits per axis (0 to 5) names a square ``10**(5 - d)`` metres on
    a side; the position is its centre and the uncertainty half its diagonal. Spaces
    between the parts are allowed and letters may be lower case. The conversion itself is
    done by the `mgrs` package (GEOTRANS); polar (UPS) references are not read.

    Parameters
    ----------
    values
        References such as ``"36S YC 12345 67890"`` or ``"36SYC1234567890"``. None, NaN and
        blank strings are reported as ``"empty"``.

    Returns
    -------
    pandas.DataFrame
        The same columns as :func:`parse_coordinate_text`: ``lon``, ``lat`` (degrees),
        ``uncertainty_m`` (metres), ``error`` and ``kind`` (``"mgrs"``, or ``""`` on error).

    Examples
    --------
    >>> t = parse_mgrs(["36SYB6160754770", "36S YB 61 54", "61SYB00"])
    >>> t[["lat", "lon", "uncertainty_m"]].round(4).values.tolist()[:2]
    [[33.0, 35.8, 0.7071], [32.9976, 35.7988, 707.1068]]
    >>> t.loc[2, "error"]
    "invalid MGRS reference '61SYB00' (zone 61 is outside 1-60)"
    """
    return _parse_many(values, _parse_mgrs_one)


def parse_dms_value(text: str) -> tuple[float, float]:
    r"""Read one angle, in DMS or decimal degrees, and how precisely it is written.

    Parameters
    ----------
    text
        One angle such as ``33°07'24.5"N``, ``35 49 12 E``, ``33°07.408'``, ``-35.81`` or
        ``W35.81``. S and W (or a minus sign) make it negative.

    Returns
    -------
    tuple of float
        The angle in degrees, and its precision in degrees: half a unit of the least
        significant field written (``24.5"`` gives 0.05 seconds).

    Raises
    ------
    InputError
        The text is empty, is not one angle, is broken DMS (minutes or seconds of 60 or
        more, decimals before the last field…) or is outside ±90 (N/S) or ±180.

    Examples
    --------
    >>> value, precision = parse_dms_value("33°07'24.5\"S")
    >>> round(value, 6), round(precision * 3600, 3)
    (-33.123472, 0.05)
    """
    if not isinstance(text, str) or not text.strip():
        msg = "empty"
        raise InputError(msg)
    shown = text.strip()
    try:
        norm = _normalise(shown)
        _refuse_exponents(norm)
        angles = _group(_items(norm))
        if len(angles) != 1:
            msg = (
                f"{len(angles)} angles in '{shown}'; expected one"
                if angles
                else f"cannot read '{shown}' as an angle"
            )
            raise _Unreadable(msg)
        reading = _evaluate(angles[0], norm)
    except _Unreadable as exc:
        raise InputError(str(exc) or f"cannot read '{shown}' as an angle") from None
    limit = 90 if reading.axis == "lat" else 180
    if abs(reading.value_deg) > limit:
        msg = f"angle {_show(reading.value_deg)} in '{shown}' is outside ±{limit}"
        raise InputError(msg)
    return reading.value_deg, reading.precision_deg


def decimal_uncertainty_m(lat_text: ArrayLike, lon_text: ArrayLike) -> NDArray[np.float64]:
    """Uncertainty in metres implied by decimal latitudes and longitudes written as text.

    Half a unit of the last digit written on each axis, converted to metres (latitude
    ×111,320 m per degree, longitude ×111,320·cos(latitude)); the larger of the two.

    Parameters
    ----------
    lat_text, lon_text
        Array-likes of one length holding the texts of the two columns, such as ``"33.1"``,
        ``" -35.81234 "`` or ``"33"`` (a decimal comma or a hemisphere letter is allowed).

    Returns
    -------
    numpy.ndarray
        float64 metres; NaN where either text is not a decimal number.

    Examples
    --------
    >>> unc_m = decimal_uncertainty_m(["33.1", "33.12345", "x"], ["35.8", "35.81234", "35.8"])
    >>> unc_m.round(2).tolist()
    [5566.0, 0.56, nan]
    """
    lat_s = pd.Series(np.asarray(lat_text, dtype=object).ravel(), dtype=object)
    lon_s = pd.Series(np.asarray(lon_text, dtype=object).ravel(), dtype=object)
    if len(lat_s) != len(lon_s):
        msg = f"lat_text has {len(lat_s)} values but lon_text has {len(lon_s)}"
        raise InputError(msg)
    lat_p, lat_v = _decimal_precision(lat_s)
    lon_p, _ = _decimal_precision(lon_s)
    with np.errstate(invalid="ignore"):
        return _uncertainty_m(lat_v, lat_p, lon_p)


# --------------------------------------------------------------------------- internals


def _parse_many(values, parse_one: Callable[[str], tuple]) -> pd.DataFrame:
    """Parse each distinct value once and spread the results back over all rows."""
    if isinstance(values, str):
        msg = "values must be a sequence of strings, not one string; wrap it in a list"
        raise InputError(msg)
    series = pd.Series(list(values), dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    k = len(uniques)
    lon = np.full(k + 1, np.nan)
    lat = np.full(k + 1, np.nan)
    unc = np.full(k + 1, np.nan)
    error = np.full(k + 1, "empty", dtype=object)
    kind = np.full(k + 1, "", dtype=object)
    for i, value in enumerate(uniques):
        text = value if isinstance(value, str) else str(value)
        if not text.strip():
            continue
        try:
            lon[i], lat[i], unc[i], kind[i] = parse_one(text.strip())
            error[i] = ""
        except _Unreadable as exc:
            error[i] = str(exc)
    return pd.DataFrame(
        {"lon": lon[codes], "lat": lat[codes], "uncertainty_m": unc[codes],
         "error": error[codes], "kind": kind[codes]}
    )  # fmt: skip


def _normalise(text: str) -> str:
    text = text.translate(_TRANSLATE)
    # "(33.1, 35.8)" or "[33.1 35.8]": without a regex, whose \s* (.*?) \s* took cubic time
    # on a long run of spaces
    inner = text.strip()
    if len(inner) >= 2 and inner[0] in "([" and inner[-1] in ")]":
        return inner[1:-1].strip()
    return text


def _parse_text(text: str, *, order: str) -> tuple[float, float, float, str]:
    norm = _normalise(text)
    if _MGRS_LIKE.match(norm.upper()):
        return _parse_mgrs_one(text)
    _refuse_exponents(norm, f"cannot read '{text}' as coordinates: ")
    decimal_comma = _DECIMAL_COMMA.search(norm) is not None and "." not in norm
    comma_msg = f"cannot read '{text}' as coordinates: write decimals with a point, not a comma"
    try:
        angles = _group(_items(norm))
    except _Unreadable as exc:
        if decimal_comma:
            raise _Unreadable(comma_msg) from None
        why = str(exc)
        raise _Unreadable(f"{_unreadable(text)}: {why}" if why else _unreadable(text)) from None
    if len(angles) != 2 and decimal_comma:
        raise _Unreadable(comma_msg)
    if len(angles) == 1 and angles[0].plain:
        angles = _split_plain(angles[0], text)
    readings = [_evaluate(a, norm) for a in angles]
    n = len(readings)
    if n != 2:
        if n == 0:
            msg = _unreadable(text)
        elif all(len(a.fields) == 1 for a in angles):
            msg = f"only one number in '{text}'" if n == 1 else _numbers_msg(n, text)
        elif n == 1:
            msg = f"only one coordinate in '{text}'; expected latitude and longitude"
        else:
            msg = f"{n} coordinates in '{text}'; expected latitude and longitude"
        raise _Unreadable(msg)

    first, second = readings
    if first.axis and first.axis == second.axis:
        both = "latitudes (N/S)" if first.axis == "lat" else "longitudes (E/W)"
        msg = f"two {both} in '{text}'"
        raise _Unreadable(msg)
    if first.axis == "lon" or second.axis == "lat":
        lon_r, lat_r = first, second
    elif first.axis == "lat" or second.axis == "lon" or order == "latlon":
        lat_r, lon_r = first, second
    else:
        lon_r, lat_r = first, second
    lat, lon = lat_r.value_deg, lon_r.value_deg
    if abs(lat) > 90:
        msg = f"latitude {_show(lat)} is outside ±90"
        raise _Unreadable(msg)
    if abs(lon) > 180:
        msg = f"longitude {_show(lon)} is outside ±180"
        raise _Unreadable(msg)
    unc = float(_uncertainty_m(lat, lat_r.precision_deg, lon_r.precision_deg))
    kind = "dms" if first.dms or second.dms else "decimal"
    return lon, lat, unc, kind


def _refuse_exponents(text: str, prefix: str = "") -> None:
    """Refuse "33.1e1 35.8": is it an exponent, or an E between two numbers? Nobody knows."""
    found = _EXPONENT.search(text)
    if found:
        msg = (
            f"{prefix}'{found.group()}' looks like a number in exponent notation; "
            "write decimal degrees, with a space before a hemisphere letter"
        )
        raise _Unreadable(msg)


def _unreadable(text: str) -> str:
    return f"cannot read '{text}' as coordinates"


def _numbers_msg(n: int, text: str) -> str:
    return f"{_COUNT_WORDS.get(n, n)} numbers in '{text}'; expected latitude and longitude"


def _items(text: str) -> list:
    """Tokenise: numbers with their unit markers become fields; letters, colons, separators."""
    raw: list[tuple[str, str, int, int]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise _Unreadable
        kind = m.lastgroup or ""  # every alternative of _TOKEN is a named group
        if kind == "num" and m.group()[0] in "+-" and pos and text[pos - 1] in "0123456789.":
            raise _Unreadable  # "33.1-35.8": a dash, not a minus sign
        if kind == "word":
            raw.extend(_words(m.group(), m.start(), m.end()))
        elif kind != "space":
            raw.append((kind, m.group(), m.start(), m.end()))
        pos = m.end()

    items: list = []
    for i, (kind, tok, start, end) in enumerate(raw):
        prev = items[-1] if items else None
        if kind == "s?":  # seconds marker only after minutes and before a hemisphere letter
            nxt = raw[i + 1] if i + 1 < len(raw) else None
            is_sec = (
                isinstance(prev, _Field)
                and prev.rank is None
                and len(items) > 1
                and isinstance(items[-2], _Field)
                and items[-2].rank == 1
                and nxt is not None
                and nxt[0] == "hemi"
            )
            kind, tok = ("unit", "2") if is_sec else ("hemi", "S")
        if kind == "num":
            sign = tok[0] if tok[0] in "+-" else ""
            f = _Field(tok.lstrip("+-"), sign, start, end)
            f.linked = bool(items) and items[-1] == "colon"
            items.append(f)
        elif kind in ("deg", "min", "sec", "unit"):
            rank = {"deg": 0, "min": 1, "sec": 2}.get(kind) if kind != "unit" else int(tok)
            if not isinstance(prev, _Field) or prev.rank is not None or prev.linked:
                raise _Unreadable
            prev.rank, prev.end = rank, end
        elif kind == "colon":
            if not isinstance(prev, _Field) or prev.rank is not None:
                raise _Unreadable
            items.append("colon")
        elif kind == "hemi":
            items.append(("hemi", tok, start, end))
        else:  # sep
            if prev == "colon":
                raise _Unreadable
            items.append("sep")
    if items and items[-1] == "colon":
        raise _Unreadable
    return items


def _words(word: str, start: int, end: int) -> list[tuple[str, str, int, int]]:
    w = word.upper()
    if w == "S":
        return [("s?", w, start, end)]
    if w in _HEMISPHERES:
        return [("hemi", _HEMISPHERES[w], start, end)]
    if w in _UNITS:
        return [("unit", str(_UNITS[w]), start, end)]
    head, last = w[:-1], w[-1]
    if last in "NSEW" and (head in _UNITS or head == "S"):  # "24.5sN", "07.4mE", "33dN"
        return [("unit", str(_UNITS.get(head, 2)), start, end - 1), ("hemi", last, end - 1, end)]
    raise _Unreadable


def _group(items: list) -> list[_Angle]:
    """Split the fields into angles at separators, hemisphere letters and marker order."""
    prefix_mode = bool(items) and isinstance(items[0], tuple)
    angles: list[_Angle] = []
    cur = _Angle()

    def close() -> None:
        nonlocal cur
        if cur.fields:
            angles.append(cur)
        elif cur.hemisphere:  # a hemisphere letter with no number
            raise _Unreadable
        cur = _Angle()

    for k, item in enumerate(items):
        if isinstance(item, _Field):
            if cur.fields and not item.linked and not _continues(cur, item):
                close()
            cur.add(item)
        elif item == "colon":
            cur.colons = True
        elif item == "sep":
            close()
        else:
            _, letter, start, end = item
            if prefix_mode:
                close()
                cur.hemisphere, cur.start, cur.end = letter, start, end
            else:
                if not cur.fields:
                    raise _Unreadable
                nxt = items[k + 1] if k + 1 < len(items) else None
                # "33.1 E35.8", "33.1 E 35.8", "33.1E35.8": the letter may be the next one's
                movable = isinstance(nxt, _Field) and (cur.end < start or nxt.start == end)
                cur.hemisphere, cur.end, cur.movable = letter, end, movable
                close()
    close()
    for a, b in zip(angles, angles[1:], strict=False):
        if a.movable and not b.hemisphere:  # b has no letter: which one has this one?
            msg = (
                f"the hemisphere letter {a.hemisphere} could belong to the number before it "
                "or after it; write one letter after each number"
            )
            raise _Unreadable(msg)
    return angles


def _continues(cur: _Angle, f: _Field) -> bool:
    """Whether field `f` (not joined by a colon) belongs to the angle being built."""
    if f.sign or cur.colons:
        return False
    last = cur.fields[-1]
    if last.rank is None:
        return f.rank is None  # plain numbers: sorted out later by count
    if f.rank is None:
        return last.rank < 2  # "33° 07 24.5": implied minutes, then seconds
    return f.rank > last.rank


def _split_plain(angle: _Angle, text: str) -> list[_Angle]:
    """Numbers only, no markers: 2 → two decimals, 4 → two D M, 6 → two D M S."""
    fields = angle.fields
    n = len(fields)
    half = n // 2
    leading = [f for i, f in enumerate(fields) if i not in (half - 1, n - 1)]
    if n not in (2, 4, 6) or any("." in f.text for f in leading):
        msg = f"only one number in '{text}'" if n == 1 else _numbers_msg(n, text)
        raise _Unreadable(msg)
    out = []
    for part in (fields[:half], fields[half:]):
        a = _Angle()
        for f in part:
            a.add(f)
        out.append(a)
    return out


def _evaluate(angle: _Angle, text: str) -> _Reading:
    """Value and precision of one angle in degrees; raises on broken DMS."""
    shown = text[angle.start : angle.end].strip()
    fields = angle.fields
    ranks: list[int] = []
    for f in fields:
        ranks.append(f.rank if f.rank is not None else (ranks[-1] + 1 if ranks else 0))

    def broken(why: str) -> _Unreadable:
        return _Unreadable(f"broken DMS '{shown}': {why}")

    if ranks[0] != 0:
        raise broken(f"{_FIELD_NAMES[ranks[0]]} without degrees")
    if ranks[-1] > 2:
        raise broken("more numbers than degrees, minutes and seconds")
    for a, b in zip(ranks, ranks[1:], strict=False):
        if b != a + 1:
            raise broken(f"{_FIELD_NAMES[b]} without {_FIELD_NAMES[a + 1]}")
    for f in fields[:-1]:
        if "." in f.text:
            raise broken("only the last number can have decimals")
    for f, r in zip(fields[1:], ranks[1:], strict=True):
        if f.value >= 60:
            raise broken(f"{_FIELD_NAMES[r]} must be below 60")
    magnitude = sum(f.value / 60**r for f, r in zip(fields, ranks, strict=True))
    precision = 0.5 * 10.0 ** -fields[-1].decimals / 60 ** ranks[-1]

    negative = fields[0].sign == "-"
    letter = angle.hemisphere
    if letter and negative:
        msg = f"both a minus sign and hemisphere {letter} in '{shown}'"
        raise _Unreadable(msg)
    if letter in ("S", "W"):
        negative = True
    axis = {"N": "lat", "S": "lat", "E": "lon", "W": "lon"}.get(letter, "")
    return _Reading(-magnitude if negative else magnitude, precision, axis, len(fields) > 1)


def _show(value: float) -> str:
    return repr(round(float(value), 6))


def _uncertainty_m(lat_deg, lat_precision_deg, lon_precision_deg):
    """The larger of the two axes' precisions, in metres."""
    lat_m = np.asarray(lat_precision_deg, dtype=float) * M_PER_DEGREE
    lon_m = (
        np.asarray(lon_precision_deg, dtype=float)
        * M_PER_DEGREE
        * np.cos(np.radians(np.asarray(lat_deg, dtype=float)))
    )
    return np.maximum(lat_m, lon_m)


def _decimal_precision(texts: pd.Series) -> tuple[NDArray, NDArray]:
    """Precision in degrees and absolute value of decimal numbers written as text."""
    is_str = texts.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    s = texts.where(is_str, "").astype(str)
    parts = s.str.extract(_NUMBER_TEXT)
    ok = (parts["int"].fillna("").str.len() + parts["dec"].fillna("").str.len()).to_numpy() > 0
    decimals = parts["dec"].fillna("").str.len().to_numpy(dtype=float)
    precision = np.where(ok, 0.5 * 10.0**-decimals, np.nan)
    number = parts["int"].fillna("").str.cat(parts["dec"].fillna(""), sep=".")
    value = pd.to_numeric(number.where(ok, ""), errors="coerce").to_numpy(dtype=float)
    return precision, value


# --------------------------------------------------------------------------- MGRS


@cache
def _converter() -> mgrs.MGRS:
    return mgrs.MGRS()


@cache
def _mgrs_gives_centre() -> bool:
    """Whether the installed `mgrs` returns a square's centre (GEOTRANS 3) or its SW corner.

    With corner conversion, a 10 km square and the 1 m square in its corner give one point.
    """
    conv = _converter()
    coarse = conv.toLatLon("36SYC00")
    fine = conv.toLatLon("36SYC0000000000")
    return abs(coarse[0] - fine[0]) > 1e-3


def _middle_of_metre(
    zone: int, band: str, square: str, easting: str, northing: str, lat: float, lon: float
) -> tuple[float, float]:
    """The middle of the 1 m square whose SW corner is at `lat`, `lon`, from its neighbours.

    Over a metre the grid is linear to far below a millimetre: half a step east and half a
    step north of the corner (stepping back where the digits end at 99999).
    """
    east, north = int(easting), int(northing)
    de, dn = (1 if east < 99_999 else -1), (1 if north < 99_999 else -1)
    lat_e, lon_e = _converter().toLatLon(f"{zone:02d}{band}{square}{east + de:05d}{north:05d}")
    lat_n, lon_n = _converter().toLatLon(f"{zone:02d}{band}{square}{east:05d}{north + dn:05d}")
    return (
        lat + 0.5 * de * (lat_e - lat) + 0.5 * dn * (lat_n - lat),
        lon + 0.5 * de * (lon_e - lon) + 0.5 * dn * (lon_n - lon),
    )


def _parse_mgrs_one(text: str) -> tuple[float, float, float, str]:
    norm = _normalise(text).upper()
    m = _MGRS_LIKE.match(norm)

    def invalid(why: str) -> _Unreadable:
        return _Unreadable(f"invalid MGRS reference '{text}' ({why})")

    if m is None:
        raise invalid("expected a zone, a latitude band, two square letters and digits")
    zone, band, square, rest = int(m[1]), m[2], m[3], (m[4] or "")
    groups = rest.split()
    digits = "".join(groups)
    if not 1 <= zone <= 60:
        raise invalid(f"zone {zone} is outside 1-60")
    if band not in _BANDS:
        raise invalid(f"no latitude band {band}; bands are C to X without I and O")
    columns = _COLUMN_SETS[zone % 3]
    if square[0] not in columns:
        raise invalid(f"column letter {square[0]} is not used in zone {zone}, only {columns}")
    if square[1] not in _ROWS:
        raise invalid(f"row letter {square[1]} does not exist; rows are A to V without I and O")
    if len(groups) > 2:
        raise invalid("the digits must be one run, or an easting and a northing")
    if len(groups) == 2 and len(groups[0]) != len(groups[1]):
        raise invalid(
            f"easting {groups[0]} and northing {groups[1]} have different numbers of digits"
        )
    if len(digits) % 2:
        raise invalid(
            f"odd number of digits: {len(digits)}; easting and northing need the same count"
        )
    if len(digits) > 10:
        raise invalid(f"{len(digits)} digits; at most 5 for the easting and 5 for the northing")
    k = len(digits) // 2
    easting, northing = digits[:k], digits[k:]
    corner = not _mgrs_gives_centre()  # mgrs < 1.6 (the newest on Python 3.10)
    if corner and k < 5:  # SW corner: ask for the middle of the square
        easting, northing = easting + "5", northing + "5"
    reference = f"{zone:02d}{band}{square}{easting}{northing}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            lat, lon = _converter().toLatLon(reference)
            if corner and k == 5:  # no digit left: halfway to the next 1 m corners
                lat, lon = _middle_of_metre(zone, band, square, easting, northing, lat, lon)
        except Exception as exc:  # mgrs.core.MGRSError and anything else the C++ raises
            raise invalid(f"mgrs: {str(exc).rpartition(': ')[2] or exc}") from None
    if any("Latitude" in str(w.message) for w in caught):
        raise invalid(f"the square lies outside latitude band {band}")
    size_m = 10.0 ** (5 - k)
    return float(lon), float(lat), size_m * math.sqrt(2) / 2, "mgrs"
