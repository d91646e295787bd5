"""Place names to positions, with the bundled gazetteer and without guessing.

Analysts write "Daraa", "Dar'a", "Deraa", "Dar`a" or "درعا" for one town. Names are
normalised (accents, apostrophes and ʿayn marks dropped, Arabic letter forms unified,
UCDP's "… town" / "… village" suffixes removed) and looked up in tiers: primary names,
then alternative names, then both without a leading Arabic article ("al", "ad", "ash"…).
There is no fuzzy matching: a name that matches nothing is reported as unknown (with the
closest spellings as a hint), and a name that matches places more than 5 km apart is
reported as ambiguous, unless a governorate narrows it down.

The places are GeoNames cities500 (CC BY 4.0), Natural Earth's large towns and Mount
Hermon (Natural Earth's "Jabal ash Shaykh").

Examples
--------
>>> gaz = Gazetteer.bundled()
>>> gaz.lookup(["Deraa", "درعا", "Jaba"])[["place", "error"]].values.tolist()[:2]
[['Dar‘ā', ''], ['Dar‘ā', '']]
>>> gaz.lookup(["Jaba"], admin1=["Quneitra"])["place_id"].tolist()
['geonames:169334']
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd

from geozones import datasets, geodesy

__all__ = ["PLACE_RADII_M", "SAME_PLACE_M", "Gazetteer", "normalize_place_name"]

#: Uncertainty radius of a place given by name: the extent of a settlement of that
#: population, (upper bound of population, radius in metres), first that fits.
PLACE_RADII_M = (
    (10_000, 1_000.0),
    (100_000, 2_000.0),
    (1_000_000, 5_000.0),
    (float("inf"), 10_000.0),
)
#: Matches closer than this are one place (GeoNames and Natural Earth both list it).
SAME_PLACE_M = 5_000.0
_HERMON_RADIUS_M = 5_000.0

_APOSTROPHES = "'`‘’ʿʾ´ʻʼ\u02bc\u2032"
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_ARABIC_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي"})
_SUFFIXES = re.compile(
    r"\s+(governorate|province|muhafazah|district|subdistrict|nahiya|town|village|city|camp|"
    r"area|region|countryside|countryside of)$"
)
_ARTICLE = re.compile(r"^(al|el|ad|ar|as|ash|at|az|an|ed|er|es|et|ez|en|adh|ath)\s+")
_ARABIC_ARTICLE = re.compile(r"^ال")


def normalize_place_name(text: str) -> str:
    """Normalise a place name for lookup.

    Examples
    --------
    >>> normalize_place_name("Dar‘ā"), normalize_place_name("Al-Qunayţirah town")
    ('dara', 'al qunaytirah')
    >>> normalize_place_name("درعا") == normalize_place_name("دَرْعَا")
    True
    """
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_FORMS)
    text = text.translate({ord(c): None for c in _APOSTROPHES}).lower()
    text = re.sub(r"[-_./,()]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return _SUFFIXES.sub("", text).strip()


def _without_article(name: str) -> str:
    return _ARABIC_ARTICLE.sub("", _ARTICLE.sub("", name))


def _admin_key(text: str) -> str:
    key = normalize_place_name(text)
    key = re.sub(r"\b(governorate|province|muhafazah|mohafazat)\b", "", key)
    key = key.replace("rural damascus", "rif dimashq").replace(
        "damascus countryside", "rif dimashq"
    )
    key = key.replace("dimashq", "dimashq").replace("-", " ")
    return re.sub(r"\s+", " ", key).strip()


def _radius_for(population: float) -> float:
    for upper, radius in PLACE_RADII_M:
        if population < upper:
            return radius
    return PLACE_RADII_M[-1][1]


class Gazetteer:
    """Look place names up, in bulk, reporting unknown and ambiguous names.

    Parameters
    ----------
    places
        A GeoDataFrame of points with columns ``name``, ``alternatenames`` (a list of
        strings), ``admin1``, ``population``, ``place_id`` and optionally
        ``uncertainty_m``.
    """

    def __init__(self, places: gpd.GeoDataFrame) -> None:
        places = places.reset_index(drop=True).copy()
        if "uncertainty_m" not in places:
            places["uncertainty_m"] = np.nan
        radius = places["population"].fillna(0).map(_radius_for)
        places["uncertainty_m"] = places["uncertainty_m"].fillna(radius)
        self.places = places
        self._lon = places.geometry.x.to_numpy()
        self._lat = places.geometry.y.to_numpy()
        self._admin = [_admin_key(a) for a in places["admin1"].fillna("")]
        tiers: list[dict[str, set[int]]] = [defaultdict(set) for _ in range(3)]
        for i, row in enumerate(places.itertuples(index=False)):  # builds the index once
            primary = normalize_place_name(row.name)
            alternates = {normalize_place_name(a) for a in (row.alternatenames or ())}
            tiers[0][primary].add(i)
            for a in alternates:
                tiers[1][a].add(i)
            for a in alternates | {primary}:
                tiers[2][_without_article(a)].add(i)
        self._tiers = [dict(t) for t in tiers]

    @classmethod
    @cache
    def bundled(cls) -> Gazetteer:
        """The gazetteer built from the bundled GeoNames, Natural Earth and Hermon points."""
        return cls(_bundled_places())

    def extend(
        self,
        names_to_aliases: Mapping[str, Sequence[str]] | None = None,
        places: gpd.GeoDataFrame | None = None,
    ) -> Gazetteer:
        """Return a new gazetteer with more aliases for known places, or more places.

        Examples
        --------
        >>> g = Gazetteer.bundled().extend({"Dar‘ā": ["Hawran capital"]})
        >>> g.lookup(["Hawran capital"])["place"].tolist()
        ['Dar‘ā']
        """
        table = self.places.copy()
        table["alternatenames"] = table["alternatenames"].map(list)
        for name, aliases in (names_to_aliases or {}).items():
            hits = table.index[table["name"] == name]
            if len(hits) == 0:
                msg = f"no place named {name!r} to add aliases to"
                raise KeyError(msg)
            for i in hits:
                table.at[i, "alternatenames"] = [*table.at[i, "alternatenames"], *aliases]
        if places is not None:
            table = pd.concat([table, places], ignore_index=True)
        return Gazetteer(gpd.GeoDataFrame(table, geometry="geometry", crs=4326))

    def lookup(
        self,
        names: Sequence[str | None],
        *,
        admin1: Sequence[str | None] | None = None,
    ) -> pd.DataFrame:
        """Resolve place names; one output row per input name, in order.

        Parameters
        ----------
        names
            Place names as written.
        admin1
            Optional governorate per name (``"Daraa Governorate"``, ``"Quneitra"``…) to
            choose between places of the same name.

        Returns
        -------
        pandas.DataFrame
            ``lon``, ``lat``, ``place``, ``place_id``, ``admin1``, ``uncertainty_m``,
            ``error`` ("" or why not) and ``note``.
        """
        names = list(names)
        admins = list(admin1) if admin1 is not None else [None] * len(names)
        keys = [
            (n.strip() if isinstance(n, str) else "", a.strip() if isinstance(a, str) else "")
            for n, a in zip(names, admins, strict=True)
        ]
        solved = {key: self._one(*key) for key in dict.fromkeys(keys)}
        columns = ["lon", "lat", "place", "place_id", "admin1", "uncertainty_m", "error", "note"]
        return pd.DataFrame([solved[k] for k in keys], columns=columns)

    def _one(self, name: str, admin: str) -> tuple:
        empty = (np.nan, np.nan, "", "", "", np.nan)
        if not name:
            return (*empty, "no place name", "")
        key = normalize_place_name(name)
        hits: list[int] = []
        tier_used = -1
        for tier, probe in enumerate((key, key, _without_article(key))):
            hits = sorted(self._tiers[tier].get(probe, ()))
            if hits:
                tier_used = tier
                break
        if not hits:
            hint = self._suggest(key)
            more = f"; did you mean {hint}?" if hint else ""
            return (*empty, f"unknown place name {name!r}{more}", "")
        note = ""
        if admin:
            wanted = _admin_key(admin)
            narrowed = [
                i for i in hits if wanted and (wanted in self._admin[i] or self._admin[i] in wanted)
            ]
            if narrowed:
                hits = narrowed
            else:
                note = f"governorate {admin!r} matched none of the places named {name!r}"
        groups = self._cluster(hits)
        if len(groups) > 1:
            listed = "; ".join(self._describe(g[0]) for g in groups[:5])
            more = f" and {len(groups) - 5} more" if len(groups) > 5 else ""
            msg = (
                f"ambiguous place name {name!r}: {len(groups)} places match: {listed}{more}; "
                "give coordinates or a governorate"
            )
            return (*empty, msg, note)
        best = max(groups[0], key=lambda i: self.places.at[i, "population"] or 0)
        row = self.places.loc[best]
        if tier_used == 2:
            text = f"{name!r} matched {row['name']} only without the article (al-, ad-, ...)"
            note = f"{note}; {text}" if note else text
        return (
            self._lon[best],
            self._lat[best],
            row["name"],
            row["place_id"],
            row["admin1"] if isinstance(row["admin1"], str) else "",
            float(row["uncertainty_m"]),
            "",
            note,
        )

    def _cluster(self, hits: list[int]) -> list[list[int]]:
        """Group matches lying within SAME_PLACE_M of each other."""
        groups: list[list[int]] = []
        for i in hits:
            for group in groups:
                d = geodesy.geodesic_distance(
                    self._lon[i], self._lat[i], self._lon[group[0]], self._lat[group[0]]
                )
                if float(d) <= SAME_PLACE_M:
                    group.append(i)
                    break
            else:
                groups.append([i])
        return groups

    def _describe(self, i: int) -> str:
        row = self.places.loc[i]
        admin = row["admin1"] if isinstance(row["admin1"], str) and row["admin1"] else "?"
        return f"{row['name']} ({admin}, {self._lat[i]:.3f}N {self._lon[i]:.3f}E)"

    def _suggest(self, key: str) -> str:
        close = difflib.get_close_matches(key, self._tiers[0].keys(), n=3, cutoff=0.8)
        if not close:
            return ""
        names = [self.places.at[min(self._tiers[0][c]), "name"] for c in close]
        return " or ".join(repr(n) for n in dict.fromkeys(names))


def _bundled_places() -> gpd.GeoDataFrame:
    geonames = datasets.load("gazetteer")
    frames = [
        gpd.GeoDataFrame(
            {
                "name": geonames["name"],
                "alternatenames": geonames["alternatenames"].map(
                    lambda a: [str(x) for x in a] if a is not None else []
                ),
                "admin1": geonames["admin1_name_derived"].fillna(""),
                "population": geonames["population"].astype(float),
                "place_id": "geonames:" + geonames["geonameid"].astype(str),
            },
            geometry=geonames.geometry,
            crs=4326,
        )
    ]
    towns = datasets.load("towns")
    gn_lon, gn_lat = geonames.geometry.x.to_numpy(), geonames.geometry.y.to_numpy()
    gn_names = {normalize_place_name(n) for n in geonames["name"]}
    keep = []
    for i, row in towns.iterrows():  # 27 towns: skip those GeoNames already has
        names = [row["NAME"], row["NAMEASCII"], *str(row["NAMEALT"] or "").split("|")]
        norm = {normalize_place_name(n) for n in names if isinstance(n, str) and n}
        d = geodesy.geodesic_distance(row.geometry.x, row.geometry.y, gn_lon, gn_lat)
        if not (norm & gn_names and float(np.min(d)) <= SAME_PLACE_M):
            keep.append(i)
    if keep:
        t = towns.loc[keep]
        frames.append(
            gpd.GeoDataFrame(
                {
                    "name": t["NAME"],
                    "alternatenames": [
                        [
                            n
                            for n in (r["NAMEASCII"], *str(r["NAMEALT"] or "").split("|"))
                            if n and n != "None"
                        ]
                        for _, r in t.iterrows()
                    ],
                    "admin1": t["ADM1NAME"].fillna(""),
                    "population": t["POP_MAX"].astype(float),
                    "place_id": "naturalearth:" + t["NAME"].astype(str),
                },
                geometry=t.geometry,
                crs=4326,
            )
        )
    peaks = datasets.load("elevation_points")
    hermon = peaks[peaks["name"] == "Jabal ash Shaykh"]
    frames.append(
        gpd.GeoDataFrame(
            {
                "name": hermon["name"],
                "alternatenames": [
                    ["Mount Hermon", "Hermon", "Jabal al-Shaykh", "Jebel esh Sheikh", "Har Hermon"]
                ]
                * len(hermon),
                "admin1": "",
                "population": 0.0,
                "place_id": "naturalearth:Jabal ash Shaykh",
                "uncertainty_m": _HERMON_RADIUS_M,
            },
            geometry=hermon.geometry,
            crs=4326,
        )
    )
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)
