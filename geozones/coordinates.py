r"""Reading positions written as text: decimal pairs, DMS and MGRS grid references.

Every value comes back with longitude, latitude, an uncertainty radius in metres taken
from how precisely it is written, and an error that says why it could not be read.
Out-of-range values are reported, never "fixed"; swapped pairs are left to the caller,
which knows the area of interest.

Examples
--------
>>> parse_coordinate_text(["33°07'24\"N 35°49'12\"E", "33.1, 35.8", "36SYB6352968807"])[
...     ["lat", "lon", "kind"]].round(4).values.tolist()
[[33.1233, 35.82, 'dms'], [33.1, 35.8, 'decimal'], [33.126, 35.8246, 'mgrs']]
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import mgrs as _mgrs
import numpy as np
import pandas as pd

from geozones.errors import InputError

__all__ = [
    "decimal_uncertainty_m",
    "parse_coordinate_text",
    "parse_dms_value",
    "parse_mgrs",
]

_M_PER_DEG = 111_320.0
_COLUMNS = ("lon", "lat", "uncertainty_m", "error", "kind")

_MGRS_RE = re.compile(
    r"^\s*(\d{1,2})\s*([C-HJ-NP-X])\s*([A-HJ-NP-Z]{2})\s*(\d*)\s*(\d*)\s*$", re.IGNORECASE
)
_NUMBER = r"[+-]?\d+(?:[.,]\d+)?"
_SEPARATORS = re.compile(r"[°º˚d:'′’‘`´m\"″”“s]|''")
_HEMI = re.compile(r"[NSEW]")  # upper case only: "s" and "m" mark seconds and minutes


def parse_coordinate_text(values: Sequence[str | None], *, order: str = "latlon") -> pd.DataFrame:
    r"""Read positions written in one text column.

    Parameters
    ----------
    values
        Texts such as ``"33.1234, 35.8123"``, ``"33.12N 35.81E"``,
        ``"33°07'24.5\"N 35°49'12\"E"``, ``"33°07.408'N 35°49.2'E"``, ``"33:07:24N"``…
        or MGRS references such as ``"36S YC 46000 65000"``.
    order
        ``"latlon"`` (default) or ``"lonlat"``: how to read two plain numbers. Hemisphere
        letters (N/S mark latitude, E/W longitude) override it.

    Returns
    -------
    pandas.DataFrame
        One row per value: ``lon``, ``lat`` (degrees, NaN when unusable),
        ``uncertainty_m`` (half a unit of the least significant digit written, in metres;
        for MGRS half the square's diagonal), ``error`` ("" or why) and ``kind``
        (``"decimal"``, ``"dms"``, ``"mgrs"`` or "").

    Examples
    --------
    >>> parse_coordinate_text(["33.1N 35.8E", "95, 35"])[["lat", "error"]].values.tolist()
    [[33.1, ''], [nan, 'latitude 95 is outside ±90']]
    """
    if order not in ("latlon", "lonlat"):
        msg = f"order must be 'latlon' or 'lonlat', not {order!r}"
        raise InputError(msg)
    return _by_unique(values, lambda text: _parse_one(text, order))


def parse_mgrs(values: Sequence[str | None]) -> pd.DataFrame:
    """Read MGRS grid references; each position is the centre of the square it names.

    Examples
    --------
    >>> parse_mgrs(["36SYC4665", "36SYC999"])[["uncertainty_m", "error"]].values.tolist()
    [[707.1067811865476, ''], [nan, "invalid MGRS reference '36SYC999': odd number of digits"]]
    """
    return _by_unique(values, _parse_mgrs_one)


def parse_dms_value(text: str) -> tuple[float, float]:
    r"""Read one angle (decimal degrees or DMS); return degrees and precision in degrees.

    A trailing or leading S or W makes it negative.

    Examples
    --------
    >>> parse_dms_value("33°07'24.5\"N")[0] == 33 + 7 / 60 + 24.5 / 3600
    True
    """
    value, precision, _ = _angle(text)
    return value, precision


def decimal_uncertainty_m(lat_text: Sequence[str], lon_text: Sequence[str]) -> np.ndarray:
    """Half a unit of the last digit written, as metres, for separate lat/lon texts.

    Examples
    --------
    >>> decimal_uncertainty_m(["33.1", "33.12345"], ["35.8", "35.81234"]).round(2).tolist()
    [5566.0, 0.56]
    """
    lat_s = pd.Series(list(lat_text), dtype=object).astype(str).str.strip()
    lon_s = pd.Series(list(lon_text), dtype=object).astype(str).str.strip()
    lat_dec = _decimals(lat_s)
    lon_dec = _decimals(lon_s)
    lat_val = pd.to_numeric(lat_s, errors="coerce").to_numpy(dtype=float)
    half_lat = 0.5 * 10.0 ** (-lat_dec) * _M_PER_DEG
    half_lon = 0.5 * 10.0 ** (-lon_dec) * _M_PER_DEG * np.cos(np.radians(np.nan_to_num(lat_val)))
    return np.maximum(half_lat, np.abs(half_lon))


def _decimals(s: pd.Series) -> np.ndarray:
    frac = s.str.extract(r"[.,](\d+)\s*$")[0]
    return frac.str.len().fillna(0).to_numpy(dtype=float)


# --------------------------------------------------------------------------------------


def _by_unique(values, parse_one) -> pd.DataFrame:
    series = pd.Series(list(values), dtype=object)
    keys = series.map(lambda v: v.strip() if isinstance(v, str) else "")
    parsed = {key: parse_one(key) for key in keys.unique()}
    rows = [parsed[k] for k in keys]
    out = pd.DataFrame(rows, columns=list(_COLUMNS))
    out[["lon", "lat", "uncertainty_m"]] = out[["lon", "lat", "uncertainty_m"]].astype(float)
    return out


def _fail(message: str) -> tuple:
    return (math.nan, math.nan, math.nan, message, "")


def _parse_one(text: str, order: str) -> tuple:
    if not text:
        return _fail("empty")
    if _MGRS_RE.match(text):
        return _parse_mgrs_one(text)
    cleaned = text.strip().strip("()[]{}")
    parts = _split_pair(cleaned)
    if parts is None:
        numbers = re.findall(r"\d+(?:[.,]\d+)?", cleaned)
        if not numbers:
            return _fail(f"cannot read {text!r} as coordinates")
        if len(numbers) == 1:
            return _fail(f"only one number in {text!r}; a latitude and a longitude are needed")
        return _fail(f"cannot split {text!r} into a latitude and a longitude")
    try:
        (a, pa, ha), (b, pb, hb) = (_angle(p) for p in parts)
    except InputError as exc:
        return _fail(str(exc).replace("{text}", text))
    dms = any(_SEPARATORS.search(p) or len(re.findall(_NUMBER, p)) > 1 for p in parts)
    kind = "dms" if dms else "decimal"
    if ha in "EW" and ha and hb in "NS" and hb:
        a, pa, b, pb = b, pb, a, pa
    elif not (ha in "NS" and ha) and order == "lonlat":
        a, pa, b, pb = b, pb, a, pa
    lat, lon = a, b
    if abs(lat) > 90:
        return _fail(f"latitude {lat:g} is outside ±90")
    if abs(lon) > 180:
        return _fail(f"longitude {lon:g} is outside ±180")
    half_lat = 0.5 * pa * _M_PER_DEG
    half_lon = 0.5 * pb * _M_PER_DEG * math.cos(math.radians(lat))
    return (lon, lat, max(half_lat, half_lon), "", kind)


def _split_pair(text: str) -> list[str] | None:
    """Split into the latitude and the longitude parts, or None."""
    for sep in (";", "|", "/"):
        if sep in text:
            parts = [p.strip() for p in text.split(sep)]
            return parts if len(parts) == 2 and all(parts) else None
    # hemisphere letters split unambiguously: "33°07'N 35°49'E", "N33.1 E35.8"
    letters = [m for m in _HEMI.finditer(text)]
    if len(letters) == 2:
        first, second = letters
        if first.start() == 0 or text[: first.start()].strip() == "":
            cut = second.start()  # letters lead: "N33.1 E35.8"
        else:
            cut = first.end()  # letters trail: "33.1N 35.8E"
        parts = [text[:cut].strip(" ,"), text[cut:].strip(" ,")]
        return parts if all(parts) else None
    if text.count(",") == 1:
        parts = [p.strip() for p in text.split(",")]
        return parts if all(parts) else None
    numbers = re.findall(_NUMBER, text)
    if len(numbers) == 2 and text.count(",") in (0, 2):
        return [n.replace(",", ".") for n in numbers]
    if "," not in text:
        tokens = text.split()
        if len(tokens) in (4, 6) and all(re.fullmatch(_NUMBER, t) for t in tokens):
            half = len(tokens) // 2  # "33 07 24 35 49 12": two DMS triples
            return [" ".join(tokens[:half]), " ".join(tokens[half:])]
    return None


def _angle(text: str) -> tuple[float, float, str]:
    """(degrees, precision in degrees, hemisphere letter or '') for one angle."""
    raw = text.strip()
    hemi = ""
    m = re.fullmatch(r"([NSEW])?\s*(.*?)\s*([NSEW])?", raw)
    lead, body, trail = m.group(1), m.group(2), m.group(3)
    if lead and trail:
        msg = f"cannot read {raw!r}: two hemisphere letters"
        raise InputError(msg)
    hemi = (lead or trail or "").upper()
    numbers = re.findall(r"[+-]?\d+(?:[.,]\d+)?", body)
    leftover = re.sub(r"[+-]?\d+(?:[.,]\d+)?", " ", body)
    leftover = _SEPARATORS.sub(" ", leftover).strip()
    if leftover or not numbers or len(numbers) > 3:
        msg = f"cannot read {raw!r} as an angle"
        raise InputError(msg)
    values = [float(n.replace(",", ".")) for n in numbers]
    if len(numbers) > 1 and any(v < 0 for v in values[1:]):
        msg = f"cannot read {raw!r}: only the degrees may carry a sign"
        raise InputError(msg)
    degrees = values[0]
    sign = -1.0 if degrees < 0 or numbers[0].startswith("-") else 1.0
    degrees = abs(degrees)
    minutes = values[1] if len(values) > 1 else 0.0
    seconds = values[2] if len(values) > 2 else 0.0
    if len(values) > 1 and not degrees.is_integer():
        msg = f"broken DMS {raw!r}: degrees with decimals cannot be followed by minutes"
        raise InputError(msg)
    if minutes >= 60:
        msg = f"broken DMS {raw!r}: minutes must be below 60"
        raise InputError(msg)
    if seconds >= 60:
        msg = f"broken DMS {raw!r}: seconds must be below 60"
        raise InputError(msg)
    if len(values) == 3 and not minutes.is_integer():
        msg = f"broken DMS {raw!r}: minutes with decimals cannot be followed by seconds"
        raise InputError(msg)
    value = degrees + minutes / 60.0 + seconds / 3600.0
    last = numbers[-1]
    decimals = len(re.split(r"[.,]", last)[1]) if re.search(r"[.,]", last) else 0
    unit = (1.0, 1 / 60.0, 1 / 3600.0)[len(numbers) - 1]
    precision = unit * 10.0 ** (-decimals)
    if hemi in ("S", "W"):
        sign = -1.0
    return sign * value, precision, hemi


def _parse_mgrs_one(text: str) -> tuple:
    if not text:
        return _fail("empty")
    m = _MGRS_RE.match(text)
    if not m:
        return _fail(f"invalid MGRS reference {text!r}: not of the form 36SYC1234567890")
    zone, band, square, east, north = m.groups()
    digits = east + north
    if len(digits) % 2:
        return _fail(f"invalid MGRS reference {text!r}: odd number of digits")
    if len(digits) > 10:
        return _fail(f"invalid MGRS reference {text!r}: more than 10 digits")
    half = len(digits) // 2
    east, north = digits[:half], digits[half:]
    size_m = 10.0 ** (5 - half)
    # the centre of the square: one more digit, a 5, on each axis (1 m squares: exact)
    if half < 5:
        east, north = east + "5", north + "5"
    reference = f"{int(zone):02d}{band.upper()}{square.upper()}{east}{north}"
    try:
        lat, lon = _mgrs.MGRS().toLatLon(reference)
    except Exception as exc:  # mgrs raises MGRSError and kin
        reason = str(exc).strip() or type(exc).__name__
        return _fail(f"invalid MGRS reference {text!r} ({reason})")
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return _fail(f"invalid MGRS reference {text!r}")
    radius = size_m * math.sqrt(2.0) / 2.0 if half < 5 else 0.5 * math.sqrt(2.0)
    return (float(lon), float(lat), radius, "", "mgrs")
