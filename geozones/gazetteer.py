"""Place names to positions, with the bundled gazetteer and without guessing.

Analysts write "Daraa", "Dar'a", "Deraa", "Dar`a" or "درعا" for one town. Names are
normalised by :func:`normalize_place_name` (accents, apostrophes and ʿayn marks dropped,
Arabic letter forms unified, UCDP's "… town" / "… governorate" suffixes removed) and looked
up in tiers, stopping at the first tier that matches:

1. the primary name;
2. an alternative name (any script: GeoNames lists Arabic, Hebrew and many
   transliterations);
3. either of them with a leading Arabic article ("al", "el", "ad", "ash"… or "ال") dropped
   on both sides;
4. for Arabic input only, the Arabic-script names with the article dropped from every word.

There is no fuzzy matching. A name that matches nothing is reported as unknown (with the
closest primary names as a hint, never used: ``difflib.get_close_matches``, computed once
per distinct name with its cheap bounds vectorised, and for about the first 20,000
distinct unknown names of one lookup only, so that a file of made-up names stays fast).
Matches within ``SAME_PLACE_M`` of each other are one place (the most populous entry is
used); matches farther apart make the name ambiguous, unless a governorate (``admin1``)
narrows them down.

A resolved place's ``uncertainty_m`` is a rough radius of a settlement of its population
(``PLACE_RADII_M``); GeoNames' population 0 means unknown and counts as a village:

==========================  ==========
population                  radius
==========================  ==========
below 10,000 (or unknown)   1,000 m
10,000 to 99,999            2,000 m
100,000 to 999,999          5,000 m
1,000,000 and more          10,000 m
Mount Hermon                5,000 m
==========================  ==========

The bundled places are GeoNames cities500 (CC BY 4.0), the Natural Earth towns GeoNames
lacks (the others add their spellings to the GeoNames entry) and Mount Hermon, Natural
Earth's "Jabal ash Shaykh".

Examples
--------
>>> gaz = Gazetteer.bundled()
>>> gaz.lookup(["Deraa", "درعا", "Daraa town"])["place_id"].tolist()
['geonames:170905', 'geonames:170905', 'geonames:170905']
>>> gaz.lookup(["Jaba"], admin1=["Quneitra"])["place"].tolist()
['Jabā']
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd

from geozones import datasets, geodesy
from geozones.errors import GeometryError, InputError

__all__ = [
    "HERMON_RADIUS_M",
    "LOOKUP_COLUMNS",
    "PLACE_RADII_M",
    "SAME_PLACE_M",
    "Gazetteer",
    "normalize_place_name",
]

#: Uncertainty radius of a place given only by name, in metres, by population: a place with
#: fewer people than a key gets that key's radius, a rough radius of a settlement of that
#: size. A population of 0 (unknown, common for Syrian villages) counts as a village.
PLACE_RADII_M: dict[float, float] = {
    10_000: 1_000.0,
    100_000: 2_000.0,
    1_000_000: 5_000.0,
    math.inf: 10_000.0,
}
#: Uncertainty radius of Mount Hermon (Jabal ash Shaykh), a massif rather than a point.
HERMON_RADIUS_M = 5_000.0
#: Matches closer than this, in metres, are one place (e.g. GeoNames and Natural Earth both
#: list it); farther apart they make a name ambiguous.
SAME_PLACE_M = 5_000.0
#: Columns of :meth:`Gazetteer.lookup`'s result, in order.
LOOKUP_COLUMNS = ("lon", "lat", "place", "place_id", "admin1", "uncertainty_m", "error", "note")

_LOOKUP_DTYPES = {c: float if c in ("lon", "lat", "uncertainty_m") else str for c in LOOKUP_COLUMNS}
_HERMON_ALIASES = ("Mount Hermon", "Hermon", "Jabal al-Shaykh", "Jebel esh Sheikh", "Har Hermon")
_MAX_LISTED = 5  # places listed in an ambiguity error
_HINTS_KEPT = 16_384  # distinct unknown names whose hints are remembered
_HINT_BUDGET = 30_000_000  # candidate names one lookup may compare for hints (~20,000 names)
_MAX_COUNT = 10_000  # a letter's count is capped: int16, and no name is that long

# Removed before decomposition: ´ would otherwise decompose to a space and a combining accent.
_APOSTROPHES = dict.fromkeys(map(ord, "'`´‘’‛′ʹʻʼʽʾʿˈˊˋ"), None)
_ARABIC_FORMS = str.maketrans(
    {"ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ـ": None}  # tatweel dropped
)
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_./\\,;:()\[\]\"|]+")
# Trailing words removed (never the first): removed word by word, as a regex anchored at
# the end would try every start and take quadratic time on a cell of "town town town…"
_ADMIN_SUFFIX_WORDS = frozenset(
    ("governorate", "province", "muhafazah", "muhafazat", "district", "subdistrict")
    + ("town", "village", "city")
)
_ARTICLE = re.compile(
    r"^(?:(?:al|el|il|ul|ad|adh|ar|as|ash|at|ath|az|an|ed|er|es|esh|et|ez|en)\s|ال)"
)
_ARABIC_WORD_ARTICLE = re.compile(r"(?:^|(?<=\s))ال")
_ARABIC = re.compile("[\u0600-\u06ff]")
_ADMIN_WORDS = re.compile(
    r"\b(?:governorate|province|muhafazah|muhafazat|mohafazat|district|محافظه)\b"
)
# Spellings of the Syrian governorates near the Golan, to the normalised GeoNames name.
_ADMIN1_SPELLINGS = {
    "daraa": ("dara", "deraa", "dera", "daraa", "درعا"),
    "quneitra": ("quneitra", "qunaytirah", "qunaytira", "qunaitra", "kuneitra", "القنيطره"),
    "suwayda": ("suwayda", "sweida", "suwaida", "swaida", "السويداء", "السويدا"),
    "rif dimashq": (
        "rif dimashq",
        "reef dimashq",
        "rif damascus",
        "rif dimashk",
        "rural damascus",
        "damascus countryside",
        "ريف دمشق",
    ),
    "dimashq": ("damascus", "dimashq", "دمشق"),
    "homs": ("homs", "hims", "حمص"),
}


def normalize_place_name(text: str) -> str:
    """Normalise a place name for lookup.

    Accents and other combining marks are dropped (ţ → t), as are apostrophes, ʿayn and
    hamza marks (' ` ‘ ’ ʿ ʾ) and invisible format characters; the text is case-folded,
    hyphens, underscores, dots and other separators become single spaces. In Arabic script
    the harakat and tatweel are dropped and letter forms unified (أ إ آ ٱ → ا, ة → ه,
    ى → ي). A trailing administrative word (" governorate", " district", " town",
    " village", " city"…, as in UCDP's "Daraa town") is removed.

    Parameters
    ----------
    text
        A place name as written; anything but a string gives ``""``.

    Returns
    -------
    str
        The normalised name, ``""`` for an empty name.

    Examples
    --------
    >>> normalize_place_name("Dar‘ā"), normalize_place_name("Al-Qunayţirah town")
    ('dara', 'al qunaytirah')
    >>> normalize_place_name("أَذْرِعَات") == normalize_place_name("اذرعات")
    True
    """
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    text = "".join(
        c for c in text if not unicodedata.combining(c) and unicodedata.category(c) != "Cf"
    )
    words = _SEPARATORS.sub(" ", text.translate(_ARABIC_FORMS).casefold()).split()
    end = len(words)
    while end > 1 and words[end - 1] in _ADMIN_SUFFIX_WORDS:
        end -= 1
    return " ".join(words[:end])


def _drop_article(key: str) -> str:
    return _ARTICLE.sub("", key, count=1)


def _arabic_loose(key: str) -> str:
    return re.sub(r"\s+", " ", _ARABIC_WORD_ARTICLE.sub("", key)).strip()


def _admin_key(text: object) -> str:
    key = _ADMIN_WORDS.sub("", normalize_place_name(text))  # type: ignore[arg-type]
    key = _drop_article(re.sub(r"\s+", " ", key).strip())
    return _ADMIN_CANONICAL.get(key, key)


_ADMIN_CANONICAL: dict[str, str] = {}
for _canonical, _spellings in _ADMIN1_SPELLINGS.items():
    for _spelling in _spellings:
        _ADMIN_CANONICAL[_drop_article(normalize_place_name(_spelling))] = _canonical


def _radius_m(population: pd.Series) -> np.ndarray:
    uppers = np.array(sorted(PLACE_RADII_M), dtype=float)
    radii = np.array([PLACE_RADII_M[u] for u in sorted(PLACE_RADII_M)])
    pop = np.nan_to_num(population.to_numpy(dtype=float, na_value=0.0), nan=0.0)
    return radii[np.minimum(np.searchsorted(uppers, pop, side="right"), len(radii) - 1)]


def _name_list(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value if isinstance(v, str) and v]  # type: ignore[attr-defined]


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


class Gazetteer:
    """Look place names up, in bulk, reporting unknown and ambiguous names.

    Parameters
    ----------
    places
        Points, one per place, in EPSG:4326 (other CRSs are transformed; none is taken as
        EPSG:4326), with a ``name`` column and optionally ``alternatenames`` (a list of
        strings per place), ``admin1`` (governorate or district), ``population``,
        ``place_id`` (default ``"place:<row>"``) and ``uncertainty_m`` (radius in metres;
        by default from the population, see ``PLACE_RADII_M``).

    Raises
    ------
    InputError
        `places` is not a GeoDataFrame or has no ``name`` column.
    GeometryError
        A geometry is missing, empty or not a point (the message names the row).

    Examples
    --------
    >>> from shapely import Point
    >>> mine = gpd.GeoDataFrame({"name": ["Tel Faris"], "alternatenames": [["Tall Faris"]]},
    ...                         geometry=[Point(35.86, 32.90)], crs=4326)
    >>> Gazetteer(mine).lookup(["Tall Faris"])[["lat", "place_id"]].values.tolist()
    [[32.9, 'place:0']]
    """

    def __init__(self, places: gpd.GeoDataFrame) -> None:
        #: The places, one row each, with all the columns above (read-only: :meth:`extend`
        #: makes new gazetteers).
        self.places = _place_table(places)
        self._lon, self._lat = _xy(self.places)
        self._population = self.places["population"].to_numpy(dtype=float)
        self._admin = [_admin_key(a) for a in self.places["admin1"]]
        self._index = self._build_index()
        self._close: _CloseNames | None = None

    def __len__(self) -> int:
        return len(self.places)

    def __repr__(self) -> str:
        return f"<Gazetteer: {len(self)} places>"

    def _build_index(self) -> list[dict[str, dict[int, str]]]:
        """Normalised name → {place row: name as written}, one dict per tier."""
        tiers: list[dict[str, dict[int, str]]] = [{}, {}, {}, {}]

        def add(tier: int, key: str, i: int, written: str) -> None:
            if key:
                tiers[tier].setdefault(key, {}).setdefault(i, written)

        for i, (name, alternates) in enumerate(
            zip(self.places["name"], self.places["alternatenames"], strict=True)
        ):
            primary = normalize_place_name(name)
            add(0, primary, i, name)
            keyed = [(primary, name)]
            for alt in alternates:
                key = normalize_place_name(alt)
                add(1, key, i, alt)
                keyed.append((key, alt))
            for key, written in keyed:
                add(2, _drop_article(key), i, written)
                if _ARABIC.search(key):
                    add(3, _arabic_loose(key), i, written)
        return tiers

    @classmethod
    def bundled(cls) -> Gazetteer:
        """The gazetteer of the bundled layers, built once and shared.

        GeoNames cities500 places, the Natural Earth towns GeoNames lacks (a town within
        ``SAME_PLACE_M`` of a GeoNames place of the same normalised name adds its spellings
        to it instead) and Mount Hermon (Natural Earth's "Jabal ash Shaykh", with the
        aliases "Mount Hermon", "Hermon", "Jabal al-Shaykh", "Jebel esh Sheikh" and
        "Har Hermon" and an uncertainty of ``HERMON_RADIUS_M``).

        Returns
        -------
        Gazetteer
            The same object on every call; use :meth:`extend` to add to it.

        Examples
        --------
        >>> Gazetteer.bundled() is Gazetteer.bundled()
        True
        """
        return _bundled()

    def extend(
        self,
        names_to_aliases: Mapping[str, Sequence[str]] | None = None,
        places: gpd.GeoDataFrame | None = None,
    ) -> Gazetteer:
        """Return a new gazetteer with more aliases for known places, or more places.

        Parameters
        ----------
        names_to_aliases
            ``{place: [alias, ...]}``, where a place is a ``place_id`` or a name this
            gazetteer resolves to one place.
        places
            More places, with the columns :class:`Gazetteer` takes.

        Returns
        -------
        Gazetteer
            A new object; this one is unchanged.

        Raises
        ------
        InputError
            A place to add aliases to is unknown or ambiguous.

        Examples
        --------
        >>> g = Gazetteer.bundled().extend({"Dar'a": ["Hawran capital"]})
        >>> g.lookup(["Hawran capital"])["place_id"].tolist()
        ['geonames:170905']
        """
        table = self.places.copy()
        alternates = [list(a) for a in table["alternatenames"]]
        ids = table["place_id"].to_numpy()
        for place, aliases in (names_to_aliases or {}).items():
            if place not in set(ids):
                found = self.lookup([place])
                if found["error"].iloc[0]:
                    msg = f"cannot add aliases to {place!r}: {found['error'].iloc[0]}"
                    raise InputError(msg)
                place = found["place_id"].iloc[0]
            for i in np.flatnonzero(ids == place):
                alternates[i] += _name_list(aliases)
        table["alternatenames"] = alternates
        if places is not None:
            more = _place_table(places, first_id=len(table))
            table = pd.concat([table, more], ignore_index=True)
        return Gazetteer(gpd.GeoDataFrame(table, geometry="geometry", crs=4326))

    def lookup(
        self,
        names: Sequence[str | None],
        *,
        admin1: Sequence[str | None] | None = None,
    ) -> pd.DataFrame:
        """Resolve place names; one output row per input name, in order.

        Each distinct (name, admin1) pair is resolved once, so long inputs with few
        distinct names are fast.

        Parameters
        ----------
        names
            Place names as written; ``None``, NaN and blank names give ``"no place name"``.
        admin1
            Optional governorate or district per name (``"Daraa Governorate"``,
            ``"Quneitra"``, ``"Rural Damascus"``…), the same length as `names`. Where given,
            only places in it count (its admin1 equal to it or else containing it), and the
            first tier with a match in it is used; if no match is in it, it is ignored and
            the note says so.

        Returns
        -------
        pandas.DataFrame
            Index 0..n-1 and the columns ``LOOKUP_COLUMNS``: ``lon``, ``lat`` (degrees,
            NaN when unresolved), ``place`` (the resolved place's name), ``place_id``
            (e.g. ``"geonames:170905"``), ``admin1``, ``uncertainty_m`` (radius of the
            place in metres, see ``PLACE_RADII_M``), ``error`` (``""`` or why it was not
            resolved: no, unknown or ambiguous name, an unknown one with a "did you mean"
            hint when a primary name is close) and ``note`` (``""`` or how it matched,
            e.g. ``"matched alternative name 'Deraa'"``).

        Raises
        ------
        InputError
            `names` is a single string, or `admin1` is of another length.

        Examples
        --------
        >>> out = Gazetteer.bundled().lookup(["Quneitra", None, "Quneitra"])
        >>> out["place"].tolist(), out["error"].tolist()
        (['Al Qunayţirah', '', 'Al Qunayţirah'], ['', 'no place name', ''])
        """
        if isinstance(names, str):
            msg = "names must be a sequence of place names, not one string"
            raise InputError(msg)
        name_values = pd.Series(np.asarray(list(names), dtype=object), dtype=object)
        n = len(name_values)
        if admin1 is None:
            admin_values = pd.Series(np.full(n, None, dtype=object))
        else:
            if isinstance(admin1, str):
                msg = "admin1 must be a sequence (one value per name), not one string"
                raise InputError(msg)
            admin_values = pd.Series(np.asarray(list(admin1), dtype=object), dtype=object)
            if len(admin_values) != n:
                msg = f"admin1 has {len(admin_values)} values for {n} names"
                raise InputError(msg)
        name_codes, name_uniques = pd.factorize(name_values)
        admin_codes, admin_uniques = pd.factorize(admin_values)
        width = len(admin_uniques) + 1
        pairs, pair_uniques = pd.factorize((name_codes + 1) * width + (admin_codes + 1))
        solved: dict[tuple[str, str], tuple] = {}
        budget = _HintBudget(_HINT_BUDGET)
        rows = []
        for pair in pair_uniques:
            i, j = divmod(int(pair), width)
            name = name_uniques[i - 1] if i else ""  # code 0: None or NaN
            admin = admin_uniques[j - 1] if j else ""
            key = (str(name).strip() if i else "", str(admin).strip() if j else "")
            if key not in solved:
                solved[key] = self._resolve(*key, budget=budget)
            rows.append(solved[key])
        result = pd.DataFrame(rows, columns=list(LOOKUP_COLUMNS)).astype(_LOOKUP_DTYPES)
        return result.iloc[pairs].reset_index(drop=True)

    def _resolve(self, name: str, admin: str, *, budget: _HintBudget | None = None) -> tuple:
        """Lookup of one stripped name and governorate: a row of LOOKUP_COLUMNS."""
        unresolved = (np.nan, np.nan, "", "", "", np.nan)
        key = normalize_place_name(name)
        if not key:
            return (*unresolved, "no place name", "")
        probes = [key, key, _drop_article(key), _arabic_loose(key) if _ARABIC.search(key) else ""]
        tiers = [(t, self._index[t].get(probe, {})) for t, probe in enumerate(probes) if probe]
        tiers = [(t, hits) for t, hits in tiers if hits]
        if not tiers:
            hint = self._suggest(key, budget)
            return (*unresolved, f"unknown place name {name!r}{hint}", "")
        notes = []
        tier, hits = tiers[0]
        if admin:
            wanted = _admin_key(admin)
            narrowed = [(t, self._in_admin(h, wanted)) for t, h in tiers]
            narrowed = [(t, h) for t, h in narrowed if h]
            if narrowed:
                tier, hits = narrowed[0]
            else:
                notes.append(f"no place named {name!r} is in {admin!r}, so it was ignored")
        groups = self._same_places(list(hits))
        if len(groups) > 1:
            listed = ", ".join(self._describe(g[0]) for g in groups[:_MAX_LISTED])
            more = f" and {len(groups) - _MAX_LISTED} more" if len(groups) > _MAX_LISTED else ""
            msg = (
                f"ambiguous place name {name!r}: {len(groups)} places match: {listed}{more}; "
                "give coordinates or a governorate"
            )
            return (*unresolved, msg, "; ".join(notes))
        best = groups[0][0]
        written = hits[best]
        if tier == 1:
            notes.append(f"matched alternative name {written!r}")
        elif tier == 2:
            notes.append(f"matched {written!r} without the article")
        elif tier == 3:
            notes.append(f"matched Arabic name {written!r} without the article")
        place = self.places.iloc[best]
        return (
            float(self._lon[best]),
            float(self._lat[best]),
            place["name"],
            place["place_id"],
            place["admin1"],
            float(place["uncertainty_m"]),
            "",
            "; ".join(notes),
        )

    def _in_admin(self, hits: dict[int, str], wanted: str) -> dict[int, str]:
        """The hits whose admin1 is `wanted`, or else contains it as whole words."""
        if not wanted:
            return {}
        equal = {i: w for i, w in hits.items() if self._admin[i] == wanted}
        if equal:
            return equal
        return {i: w for i, w in hits.items() if f" {wanted} " in f" {self._admin[i]} "}

    def _same_places(self, hits: list[int]) -> list[list[int]]:
        """Group rows lying within SAME_PLACE_M of each other (single linkage).

        Each group is sorted by falling population, and groups by their first entry's.
        """
        idx = np.asarray(hits)
        lon, lat = self._lon[idx], self._lat[idx]
        near = geodesy.geodesic_distance(lon[:, None], lat[:, None], lon, lat) <= SAME_PLACE_M
        label = np.full(len(idx), -1)
        for start in range(len(idx)):
            if label[start] >= 0:
                continue
            label[start] = start
            todo = [start]
            while todo:
                k = todo.pop()
                for m in np.flatnonzero(near[k] & (label < 0)):
                    label[m] = start
                    todo.append(int(m))
        groups = []
        for lab in dict.fromkeys(label.tolist()):
            members = idx[label == lab].tolist()
            groups.append(sorted(members, key=lambda i: (-self._population[i], i)))
        return sorted(groups, key=lambda g: (-self._population[g[0]], g[0]))

    def _describe(self, i: int) -> str:
        admin = self.places["admin1"].iloc[i] or "no admin1"
        name = self.places["name"].iloc[i]
        return f"{name} ({admin}, {self._lat[i]:.4f}, {self._lon[i]:.4f})"

    def _suggest(self, key: str, budget: _HintBudget | None = None) -> str:
        if self._close is None:  # built on the first unknown name only (threads may race:
            self._close = _CloseNames(list(self._index[0]))  # both build the same thing)
        close = self._close(key, budget)
        if not close:
            return ""
        names = [self.places["name"].iloc[min(self._index[0][c])] for c in close]
        return "; did you mean " + " or ".join(repr(n) for n in dict.fromkeys(names)) + "?"


class _HintBudget:
    """How many more candidate names one lookup may compare for its hints."""

    def __init__(self, rows: int) -> None:
        self.rows = rows


class _CloseNames:
    """``difflib.get_close_matches(key, keys, n=3, cutoff=0.8)``, cheaply.

    difflib tries each candidate in turn: first an upper bound from the lengths, then one
    from the letters the two share (counted in Python, once per candidate), and only then
    the full ratio. Here the candidates are sorted by length, so the first bound is a slice,
    and the second is computed for the whole slice at once with numpy; difflib is left the
    few candidates that pass both, often none. The answer is the same, and an unknown name
    costs tens of microseconds instead of milliseconds. Answers are remembered by name, and
    a :class:`_HintBudget` bounds the work of one lookup.
    """

    def __init__(self, keys: list[str], *, n: int = 3, cutoff: float = 0.8) -> None:
        self.keys = sorted(keys, key=len)
        self.n, self.cutoff = n, cutoff
        self.lengths = np.array([len(k) for k in self.keys], dtype=np.int64)
        self.alphabet = {c: j for j, c in enumerate(sorted(set("".join(keys))))}
        # letter by candidate: a name's few letters each read one contiguous row
        self.counts = np.zeros((len(self.alphabet), len(keys)), dtype=np.int16)
        for i, k in enumerate(self.keys):
            for c, m in Counter(k).items():
                self.counts[self.alphabet[c], i] = min(m, _MAX_COUNT)
        self._known: dict[str, tuple[str, ...]] = {}

    def __call__(self, key: str, budget: _HintBudget | None = None) -> tuple[str, ...]:
        """Close names of `key`; () when none, or when `budget` is spent."""
        if key in self._known:
            return self._known[key]
        lo, hi = self._window(len(key))
        if budget is not None:
            if budget.rows < hi - lo:
                return ()
            budget.rows -= hi - lo
        found = self._find(key, lo, hi)
        if len(self._known) >= _HINTS_KEPT:
            self._known.clear()
        self._known[key] = found
        return found

    def _window(self, k: int) -> tuple[int, int]:
        """The slice of candidates whose lengths m allow 2·min(k, m) / (k + m) >= cutoff."""
        # one to spare on each side, so that rounding never drops one difflib would keep
        shortest = math.floor(k * self.cutoff / (2 - self.cutoff)) - 1
        longest = math.ceil(k * (2 - self.cutoff) / self.cutoff) + 1
        lo = int(np.searchsorted(self.lengths, shortest, side="left"))
        hi = int(np.searchsorted(self.lengths, longest, side="right"))
        return lo, max(lo, hi)

    def _find(self, key: str, lo: int, hi: int) -> tuple[str, ...]:
        if lo == hi:
            return ()
        shared = np.zeros(hi - lo, dtype=np.int32)
        for c, m in Counter(key).items():
            if c in self.alphabet:  # a letter no candidate has matches nothing
                shared += np.minimum(self.counts[self.alphabet[c], lo:hi], min(m, _MAX_COUNT))
        # difflib's quick_ratio, an upper bound of its ratio, in its own arithmetic
        bound = 2.0 * shared / (len(key) + self.lengths[lo:hi])
        candidates = [self.keys[lo + i] for i in np.flatnonzero(bound >= self.cutoff)]
        if not candidates:
            return ()
        return tuple(difflib.get_close_matches(key, candidates, n=self.n, cutoff=self.cutoff))


def _place_table(places: gpd.GeoDataFrame, first_id: int = 0) -> gpd.GeoDataFrame:
    """Check `places` and return it with every column a Gazetteer uses, in EPSG:4326."""
    if not isinstance(places, gpd.GeoDataFrame):
        msg = f"places must be a GeoDataFrame, not {type(places).__name__}"
        raise InputError(msg)
    if "name" not in places:
        msg = "places has no 'name' column"
        raise InputError(msg)
    if places.crs is not None and not places.crs.equals("EPSG:4326"):
        places = places.to_crs(4326)
    places = places.reset_index(drop=True)
    geometry = places.geometry
    bad = (geometry.isna() | geometry.is_empty | (geometry.geom_type != "Point")).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        msg = f"places row {i}: geometry must be a point, not {geometry.iloc[i]!r}"
        raise GeometryError(msg)
    none = pd.Series(None, index=places.index, dtype=object)

    def column(name: str) -> pd.Series:
        return places[name] if name in places else none

    population = pd.to_numeric(column("population"), errors="coerce").fillna(0.0)
    given_m = pd.to_numeric(column("uncertainty_m"), errors="coerce")
    table = pd.DataFrame(
        {
            "name": column("name").map(_text),
            "alternatenames": column("alternatenames").map(_name_list),
            "admin1": column("admin1").map(_text),
            "population": population.astype(float),
            "place_id": [
                v if isinstance(v, str) and v else f"place:{first_id + i}"
                for i, v in enumerate(column("place_id"))
            ],
            "uncertainty_m": given_m.fillna(pd.Series(_radius_m(population))).astype(float),
        }
    )
    return gpd.GeoDataFrame(table, geometry=geometry.to_numpy(), crs=4326)


def _xy(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    return gdf.geometry.x.to_numpy(dtype=float), gdf.geometry.y.to_numpy(dtype=float)


@cache
def _bundled() -> Gazetteer:
    return Gazetteer(_bundled_places())


def _bundled_places() -> gpd.GeoDataFrame:
    """GeoNames, the Natural Earth towns it lacks, and Mount Hermon, as one table."""
    geonames = datasets.load("gazetteer")
    gn = gpd.GeoDataFrame(
        {
            "name": geonames["name"].to_numpy(),
            "alternatenames": [_name_list(a) for a in geonames["alternatenames"]],
            "admin1": geonames["admin1_name_derived"].fillna("").to_numpy(),
            "population": geonames["population"].to_numpy(dtype=float),
            "place_id": ("geonames:" + geonames["geonameid"].astype(str)).to_numpy(),
        },
        geometry=geonames.geometry.to_numpy(),
        crs=4326,
    )
    gn_lon, gn_lat = _xy(gn)
    gn_keys = [
        {_drop_article(normalize_place_name(n)) for n in [name, *alts]}
        for name, alts in zip(gn["name"], gn["alternatenames"], strict=True)
    ]
    towns = datasets.load("towns")
    new = []
    for town in towns.itertuples(index=False):  # 27 towns
        spellings = [town.NAMEASCII, *_text(town.NAMEALT).split("|")]
        spellings = [s for s in dict.fromkeys(_name_list(spellings)) if s != town.NAME]
        keys = {_drop_article(normalize_place_name(s)) for s in [town.NAME, *spellings]}
        d = geodesy.geodesic_distance(town.geometry.x, town.geometry.y, gn_lon, gn_lat)
        same = [i for i in np.argsort(d) if d[i] <= SAME_PLACE_M and keys & gn_keys[i]]
        if same:  # GeoNames has it: keep its entry, add Natural Earth's spellings
            i = same[0]
            gn.at[i, "alternatenames"] = [*gn.at[i, "alternatenames"], town.NAME, *spellings]
            continue
        new.append(
            {
                "name": town.NAME,
                "alternatenames": spellings,
                "admin1": _text(town.ADM1NAME),
                "population": float(town.POP_MAX),
                "place_id": f"naturalearth:{town.NAME}",
                "geometry": town.geometry,
            }
        )
    peaks = datasets.load("elevation_points")
    for peak in peaks[peaks["name"] == "Jabal ash Shaykh"].itertuples(index=False):
        new.append(
            {
                "name": peak.name,
                "alternatenames": list(_HERMON_ALIASES),
                "admin1": "",
                "population": 0.0,
                "place_id": f"naturalearth:{peak.name}",
                "uncertainty_m": HERMON_RADIUS_M,
                "geometry": peak.geometry,
            }
        )
    extra = gpd.GeoDataFrame(new, geometry="geometry", crs=4326)
    return gpd.GeoDataFrame(pd.concat([gn, extra], ignore_index=True), crs=4326)
